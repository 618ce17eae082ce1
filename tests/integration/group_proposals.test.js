// Consensus proposals scoped to a working group: the group's member
// organisations vote (its partners do not), the group's lead opens and
// closes, and people outside the group cannot see the proposal at all.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connectAs, closeAll } from './lib/harness.js';

describe('working-group proposals', { timeout: 120_000 }, () => {
	let server;
	const clients = [];
	const as = async (login) => {
		const c = await connectAs(server, login);
		clients.push(c);
		return c;
	};
	before(async () => {
		server = await startServer({ plugins: { membership: {}, consensus: {}, groups: {}, actions: {}, test: {} } });
	});
	after(async () => {
		await closeAll(clients);
		if (server) await server.dispose();
	});

	test('lead opens, group members vote, outsiders see nothing', async () => {
		const iom = await as('iom');
		const g = await iom.request('groups.create', { name: 'Return and reintegration', kind: 'permanent', leads: ['UNDP'], members: ['UNHCR', 'MOL'] });
		assert.equal(g.ok, true, JSON.stringify(g));
		const gid = g.data.group.id;
		const undp = await as('undp');
		const unhcr = await as('unhcr');
		const unicef = await as('unicef');
		const mol = await as('mol');

		const bad = await unicef.request('consensus.create', { title: 'x', text: 'x', kind: 'decision', scope: `group:${gid}` });
		assert.equal(bad.error.code, 'not_found');
		const c = await undp.request('consensus.create', { title: 'Group position on returns', text: 'T', kind: 'decision', scope: `group:${gid}` });
		assert.equal(c.ok, true, JSON.stringify(c));
		const id = c.data.proposal.id;
		assert.equal(c.data.proposal.scope, `group:${gid}`);

		const listed = await unicef.request('consensus.list', {});
		assert.ok(!listed.data.proposals.some((p) => p.id === id), 'outside the group: not listed either');
		const nf = await unicef.request('consensus.get', { proposal: id });
		const missing = await unicef.request('consensus.get', { proposal: 999999 });
		assert.deepEqual(nf.error, missing.error, 'outside the group: exactly like a missing proposal');
		assert.equal((await mol.request('consensus.get', { proposal: id })).error.code, 'not_found', 'partners do not see drafts');

		assert.equal((await unhcr.request('consensus.open', { proposal: id })).error.code, 'forbidden', 'only a lead or a co-chair opens');
		const o = await undp.request('consensus.open', { proposal: id });
		assert.equal(o.ok, true, JSON.stringify(o));
		assert.deepEqual(o.data.proposal.voters, ['UNDP', 'UNHCR'], 'the group\'s member organisations vote, its partner does not');

		const mg = await mol.request('consensus.get', { proposal: id });
		assert.equal(mg.ok, true, 'a partner in the group sees the open proposal');
		assert.equal(mg.data.tally, undefined, 'but no tally');
		assert.equal((await mol.request('consensus.position', { proposal: id, position: 'agree' })).error.code, 'forbidden');
		assert.equal((await unicef.request('consensus.position', { proposal: id, position: 'agree' })).error.code, 'not_found');
		const rco = await as('rco');
		assert.equal((await rco.request('consensus.position', { proposal: id, position: 'agree' })).error.code, 'forbidden',
			'a co-chair sees it but RCO does not vote in this group');

		// partners comment but do not vote; members' comments stay internal
		await mol.request('sub.add', { topic: `proposal:${id}` });
		const mc = await mol.request('consensus.comment', { proposal: id, text: 'The ministry supports this.' });
		assert.equal(mc.ok, true, JSON.stringify(mc));
		assert.equal(mc.data.comment.partner, true);
		const uc = await undp.request('consensus.comment', { proposal: id, text: 'MEMBER-ONLY-COMMENT-41a' });
		assert.equal(uc.ok, true);
		const seenByUndp = await undp.request('consensus.comments', { proposal: id });
		assert.equal(seenByUndp.data.comments.length, 2);
		const seenByMol = await mol.request('consensus.comments', { proposal: id });
		assert.deepEqual(seenByMol.data.comments.map((c) => c.text), ['The ministry supports this.']);
		await new Promise((r) => setTimeout(r, 300));
		assert.ok(!mol.frames.some((f) => f.includes('MEMBER-ONLY-COMMENT-41a')), 'a member comment reached the partner');
		assert.equal((await unicef.request('consensus.comment', { proposal: id, text: 'x' })).error.code, 'not_found');

		for (const c2 of [undp, unhcr]) {
			const r = await c2.request('consensus.position', { proposal: id, position: 'agree' });
			assert.equal(r.ok, true, JSON.stringify(r));
		}
		assert.equal((await unhcr.request('consensus.close', { proposal: id })).error.code, 'forbidden');
		const cl = await undp.request('consensus.close', { proposal: id, outcome: 'Agreed by the group' });
		assert.equal(cl.ok, true, JSON.stringify(cl));
		assert.equal(cl.data.proposal.outcome, 'consensus');
	});

	test('an archived group keeps its action items read-only', async () => {
		const iom = await as('iom');
		const g = await iom.request('groups.create', { name: 'Ad-hoc taskforce', kind: 'permanent', leads: ['IOM'] });
		const gid = g.data.group.id;
		assert.equal((await iom.request('groups.plugins.enable', { group: gid, plugin: 'actions' })).ok, true);
		const a = await iom.request('actions.add', { group: gid, title: 'Draft report', owner_org: 'IOM', due_date: '2030-01-01' });
		assert.equal(a.ok, true, JSON.stringify(a));
		assert.equal((await iom.request('groups.archive', { group: gid })).ok, true);
		const add = await iom.request('actions.add', { group: gid, title: 'Late', owner_org: 'IOM', due_date: '2030-01-01' });
		assert.equal(add.error?.code, 'conflict', JSON.stringify(add));
		const upd = await iom.request('actions.update', { group: gid, item: a.data.item.id, status: 'done' });
		assert.equal(upd.error?.code, 'conflict', JSON.stringify(upd));
		const list = await iom.request('actions.list', { group: gid });
		assert.equal(list.ok, true);
		assert.equal(list.data.items[0].status, 'open');
	});
});
