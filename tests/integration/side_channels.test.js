// Side channels to partners (issue 16, item 5).
//
// Sequence numbers: a topic's events reach different audiences, and a
// partner must not learn from the seq of the events it sees how many it did
// not see (a group room's internal posts between two shared ones).  seq is
// a reading of the server's clock in microseconds (docs/protocol.md,
// "Event"), so each seq a partner sees, and the seq of a sub.add reply, lies
// within the wall-clock window of its own request, whatever happened on the
// topic meanwhile; replay with `since` still delivers exactly what the
// subscriber may see.
//
// /metrics: answers only with the configured bearer token (metrics.token or
// metrics.token_file), or anonymously from loopback when metrics.anonymous
// is "loopback"; by default, nobody without the token.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, connect, closeAll, httpRequest, metricValue, sleep, DEMO_PASSWORD } from './lib/harness.js';

const PLUGINS = { test: {}, membership: {}, groups: {} };
const HIDDEN = 120;
const QUIET_MS = 300;

/** A seq, read as the server clock in ms, within [t0, t1] (client clock, same machine). */
function assertOnClock(seq, t0, t1, what) {
	const ms = Math.floor(seq / 1000);
	assert.ok(ms >= t0 - 2 && ms <= t1 + 2, `${what}: seq ${seq} (${ms} ms) is not a reading of the clock between ${t0} and ${t1}: it counts events`);
}

describe('sequence numbers do not reveal hidden events', { timeout: 120_000 }, () => {
	let server;
	const all = [];
	async function login(l) {
		const c = await connect(server);
		all.push(c);
		const r = await c.request('auth.login', { login: l, password: DEMO_PASSWORD });
		assert.equal(r.ok, true, `login ${l}: ${JSON.stringify(r)}`);
		return c;
	}
	before(async () => {
		server = await startServer({ plugins: PLUGINS, metricsToken: false });
	});
	after(async () => {
		await closeAll(all);
		await server?.dispose();
	});

	test('test topic: the seq a partner sees is the clock, not a count of members-only events', async () => {
		const mol = await login('mol');
		const undp = await login('undp');
		const pub = await login('iom');
		await mol.ok('sub.add', { topic: 'test:open' });
		await undp.ok('sub.add', { topic: 'test:open' });
		const m = `sc-${process.pid}`;

		const t0 = Date.now();
		await pub.ok('test.publish', { topic: 'test:open', event: 'note', data: { m, i: 'v1' }, audience: { members: true, partners: true } });
		const v1 = await mol.waitEvent((e) => e.data?.m === m && e.data.i === 'v1');
		const t1 = Date.now();
		// a burst of members-only events, pipelined
		const hidden = [];
		for (let i = 0; i < HIDDEN; i++) hidden.push(pub.ok('test.publish', { topic: 'test:open', event: 'note', data: { m, i } }));
		await Promise.all(hidden);
		const t2 = Date.now();
		const again = await mol.ok('sub.add', { topic: 'test:open' });
		const t3 = Date.now();
		await pub.ok('test.publish', { topic: 'test:open', event: 'note', data: { m, i: 'v2' }, audience: { members: true, partners: true } });
		const v2 = await mol.waitEvent((e) => e.data?.m === m && e.data.i === 'v2');
		const t4 = Date.now();
		await undp.waitEvent((e) => e.data?.m === m && e.data.i === 'v2');
		await sleep(QUIET_MS);

		assert.deepEqual(mol.events.filter((e) => e.data?.m === m).map((e) => e.data.i), ['v1', 'v2'], 'the partner sees only the two events addressed to partners');
		const memberSeqs = undp.events.filter((e) => e.data?.m === m).map((e) => e.seq);
		assert.equal(memberSeqs.length, HIDDEN + 2, 'the member sees all of them');
		for (let i = 1; i < memberSeqs.length; i++) assert.ok(memberSeqs[i] > memberSeqs[i - 1], `seq strictly increases: ${memberSeqs[i - 1]}, ${memberSeqs[i]}`);

		assert.ok(v2.seq - v1.seq !== HIDDEN + 1, `the gap ${v2.seq - v1.seq} counts the hidden events`);
		assertOnClock(v1.seq, t0, t1, 'first partner event');
		assertOnClock(v2.seq, t3, t4, 'second partner event, after the hidden burst');
		// the position answered by sub.add is not the seq of the last (hidden) event
		assertOnClock(again.seq, t2, t3, 'sub.add reply after the hidden burst');
		assert.ok(again.seq > v1.seq && again.seq < v2.seq, `sub.add position ${again.seq} lies between the events ${v1.seq} and ${v2.seq}`);

		// replay per subscriber: exactly the partner's events after since, nothing hidden, no count of them
		const mol2 = await login('mol');
		const r = await mol2.ok('sub.add', { topic: 'test:open', since: v1.seq });
		assert.notEqual(r.resync, true, JSON.stringify(r));
		assert.equal(r.replayed, 1, `one event replayed to the partner: ${JSON.stringify(r)}`);
		assert.deepEqual(mol2.events.filter((e) => e.data?.m === m).map((e) => [e.data.i, e.seq]), [['v2', v2.seq]]);
		const undp2 = await login('undp');
		const r2 = await undp2.ok('sub.add', { topic: 'test:open', since: v1.seq });
		assert.equal(r2.replayed, HIDDEN + 1, `the member gets every later event: ${JSON.stringify(r2)}`);
		// since = the position of a reply replays nothing and misses nothing
		const mol3 = await login('mol');
		const r3 = await mol3.ok('sub.add', { topic: 'test:open', since: again.seq });
		assert.equal(r3.replayed, 1, `from the earlier sub.add position, only v2 follows: ${JSON.stringify(r3)}`);
	});

	test('group room: internal posts between two shared posts leave no trace in the partner\'s seq', async () => {
		const iom = await login('iom');
		const undp = await login('undp');
		const cso = await login('cso');
		const G = (await iom.ok('groups.create', { name: 'Side channel room', kind: 'permanent', leads: ['UNDP'], members: ['UNHCR', 'CSO'] })).group.id;
		const topic = `group:${G}`;
		await cso.ok('sub.add', { topic });

		const t0 = Date.now();
		const p1 = (await undp.ok('groups.post', { group: G, text: 'shared one', visibility: 'shared' })).post;
		const e1 = await cso.waitEvent((e) => e.topic === topic && e.data.id === p1.id);
		const t1 = Date.now();
		for (let i = 0; i < 20; i++) await undp.ok('groups.post', { group: G, text: `internal ${i}` });
		const t2 = Date.now();
		const p2 = (await undp.ok('groups.post', { group: G, text: 'shared two', visibility: 'shared' })).post;
		const e2 = await cso.waitEvent((e) => e.topic === topic && e.data.id === p2.id);
		const t3 = Date.now();
		await sleep(QUIET_MS);
		assert.deepEqual(cso.events.filter((e) => e.topic === topic).map((e) => e.data.id), [p1.id, p2.id]);
		assertOnClock(e1.seq, t0, t1, 'first shared post');
		assertOnClock(e2.seq, t2, t3, 'second shared post, after 20 internal posts');
	});

	test('a since from before a restart answers resync; seq keeps increasing', async () => {
		const a = await login('mol');
		const pos = (await a.ok('sub.add', { topic: 'test:open' })).seq;
		await server.restart();
		const b = await login('mol');
		const r = await b.ok('sub.add', { topic: 'test:open', since: pos });
		assert.equal(r.resync, true, JSON.stringify(r));
		assert.ok(r.seq > pos, `position after the restart ${r.seq} > ${pos}`);
	});
});

