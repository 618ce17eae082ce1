// Password reset by the secretariat (`members.person.reset`, then
// `auth.reset_password` before login): a one-time link, never a password the
// secretariat chooses.  Who may make one, what it changes and when, reuse,
// replacement by a newer link, expiry, deactivated people, the audit log
// without the token; and sys.info saying which plugins are group plugins.
// See docs/protocol.md, "Membership plugin".
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { startServer, connect, closeAll, DEMO_PASSWORD } from './lib/harness.js';

const NEW_PASSWORD = 'a-new-password-42';

function sqlite(dbPath, sql) {
	return new Promise((resolve, reject) => {
		execFile('sqlite3', ['-cmd', '.timeout 5000', dbPath, sql], { timeout: 20_000 }, (err, stdout, stderr) => {
			if (err) reject(new Error(`sqlite3 failed: ${err.message}\n${stderr}`));
			else resolve(String(stdout));
		});
	});
}

function assertError(r, code, what, re) {
	assert.equal(r.ok, false, `${what}: expected ${code}, got ${JSON.stringify(r)}`);
	assert.equal(r.error?.code, code, `${what}: expected ${code}, got ${JSON.stringify(r)}`);
	if (re) assert.match(r.error.message, re, `${what}: message ${JSON.stringify(r.error.message)}`);
}

describe('password reset', { timeout: 120_000 }, () => {
	let server, iom;
	const clients = [];
	const open = async () => {
		const c = await connect(server);
		clients.push(c);
		return c;
	};
	const as = async (login, password = DEMO_PASSWORD) => {
		const c = await open();
		await c.login(login, password);
		return c;
	};
	const tryLogin = async (login, password) => (await open()).request('auth.login', { login, password });

	before(async () => {
		server = await startServer({ plugins: { membership: {}, groups: {}, actions: {} } });
		iom = await as('iom');
	});
	after(async () => {
		await closeAll(...clients);
		if (server) await server.dispose();
	});

	test('only the secretariat makes a reset link', async () => {
		for (const login of ['undp', 'rco']) {
			const c = await as(login);
			assertError(await c.request('members.person.reset', { login: 'unicef' }), 'forbidden', `${login} resets`);
		}
		const mol = await as('mol');
		assertError(await mol.request('members.person.reset', { login: 'unicef' }), 'forbidden', 'a partner resets');
		assertError(await iom.request('members.person.reset', { login: 'nobody' }), 'not_found', 'unknown login');
		assertError(await iom.request('members.person.reset', { login: 'Bad Login' }), 'bad_request', 'malformed login');
		assertError(await iom.request('members.person.reset', { login: 'unicef', ttl_hours: 500 }), 'bad_request', 'ttl too long');
	});

	test('the link sets a new password once; the old one works until then', async () => {
		const r = await iom.ok('members.person.reset', { login: 'unicef' });
		assert.match(r.token, /^[A-Za-z0-9_-]{43}$/);
		assert.ok(r.expires > Date.now() + 47 * 3600 * 1000 && r.expires < Date.now() + 49 * 3600 * 1000, `48 h by default: ${r.expires}`);
		// issuing a link locks nobody out
		assert.equal((await tryLogin('unicef', DEMO_PASSWORD)).ok, true, 'old password still works before the link is used');

		const anon = await open();
		assertError(await anon.request('auth.reset_password', { token: r.token, password: 'short' }), 'bad_request', 'short password', /10/);
		assertError(await anon.request('auth.reset_password', { token: 'x'.repeat(43), password: NEW_PASSWORD }), 'not_found', 'unknown token');
		const done = await anon.request('auth.reset_password', { token: r.token, password: NEW_PASSWORD });
		assert.equal(done.ok, true, JSON.stringify(done));
		assert.deepEqual(done.data, { login: 'unicef' });

		assertError(await tryLogin('unicef', DEMO_PASSWORD), 'unauthenticated', 'old password after the reset');
		const li = await tryLogin('unicef', NEW_PASSWORD);
		assert.equal(li.ok, true, `new password logs in: ${JSON.stringify(li)}`);
		assert.equal(li.data.user.org, 'UNICEF');
		assertError(await anon.request('auth.reset_password', { token: r.token, password: 'yet-another-pass' }), 'conflict', 'reuse', /already used/);

		// the audit log has the reset and its use, never the token
		const audit = (await iom.ok('members.audit', { limit: 20 })).entries;
		assert.ok(audit.some((e) => e.action === 'person.reset' && e.object === 'unicef' && e.actor === 'iom'), JSON.stringify(audit));
		assert.ok(audit.some((e) => e.action === 'person.password_reset' && e.actor === 'unicef'));
		assert.ok(!JSON.stringify(audit).includes(r.token), 'the token is not in the audit log');
		const stored = await sqlite(server.config.database.path, 'SELECT token_hash FROM members_resets;');
		assert.ok(!stored.includes(r.token), 'only the hash is stored');
	});

	test('a newer link replaces the older; an expired link is refused', async () => {
		const first = await iom.ok('members.person.reset', { login: 'unfpa' });
		const second = await iom.ok('members.person.reset', { login: 'unfpa', ttl_hours: 1 });
		const anon = await open();
		assertError(await anon.request('auth.reset_password', { token: first.token, password: NEW_PASSWORD }), 'not_found', 'the replaced link');
		await sqlite(server.config.database.path, "UPDATE members_resets SET expires_at = 0 WHERE login = 'unfpa' AND used_at IS NULL;");
		assertError(await anon.request('auth.reset_password', { token: second.token, password: NEW_PASSWORD }), 'conflict', 'expired link', /expired/);
		assert.equal((await tryLogin('unfpa', DEMO_PASSWORD)).ok, true, 'password unchanged');
	});

	test('a deactivated person gets no link, and an earlier link no longer works', async () => {
		const r = await iom.ok('members.person.reset', { login: 'unesco' });
		await iom.ok('members.person.deactivate', { login: 'unesco' });
		assertError(await iom.request('members.person.reset', { login: 'unesco' }), 'conflict', 'reset for a deactivated person', /deactivated/);
		const anon = await open();
		assertError(await anon.request('auth.reset_password', { token: r.token, password: NEW_PASSWORD }), 'conflict', 'link of a deactivated person', /deactivated/);
		assertError(await tryLogin('unesco', NEW_PASSWORD), 'unauthenticated', 'deactivated person logs in');
	});

	test('sys.info says which plugins are group plugins', async () => {
		const info = await iom.ok('sys.info', {});
		const by = Object.fromEntries(info.plugins.map((p) => [p.name, p.group]));
		assert.equal(by.actions, true, JSON.stringify(info.plugins));
		assert.equal(by.groups, false);
		assert.equal(by.membership, false);
	});
});
