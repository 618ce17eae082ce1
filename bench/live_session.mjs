// Live consensus session benchmark (issue 8): one generator (bench/loadgen.c),
// four servers run one after another with the same N and offered rate:
//   lws      bench/peer_lws.c, bare libwebsockets broadcast (the ceiling)
//   ws       bench/peer_ws_live.cjs, Node.js `ws` broadcast
//   accord   Accord, tally coalescing on (tally_max_per_sec 10, the default)
//   accord0  Accord, coalescing off (tally_max_per_sec 0: a tally per position)
// Prints one table, writes bench/results/latest.json and
// bench/results/latency_vs_n.png (gnuplot).
//
// usage: node bench/live_session.mjs [--quick] [--runs K] [--ns 1000,5000,...]
//        [--duration S] [--build DIR] [--sweep 10000,50000|none] [--cells fanout,acks]
// Needs: cmake --build <DIR> (default build-bench), tests/integration/node_modules
// (npm ci there) or bench/node_modules for `ws`, sqlite3 and gnuplot.
import crypto from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const quick = args.includes('--quick');
const build = path.resolve(root, opt('--build', 'build-bench'));
const RUNS = Number(opt('--runs', quick ? 1 : 3));
const DURATION = Number(opt('--duration', quick ? 4 : 10));
const FD_LIMIT = Number(spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim()) || 20000;
const N_MAX = Math.min(FD_LIMIT - 200, 27000); // each process holds N sockets plus a few files
const NS = opt('--ns', quick ? '1000' : `1000,5000,10000,${N_MAX}`).split(',').map(Number);
const DELIVERIES = 100000;  // offered tally deliveries per second in the fan-out cells
const FAN_VOTERS = 10;
const ACK_RATE = Number(opt('--ack-rate', 10000)); // positions/s at small fan-out
const ACK_VOTERS = 10;
// offered deliveries/s at N = 10,000 besides the 100,000 of the fan-out cell:
// where each server's tally p99 crosses 100 ms
const SWEEP_N = 10000;
const SWEEP = (opt('--sweep', quick ? 'none' : '10000,50000')).split(',').filter((x) => x !== 'none').map(Number);
const P99_TARGET_MS = 100;
const SERVERS = (opt('--servers', 'lws,ws,accord,accord0')).split(',');
const CELLS = (opt('--cells', 'fanout,acks')).split(','); // the sweep runs when --sweep names rates
// positions evenly spaced (position k at k/R), or at the times of a Poisson
// process of rate R, run k of every server with the same seed k + 1
const ARRIVALS = opt('--arrivals', 'even');
if (!['even', 'poisson'].includes(ARRIVALS)) { console.error('--arrivals: even or poisson'); process.exit(2); }
const PASSWORD = 'bench-password-1';
const LOADGEN = path.join(build, 'bench/loadgen');
const PEER_LWS = path.join(build, 'bench/peer_lws');
const DISK_FLOOR = path.join(build, 'bench/disk_floor');
const ACCORD = path.join(build, 'accord');
const NODE_PATH = [path.join(here, 'node_modules'), path.join(root, 'tests/integration/node_modules')]
	.filter((p) => fs.existsSync(path.join(p, 'ws'))).join(':');
const resultsDir = path.join(here, 'results');
// full runs write latest.json / latency_vs_n.png; --quick and custom runs write quick.* / custom.*
const OUT = opt('--out', quick ? 'quick' : args.some((a) => ['--ns', '--servers', '--runs', '--duration', '--ack-rate', '--sweep', '--cells', '--arrivals'].includes(a)) ? 'custom' : 'latest');

for (const f of [LOADGEN, PEER_LWS, DISK_FLOOR, ACCORD])
	if (!fs.existsSync(f)) { console.error(`missing ${f}: cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release && cmake --build build-bench -j2`); process.exit(2); }
