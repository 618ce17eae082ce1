// Slowloris: Debian's slowhttptest holds a few hundred HTTP connections open
// with headers that never end, for ~20 s, while other clients use the
// server.  The server must keep answering them (/healthz, a WebSocket login
// and sys.ping) and its memory must stay bounded.  With limits.max_connections
// low, the excess WebSocket connections must be refused (HTTP 503), while
// the loop keeps serving.
//
// slowhttptest missing is a failure, not a skip (apt-get install slowhttptest).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { startServer, connect, connectAs, closeAll, httpRequest, sleep } from './lib/harness.js';

const SLOW_CONNECTIONS = 300;
const ATTACK_SECONDS = 20;
const PROBE_BOUND_MS = 10_000; // generous: an answer, not a speed
const RSS_GROWTH_BOUND_KB = 150 * 1024;

function slowhttptestPath() {
	try {
		return execFileSync('sh', ['-c', 'command -v slowhttptest'], { encoding: 'utf8' }).trim();
	} catch {
		return '';
	}
}

function rssKb(pid) {
	const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
	return Number(/VmRSS:\s+(\d+)/.exec(s)[1]);
}

function openSockets(pid) {
	let n = 0;
	for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
		try {
			if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
		} catch {
			/* closed meanwhile */
		}
	}
	return n;
}

/** Starts slowhttptest in slow-headers mode against the server; resolves its output at exit. */
function attack(server, { connections = SLOW_CONNECTIONS, seconds = ATTACK_SECONDS } = {}) {
	const bin = slowhttptestPath();
	const args = ['-H', '-c', String(connections), '-r', String(connections), '-i', '3', '-l', String(seconds),
		'-s', '8192', '-t', 'GET', '-u', `http://127.0.0.1:${server.port}/healthz`, '-p', '3'];
	const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '';
	proc.stdout.on('data', (d) => (out += d));
	proc.stderr.on('data', (d) => (out += d));
	const done = new Promise((resolve) => proc.once('exit', (code) => resolve({ code, out })));
	return { proc, done };
}

/** Every second until stop(): /healthz, a new WebSocket with sys.ping, and a login every 5 s. */
function probeLoop(server, pid) {
	const failures = [];
	const stats = { probes: 0, maxRss: 0, maxSockets: 0, logins: 0 };
	let running = true;
	const loop = (async () => {
		for (let i = 0; running; i++) {
			const t0 = Date.now();
			try {
				const h = await httpRequest(server, '/healthz', { timeoutMs: PROBE_BOUND_MS });
				if (h.status !== 200) failures.push(`probe ${i}: /healthz answered ${h.status}`);
				const c = await connect(server, { timeoutMs: PROBE_BOUND_MS });
				try {
					if (i % 5 === 0) {
						await c.login('undp');
						stats.logins++;
					}
					const r = await c.request('sys.ping', {}, { timeoutMs: PROBE_BOUND_MS });
					if (r.ok !== true) failures.push(`probe ${i}: sys.ping answered ${JSON.stringify(r)}`);
				} finally {
					await c.close();
				}
				stats.probes++;
			} catch (e) {
				failures.push(`probe ${i} (${Date.now() - t0} ms): ${e.message}`);
			}
			stats.maxRss = Math.max(stats.maxRss, rssKb(pid));
			stats.maxSockets = Math.max(stats.maxSockets, openSockets(pid));
			await sleep(Math.max(0, 1000 - (Date.now() - t0)));
		}
	})();
	return {
		failures,
		stats,
		stop: async () => {
			running = false;
			await loop;
		},
	};
}

describe('slowloris (slowhttptest)', { timeout: 180_000 }, () => {
	test('slowhttptest is installed', () => {
		assert.ok(slowhttptestPath(), 'slowhttptest is not installed (apt-get install slowhttptest)');
	});

	describe('default limits', () => {
		let server;
		before(async () => {
			server = await startServer();
		});
		after(async () => {
			if (server) await server.dispose();
		});

		test('the server keeps answering other clients and its memory stays bounded', async () => {
			const pid = server.proc.pid;
			// warm up (first login, first pages) before the baseline
			const warm = await connectAs(server, 'iom');
			await warm.close();
			const baseRss = rssKb(pid);
			const a = attack(server);
			await sleep(2000); // let the slow connections open
			const probes = probeLoop(server, pid);
			const { code, out } = await a.done;
			await probes.stop();
			const { stats, failures } = probes;
			// The attack really held connections: the server saw them.
			assert.ok(stats.maxSockets >= SLOW_CONNECTIONS / 2,
				`the server never had many sockets open (max ${stats.maxSockets}); slowhttptest output:\n${out}`);
			assert.notEqual(code, null, 'slowhttptest was killed');
			assert.deepEqual(failures, [], `clients were not served during the attack:\n${failures.join('\n')}`);
			assert.ok(stats.probes >= ATTACK_SECONDS / 4, `only ${stats.probes} probes completed`);
			assert.ok(stats.logins >= 1, 'no login completed during the attack');
			assert.ok(stats.maxRss - baseRss < RSS_GROWTH_BOUND_KB,
				`RSS grew from ${baseRss} kB to ${stats.maxRss} kB during the attack`);
			assert.ok(server.running, 'the server exited during the attack');
			// and it is still fine afterwards
			const h = await httpRequest(server, '/healthz');
			assert.equal(h.status, 200);
			console.log(`slowloris (default limits): ${stats.probes} probes ok, ${stats.maxSockets} sockets at most, ` +
				`RSS ${baseRss} -> ${stats.maxRss} kB`);
		});
	});

	describe('limits.max_connections low', () => {
		const MAX = 20;
		let server;
		before(async () => {
			server = await startServer({ limits: { max_connections: MAX } });
		});
		after(async () => {
			if (server) await server.dispose();
		});

		test('excess WebSocket connections are refused with 503 while the loop keeps serving', async () => {
			const pid = server.proc.pid;
			const a = attack(server);
			await sleep(2000);
			const held = [];
			const refused = [];
			const other = [];
			try {
				// fill the WebSocket slots, then some more
				for (let i = 0; i < MAX + 5; i++) {
					try {
						held.push(await connect(server, { timeoutMs: PROBE_BOUND_MS }));
					} catch (e) {
						if (e.status === 503) refused.push(e);
						else other.push(e.message);
					}
				}
				assert.deepEqual(other, [], `handshakes failed otherwise than with 503:\n${other.join('\n')}`);
				assert.equal(held.length, MAX, `${held.length} WebSocket connections accepted with max_connections ${MAX}`);
				assert.equal(refused.length, 5, 'excess connections not refused with 503');
				// The loop still serves: HTTP and the connections it holds.
				const h = await httpRequest(server, '/healthz', { timeoutMs: PROBE_BOUND_MS });
				assert.equal(h.status, 200);
				const r = await held[0].request('sys.ping', {}, { timeoutMs: PROBE_BOUND_MS });
				assert.equal(r.ok, true);
				await held[1].login('undp');
				// A slot freed is usable again.
				await held.pop().close();
				await sleep(200);
				const again = await connect(server, { timeoutMs: PROBE_BOUND_MS });
				held.push(again);
				assert.equal((await again.request('sys.ping', {}, { timeoutMs: PROBE_BOUND_MS })).ok, true);
				assert.ok(openSockets(pid) >= SLOW_CONNECTIONS / 2, 'the slow connections were not held during the checks');
			} finally {
				await closeAll(held);
				a.proc.kill('SIGKILL');
				await a.done;
			}
		});
	});
});
