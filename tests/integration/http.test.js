// Plain HTTP: health, static web client, security headers, metrics, plugin routes.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connectAs, closeAll, httpRequest, metricValue, METRICS_TOKEN } from './lib/harness.js';

function assertSecurityHeaders(res, what) {
	const csp = res.headers['content-security-policy'];
	assert.equal(typeof csp, 'string', `${what}: Content-Security-Policy present (headers: ${JSON.stringify(res.headers)})`);
	assert.ok(csp.includes("default-src 'self'"), `${what}: CSP ${csp} has default-src 'self'`);
	assert.ok(csp.includes("frame-ancestors 'none'"), `${what}: CSP ${csp} has frame-ancestors 'none'`);
	assert.equal(res.headers['x-content-type-options'], 'nosniff', `${what}: X-Content-Type-Options`);
	assert.equal(res.headers['referrer-policy'], 'no-referrer', `${what}: Referrer-Policy`);
	assert.equal(res.headers['x-frame-options'], 'DENY', `${what}: X-Frame-Options`);
}

describe('http', { timeout: 120_000 }, () => {
	let server;
	const clients = [];
	before(async () => {
		server = await startServer();
	});
	after(async () => {
		await closeAll(clients);
		if (server) await server.dispose();
	});

	test('GET /healthz answers 200 {"status":"ok","db":"ok"}', async () => {
		const r = await httpRequest(server, '/healthz');
		assert.equal(r.status, 200, r.body);
		assert.match(r.headers['content-type'] || '', /^application\/json/);
		const body = JSON.parse(r.body);
		assert.equal(body.status, 'ok');
		assert.equal(body.db, 'ok');
		assertSecurityHeaders(r, '/healthz');
	});

	test('GET / serves the web client with the security headers', async () => {
		const r = await httpRequest(server, '/');
		assert.equal(r.status, 200, r.body.slice(0, 300));
		assert.match(r.headers['content-type'] || '', /^text\/html/);
		assert.match(r.body, /<html|<!doctype html/i);
		assertSecurityHeaders(r, 'GET /');
	});

	test('paths outside web/ are not served', async () => {
		for (const p of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2f..%2f..%2fetc%2fpasswd']) {
			const r = await httpRequest(server, p);
			assert.doesNotMatch(r.body, /root:.*:0:0:/, `${p} leaked /etc/passwd`);
			assertSecurityHeaders(r, p);
		}
	});

	test('GET /metrics (with the metrics token) is Prometheus text with the core metrics', async () => {
		const c = await connectAs(server, 'undp');
		clients.push(c);
		await c.request('sys.ping', {});
		const r = await httpRequest(server, '/metrics', { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
		assert.equal(r.status, 200, r.body.slice(0, 300));
		assert.match(r.headers['content-type'] || '', /^text\/plain/);
		assert.match(r.body, /^accord_connections[ {]/m);
		assert.match(r.body, /^accord_messages_in_total[ {]/m);
		const conns = metricValue(r.body, 'accord_connections');
		assert.ok(conns >= 1, `accord_connections ${conns} counts the open connection`);
		const inTotal = metricValue(r.body, 'accord_messages_in_total');
		assert.ok(inTotal >= 2, `accord_messages_in_total ${inTotal} counts login + ping`);
		assertSecurityHeaders(r, '/metrics');

		// the counter moves
		for (let i = 0; i < 5; i++) await c.request('sys.ping', {});
		const r2 = await httpRequest(server, '/metrics', { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
		const inTotal2 = metricValue(r2.body, 'accord_messages_in_total');
		assert.ok(inTotal2 >= inTotal + 5, `accord_messages_in_total went from ${inTotal} to ${inTotal2} after 5 pings`);
	});

	test('GET /api/test/whoami with a bearer token answers the login', async () => {
		const c = await connectAs(server, 'unicef');
		clients.push(c);
		const r = await httpRequest(server, '/api/test/whoami', { headers: { Authorization: `Bearer ${c.token}` } });
		assert.equal(r.status, 200, r.body);
		assert.deepEqual(JSON.parse(r.body), { login: 'unicef' });
		assertSecurityHeaders(r, '/api/test/whoami');
	});

	test('GET /api/test/whoami without or with a bad token answers 401', async () => {
		const none = await httpRequest(server, '/api/test/whoami');
		assert.equal(none.status, 401, none.body);
		assertSecurityHeaders(none, '/api/test/whoami (401)');
		const bad = await httpRequest(server, '/api/test/whoami', { headers: { Authorization: `Bearer ${'B'.repeat(43)}` } });
		assert.equal(bad.status, 401, bad.body);
		const notBearer = await httpRequest(server, '/api/test/whoami', { headers: { Authorization: 'Basic dW5kcDpwdw==' } });
		assert.equal(notBearer.status, 401, notBearer.body);
	});

	test('a revoked token no longer authenticates HTTP', async () => {
		const c = await connectAs(server, 'unfpa');
		clients.push(c);
		const token = c.token;
		const ok = await httpRequest(server, '/api/test/whoami', { headers: { Authorization: `Bearer ${token}` } });
		assert.equal(ok.status, 200);
		assert.equal((await c.request('auth.logout', {})).ok, true);
		const r = await httpRequest(server, '/api/test/whoami', { headers: { Authorization: `Bearer ${token}` } });
		assert.equal(r.status, 401, `after logout: ${r.status} ${r.body}`);
	});
});
