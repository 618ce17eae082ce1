// Notifications by e-mail, the relay's security: STARTTLS required (a relay
// that does not offer it gets nothing), the relay's certificate checked
// against smtp.ca_file, the credentials taken from the environment and
// given only after STARTTLS, and never in the configuration or the log.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, connectAs, closeAll, sleep } from './lib/harness.js';
import { Sink, freePort, notifyConfig, to, ADDR } from './lib/smtp.js';

const USER = 'accord-relay';
const PASSWORD = 'relay-secret-5c1f9e';

describe('notify: STARTTLS and credentials', { timeout: 240_000 }, () => {
	let server, tlsSink, plainSink, c, dir;
	before(async () => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accord-tls-'));
		const cert = path.join(dir, 'cert.pem');
		const key = path.join(dir, 'key.pem');
		execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
			'-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
		tlsSink = new Sink(await freePort(), { cert, key, user: USER, password: PASSWORD });
		plainSink = new Sink(await freePort());
		await tlsSink.start();
		await plainSink.start();
		process.env.ACCORD_SMTP_USER = USER;
		process.env.ACCORD_SMTP_PASSWORD = PASSWORD;
		const cfg = notifyConfig(tlsSink.port);
		cfg.smtp = { host: 'localhost', port: tlsSink.port, security: 'starttls', ca_file: cert, timeout_s: 10 };
		server = await startServer({ plugins: { membership: {}, consensus: {}, notify: cfg } });
		c = {};
		for (const l of ['iom', 'rco', 'undp']) c[l] = await connectAs(server, l);
		await c.undp.ok('notify.prefs.set', { email: ADDR.undp });
	});
	after(async () => {
		delete process.env.ACCORD_SMTP_USER;
		delete process.env.ACCORD_SMTP_PASSWORD;
		await closeAll(...Object.values(c || {}));
		await server?.stop();
		for (const s of [tlsSink, plainSink]) {
			await s?.stop();
			s?.dispose();
		}
		if (dir) fs.rmSync(dir, { recursive: true, force: true });
	});

	const open = async (title) => {
		const id = (await c.rco.ok('consensus.create', { title, text: 'x', kind: 'decision' })).proposal.id;
		await c.rco.ok('consensus.open', { proposal: id });
	};

	test('over STARTTLS, authenticated with the credentials of the environment, which the log never shows', async () => {
		await open('Over TLS');
		await tlsSink.until((x) => x.some((m) => to(ADDR.undp)(m) && m.headers.subject?.endsWith('Over TLS')), 'the message over TLS');
		assert.deepEqual(fs.readFileSync(path.join(tlsSink.dir, 'logins'), 'utf8').trim().split('\n'), [USER]);
		assert.ok(!server.stderr.includes(PASSWORD), 'the password is not in the log');
	});

	test('a relay that does not offer STARTTLS gets nothing: the message waits', async () => {
		const cfg = JSON.parse(fs.readFileSync(server.cfgPath, 'utf8'));
		cfg.plugins.enabled.notify.smtp.port = plainSink.port;
		fs.writeFileSync(server.cfgPath, JSON.stringify(cfg));
		await closeAll(...Object.values(c));
		await server.restart();
		for (const l of ['iom', 'rco']) c[l] = await connectAs(server, l);
		await open('Not without TLS');
		const end = Date.now() + 15_000;
		let row;
		do {
			await sleep(200);
			row = (await c.iom.ok('notify.outbox.list', { status: 'queued' })).messages.find((m) => m.last_error);
		} while (!row && Date.now() < end);
		assert.ok(row, 'the attempt failed and the message waits');
		assert.match(row.last_error, /SSL|TLS|STARTTLS/i);
		assert.equal((await plainSink.messages()).length, 0, 'nothing reached the relay without TLS');
		assert.ok(!server.stderr.includes(PASSWORD));
	});

	test('credentials in the configuration, or plain SMTP to another machine, stop the start with a clear message', async () => {
		const withPassword = notifyConfig(1);
		withPassword.smtp.password = 'x';
		await assert.rejects(startServer({ plugins: { membership: {}, notify: withPassword } }),
			/smtp: credentials never go in the configuration: use ACCORD_SMTP_USER and ACCORD_SMTP_PASSWORD, or smtp.credentials_file/);
		const plainAway = notifyConfig(25);
		plainAway.smtp.host = 'relay.example.org';
		await assert.rejects(startServer({ plugins: { membership: {}, notify: plainAway } }),
			/smtp.security: plain \(no TLS\) is allowed only to a relay on this machine/);
	});
});