if (!NODE_PATH) { console.error('no `ws` module: (cd tests/integration && npm ci)'); process.exit(2); }

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () => new Promise((res) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
const log = (...a) => console.error('[bench]', ...a);

function waitLine(proc, re, ms) {
	return new Promise((res, rej) => {
		let buf = '';
		const t = setTimeout(() => rej(new Error(`timeout waiting for ${re}: ${buf}`)), ms);
		const on = (d) => { buf += d; const m = buf.match(re); if (m) { clearTimeout(t); proc.stdout.off('data', on); res(m); } };
		proc.stdout.setEncoding('utf8');
		proc.stdout.on('data', on);
		proc.on('exit', (c) => { clearTimeout(t); rej(new Error(`server exited ${c}: ${buf}`)); });
	});
}

function stopProc(p) {
	return new Promise((res) => {
		if (p.exitCode !== null || p.signalCode) return res();
		const t = setTimeout(() => p.kill('SIGKILL'), 10000);
		p.once('exit', () => { clearTimeout(t); res(); });
		p.kill('SIGTERM');
	});
}

// A demo network of V voting organisations O1..OV (focal points v1..vV, v1
// co-chair) and the observer `obs` (staff of O1: sees tallies, cannot vote).
function demoNetwork(V) {
	const orgs = [];
	for (let i = 1; i <= V; i++)
		orgs.push({ code: `O${i}`, name: `Organisation ${i}`, kind: 'un_agency', standing: 'member',
			people: [{ login: `v${i}`, name: `Voter ${i}`, function: 'focal_point', roles: i === 1 ? ['co_chair'] : [] },
				...(i === 1 ? [{ login: 'obs', name: 'Observer', function: 'staff', roles: [] }] : [])] });
	return { network: { name: 'Benchmark network' }, organisations: orgs };
}

// /metrics answers only with its bearer token (docs/operations.md, Metrics).
const METRICS_TOKEN = `bench-${crypto.randomBytes(16).toString('hex')}`;

async function startAccord(kind, N, V) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accord-bench-'));
	const port = await freePort();
	const cfgFile = path.join(dir, 'accord.json');
	fs.writeFileSync(path.join(dir, 'demo.json'), JSON.stringify(demoNetwork(V)));
	const cfg = {
		listen: { address: '127.0.0.1', port },
		database: { path: path.join(dir, 'accord.db'), synchronous: 'full' },
		demo_file: path.join(dir, 'demo.json'),
		web_root: path.join(root, 'web'),
		plugins: { dir: path.join(build, 'plugins'),
			enabled: { membership: {}, consensus: { tally_max_per_sec: kind === 'accord0' ? 0 : 10 } } },
		origins: [`http://127.0.0.1:${port}`],
		limits: { max_connections: Math.min(N + 50, FD_LIMIT - 80), rate_per_sec: 100000, rate_burst: 100000,
			flood_close_after: 1000000, max_logins_per_address: Math.max(4, V + 1),
			login_queue_max: Math.max(64, V + 1), auth_timeout_s: 300,
			...(process.env.BENCH_LIMITS ? JSON.parse(process.env.BENCH_LIMITS) : {}) },
		log_level: 'warn',
		metrics: { token: METRICS_TOKEN },
	};
	fs.writeFileSync(cfgFile, JSON.stringify(cfg, null, 1));
	const env = { ...process.env, ACCORD_DEMO_PASSWORD: PASSWORD };
	const init = spawnSync(ACCORD, ['init', '--config', cfgFile, '--demo'], { env, encoding: 'utf8' });
	if (init.status !== 0) throw new Error(`accord init: ${init.stderr}${init.stdout}`);
	const proc = spawn(ACCORD, ['serve', '--config', cfgFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
	proc.stderr.on('data', (d) => fs.appendFileSync(path.join(dir, 'server.log'), d));
	await waitLine(proc, /http:\/\/\S+/, 15000);
	return { proc, port, dir, db: cfg.database.path };
}

async function startPeer(kind) {
	const port = await freePort();
	const proc = kind === 'lws'
		? spawn(PEER_LWS, [String(port)], { stdio: ['ignore', 'pipe', 'inherit'] })
		: spawn(process.execPath, [path.join(here, 'peer_ws_live.cjs'), String(port)],
			{ stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_PATH } });
	await waitLine(proc, /port (\d+)/, 10000);
	return { proc, port };
}

function runLoadgen(port, pid, { N, V, rate, coalesced, run }) {
	return new Promise((res) => {
		const a = ['--port', String(port), '--n', String(N), '--voters', String(V), '--rate', String(rate),
			'--duration', String(DURATION), '--server-pid', String(pid), '--arrivals', ARRIVALS, '--seed', String(run + 1)];
		if (coalesced) a.push('--coalesced');
		const p = spawn(LOADGEN, a, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ACCORD_DEMO_PASSWORD: PASSWORD } });
		let out = '', err = '';
		p.stdout.on('data', (d) => { out += d; });
		p.stderr.on('data', (d) => { err += d; for (const l of String(d).split('\n')) if (/LIMIT|FATAL|acked|slow ack|subscribed \(/.test(l)) log('  ', l.trim()); });
		p.on('exit', () => {
			const line = out.trim().split('\n').pop();
			try { res(JSON.parse(line)); } catch { res({ fatal: `loadgen printed no result: ${err.slice(-500)}` }); }
		});
	});
}

