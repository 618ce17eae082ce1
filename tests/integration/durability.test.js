// Durable writes: acknowledged writes survive SIGTERM and kill -9, clean
// shutdown behaviour, and seq continuity across restarts.
import { test, describe, before, beforeEach, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect, connectAs, closeAll } from './lib/harness.js';

function parseCount(r) {
	assert.equal(r.code, 0, `accord test-kv-count exited ${r.code} (signal ${r.signal})\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
	const m = /^count: (\d+)$/m.exec(r.stdout);
	assert.ok(m, `test-kv-count printed a "count: N" line; stdout was: ${JSON.stringify(r.stdout)}`);
	return Number(m[1]);
}

describe('durability', { timeout: 120_000 }, () => {
	let server;
	const clients = [];
	const as = async (login) => {
		const c = await connectAs(server, login);
		clients.push(c);
		return c;
	};
	const stored = new Map(); // key -> value acknowledged so far

	before(async () => {
		server = await startServer();
	});
	// a failed test may leave the server stopped: the next one starts it again
	beforeEach(async () => {
		if (server && !server.running) await server.restart();
	});
	after(async () => {
		await closeAll(clients);
		if (server) await server.dispose();
	});

	test('test.put is acknowledged with the key and test.get reads it back', async () => {
		const c = await as('undp');
		const r = await c.request('test.put', { key: 'alpha', value: 'first value' });
		assert.equal(r.ok, true, JSON.stringify(r));
		assert.deepEqual(r.data, { key: 'alpha' });
		stored.set('alpha', 'first value');
		const g = await c.request('test.get', { key: 'alpha' });
		assert.equal(g.ok, true, JSON.stringify(g));
		assert.deepEqual(g.data, { key: 'alpha', value: 'first value' });
		const missing = await c.request('test.get', { key: 'no-such-key' });
		assert.equal(missing.ok, false);
		assert.equal(missing.error.code, 'not_found');
	});

	test('a duplicate put answers conflict and leaves the value alone', async () => {
		const c = await as('unhcr');
		const r = await c.request('test.put', { key: 'alpha', value: 'second value' });
		assert.equal(r.ok, false, JSON.stringify(r));
		assert.equal(r.error.code, 'conflict');
		const g = await c.request('test.get', { key: 'alpha' });
		assert.equal(g.data?.value, 'first value', JSON.stringify(g));
	});

	test('SIGTERM exits 0 within 5 s; connected clients see 1001; data survives a restart', async () => {
		const a = await as('iom');
		const b = await as('rco');
		const anon = await connect(server);
		clients.push(anon);
		const s = await a.request('sub.add', { topic: 'test:open' });
		assert.equal(s.ok, true);
		const p = await b.request('test.put', { key: 'beta', value: 'before sigterm' });
		assert.equal(p.ok, true, JSON.stringify(p));
		stored.set('beta', 'before sigterm');

		const t0 = Date.now();
		const exit = await server.stop('SIGTERM', 15_000);
		const elapsed = Date.now() - t0;
		const stderr = server.stderr;
		const closes = [];
		for (const [name, c] of [['iom', a], ['rco', b], ['unauthenticated', anon]])
			closes.push([name, await c.waitClose(5000).catch((e) => ({ error: e.message }))]);
		await server.restart();

		assert.deepEqual(exit, { code: 0, signal: null }, `exit after SIGTERM\n--- stderr ---\n${stderr}`);
		assert.ok(elapsed < 5000, `SIGTERM took ${elapsed} ms to exit`);
		for (const [name, closed] of closes)
			assert.equal(closed.code, 1001, `${name} connection closed with ${JSON.stringify(closed)}, expected 1001`);

		const c = await as('unicef');
		for (const [key, value] of stored) {
			const g = await c.request('test.get', { key });
			assert.equal(g.ok, true, `after restart, test.get ${key}: ${JSON.stringify(g)}`);
			assert.equal(g.data.value, value);
		}
	});

	test('all acknowledged writes survive kill -9; test-kv-count agrees', async () => {
		const c = await as('unfpa');
		const keys = Array.from({ length: 50 }, (_, i) => `crash-${i}`);
		const replies = await Promise.all(keys.map((key, i) => c.request('test.put', { key, value: `v${i}` }, { timeoutMs: 30_000 })));
		for (const [i, r] of replies.entries()) {
			assert.equal(r.ok, true, `put ${keys[i]}: ${JSON.stringify(r)}`);
			assert.deepEqual(r.data, { key: keys[i] });
			stored.set(keys[i], `v${i}`);
		}

		const exit = await server.kill9();
		assert.equal(exit.signal, 'SIGKILL');

		// the CLI reads the database as the crash left it
		const count = parseCount(await server.cli('test-kv-count'));
		assert.equal(count, stored.size, `test-kv-count after kill -9 (acknowledged: ${stored.size})`);

		await server.restart();
		const d = await as('unodc');
		const got = await Promise.all(keys.map((key) => d.request('test.get', { key })));
		const lost = got.map((r, i) => (r.ok === true ? null : `${keys[i]}: ${JSON.stringify(r)}`)).filter(Boolean);
		assert.deepEqual(lost, [], 'acknowledged keys missing after kill -9');
		for (const [i, r] of got.entries()) assert.equal(r.data.value, `v${i}`);
	});

	test('writes in flight during SIGTERM: every acknowledged one is durable', async () => {
		const c = await as('unic');
		const keys = Array.from({ length: 40 }, (_, i) => `inflight-${i}`);
		const pending = keys.map((key, i) =>
			c.request('test.put', { key, value: `w${i}` }, { timeoutMs: 20_000 }).then(
				(r) => r,
				(e) => ({ lost: String(e.message) }),
			),
		);
		// let the first few get going, then stop the server
		await new Promise((r) => setTimeout(r, 5));
		const exit = await server.stop('SIGTERM', 15_000);
		assert.equal(exit.code, 0, `exit after SIGTERM: ${JSON.stringify(exit)}\n${server.stderr}`);
		const results = await Promise.all(pending);
		const acked = [];
		for (const [i, r] of results.entries()) {
			if (r.ok === true) acked.push(i);
			else if (r.ok === false)
				assert.equal(r.error.code, 'unavailable', `put ${keys[i]} refused during shutdown: ${JSON.stringify(r)}`);
		}
		for (const i of acked) stored.set(keys[i], `w${i}`);

		const count = parseCount(await server.cli('test-kv-count'));
		assert.ok(count >= stored.size, `test-kv-count ${count} < acknowledged ${stored.size}`);

		await server.restart();
		const d = await as('unrcca');
		for (const i of acked) {
			const g = await d.request('test.get', { key: keys[i] });
			assert.equal(g.ok, true, `acknowledged ${keys[i]} lost after SIGTERM: ${JSON.stringify(g)}`);
			assert.equal(g.data.value, `w${i}`);
		}
		// unacknowledged writes may or may not have landed; nothing else may have changed
		const total = parseCount(await server.cli('test-kv-count'));
		assert.ok(total >= stored.size && total <= stored.size + (keys.length - acked.length), `count ${total}`);
	});

	test('seq keeps increasing across a restart; since from before the start answers resync', async () => {
		const sub = await as('undp');
		const pub = await as('iom');
		assert.equal((await sub.request('sub.add', { topic: 'test:open' })).ok, true);
		assert.equal((await pub.request('test.publish', { topic: 'test:open', event: 'note', data: { phase: 'old' } })).ok, true);
		const old = await sub.waitEvent((e) => e.data?.phase === 'old');

		await server.restart();
		const sub2 = await as('undp');
		const pub2 = await as('iom');
		const r = await sub2.request('sub.add', { topic: 'test:open', since: old.seq });
		assert.equal(r.ok, true, JSON.stringify(r));
		assert.equal(r.data.resync, true, `since from before this start must answer resync: ${JSON.stringify(r)}`);
		assert.equal((await pub2.request('test.publish', { topic: 'test:open', event: 'note', data: { phase: 'new' } })).ok, true);
		const fresh = await sub2.waitEvent((e) => e.data?.phase === 'new');
		assert.ok(fresh.seq > old.seq, `seq after restart ${fresh.seq} > seq before ${old.seq}`);
		assert.ok(r.data.seq >= old.seq, `sub.add seq ${r.data.seq} after restart is not below the old ${old.seq}`);
		assert.deepEqual(sub2.events.filter((e) => e.data?.phase === 'old'), [], 'nothing replayed');
	});

	test('test-kv-count agrees with the acknowledged writes on a stopped server', async () => {
		const exit = await server.stop('SIGTERM');
		assert.equal(exit.code, 0);
		const count = parseCount(await server.cli('test-kv-count'));
		assert.ok(count >= stored.size, `count ${count} vs acknowledged ${stored.size}`);
	});
});
