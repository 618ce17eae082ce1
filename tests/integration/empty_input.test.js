// Empty input before any login: an empty WebSocket text frame (alone, or as
// the first fragment of a message) and POST requests with an empty body.
// The plain build never minded; the sanitized build (tests/sanitized_suite.sh
// runs this file against it) aborted on memcpy(NULL, ..., 0) in core/server.c
// and core/http.c, which ended the server for everyone.  Each case checks the
// answer and that the server still serves afterwards.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, connect, httpRequest } from './lib/harness.js';

// Sends one raw HTTP request and resolves with the status line's code
// (lets the test send exactly the headers it means, e.g. none at all for
// the length).
function rawRequest(server, text) {
	return new Promise((resolve, reject) => {
		const s = net.connect({ host: server.host, port: server.port });
		let buf = '';
		s.setEncoding('utf8');
		s.on('data', (d) => {
			buf += d;
			const m = /^HTTP\/1\.[01] (\d{3})/.exec(buf);
			if (m) {
				s.destroy();
				resolve(Number(m[1]));
			}
		});
		s.on('error', reject);
		s.on('close', () => resolve(buf ? buf.slice(0, 80) : 'closed without an answer'));
		s.write(text);
	});
}

async function assertServing(server, what) {
	assert.ok(server.running, `${what}: the server exited (${JSON.stringify(server.exitInfo)})\n${server.stderr.slice(-2000)}`);
	const h = await httpRequest(server, '/healthz');
	assert.equal(h.status, 200, `${what}: /healthz answered ${h.status}`);
}

describe('empty input before login', { timeout: 120_000 }, () => {
	let server;
	before(async () => {
		server = await startServer();
	});
	after(async () => {
		if (server) await server.dispose();
	});

	test('an empty first text frame gets bad_request and the connection stays usable', async () => {
		const c = await connect(server);
		const mark = c.messages.length;
		await c.sendRaw('');
		const err = await c.waitReply(mark);
		assert.equal(err.ok, false);
		assert.equal(err.error.code, 'bad_request', JSON.stringify(err));
		const r = await c.request('sys.ping', {});
		assert.equal(r.ok, true, 'the same connection still answers');
		await c.close();
		await assertServing(server, 'empty text frame');
	});

	test('an empty first fragment followed by the rest of the message is one request', async () => {
		const c = await connect(server);
		await new Promise((res, rej) => c.ws.send('', { fin: false }, (e) => (e ? rej(e) : res())));
		const reply = new Promise((res) => c.ws.once('message', (d) => res(JSON.parse(d.toString()))));
		await new Promise((res, rej) => c.ws.send('{"id":"f1","type":"sys.ping","data":{}}', { fin: true }, (e) => (e ? rej(e) : res())));
		const r = await reply;
		assert.equal(r.re, 'f1');
		assert.equal(r.ok, true, JSON.stringify(r));
		await c.close();
		await assertServing(server, 'empty first fragment');
	});

	test('POST with an empty body gets a status, with or without a length or a token', async () => {
		const cases = [
			['Content-Length: 0', 'POST /api/test/whoami HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n', 401],
			['no Content-Length', 'POST /api/test/whoami HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', 401],
			['a bogus bearer token', 'POST /api/test/whoami HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer nope\r\nContent-Length: 0\r\n\r\n', 401],
			['an unknown route', 'POST /api/nope/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n', 404],
			['a route that is not a plugin route', 'POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n', 404],
			['an empty chunked body', 'POST /api/test/whoami HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 411],
		];
		for (const [what, req, want] of cases) {
			const got = await rawRequest(server, req);
			assert.equal(got, want, `${what}: answered ${got}`);
			await assertServing(server, what);
		}
	});
});
