// listen.address: the server binds exactly the configured address.  Each
// test reads the server's listening sockets from the kernel's socket table
// (/proc/net/tcp and /proc/net/tcp6, matched to the server's own file
// descriptors) and then connects over the other family to show that it is
// not served.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startServer, runAccord, httpRequest } from './lib/harness.js';

// Socket inodes of the process's open file descriptors.
function socketInodes(pid) {
	const out = new Set();
	for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
		let link;
		try {
			link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
		} catch {
			continue;
		}
		const m = /^socket:\[(\d+)\]$/.exec(link);
		if (m) out.add(m[1]);
	}
	return out;
}

// /proc/net/tcp6 writes an address as four 32-bit words, each in host
// (little-endian) byte order.
function decodeAddress(hex) {
	const bytes = [];
	for (let w = 0; w < hex.length; w += 8) {
		const word = hex.slice(w, w + 8);
		for (let b = 6; b >= 0; b -= 2) bytes.push(parseInt(word.slice(b, b + 2), 16));
	}
	if (bytes.length === 4) return bytes.join('.');
	const groups = [];
	for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
	// Shortest form for the cases the tests meet: "::", "::1".
	return groups
		.join(':')
		.replace(/(^|:)0(:0)+(:|$)/, '::')
		.replace(/:{3,}/, '::');
}

// The listening TCP sockets of pid: [{family: 4|6, address, port}].
function listeningSockets(pid) {
	const inodes = socketInodes(pid);
	const out = [];
	for (const [file, family] of [
		['/proc/net/tcp', 4],
		['/proc/net/tcp6', 6],
	]) {
		let text = '';
		try {
			text = fs.readFileSync(file, 'utf8');
		} catch {
			continue;
		}
		for (const line of text.split('\n').slice(1)) {
			const f = line.trim().split(/\s+/);
			if (f.length < 10 || f[3] !== '0A' || !inodes.has(f[9])) continue;
			const [addr, port] = f[1].split(':');
			out.push({ family, address: decodeAddress(addr), port: parseInt(port, 16) });
		}
	}
	return out;
}

// Resolves 'open' or the connection error's code (e.g. ECONNREFUSED).
function tryConnect(host, port) {
	return new Promise((resolve) => {
		const s = net.connect({ host, port });
		s.once('connect', () => {
			s.destroy();
			resolve('open');
		});
		s.once('error', (e) => resolve(e.code));
	});
}

const ipv6Loopback = Object.values(os.networkInterfaces())
	.flat()
	.some((i) => i && i.family === 'IPv6' && i.address === '::1');

describe('listen.address binds exactly what is configured', { timeout: 120_000 }, () => {
	const cases = [
		{ address: '127.0.0.1', family: 4, bound: '127.0.0.1', v4: 'open', v6: 'ECONNREFUSED' },
		{ address: '0.0.0.0', family: 4, bound: '0.0.0.0', v4: 'open', v6: 'ECONNREFUSED' },
		{ address: '::1', family: 6, bound: '::1', v4: 'ECONNREFUSED', v6: 'open', needs6: true },
		{ address: '::', family: 6, bound: '::', v4: 'ECONNREFUSED', v6: 'open', needs6: true },
		{ address: '*', family: 6, bound: '::', v4: 'open', v6: 'open', needs6: true },
	];
	for (const c of cases) {
		test(`"${c.address}": one ${c.family === 4 ? 'IPv4' : 'IPv6'} socket on ${c.bound}; IPv4 ${c.v4}, IPv6 ${c.v6}`, { skip: c.needs6 && !ipv6Loopback && 'no IPv6 loopback' }, async () => {
			const server = await startServer({ extraConfig: { listen: { address: c.address, port: 0 } } });
			try {
				const socks = listeningSockets(server.proc.pid);
				assert.deepEqual(socks, [{ family: c.family, address: c.bound, port: server.port }], `listening sockets of the server: ${JSON.stringify(socks)}`);
				if (ipv6Loopback) assert.equal(await tryConnect('::1', server.port), c.v6, 'a connection to [::1]');
				assert.equal(await tryConnect('127.0.0.1', server.port), c.v4, 'a connection to 127.0.0.1');
				const h = await httpRequest(server, '/healthz');
				assert.equal(h.status, 200, `GET /healthz over ${server.host}: ${h.status} ${h.body}`);
			} finally {
				await server.dispose();
			}
		});
	}

	test('a host or interface name is refused at start with a message naming listen.address', async () => {
		const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'accord-it-'));
		try {
			for (const bad of ['localhost', 'eth0', '127.0.0.1:8080', '[::1]']) {
				const cfg = path.join(dir, 'accord.json');
				await fsp.writeFile(cfg, JSON.stringify({ listen: { address: bad, port: 0 }, database: { path: path.join(dir, 'a.db') } }));
				const r = await runAccord(['serve', '--config', cfg], { timeoutMs: 10_000 });
				assert.notEqual(r.code, 0, `${bad}: serve must not start`);
				assert.match(r.stderr, /listen\.address: expected an IPv4 address .* got "/, `${bad}: ${r.stderr}`);
			}
		} finally {
			await fsp.rm(dir, { recursive: true, force: true });
		}
	});
});
