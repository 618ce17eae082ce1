// The optional TLS listener: TLS 1.2 and 1.3 only, the WebSocket protocol and
// HTTP over it, and a clear refusal of older protocol versions, checked with
// openssl s_client and with Debian's sslscan.
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

	test('sslscan (Debian) sees only TLS 1.2/1.3, forward-secret AEAD ciphers, no renegotiation, no heartbleed', () => {
		const r = spawnSync('sslscan', ['--no-colour', `127.0.0.1:${server.port}`], { encoding: 'utf8', timeout: 60_000 });
		assert.equal(r.error, undefined, `sslscan must be installed (the README's test command installs it): ${r.error}`);
		const out = r.stdout;
		for (const v of ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1']) assert.match(out, new RegExp(`${v.replace('.', '\\.')}\\s+disabled`), `${v} must be disabled:\n${out}`);
		for (const v of ['TLSv1.2', 'TLSv1.3']) assert.match(out, new RegExp(`${v.replace('.', '\\.')}\\s+enabled`), `${v} must be enabled:\n${out}`);
		const ciphers = out.split('\n').filter((l) => /^(Preferred|Accepted)\s/.test(l));
		assert.ok(ciphers.length > 0, `sslscan listed no ciphers:\n${out}`);
		for (const l of ciphers) {
			assert.match(l, /TLSv1\.[23]/, l);
			assert.match(l, /GCM|CHACHA20/, `not an AEAD cipher: ${l}`);
			if (/TLSv1\.2/.test(l)) assert.match(l, /ECDHE/, `no forward secrecy: ${l}`);
		}
		assert.doesNotMatch(out, /(?<!not )vulnerable to heartbleed/);
		assert.match(out, /Session renegotiation not supported|Insecure session renegotiation not supported|Secure session renegotiation supported/);
		assert.doesNotMatch(out, /Insecure session renegotiation supported/);
	});

	test('plain HTTP on the TLS port gets no page', async () => {
		const r = await fetch(`http://127.0.0.1:${server.port}/healthz`).then((x) => x.status).catch(() => 'refused');
		assert.notEqual(r, 200);
	});
});
