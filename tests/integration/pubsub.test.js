// Topics, subscriptions, events, audiences and replay (sub.add since).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connectAs, closeAll, sleep } from './lib/harness.js';

let uniq = 0;
const marker = (p) => `${p}-${process.pid}-${++uniq}`;

async function publish(client, topic, event, data, audience) {
	const args = { topic, event, data };
	if (audience !== undefined) args.audience = audience;
	const r = await client.request('test.publish', args);
	assert.equal(r.ok, true, `test.publish ${JSON.stringify(args).slice(0, 200)}: ${JSON.stringify(r)}`);
	return r;
}

async function subscribe(client, topic, since) {
	const args = { topic };
	if (since !== undefined) args.since = since;
	const r = await client.request('sub.add', args);
	assert.equal(r.ok, true, `sub.add ${JSON.stringify(args)} as ${client.user?.login}: ${JSON.stringify(r)}`);
	return r.data;
}

describe('pubsub', { timeout: 120_000 }, () => {
	let server;
	const clients = [];
	const as = async (login) => {
		const c = await connectAs(server, login);
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

	test('a subscriber receives published events with topic and increasing seq', async () => {
		const sub = await as('undp');
		const pub = await as('unhcr');
		const s = await subscribe(sub, 'test:open');
		assert.equal(s.topic, 'test:open');
		assert.equal(typeof s.seq, 'number', `sub.add reply has a numeric seq: ${JSON.stringify(s)}`);
		assert.notEqual(s.resync, true);

		const m = marker('inc');
		for (let i = 0; i < 3; i++) await publish(pub, 'test:open', 'note', { m, i });
		const got = [];
		for (let i = 0; i < 3; i++) got.push(await sub.waitEvent((e) => e.data?.m === m && e.data?.i === i, 10_000));
		for (const e of got) {
			assert.equal(e.event, 'test.note');
			assert.equal(e.topic, 'test:open');
			assert.equal(typeof e.seq, 'number');
			assert.ok(Number.isSafeInteger(e.seq), `seq ${e.seq} is an exact integer`);
		}
		assert.ok(got[0].seq > s.seq, `first event seq ${got[0].seq} > subscription seq ${s.seq}`);
		assert.ok(got[1].seq > got[0].seq && got[2].seq > got[1].seq, `seqs increase: ${got.map((e) => e.seq)}`);
		// in arrival order too
		const order = sub.events.filter((e) => e.data?.m === m).map((e) => e.data.i);
		assert.deepEqual(order, [0, 1, 2]);
		// the publisher, not subscribed, got none of them
		assert.equal(pub.events.filter((e) => e.data?.m === m).length, 0);
	});

	test('subscribing twice is not an error and does not duplicate events', async () => {
		const sub = await as('unicef');
		const pub = await as('unfpa');
		await subscribe(sub, 'test:open');
		await subscribe(sub, 'test:open');
		const m = marker('twice');
		await publish(pub, 'test:open', 'note', { m, i: 0 });
		await publish(pub, 'test:open', 'note', { m, i: 1 });
		await sub.waitEvent((e) => e.data?.m === m && e.data?.i === 1);
		await sleep(200);
		assert.equal(sub.events.filter((e) => e.data?.m === m).length, 2, 'each event delivered once');
	});

	test('a hidden topic answers not_found exactly like a missing one', async () => {
		const undp = await as('undp');
		const hidden = await undp.request('sub.add', { topic: 'test:org:IOM' });
		const missing = await undp.request('sub.add', { topic: 'test:nonexistent' });
		const unknownPrefix = await undp.request('sub.add', { topic: 'nosuchplugin:thing' });
		for (const [what, r] of [['test:org:IOM as undp', hidden], ['test:nonexistent', missing], ['nosuchplugin:thing', unknownPrefix]]) {
			assert.equal(r.ok, false, `${what}: ${JSON.stringify(r)}`);
			assert.equal(r.error.code, 'not_found', `${what}: ${JSON.stringify(r)}`);
		}
		assert.deepEqual(
			{ code: hidden.error.code, message: hidden.error.message },
			{ code: missing.error.code, message: missing.error.message },
			'hidden and missing topics answer identically',
		);
		assert.deepEqual(
			{ code: hidden.error.code, message: hidden.error.message },
			{ code: unknownPrefix.error.code, message: unknownPrefix.error.message },
		);
		// positive control: IOM may subscribe to its own org topic, undp to its own
		const iom = await as('iom');
		await subscribe(iom, 'test:org:IOM');
		await subscribe(undp, 'test:org:UNDP');
	});

	test('a partner cannot see test:members; a member can', async () => {
		const mol = await as('mol');
		const r = await mol.request('sub.add', { topic: 'test:members' });
		assert.equal(r.ok, false, `mol sub.add test:members: ${JSON.stringify(r)}`);
		assert.equal(r.error.code, 'not_found');
		const missing = await mol.request('sub.add', { topic: 'test:nonexistent' });
		assert.equal(r.error.message, missing.error.message, 'identical to a missing topic');
		// but test:open is fine for partners
		await subscribe(mol, 'test:open');
		const member = await as('unodc');
		await subscribe(member, 'test:members');
	});

	test('an org-restricted topic delivers only to that org', async () => {
		const iom = await as('iom');
		const pub = await as('rco');
		await subscribe(iom, 'test:org:IOM');
		const m = marker('org');
		await publish(pub, 'test:org:IOM', 'note', { m });
		const e = await iom.waitEvent((x) => x.data?.m === m);
		assert.equal(e.topic, 'test:org:IOM');
		assert.equal(e.event, 'test.note');
	});

	test('an audience-restricted event reaches only the audience', async () => {
		const iom = await as('iom');
		const undp = await as('undp');
		const pub = await as('rco');
		await subscribe(iom, 'test:open');
		await subscribe(undp, 'test:open');
		const m = marker('aud');
		await publish(pub, 'test:open', 'restricted', { m, kind: 'restricted' }, { orgs: ['IOM'] });
		await publish(pub, 'test:open', 'after', { m, kind: 'after' });
		const gotR = await iom.waitEvent((e) => e.data?.m === m && e.data.kind === 'restricted');
		assert.equal(gotR.event, 'test.restricted');
		await iom.waitEvent((e) => e.data?.m === m && e.data.kind === 'after');
		// undp sees the later, unrestricted event ...
		await undp.waitEvent((e) => e.data?.m === m && e.data.kind === 'after');
		await sleep(200);
		// ... but never the restricted one
		const leaked = undp.events.filter((e) => e.data?.m === m && e.data.kind === 'restricted');
		assert.deepEqual(leaked, [], 'undp must not receive an event for audience {orgs:[IOM]}');
	});

	test('audience members_only and roles', async () => {
		const mol = await as('mol'); // partner
		const undp = await as('undp'); // member, no chair role
		const rco = await as('rco'); // co_chair
		const pub = await as('unesco');
		for (const c of [mol, undp, rco]) await subscribe(c, 'test:open');
		const m = marker('aud2');
		await publish(pub, 'test:open', 'members', { m, kind: 'members' }, { members_only: true });
		await publish(pub, 'test:open', 'chairs', { m, kind: 'chairs' }, { roles: ['co_chair'] });
		await publish(pub, 'test:open', 'default', { m, kind: 'default' });
		await publish(pub, 'test:open', 'all', { m, kind: 'all' }, { members: true, partners: true });
		for (const c of [mol, undp, rco]) await c.waitEvent((e) => e.data?.m === m && e.data.kind === 'all');
		await sleep(200);
		const kinds = (c) => c.events.filter((e) => e.data?.m === m).map((e) => e.data.kind);
		assert.deepEqual(kinds(mol), ['all'], 'partner gets only the event whose audience admits partners explicitly');
		assert.deepEqual(kinds(undp), ['members', 'default', 'all'], 'member without role gets members-only and default, not chairs-only');
		assert.deepEqual(kinds(rco), ['members', 'chairs', 'default', 'all'], 'co_chair gets everything');
	});

	test('sub.add since replays the kept events in order before the reply', async () => {
		const watcher = await as('unic');
		const pub = await as('unrcca');
		const topic = 'test:members';
		await subscribe(watcher, topic);
		const m = marker('replay');
		for (let i = 1; i <= 5; i++) await publish(pub, topic, 'note', { m, i });
		const seen = [];
		for (let i = 1; i <= 5; i++) seen.push(await watcher.waitEvent((e) => e.topic === topic && e.data?.m === m && e.data.i === i));
		const seqs = seen.map((e) => e.seq);

		const late = await as('unesco');
		const before = late.frames.length;
		const r = await late.request('sub.add', { topic, since: seqs[1] });
		assert.equal(r.ok, true, JSON.stringify(r));
		assert.notEqual(r.data.resync, true, `no resync expected: ${JSON.stringify(r)}`);
		assert.equal(r.data.topic, topic);
		assert.ok(r.data.seq >= seqs[4], 'seq in the reply is the topic\'s position: not below its last event');
		assert.equal(r.data.replayed, 3, `replayed counts the replayed events: ${JSON.stringify(r.data)}`);

		// frames from the sub.add on: three events, then the reply
		const after = late.frames.slice(before).map((f) => JSON.parse(f));
		const replyIdx = after.findIndex((f) => 're' in f && f.re === r.re);
		assert.ok(replyIdx >= 0);
		const replayed = after.slice(0, replyIdx).filter((f) => 'event' in f && f.topic === topic);
		assert.deepEqual(
			replayed.map((e) => [e.seq, e.data.i]),
			[
				[seqs[2], 3],
				[seqs[3], 4],
				[seqs[4], 5],
			],
			'events 3..5 replayed, in order, before the reply',
		);
		for (const [k, e] of replayed.entries()) assert.deepEqual(e, seen[k + 2], 'replayed event identical to the original');
		assert.equal(after.slice(replyIdx + 1).filter((f) => 'event' in f && f.data?.m === m).length, 0, 'nothing replayed after the reply');

		// since = current seq replays nothing
		const late2 = await as('unfpa');
		const r2 = await late2.request('sub.add', { topic, since: seqs[4] });
		assert.equal(r2.ok, true, JSON.stringify(r2));
		assert.notEqual(r2.data.resync, true);
		assert.equal(r2.data.replayed, 0);
		assert.equal(late2.events.filter((e) => e.data?.m === m).length, 0);

		// and live events continue after the replay
		await publish(pub, topic, 'note', { m, i: 6 });
		const live = await late.waitEvent((e) => e.data?.m === m && e.data.i === 6);
		assert.ok(live.seq > seqs[4]);
	});

	test('sub.remove stops events; removing again answers not_found', async () => {
		const sub = await as('unhcr');
		const pub = await as('unicef');
		await subscribe(sub, 'test:open');
		await subscribe(sub, 'test:members');
		const m = marker('rm');
		await publish(pub, 'test:open', 'note', { m, phase: 'before' });
		await sub.waitEvent((e) => e.data?.m === m && e.data.phase === 'before');

		const r = await sub.request('sub.remove', { topic: 'test:open' });
		assert.equal(r.ok, true, JSON.stringify(r));
		assert.equal(r.data.topic, 'test:open');

		await publish(pub, 'test:open', 'note', { m, phase: 'removed' });
		await publish(pub, 'test:members', 'note', { m, phase: 'sentinel' });
		await sub.waitEvent((e) => e.data?.m === m && e.data.phase === 'sentinel');
		await sleep(300);
		assert.deepEqual(
			sub.events.filter((e) => e.data?.m === m && e.data.phase === 'removed'),
			[],
			'no test:open events after sub.remove',
		);

		const again = await sub.request('sub.remove', { topic: 'test:open' });
		assert.equal(again.ok, false, JSON.stringify(again));
		assert.equal(again.error.code, 'not_found');
		const never = await sub.request('sub.remove', { topic: 'test:org:UNHCR' });
		assert.equal(never.ok, false, JSON.stringify(never));
		assert.equal(never.error.code, 'not_found');
	});

	test('auth.logout drops the subscriptions', async () => {
		const sub = await as('unodc');
		const pub = await as('rco');
		await subscribe(sub, 'test:open');
		const out = await sub.request('auth.logout', {});
		assert.equal(out.ok, true);
		const m = marker('logout');
		await publish(pub, 'test:open', 'note', { m });
		await sleep(500);
		assert.deepEqual(sub.events.filter((e) => e.data?.m === m), [], 'no events after logout');
	});

	test('sub.add validates its arguments', async () => {
		const c = await as('undp');
		for (const data of [{}, { topic: 5 }, { topic: 'test:open', since: 'x' }]) {
			const r = await c.request('sub.add', data);
			assert.equal(r.ok, false, `sub.add ${JSON.stringify(data)}: ${JSON.stringify(r)}`);
			assert.equal(r.error.code, 'bad_request', `sub.add ${JSON.stringify(data)}: ${JSON.stringify(r)}`);
		}
	});
});

describe('replay window (limits.replay_keep: 4)', { timeout: 120_000 }, () => {
	let server;
	const clients = [];
	before(async () => {
		server = await startServer({ limits: { replay_keep: 4 } });
	});
	after(async () => {
		await closeAll(clients);
		if (server) await server.dispose();
	});

	test('since older than the kept events answers resync and replays nothing', async () => {
		const watcher = await connectAs(server, 'undp');
		const pub = await connectAs(server, 'iom');
		clients.push(watcher, pub);
		await subscribe(watcher, 'test:open');
		const m = marker('keep');
		for (let i = 1; i <= 10; i++) await publish(pub, 'test:open', 'note', { m, i });
		const seen = [];
		for (let i = 1; i <= 10; i++) seen.push(await watcher.waitEvent((e) => e.data?.m === m && e.data.i === i));
		const seqs = seen.map((e) => e.seq);

		const late = await connectAs(server, 'unicef');
		clients.push(late);
		const r = await late.request('sub.add', { topic: 'test:open', since: seqs[1] });
		assert.equal(r.ok, true, JSON.stringify(r));
		assert.equal(r.data.resync, true, `events 3..6 are no longer kept, expected resync: ${JSON.stringify(r)}`);
		assert.ok(r.data.seq >= seqs[9], 'resync reply carries the topic\'s position: not below its last event');
		await sleep(200);
		assert.deepEqual(late.events.filter((e) => e.data?.m === m), [], 'nothing replayed with resync');

		// within the window: since = seq of event 7 → events 8..10
		const late2 = await connectAs(server, 'unfpa');
		clients.push(late2);
		const r2 = await late2.request('sub.add', { topic: 'test:open', since: seqs[6] });
		assert.equal(r2.ok, true, JSON.stringify(r2));
		assert.notEqual(r2.data.resync, true, `events 8..10 are kept: ${JSON.stringify(r2)}`);
		assert.deepEqual(
			late2.events.filter((e) => e.data?.m === m).map((e) => e.data.i),
			[8, 9, 10],
		);

		// the subscription made with resync is live
		await publish(pub, 'test:open', 'note', { m, i: 11 });
		await late.waitEvent((e) => e.data?.m === m && e.data.i === 11);
	});
});
