// What a login flood from many addresses costs a member logging in at the
// same time (issue 16).  Every password check is an argon2id hash on the
// server's one crypto worker thread (core/worker.c), so a flood of checks
// queues in front of the member's.
//
// Two phases against one server, each D seconds:
//   quiet  the member alone, twice at once: from 127.0.0.1, an address the
//          account logged in from before (one connection, a login every
//          PAUSE ms), and from a new address for every login (127.1.0.N, ...);
//   flood  the same two, while K flooding addresses (127.0.0.10, ...,
//          bound with ws's localAddress) each keep C connections sending
//          wrong passwords for made-up logins, one after another, as fast as
//          the server answers (a new login name each time, so no per-account
//          wait ever applies: every try that is let in costs a full hash).
// For the member it prints the time from sending auth.login to being logged
// in (p50, p99, max; a login refused with rate_limited, "too many logins in
// progress", is retried after PAUSE ms and the time counts from the first
// try), and how many tries were refused; for the flood, the password checks
// per second the server completed and the refusals.
//
// usage: ACCORD_BIN=... ACCORD_PLUGIN_DIR=... ACCORD_SOURCE_DIR=... \
//        node bench/login_flood.mjs [K=32] [C=4] [D=15]
// Needs tests/integration/node_modules (npm ci there).  Bounded: K <= 200
// addresses, C <= 16 connections each, D <= 120 s per phase.
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const { startServer, connect, DEMO_PASSWORD, sleep } = await import(path.join(here, '../tests/integration/lib/harness.js'));

const K = Math.min(200, Math.max(1, Number(process.argv[2] || 32)));
const C = Math.min(16, Math.max(1, Number(process.argv[3] || 4)));
const D = Math.min(120, Math.max(1, Number(process.argv[4] || 15)));
const PAUSE = 200;
const MEMBER = 'undp';

function pct(xs, p) {
	if (!xs.length) return NaN;
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
const ms = (x) => (Number.isFinite(x) ? `${x.toFixed(0)} ms` : '-');

/** The member: log in, wait PAUSE, again, until the deadline. */
let freshN = 0; // over both phases: a new address is never reused
async function member(server, until, fresh) {
	let n = 0;
	const addr = () => (fresh ? `127.${1 + Math.floor(freshN / 250)}.0.${1 + (freshN % 250)}` : '127.0.0.1');
	if (fresh) freshN++;
	let c = await connect(server, { localAddress: addr() });
	const times = [];
	let refused = 0;
	let closed = 0;
	while (Date.now() < until) {
		const t0 = process.hrtime.bigint();
		if (fresh && n++) {
			freshN++;
			// every login from an address the account never used
			await c.close();
			c = await connect(server, { localAddress: addr() });
		}
		for (;;) {
			let r;
			try {
				if (!c.isOpen) c = await connect(server, { localAddress: addr() });
				r = await c.request('auth.login', { login: MEMBER, password: DEMO_PASSWORD }, { timeoutMs: 120_000 });
			} catch {
				// closed while waiting (the authentication deadline passed
				// while the password check was queued): connect again
				closed++;
				await sleep(PAUSE);
				continue;
			}
			if (r.ok) break;
			if (r.error.code !== 'rate_limited') throw new Error(`member login: ${JSON.stringify(r)}`);
			refused++;
			await sleep(PAUSE);
		}
		times.push(Number(process.hrtime.bigint() - t0) / 1e6);
		await sleep(PAUSE);
	}
	await c.close();
	return { times, refused, closed };
}

/** One flooding connection: wrong passwords, back to back, until the
 * deadline; reconnects when the server closes it for flooding. */
async function flooder(server, addr, idx, until, stats) {
	let n = 0;
	while (Date.now() < until) {
		let c;
		try {
			c = await connect(server, { localAddress: addr });
		} catch {
			stats.connectFailures++;
			await sleep(50);
			continue;
		}
		try {
			while (Date.now() < until) {
				const r = await c.request('auth.login', { login: `flood-${addr}-${idx}-${n++}`, password: 'not-it' }, { timeoutMs: 120_000 });
				if (r.ok) throw new Error('a flood login succeeded');
				if (r.error.code === 'unauthenticated') stats.checked++;
				else {
					stats.refused++;
					await sleep(5); // a refusal is cheap: do not spin the client
				}
			}
		} catch (e) {
			if (/succeeded/.test(e.message)) throw e;
			stats.closed++;
		}
		c.close();
	}
}

async function phase(server, flood) {
	const start = Date.now();
	const until = start + D * 1000;
	const stats = { checked: 0, refused: 0, closed: 0, connectFailures: 0 };
	const jobs = [];
	if (flood)
		for (let a = 0; a < K; a++)
			for (let i = 0; i < C; i++) jobs.push(flooder(server, `127.0.0.${10 + a}`, i, until, stats));
	// let the flood fill the queue before the member starts
	if (flood) await sleep(1000);
	const [known, fresh] = await Promise.all([member(server, until, false), member(server, until, true)]);
	await Promise.all(jobs);
	const secs = (Date.now() - start) / 1000;
	return { known, fresh, stats, secs };
}

const server = await startServer({
	limits: { max_connections: K * C + 100 },
	extraConfig: { log_level: 'warn' },
});
try {
	console.log(`login flood: ${K} addresses x ${C} connections, ${D} s per phase; ${os.cpus().length} CPUs (${os.cpus()[0].model})`);
	const quiet = await phase(server, false);
	const flood = await phase(server, true);
	const row = (name, who, m, r) =>
		`| ${name} | ${who} | ${m.times.length} | ${ms(pct(m.times, 50))} | ${ms(pct(m.times, 99))} | ${ms(Math.max(...m.times))} | ${m.refused} | ${m.closed} | ` +
		`${(r.stats.checked / r.secs).toFixed(1)} | ${r.stats.refused} |`;
	console.log('');
	console.log('| phase | member logs in from | logins | p50 | p99 | max | tries refused | connections closed while waiting | flood checks/s | flood tries refused |');
	console.log('|---|---|---|---|---|---|---|---|---|---|');
	console.log(row('quiet', 'known address', quiet.known, quiet));
	console.log(row('quiet', 'new address each time', quiet.fresh, quiet));
	console.log(row(`flood (${K} addresses x ${C})`, 'known address', flood.known, flood));
	console.log(row(`flood (${K} addresses x ${C})`, 'new address each time', flood.fresh, flood));
	if (flood.stats.closed || flood.stats.connectFailures)
		console.log(`\nflood connections closed by the server: ${flood.stats.closed}, failed connects: ${flood.stats.connectFailures}`);
} finally {
	await server.dispose();
}
