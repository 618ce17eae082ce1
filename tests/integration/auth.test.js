// Authentication: auth.login / auth.resume / auth.logout, the pre-auth
// allow-list, and the unauthenticated-connection timeout.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect, connectAs, closeAll, sleep, DEMO_PASSWORD } from './lib/harness.js';

describe('auth', { timeout: 120_000 }, () => {
	let server;
	const clients = [];
	const open = async (...a) => {
		const c = await connect(server, ...a);
		clients.push(c);
		return c;
	};

	before(async () => {
		server = await startServer();
	});
	after(async () => {
		await closeAll(clients);
		if (server) await server.dispose();
	});

	test('auth.login returns a token and the user with org and standing', async () => {
		const c = await open();
		const r = await c.request('auth.login', { login: 'iom', password: DEMO_PASSWORD });
		assert.equal(r.ok, true, `login failed: ${JSON.stringify(r)}`);
		const d = r.data;
		assert.equal(typeof d.token, 'string');
		assert.match(d.token, /^[A-Za-z0-9_-]{43}$/, 'token is a 43-character base64url string');
		assert.equal(typeof d.expires, 'number', 'expires is a number');
		assert.ok(d.expires > Date.now() / 1000, 'expires is in the future');
		const u = d.user;
		assert.equal(typeof u, 'object');
		assert.equal(typeof u.id, 'number');
		assert.equal(u.login, 'iom');
		assert.equal(typeof u.name, 'string');
		assert.ok(u.name.length > 0);
		assert.equal(u.org, 'IOM');
		assert.equal(u.standing, 'member');
		assert.ok(Array.isArray(u.roles), 'roles is an array');
		assert.ok(u.roles.includes('co_chair'), `iom roles ${JSON.stringify(u.roles)} include co_chair`);
		assert.ok(u.roles.includes('secretariat'), `iom roles ${JSON.stringify(u.roles)} include secretariat`);

		// the connection is now authenticated
		const s = await c.request('sub.add', { topic: 'test:open' });
		assert.equal(s.ok, true, JSON.stringify(s));
	});

	test('partner login reports standing "partner"', async () => {
		const c = await open();
		const d = await c.login('mol');
		assert.equal(d.user.login, 'mol');
		assert.equal(d.user.standing, 'partner');
		assert.equal(typeof d.user.org, 'string');
	});

	test('wrong password and unknown login both answer unauthenticated, identically', async () => {
		const c = await open();
		const wrong = await c.request('auth.login', { login: 'undp', password: 'not-the-password' });
		const unknown = await c.request('auth.login', { login: 'nobody-such', password: DEMO_PASSWORD });
		assert.equal(wrong.ok, false, JSON.stringify(wrong));
		assert.equal(unknown.ok, false, JSON.stringify(unknown));
		assert.equal(wrong.error.code, 'unauthenticated');
		assert.equal(unknown.error.code, 'unauthenticated');
		assert.equal(typeof wrong.error.message, 'string');
		assert.equal(wrong.error.message, unknown.error.message, 'messages do not reveal which part was wrong');
		assert.equal(wrong.data, undefined);
		// still unauthenticated
		const s = await c.request('sub.add', { topic: 'test:open' });
		assert.equal(s.ok, false);
		assert.equal(s.error.code, 'unauthenticated');
	});

	test('requests other than auth.* and sys.ping before login answer unauthenticated', async () => {
		const c = await open();
		for (const [type, data] of [
			['sub.add', { topic: 'test:open' }],
			['sys.info', {}],
			['test.get', { key: 'x' }],
			['test.publish', { topic: 'test:open', event: 'x', data: {} }],
		]) {
			const r = await c.request(type, data);
			assert.equal(r.ok, false, `${type} before login: ${JSON.stringify(r)}`);
			assert.equal(r.error.code, 'unauthenticated', `${type} before login: ${JSON.stringify(r)}`);
		}
		assert.ok(c.isOpen, 'connection stays open after unauthenticated replies');
	});

	test('sys.ping is allowed before login', async () => {
		const c = await open();
		const before = Date.now();
		const r = await c.request('sys.ping', {});
		assert.equal(r.ok, true, JSON.stringify(r));
		assert.equal(typeof r.data.time, 'number');
		assert.ok(Math.abs(r.data.time - before) < 60_000, `ping time ${r.data.time} is epoch milliseconds`);
	});

	test('auth.resume with the token on a new connection authenticates it', async () => {
		const a = await open();
		const login = await a.login('unicef');
		const b = await open();
		const r = await b.request('auth.resume', { token: login.token });
		assert.equal(r.ok, true, JSON.stringify(r));
		assert.equal(r.data.user.login, 'unicef');
		assert.equal(r.data.user.id, login.user.id);
		assert.equal(r.data.user.org, login.user.org);
		assert.equal(typeof r.data.expires, 'number');
		const s = await b.request('sub.add', { topic: 'test:open' });
		assert.equal(s.ok, true, `sub.add after resume: ${JSON.stringify(s)}`);
	});

	test('auth.resume with an unknown token answers unauthenticated', async () => {
		const c = await open();
		const r = await c.request('auth.resume', { token: 'A'.repeat(43) });
		assert.equal(r.ok, false, JSON.stringify(r));
		assert.equal(r.error.code, 'unauthenticated');
	});

	test('auth.logout revokes the token: resume with it then fails', async () => {
		const a = await open();
		const login = await a.login('unfpa');
		const out = await a.request('auth.logout', {});
		assert.equal(out.ok, true, JSON.stringify(out));
		// the connection stays open but unauthenticated
		assert.ok(a.isOpen);
		const s = await a.request('sub.add', { topic: 'test:open' });
		assert.equal(s.ok, false, `sub.add after logout: ${JSON.stringify(s)}`);
		assert.equal(s.error.code, 'unauthenticated');

		const b = await open();
		const r = await b.request('auth.resume', { token: login.token });
		assert.equal(r.ok, false, `resume with a revoked token: ${JSON.stringify(r)}`);
		assert.equal(r.error.code, 'unauthenticated');
		// and on the connection that logged out too
		const r2 = await a.request('auth.resume', { token: login.token });
		assert.equal(r2.ok, false, JSON.stringify(r2));
		assert.equal(r2.error.code, 'unauthenticated');
	});

	test('logging in again on an authenticated connection switches the user', async () => {
		const c = await open();
		const first = await c.login('unhcr');
		const second = await c.login('unodc');
		assert.equal(second.user.login, 'unodc');
		assert.notEqual(second.token, first.token);
		// the first session was logged out: its token no longer resumes
		const d = await open();
		const r = await d.request('auth.resume', { token: first.token });
		assert.equal(r.ok, false, `resume with the replaced token: ${JSON.stringify(r)}`);
		assert.equal(r.error.code, 'unauthenticated');
	});
});