// The server's own counters (GET /metrics): commits and jobs give the mean
// group-commit batch, the commit-latency histogram its p50/p99 (as bucket
// bounds), and the backpressure and drop counters.
async function scrapeMetrics(port) {
	try {
		const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
		if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
		const txt = await res.text();
		const val = (name) => { const m = txt.match(new RegExp(`^${name} ([0-9.e+]+)$`, 'm')); return m ? Number(m[1]) : null; };
		const buckets = [...txt.matchAll(/^accord_commit_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)].map((m) => [m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])]);
		const count = val('accord_commit_seconds_count');
		const q = (p) => { const b = buckets.find(([, c]) => count && c >= p * count); return b ? (b[0] === Infinity ? null : b[0] * 1000) : null; };
		const commits = count, jobs = val('accord_storage_jobs_total');
		return { commits, jobs_per_commit: commits ? +(jobs / commits).toFixed(1) : null,
			commit_mean_ms: commits ? +(val('accord_commit_seconds_sum') / commits * 1000).toFixed(3) : null,
			commit_p50_le_ms: q(0.5), commit_p99_le_ms: q(0.99),
			rx_paused: val('accord_rx_paused_total'), queue_drops: val('accord_queue_drops_total') };
	} catch (e) { return { metrics_error: String(e) }; }
}

function diskFloor(dir) {
	const d = spawnSync(DISK_FLOOR, [dir, '3'], { encoding: 'utf8' });
	try { return JSON.parse(d.stdout.trim()); } catch { return { error: d.stderr }; }
}

async function cell(kind, N, V, rate, name, run) {
	const srv = kind.startsWith('accord') ? await startAccord(kind, N, V) : await startPeer(kind);
	// the small fan-out cell: the disk's append + fdatasync latency on the
	// database's file system, just before the run, as the durable floor
	const disk = srv.dir && name === 'acks' ? diskFloor(srv.dir) : null;
	await sleep(300);
	const r = await runLoadgen(srv.port, srv.proc.pid, { N, V, rate, coalesced: kind === 'accord', run });
	if (disk) { r.disk = disk; r.disk_fsync_p50_ms = disk.p50_ms; r.disk_fsync_p99_ms = disk.p99_ms; }
	if (srv.dir) {
		const m = await scrapeMetrics(srv.port);
		Object.assign(r, { server_metrics: m, jobs_per_commit: m.jobs_per_commit, commit_mean_ms: m.commit_mean_ms,
			commit_p99_le_ms: m.commit_p99_le_ms, rx_paused: m.rx_paused });
	}
	await stopProc(srv.proc);
	if (srv.db && !r.fatal) {
		const q = spawnSync('sqlite3', [srv.db, "SELECT count(*) FROM consensus_log WHERE action='position'; SELECT count(*) FROM consensus_positions;"], { encoding: 'utf8' });
		const [logRows, posRows] = q.stdout.trim().split('\n').map(Number);
		r.db_position_rows = logRows;
		r.db_current_positions = posRows;
		r.db_matches_acks = logRows === r.positions_acked;
	}
	if (srv.dir && !process.env.KEEP) fs.rmSync(srv.dir, { recursive: true, force: true });
	return r;
}

const median = (xs) => { const v = xs.filter((x) => typeof x === 'number' && x >= 0).sort((a, b) => a - b); return v.length ? v[Math.floor((v.length - 1) / 2)] : null; };
const METRICS = ['connect_rate_per_s', 'connect_failures', 'dropped', 'acks_per_s', 'ack_p50_ms', 'ack_p99_ms', 'ack_p999_ms',
	'deliveries_per_s', 'tally_p50_ms', 'tally_p99_ms', 'tally_p999_ms', 'tally_last_p50_ms', 'tally_last_p99_ms', 'tally_last_p999_ms',
	'deliveries_missing', 'positions_not_acked', 'positions_without_tally', 'server_cpu_s_per_1k_deliveries', 'server_cpu_s_per_1k_positions', 'server_rss_idle_kib',
	'server_rss_n_kib', 'server_kib_per_conn', 'n_subscribed', 'disk_fsync_p50_ms', 'disk_fsync_p99_ms', 'jobs_per_commit',
	'commit_mean_ms', 'commit_p99_le_ms', 'rx_paused'];

