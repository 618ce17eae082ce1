// The optional TLS listener: TLS 1.2 and 1.3 only, the WebSocket protocol and
// HTTP over it, and a clear refusal of older protocol versions.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, connectAs } from './lib/harness.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // a self-signed test certificate

describe('TLS listener', { timeout: 60_000 }, () => {
	let server, dir;
	before(async () => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accord-tls-'));
		execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
			'-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
		server = await startServer({ extraConfig: { tls: { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') } } });
	});
	after(async () => {
		if (server) await server.dispose();
		fs.rmSync(dir, { recursive: true, force: true });
	});

	const handshake = (version) => spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${server.port}`, `-${version}`],
		{ input: '', encoding: 'utf8', timeout: 10_000 });

	test('serves wss and https', async () => {
		assert.ok(server.url.startsWith('https://'));
		const c = await connectAs(server, 'undp');
		const r = await c.request('sys.ping', {});
		assert.equal(r.ok, true);
		c.close();
		const h = await fetch(`${server.url}/healthz`);
		assert.equal(h.status, 200);
		assert.match(h.headers.get('content-security-policy'), /default-src 'self'/);
	});

	test('TLS 1.2 and 1.3 are accepted, 1.0 and 1.1 refused', () => {
		for (const v of ['tls1_2', 'tls1_3']) {
			const r = handshake(v);
			assert.match(r.stdout, /Protocol\s*:\s*TLSv1\.[23]|New, TLSv1\.[23]/, `${v}: ${r.stdout.slice(0, 300)}${r.stderr}`);
		}
		for (const v of ['tls1', 'tls1_1']) {
			const r = handshake(v);
			assert.doesNotMatch(r.stdout, /New, TLSv1(\.1)?, Cipher/, `${v} was accepted`);
			assert.notEqual(r.status, 0, `${v}: the handshake must fail`);
		}
	});

	test('plain HTTP on the TLS port gets no page', async () => {
		const r = await fetch(`http://127.0.0.1:${server.port}/healthz`).then((x) => x.status).catch(() => 'refused');
		assert.notEqual(r, 200);
	});
});