describe('auth timeout', { timeout: 120_000 }, () => {
	let server;
	const clients = [];
	before(async () => {
		server = await startServer({ limits: { auth_timeout_s: 1 } });
	});
	after(async () => {
		await closeAll(clients);
		if (server) await server.dispose();
	});

	test('an idle unauthenticated connection is closed with 1008', async () => {
		const t0 = Date.now();
		const idle = await connect(server);
		clients.push(idle);
		const closed = await idle.waitClose(8000);
		const elapsed = Date.now() - t0;
		assert.equal(closed.code, 1008, `close code ${JSON.stringify(closed)}`);
		assert.ok(elapsed >= 900, `closed after ${elapsed} ms, before the 1 s timeout`);
	});

	test('sys.ping does not count as authentication', async () => {
		const c = await connect(server);
		clients.push(c);
		const p = await c.request('sys.ping', {});
		assert.equal(p.ok, true);
		const closed = await c.waitClose(8000);
		assert.equal(closed.code, 1008);
	});

	test('an authenticated connection is not closed by the auth timeout', async () => {
		const c = await connectAs(server, 'undp');
		clients.push(c);
		await sleep(2500);
		assert.equal(c.closed, null, `authenticated connection was closed: ${JSON.stringify(c.closed)}`);
		const r = await c.request('sys.ping', {});
		assert.equal(r.ok, true);
	});

	test('after auth.logout the authentication deadline applies again', async () => {
		const c = await connectAs(server, 'unesco');
		clients.push(c);
		const out = await c.request('auth.logout', {});
		assert.equal(out.ok, true, JSON.stringify(out));
		const closed = await c.waitClose(8000);
		assert.equal(closed.code, 1008, `closed with ${JSON.stringify(closed)}`);
	});
});

