// Memory per idle authenticated connection: Accord against a Node.js `ws`
// server holding the same number of idle connections (the peer), measured
// in one run as the growth of each server's resident memory (VmRSS).
// usage: ACCORD_BIN=... ACCORD_PLUGIN_DIR=... ACCORD_SOURCE_DIR=... \
//        node bench/idle_memory.mjs [N=2000]
// Needs tests/integration/node_modules (npm ci there).
import { fork } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const { startServer, connect, DEMO_PASSWORD } = await import(path.join(here, '../tests/integration/lib/harness.js'));
const require = createRequire(path.join(here, '../tests/integration/package.json'));
const WebSocket = require('ws');
const N = Number(process.argv[2] || 2000);

const rss = (pid) => Number(fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) * 1024;
const settle = () => new Promise((r) => setTimeout(r, 1500));

async function accord() {
	const server = await startServer({ limits: { max_connections: N + 100, rate_per_sec: 100000, rate_burst: 100000 } });
	const first = await connect(server);
	const token = (await first.request('auth.login', { login: 'undp', password: DEMO_PASSWORD })).data.token;
	await settle();
	const before = rss(server.proc.pid);
	const conns = [];
	for (let i = 0; i < N; i++) {
		const c = await connect(server);
		const r = await c.request('auth.resume', { token });
		if (!r.ok) throw new Error(JSON.stringify(r));
		conns.push(c);
	}
	await settle();
	const after = rss(server.proc.pid);
	for (const c of conns) c.close();
	first.close();
	await server.dispose();
	return { before, after };
}

async function nodePeer() {
	const child = fork(path.join(here, 'peer_ws_server.cjs'), [], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
		env: { ...process.env, NODE_PATH: path.join(here, '../tests/integration/node_modules') } });
	const port = await new Promise((r) => child.on('message', r));
	await settle();
	const before = rss(child.pid);
	const conns = [];
	for (let i = 0; i < N; i++) {
		const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
		await new Promise((r, j) => { ws.on('open', r); ws.on('error', j); });
		conns.push(ws);
	}
	await settle();
	const after = rss(child.pid);
	for (const c of conns) c.close();
	child.kill();
	return { before, after };
}

const a = await accord();
const n = await nodePeer();
const per = (x) => (x.after - x.before) / N;
const kib = (b) => (b / 1024).toFixed(2);
console.log(`idle connections: ${N} (machine: ${process.arch}, ${new Date().toISOString()})`);
console.log('server            RSS before   RSS after    per connection');
console.log(`accord            ${kib(a.before).padStart(9)} KiB ${kib(a.after).padStart(9)} KiB ${kib(per(a)).padStart(8)} KiB`);
console.log(`node ws (peer)    ${kib(n.before).padStart(9)} KiB ${kib(n.after).padStart(9)} KiB ${kib(per(n)).padStart(8)} KiB`);
console.log(`accord / node ws: ${(per(a) / per(n)).toFixed(2)}`);
process.exit(0);
