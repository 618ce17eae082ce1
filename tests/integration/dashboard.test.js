// The live dashboard (issue 15, section 2): topic `proposals` tells members
// that a network proposal was created, opened, closed or that an
// organisation responded for the first time; `consensus.list` marks the
// open proposals awaiting the caller's organisation (`awaiting_you`).
// Partners cannot subscribe; a working group's proposals are not announced.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connectAs, closeAll } from './lib/harness.js';

describe('live dashboard', () => {
	let server, rco, iom, undp, unesco, mol;

	before(async () => {
		server = await startServer({ plugins: { membership: {}, consensus: {}, groups: {}, test: {} } });
		// one by one: password checks in flight per address are limited
		rco = await connectAs(server, 'rco');
		iom = await connectAs(server, 'iom');
		undp = await connectAs(server, 'undp');
		unesco = await connectAs(server, 'unesco');
		mol = await connectAs(server, 'mol');
	});
	after(async () => {
		await closeAll(rco, iom, undp, unesco, mol);
		await server?.stop();
	});

	const listed = (c, id, pred = () => true, from = 0) =>
		c.waitEvent((e) => e.event === 'consensus.listed' && e.topic === 'proposals' && e.data?.proposal === id && pred(e.data), 10_000, { from });
	const awaiting = async (c, id) => (await c.ok('consensus.list', {})).proposals.find((p) => p.id === id)?.awaiting_you;

	test('partners cannot follow the list', async () => {
		const r = await mol.request('sub.add', { topic: 'proposals' });
		assert.equal(r.ok, false);
		assert.equal(r.error.code, 'not_found');
	});

	test('create, open, first responses and close reach every member live; awaiting_you follows', async () => {
		const mark = undp.messages.length;
		await undp.ok('sub.add', { topic: 'proposals' });
		const id = (await rco.ok('consensus.create', { title: 'Live list', text: 'T', kind: 'decision' })).proposal.id;
		await listed(undp, id, (d) => d.status === 'draft', mark);
		assert.equal(await awaiting(undp, id), false, 'a draft awaits nobody');
		await rco.ok('consensus.open', { proposal: id });
		await listed(undp, id, (d) => d.status === 'open', mark);
		assert.equal(await awaiting(undp, id), true, 'open and UNDP has not responded');

		await unesco.ok('consensus.position', { proposal: id, position: 'agree' });
		await listed(undp, id, (d) => d.responded === 'UNESCO', mark);
		const m2 = undp.messages.length;
		await undp.ok('consensus.position', { proposal: id, position: 'agree' });
		await listed(undp, id, (d) => d.responded === 'UNDP', m2);
		assert.equal(await awaiting(undp, id), false, 'UNDP responded');
		// a changed position is not a first response: no event for it
		const m3 = undp.messages.length;
		await undp.ok('consensus.position', { proposal: id, position: 'abstain' });
		await rco.ok('consensus.close', { proposal: id });
		await listed(undp, id, (d) => d.status === 'closed', m3);
		const between = undp.events.filter((e) => e.topic === 'proposals' && e.data?.proposal === id && e.data?.responded === 'UNDP');
		assert.equal(between.length, 1, `one first-response event for UNDP: ${JSON.stringify(between)}`);
	});

	test("a working group's proposal is not announced to the network", async () => {
		const g = await iom.ok('groups.create', { name: 'Dashboard group', kind: 'permanent', leads: ['IOM'], members: ['UNESCO'] });
		const mark = undp.messages.length;
		const gid = (await iom.ok('consensus.create', { title: 'Group only', text: 'T', kind: 'decision', scope: `group:${g.group.id}` })).proposal.id;
		const nid = (await rco.ok('consensus.create', { title: 'After the group one', text: 'T', kind: 'decision' })).proposal.id;
		await listed(undp, nid, () => true, mark); // events on one topic arrive in order
		assert.equal(undp.events.slice().filter((e) => e.topic === 'proposals' && e.data?.proposal === gid).length, 0);
	});
});

describe('live lists of groups', () => {
	let server, iom, unicef, unhcr, mol;
	before(async () => {
		server = await startServer({ plugins: { membership: {}, consensus: {}, groups: {}, test: {} } });
		iom = await connectAs(server, 'iom');
		unicef = await connectAs(server, 'unicef');
		unhcr = await connectAs(server, 'unhcr');
		mol = await connectAs(server, 'mol');
	});
	after(async () => {
		await closeAll(iom, unicef, unhcr, mol);
		await server?.stop();
	});

	test('topic groups: a group created, changed or left reaches its organisations (partners too), no one else', async () => {
		for (const c of [unicef, unhcr, mol]) await c.ok('sub.add', { topic: 'groups' });
		const m = new Map([unicef, unhcr, mol].map((c) => [c, c.messages.length]));
		const g = (await iom.ok('groups.create', { name: 'Live group', kind: 'permanent', leads: ['IOM'], members: ['UNICEF', 'MOL'] })).group;
		const listed = (c, from) => c.waitEvent((e) => e.event === 'groups.listed' && e.topic === 'groups' && e.data?.group === g.id, 10_000, { from });
		await listed(unicef, m.get(unicef));
		await listed(mol, m.get(mol));
		// UNICEF leaves: it hears of it (its list shrinks)
		const m2 = unicef.messages.length;
		await iom.ok('groups.member.remove', { group: g.id, org: 'UNICEF' });
		await listed(unicef, m2);
		// a later event proves ordering: nothing about the group reached UNHCR
		const other = (await iom.ok('groups.create', { name: 'UNHCR group', kind: 'permanent', leads: ['IOM'], members: ['UNHCR'] })).group;
		await unhcr.waitEvent((e) => e.event === 'groups.listed' && e.data?.group === other.id, 10_000, { from: m.get(unhcr) });
		assert.equal(unhcr.events.filter((e) => e.topic === 'groups' && e.data?.group === g.id).length, 0);
	});
});
