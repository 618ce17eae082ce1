// HTTP request heads over the limits are answered with a status line, not a
// closed socket: 414 for a URL over limits.max_url_bytes, 431 for a request
// line and headers over limits.max_header_bytes (also far over it, beyond
// what libwebsockets buffers, and on a WebSocket upgrade).  Raw sockets, so
// that the test sees exactly what the server wrote before it closed.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, httpRequest, runAccord } from './lib/harness.js';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

// Writes one request; resolves with the status code of the answer, or a
// description of what came instead (e.g. "closed without a status line").
function statusOf(server, head) {
	return new Promise((resolve) => {
		const s = net.connect({ host: server.host, port: server.port });
		let buf = '';
		let done = false;
		const finish = (v) => {
			if (done) return;
			done = true;
			s.destroy();
			resolve(v);
		};
		s.setEncoding('latin1');
		s.on('data', (d) => {
			buf += d;
			const m = /^HTTP\/1\.1 (\d{3})[^\r\n]*\r\n/.exec(buf);
			if (m) finish(Number(m[1]));
		});
		// The server may close (even reset) while the rest of a huge head is
		// still being written: what counts is whether a status came first.
		s.on('error', (e) => finish(buf ? `answered "${buf.slice(0, 60)}" then ${e.code}` : `no status line (${e.code})`));
		s.on('close', () => finish(buf ? `answered "${buf.slice(0, 60)}"` : 'closed without a status line'));
		s.write(head);
	});
}

const get = (target, extra = '') => `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n`;

describe('request heads over the default limits (4 KiB URL, 8 KiB head)', { timeout: 120_000 }, () => {
	let server;
	before(async () => {
		server = await startServer();
	});
	after(async () => {
		if (server) await server.dispose();
	});

	test('a long URL gets 414: plugin route, static file, POST, and far beyond the buffer', async () => {
		const q = 'a'.repeat(6000);
		const cases = [
			['plugin route', get(`/api/test/whoami?x=${q}`)],
			['static file', get(`/${q}`)],
			['POST', `POST /api/test/whoami?x=${q} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n`],
			['100 KB URL', get(`/healthz?x=${'a'.repeat(100_000)}`)],
		];
		for (const [what, head] of cases) assert.equal(await statusOf(server, head), 414, what);
	});

	test('large headers get 431: one big header, many headers, a WebSocket upgrade', async () => {
		const cases = [
			['one 20 KB header', get('/healthz', `X-Big: ${'b'.repeat(20_000)}\r\n`)],
			['one 100 KB header', get('/healthz', `X-Big: ${'b'.repeat(100_000)}\r\n`)],
			['3,000 small headers', get('/healthz', Array.from({ length: 3000 }, (_, i) => `X-H${i}: v\r\n`).join(''))],
			['a WebSocket upgrade', get('/ws', `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Big: ${'b'.repeat(20_000)}\r\n`)],
		];
		for (const [what, head] of cases) assert.equal(await statusOf(server, head), 431, what);
	});

	// Other clients in the middle of their request heads must not receive
	// the status meant for the oversized one: their streams stay clean and
	// their requests are answered normally once complete.
	test('with other heads in progress, only the oversized request gets 431', async () => {
		const idle = [];
		for (let i = 0; i < 3; i++) {
			const s = net.connect({ host: server.host, port: server.port });
			s.setEncoding('latin1');
			s.got = '';
			s.on('data', (d) => (s.got += d));
			s.on('error', () => {});
			await new Promise((r) => s.once('connect', r));
			s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
			idle.push(s);
		}
		// Let the partial heads be read (and go quiet) before the big one.
		await new Promise((r) => setTimeout(r, 300));
		assert.equal(await statusOf(server, get('/healthz', `X-Big: ${'b'.repeat(20_000)}\r\n`)), 431);
		for (const [i, s] of idle.entries()) {
			assert.equal(s.got, '', `client ${i} in the middle of its head received ${JSON.stringify(s.got.slice(0, 60))}`);
			const answered = new Promise((r) => {
				const check = () => /^HTTP\/1\.1 (\d{3})/.test(s.got) && r(Number(/^HTTP\/1\.1 (\d{3})/.exec(s.got)[1]));
				s.on('data', check);
				s.on('close', () => r(`closed: ${JSON.stringify(s.got.slice(0, 60))}`));
			});
			s.write('\r\n');
			assert.equal(await answered, 200, `client ${i}`);
			s.destroy();
		}
	});

	test('heads within the limits are served as before', async () => {
		assert.equal(await statusOf(server, get(`/healthz?x=${'a'.repeat(3000)}`)), 200, '3,000-byte URL');
		assert.equal(await statusOf(server, get('/healthz', `X-Big: ${'b'.repeat(6000)}\r\n`)), 200, '6,000-byte header');
		const h = await httpRequest(server, '/healthz');
		assert.equal(h.status, 200, 'the server still serves');
	});
});

describe('limits.max_url_bytes and limits.max_header_bytes', { timeout: 120_000 }, () => {
	let server;
	before(async () => {
		server = await startServer({ limits: { max_url_bytes: 1000, max_header_bytes: 2048 } });
	});
	after(async () => {
		if (server) await server.dispose();
	});

	test('the configured limits apply', async () => {
		assert.equal(await statusOf(server, get(`/healthz?x=${'a'.repeat(900)}`)), 200, 'URL under 1000');
		assert.equal(await statusOf(server, get(`/healthz?x=${'a'.repeat(1100)}`)), 414, 'URL over 1000');
		assert.equal(await statusOf(server, get('/healthz', `X-Big: ${'b'.repeat(1500)}\r\n`)), 200, 'head under 2048');
		assert.equal(await statusOf(server, get('/healthz', `X-Big: ${'b'.repeat(3000)}\r\n`)), 431, 'head over 2048');
	});

	test('max_url_bytes must be below max_header_bytes: start-up stops naming the key', async () => {
		const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'accord-it-'));
		try {
			const cfg = path.join(dir, 'accord.json');
			await fsp.writeFile(cfg, JSON.stringify({ database: { path: path.join(dir, 'a.db') }, limits: { max_url_bytes: 9000, max_header_bytes: 8192 } }));
			const r = await runAccord(['serve', '--config', cfg], { timeoutMs: 10_000 });
			assert.notEqual(r.code, 0);
			assert.match(r.stderr, /limits\.max_url_bytes: must be below limits\.max_header_bytes/);
		} finally {
			await fsp.rm(dir, { recursive: true, force: true });
		}
	});
});