async function scenario(name, N, V, rate) {
	const out = {};
	// run k of every server, then run k + 1: the machine's slower and
	// faster spells fall on every server alike
	const runsOf = Object.fromEntries(SERVERS.map((kind) => [kind, []]));
	for (let k = 0; k < RUNS; k++)
		for (const kind of SERVERS) {
			log(`${name} N=${N} V=${V} rate=${rate}/s ${kind} run ${k + 1}/${RUNS}`);
			runsOf[kind].push(await cell(kind, N, V, rate, name, k));
			await sleep(500);
		}
	for (const kind of SERVERS) {
		const runs = runsOf[kind];
		const m = {};
		for (const key of METRICS) m[key] = median(runs.map((r) => r[key]));
		m.errors = runs.map((r) => [r.fatal, r.limit_hit, r.first_error].filter(Boolean).join('; ')).filter(Boolean);
		if (kind.startsWith('accord')) {
			m.db_position_rows = runs.map((r) => r.db_position_rows);
			m.positions_acked = runs.map((r) => r.positions_acked);
			m.db_matches_acks = runs.every((r) => r.db_matches_acks);
		}
		out[kind] = { median: m, runs };
	}
	return { name, N, V, rate, servers: out };
}

const t0 = Date.now();
const cells = [];
if (CELLS.includes('fanout')) for (const N of NS) cells.push(await scenario('fanout', N, FAN_VOTERS, +(DELIVERIES / N).toFixed(3)));
for (const d of SWEEP) cells.push(await scenario('sweep', SWEEP_N, FAN_VOTERS, +(d / SWEEP_N).toFixed(3)));
if (CELLS.includes('acks')) cells.push(await scenario('acks', ACK_VOTERS + 1, ACK_VOTERS, ACK_RATE));

// ---- the table ----
const LABEL = { lws: 'lws (peer)', ws: 'node ws (peer)', accord: 'accord (coalesced 10/s)', accord0: 'accord (coalescing off)' };
const ROWS = [
	['connections/s', 'connect_rate_per_s', 0], ['acks/s', 'acks_per_s', 0], ['ack p50 ms', 'ack_p50_ms', 2], ['ack p99 ms', 'ack_p99_ms', 2], ['ack p99.9 ms', 'ack_p999_ms', 2],
	['deliveries/s', 'deliveries_per_s', 0], ['tally p50 ms', 'tally_p50_ms', 1], ['tally p99 ms', 'tally_p99_ms', 1], ['tally p99.9 ms', 'tally_p999_ms', 1],
	['to last p50 ms', 'tally_last_p50_ms', 1], ['to last p99 ms', 'tally_last_p99_ms', 1], ['to last p99.9 ms', 'tally_last_p999_ms', 1],
	['never delivered', 'deliveries_missing', 0], ['not acked', 'positions_not_acked', 0], ['dropped conns', 'dropped', 0],
	['CPU s/1k deliveries', 'server_cpu_s_per_1k_deliveries', 4], ['CPU s/1k positions', 'server_cpu_s_per_1k_positions', 3], ['RSS idle MiB', 'server_rss_idle_kib', -1], ['RSS at N MiB', 'server_rss_n_kib', -1],
	['KiB/connection', 'server_kib_per_conn', 2],
	['disk fsync p50 ms', 'disk_fsync_p50_ms', 3], ['disk fsync p99 ms', 'disk_fsync_p99_ms', 3], ['jobs per commit', 'jobs_per_commit', 1],
	['commit mean ms', 'commit_mean_ms', 3], ['commit p99 <= ms', 'commit_p99_le_ms', 1], ['input pauses', 'rx_paused', 0]];