describe('/metrics is reachable only as configured', { timeout: 120_000 }, () => {
	const servers = [];
	after(async () => {
		for (const s of servers) await s.dispose();
	});
	const start = async (extraConfig) => {
		const s = await startServer({ extraConfig, metricsToken: false });
		servers.push(s);
		return s;
	};

	test('default: no anonymous access, not even from loopback', async () => {
		const s = await start({});
		const r = await httpRequest(s, '/metrics');
		assert.equal(r.status, 403, r.body);
		assert.doesNotMatch(r.body, /accord_messages_in_total/);
		assert.match(r.body, /metrics/);
	});

	test('metrics.token: the bearer token is required, a wrong or missing one answers 401', async () => {
		const token = 'tok-' + 'x'.repeat(30);
		const s = await start({ metrics: { token } });
		const none = await httpRequest(s, '/metrics');
		assert.equal(none.status, 401, none.body);
		assert.match(none.headers['www-authenticate'] || '', /^Bearer/);
		assert.doesNotMatch(none.body, /accord_/);
		const bad = await httpRequest(s, '/metrics', { headers: { Authorization: `Bearer ${token.slice(0, -1)}y` } });
		assert.equal(bad.status, 401, bad.body);
		const good = await httpRequest(s, '/metrics', { headers: { Authorization: `Bearer ${token}` } });
		assert.equal(good.status, 200, good.body);
		assert.ok(metricValue(good.body, 'accord_connections') !== null, good.body.slice(0, 200));
	});

	test('metrics.token_file: the token is read from a file (whitespace trimmed)', async () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accord-mt-'));
		const file = path.join(dir, 'metrics.token');
		const token = 'file-token-0123456789abcdef';
		fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
		try {
			const s = await start({ metrics: { token_file: file } });
			assert.equal((await httpRequest(s, '/metrics')).status, 401);
			const good = await httpRequest(s, '/metrics', { headers: { Authorization: `Bearer ${token}` } });
			assert.equal(good.status, 200, good.body);
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});

	test('metrics.anonymous "loopback": open to loopback clients without the token', async () => {
		const s = await start({ metrics: { anonymous: 'loopback' } });
		const r = await httpRequest(s, '/metrics');
		assert.equal(r.status, 200, r.body);
		assert.ok(metricValue(r.body, 'accord_connections') !== null);
	});
});