describe('session revocation reaches every connection of the session', { timeout: 60_000 }, () => {
	let server;
	const clients = [];
	before(async () => {
		server = await startServer();
	});
	after(async () => {
		await closeAll(clients);
		if (server) await server.dispose();
	});

	test('logout on one connection closes the others that resumed the same token (1008)', async () => {
		const a = await connect(server);
		clients.push(a);
		const login = await a.login('unicef');
		const b = await connect(server);
		clients.push(b);
		const r = await b.request('auth.resume', { token: login.token });
		assert.equal(r.ok, true, JSON.stringify(r));
		const sub = await b.request('sub.add', { topic: 'test:open' });
		assert.equal(sub.ok, true);
		const other = await connectAs(server, 'unfpa');
		clients.push(other);
		const out = await a.request('auth.logout', {});
		assert.equal(out.ok, true);
		const closed = await b.waitClose(5000);
		assert.equal(closed.code, 1008, JSON.stringify(closed));
		assert.match(closed.reason, /revoked/);
		// a different session is untouched
		const p = await other.request('sys.ping', {});
		assert.equal(p.ok, true);
	});

	test('one address cannot hold more than a few password checks at once', async () => {
		const many = [];
		for (let i = 0; i < 12; i++) {
			const c = await connect(server);
			clients.push(c);
			many.push(c);
		}
		const replies = await Promise.all(
			// different logins: one login is tried one at a time per address anyway
			many.map((c, i) => c.request('auth.login', { login: `nobody-${i}`, password: 'wrong-password' }))
		);
		const limited = replies.filter((r) => !r.ok && r.error.code === 'rate_limited').length;
		const refused = replies.filter((r) => !r.ok && r.error.code === 'unauthenticated').length;
		assert.ok(limited >= 1, `some logins were limited per address: ${JSON.stringify(replies.map((r) => r.error?.code))}`);
		assert.equal(limited + refused, 12);
	});
});

describe('failed logins slow that address down for a while', { timeout: 60_000 }, () => {
	let server;
	const clients = [];
	before(async () => {
		server = await startServer({ limits: { login_failures_max: 3, login_lockout_s: 2 } });
	});
	after(async () => {
		await closeAll(clients);
		if (server) await server.dispose();
	});

	test('after 3 failures from one address even the right password waits; then it works', async () => {
		const c = await connect(server);
		clients.push(c);
		for (let i = 0; i < 3; i++) {
			const r = await c.request('auth.login', { login: 'unodc', password: `wrong-${i}` });
			assert.equal(r.error.code, 'unauthenticated');
		}
		const locked = await c.request('auth.login', { login: 'unodc', password: DEMO_PASSWORD });
		assert.equal(locked.ok, false);
		assert.equal(locked.error.code, 'rate_limited');
		assert.match(locked.error.message, /try again in \d+ seconds/);
		// another account is not affected
		const other = await c.request('auth.login', { login: 'unrcca', password: DEMO_PASSWORD });
		assert.equal(other.ok, true, JSON.stringify(other));
		// unknown logins are counted the same way (nothing to enumerate)
		for (let i = 0; i < 3; i++) await c.request('auth.login', { login: 'nobody-here', password: 'x' });
		assert.equal((await c.request('auth.login', { login: 'nobody-here', password: 'x' })).error.code, 'rate_limited');
		await sleep(2300);
		const ok = await c.request('auth.login', { login: 'unodc', password: DEMO_PASSWORD });
		assert.equal(ok.ok, true, JSON.stringify(ok));
	});
});