const fmt = (v, d) => v === null || v === undefined ? '-' : d < 0 ? (v / 1024).toFixed(1) : Number(v).toFixed(d);
const lines = [];
lines.push(`Live consensus session, ${RUNS === 1 ? '1 run' : `median of ${RUNS} runs`} per cell (runs interleaved), ${ARRIVALS} arrivals, D=${DURATION}s; ${os.cpus().length} cores; ${new Date().toISOString()}`);
for (const c of cells) {
	lines.push('');
	lines.push(`## ${c.name}: N=${c.N} connections, V=${c.V} voters, offered ${c.rate} positions/s`);
	const kinds = SERVERS;
	const head = ['figure', ...kinds.map((k) => LABEL[k])];
	const peers = kinds.filter((k) => !k.startsWith('accord'));
	for (const a of kinds.filter((k) => k.startsWith('accord'))) for (const p of peers) head.push(`${a === 'accord' ? 'acc' : 'acc0'}/${p}`);
	const rows = [head];
	for (const [label, key, d] of ROWS) {
		const row = [label, ...kinds.map((k) => fmt(c.servers[k].median[key], d))];
		for (const a of kinds.filter((k) => k.startsWith('accord'))) for (const p of peers) {
			const x = c.servers[a].median[key], y = c.servers[p].median[key];
			row.push(x !== null && y ? (x / y).toFixed(2) : '-');
		}
		rows.push(row);
	}
	// the tail of every run, not only the median: a spike in one run cannot hide
	for (const [label, key, d] of [['ack p99 ms, each run', 'ack_p99_ms', 1], ['tally p99 ms, each run', 'tally_p99_ms', 1]])
		rows.push([label, ...kinds.map((k) => (c.servers[k].runs || []).map((r) => fmt(r[key], d)).join(' / ')), ...head.slice(kinds.length + 1).map(() => '')]);
	const db = kinds.filter((k) => k.startsWith('accord')).map((k) => `${LABEL[k]}: DB position rows ${JSON.stringify(c.servers[k].median.db_position_rows)} vs acked ${JSON.stringify(c.servers[k].median.positions_acked)} -> ${c.servers[k].median.db_matches_acks ? 'match' : 'MISMATCH'}`);
	const w = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
	for (const r of rows) lines.push('| ' + r.map((x, i) => String(x).padEnd(w[i])).join(' | ') + ' |');
	for (const l of db) lines.push(l);
	for (const k of kinds) if (c.servers[k].median.errors.length) lines.push(`${LABEL[k]} errors: ${c.servers[k].median.errors.join(' | ')}`);
}
// ---- N = 10,000: tally p99 against the offered rate, and the most
// deliveries/s each server gives with p99 under the target ----
const rateCells = cells.filter((c) => c.N === SWEEP_N && (c.name === 'sweep' || c.name === 'fanout')).sort((a, b) => a.rate - b.rate);
const atTarget = {};
if (rateCells.length > 1) {
	lines.push('', `## N=${SWEEP_N}, V=${FAN_VOTERS}: tally p99 ms (deliveries/s) against offered deliveries/s`);
	const rows = [['offered deliveries/s', ...SERVERS.map((k) => LABEL[k])]];
	for (const c of rateCells)
		rows.push([String(Math.round(c.rate * c.N)), ...SERVERS.map((k) => `${fmt(c.servers[k].median.tally_p99_ms, 1)} (${fmt(c.servers[k].median.deliveries_per_s, 0)})`)]);
	for (const k of SERVERS) {
		const ok = rateCells.filter((c) => c.servers[k].median.tally_p99_ms !== null && c.servers[k].median.tally_p99_ms < P99_TARGET_MS && !c.servers[k].median.dropped);
		atTarget[k] = ok.length ? Math.max(...ok.map((c) => c.servers[k].median.deliveries_per_s)) : 0;
	}
	rows.push([`most deliveries/s at p99 < ${P99_TARGET_MS} ms`, ...SERVERS.map((k) => String(Math.round(atTarget[k])))]);
	const w = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
	for (const r of rows) lines.push('| ' + r.map((x, i) => String(x).padEnd(w[i])).join(' | ') + ' |');
	for (const a of SERVERS.filter((k) => k.startsWith('accord')))
		for (const p of SERVERS.filter((k) => !k.startsWith('accord')))
			lines.push(`${LABEL[a]} / ${LABEL[p]} at p99 < ${P99_TARGET_MS} ms: ${atTarget[p] ? (atTarget[a] / atTarget[p]).toFixed(2) : '-'}`);
}
// the largest N served at the full offered rate with tally p99 under the target
const fanCells = cells.filter((c) => c.name === 'fanout').sort((a, b) => a.N - b.N);
const largestN = {};
if (fanCells.length) {
	for (const k of SERVERS) {
		const ok = fanCells.filter((c) => c.servers[k].median.tally_p99_ms !== null && c.servers[k].median.tally_p99_ms < P99_TARGET_MS && !c.servers[k].median.dropped && !c.servers[k].median.deliveries_missing);
		largestN[k] = ok.length ? Math.max(...ok.map((c) => c.N)) : 0;
	}
	lines.push('', `largest N with tally p99 < ${P99_TARGET_MS} ms at ${DELIVERIES} deliveries/s offered: ` + SERVERS.map((k) => `${LABEL[k]} ${largestN[k] || 'none'}`).join(', '));
}
console.log(lines.join('\n'));

fs.mkdirSync(resultsDir, { recursive: true });
fs.writeFileSync(path.join(resultsDir, `${OUT}.json`), JSON.stringify({
	date: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, mem_gib: +(os.totalmem() / 2 ** 30).toFixed(1), fd_limit: FD_LIMIT },
	runs_per_cell: RUNS, duration_s: DURATION, deliveries_at_p99_target: atTarget, largest_n_at_p99_target: largestN, p99_target_ms: P99_TARGET_MS, elapsed_s: (Date.now() - t0) / 1000, cells, table: lines.join('\n') }, null, 1));

// ---- the plot: tally p99 (every client) and p50 against N ----
const fan = cells.filter((c) => c.name === 'fanout');
const dat = path.join(resultsDir, OUT === 'latest' ? 'latency_vs_n.dat' : `${OUT}_latency_vs_n.dat`);
fs.writeFileSync(dat, '# N ' + SERVERS.map((k) => `${k}_p50 ${k}_p99`).join(' ') + '\n' +
	fan.map((c) => [c.N, ...SERVERS.flatMap((k) => [c.servers[k].median.tally_p50_ms ?? 'NaN', c.servers[k].median.tally_p99_ms ?? 'NaN'])].join(' ')).join('\n') + '\n');
const plots = SERVERS.flatMap((k, i) => [
	`'${dat}' using 1:${3 + 2 * i} with linespoints lw 2 lc ${i + 1} pt 7 title '${LABEL[k]} p99'`,
	`'${dat}' using 1:${2 + 2 * i} with linespoints dt 2 lc ${i + 1} pt 6 title '${LABEL[k]} p50'`]);
const gp = spawnSync('gnuplot', [], { input: [
	'set terminal pngcairo size 1000,650', `set output '${path.join(resultsDir, OUT === 'latest' ? 'latency_vs_n.png' : `${OUT}_latency_vs_n.png`)}'`,
	`set title 'Tally latency, position sent -> tally at every client (offered ${DELIVERIES} deliveries/s)'`,
	"set xlabel 'participants (N connections)'", "set ylabel 'latency (ms)'", 'set logscale y', 'set grid', 'set key outside right',
	'plot ' + plots.join(', ')].join('\n'), encoding: 'utf8' });
if (gp.status !== 0) log('gnuplot failed:', gp.stderr);
if (rateCells.length > 1) {
	const dat2 = path.join(resultsDir, OUT === 'latest' ? 'latency_vs_rate.dat' : `${OUT}_latency_vs_rate.dat`);
	fs.writeFileSync(dat2, '# offered_deliveries_per_s ' + SERVERS.map((k) => `${k}_p99`).join(' ') + '\n' +
		rateCells.map((c) => [Math.round(c.rate * c.N), ...SERVERS.map((k) => c.servers[k].median.tally_p99_ms ?? 'NaN')].join(' ')).join('\n') + '\n');
	const gp2 = spawnSync('gnuplot', [], { input: [
		'set terminal pngcairo size 1000,650', `set output '${path.join(resultsDir, OUT === 'latest' ? 'latency_vs_rate.png' : `${OUT}_latency_vs_rate.png`)}'`,
		`set title 'Tally p99 at N = ${SWEEP_N} against the offered rate (the line: ${P99_TARGET_MS} ms)'`,
		"set xlabel 'offered tally deliveries per second'", "set ylabel 'tally p99, every client (ms)'", 'set logscale y', 'set grid', 'set key outside right',
		'plot ' + [...SERVERS.map((k, i) => `'${dat2}' using 1:${2 + i} with linespoints lw 2 lc ${i + 1} pt 7 title '${LABEL[k]}'`),
			`${P99_TARGET_MS} with lines dt 3 lc rgb 'black' title '${P99_TARGET_MS} ms'`].join(', ')].join('\n'), encoding: 'utf8' });
	if (gp2.status !== 0) log('gnuplot failed:', gp2.stderr);
}
log(`wrote ${path.join(resultsDir, `${OUT}.json`)} and the plot in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
