// Items that decide (issue 20): a decision or joint-statement item, open in
// session, opens a consensus proposal bound to it (meetings.item.poll,
// through accord.decisions' `open` in the meeting's own transaction); the
// voters are every member organisation, not only those in the room, so an
// absent organisation states its position after the item closed, until the
// proposal closes; the outcome (with positions and reasons) comes back to
// the item when the proposal closes, by a co-chair or at its closing time
// (accord.decisions' `watch`), logged, and pushed on meeting:<id>.
// See docs/protocol.md, "Meetings plugin".
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { startServer, connectAs, closeAll, MEMBERS, sleep } from './lib/harness.js';

const PLUGINS = { membership: {}, consensus: { tally_max_per_sec: 0 }, groups: {}, meetings: {} };
const DAY = 24 * 3600 * 1000;

function sqlite(dbPath, sql) {
	return new Promise((resolve, reject) => {
		execFile('sqlite3', ['-cmd', '.timeout 5000', dbPath, sql], { timeout: 20_000 }, (err, stdout, stderr) => {
			if (err) reject(new Error(`sqlite3 failed: ${err.message}\n${stderr}`));
			else resolve(String(stdout).trim());
		});
	});
}
function ok(r, what) {
	assert.equal(r.ok, true, `${what}: ${JSON.stringify(r)}`);
	return r.data;
}
function err(r, code, what, re) {
	assert.equal(r.ok, false, `${what}: expected ${code}, got ${JSON.stringify(r)}`);
	assert.equal(r.error.code, code, `${what}: expected ${code}, got ${JSON.stringify(r)}`);
	if (re) assert.match(r.error.message, re, `${what}: ${r.error.message}`);
	return r.error;
}

describe('meetings: items that decide', { timeout: 60_000 }, () => {
	let server, db, mol;
	const c = {}; // login → client
	let meeting, decision, statement, discussion, proposal;

	before(async () => {
		server = await startServer({ plugins: PLUGINS });
		db = path.join(server.dir, 'accord.db');
		for (const l of [...MEMBERS, 'mol']) c[l] = await connectAs(server, l);
		mol = c.mol;
		meeting = ok(await c.iom.request('meetings.create', { kind: 'regular', title: 'Q1 decisions', starts_at: Date.now() + 30 * DAY, location: 'Astana' }), 'create').meeting.id;
		const add = (d) => c.iom.request('meetings.agenda.add', { meeting, ...d });
		ok(await add({ title: 'Adopt the 2027 workplan', kind: 'decision', body: 'The network adopts the 2027 workplan as circulated.' }), 'decision');
		ok(await add({ title: 'Joint statement on labour migration', kind: 'statement', visibility: 'shared' }), 'statement');
		const a = ok(await add({ title: 'Round table', kind: 'discussion' }), 'discussion').agenda;
		[decision, statement, discussion] = a.map((i) => i.id);
		ok(await c.iom.request('meetings.convene', { meeting }), 'convene');
		ok(await c.undp.request('sub.add', { topic: `meeting:${meeting}` }), 'sub');
	});
	after(async () => {
		await closeAll(...Object.values(c));
		await server?.stop();
	});

	test('a poll needs a meeting in session, an open decision item, a manager', async () => {
		err(await c.iom.request('meetings.item.poll', { item: decision }), 'conflict', 'not in session', /not in session/);
		ok(await c.iom.request('meetings.start', { meeting }), 'start');
		err(await c.iom.request('meetings.item.poll', { item: decision }), 'conflict', 'item not open', /not open/);
		ok(await c.rco.request('meetings.item.open', { item: discussion }), 'open discussion');
		err(await c.iom.request('meetings.item.poll', { item: discussion }), 'conflict', 'a discussion', /only a decision or statement item/);
		ok(await c.rco.request('meetings.item.open', { item: decision }), 'open decision');
		err(await c.undp.request('meetings.item.poll', { item: decision }), 'forbidden', 'plain member');
		err(await mol.request('meetings.item.poll', { item: decision }), 'forbidden', 'partner');
		err(await c.iom.request('meetings.item.poll', { item: decision, closes_at: Date.now() - 1000 }), 'bad_request', 'closing in the past', /closes_at: must be in the future/);
		assert.equal(await sqlite(db, 'SELECT count(*) FROM consensus_proposals'), '0', 'no proposal was made by a refused poll');
	});

	test('the poll opens a proposal bound to the item: every member organisation votes', async () => {
		const from = c.undp.messages.length;
		const r = ok(await c.iom.request('meetings.item.poll', { item: decision }), 'poll');
		proposal = r.proposal;
		assert.equal(r.agenda.find((i) => i.id === decision).proposal, proposal);
		const ev = await c.undp.waitEvent((e) => e.event === 'meetings.poll', 5000, { from });
		assert.deepEqual(ev.data, { meeting, item: decision, proposal });
		err(await c.iom.request('meetings.item.poll', { item: decision }), 'conflict', 'twice', /already has its proposal/);
		const p = ok(await c.undp.request('consensus.get', { proposal }), 'consensus.get').proposal;
		assert.equal(p.status, 'open');
		assert.equal(p.kind, 'decision');
		assert.equal(p.title, 'Adopt the 2027 workplan');
		assert.equal(p.text, 'The network adopts the 2027 workplan as circulated.');
		assert.ok(p.closes_at > Date.now() + 6 * DAY, 'the default written window: a week');
		const log = await sqlite(db, `SELECT action || ':' || actor FROM consensus_log WHERE proposal_id=${proposal} ORDER BY id`);
		assert.deepEqual(log.split('\n'), ['create:iom', 'open:iom']);
		// the live tally follows positions at once (the consensus plugin took it up after the commit)
		ok(await c.undp.request('sub.add', { topic: `proposal:${proposal}` }), 'sub proposal');
		const t0 = c.undp.messages.length;
		ok(await c.rco.request('consensus.position', { proposal, position: 'agree' }), 'rco agrees');
		const tally = await c.undp.waitEvent((e) => e.event === 'consensus.tally' && e.data.counts?.agree === 1, 5000, { from: t0 });
		assert.equal(tally.data.proposal ?? tally.data.id ?? proposal, proposal);
	});

	test('the item closes; the absent organisation responds later; the outcome returns to the item', async () => {
		for (const l of MEMBERS.filter((x) => x !== 'unesco' && x !== 'rco')) ok(await c[l].request('consensus.position', { proposal, position: 'agree' }), `${l} agrees`);
		ok(await c.rco.request('meetings.item.close', { item: decision }), 'item closed');
		let item = ok(await c.iom.request('meetings.get', { meeting }), 'get').agenda.find((i) => i.id === decision);
		assert.equal(item.status, 'done');
		assert.equal(item.outcome, null, 'no outcome while the proposal is open');
		assert.equal(ok(await c.undp.request('consensus.get', { proposal }), 'get').proposal.status, 'open', 'the proposal stays open after the item');
		// UNESCO was not in the room: it states its position in writing
		ok(await c.unesco.request('consensus.position', { proposal, position: 'reservations', reason: 'Budget lines to be confirmed' }), 'unesco later');
		const from = c.undp.messages.length;
		const closed = ok(await c.rco.request('consensus.close', { proposal }), 'close').proposal;
		assert.equal(closed.outcome, 'consensus');
		const ev = await c.undp.waitEvent((e) => e.event === 'meetings.outcome', 5000, { from });
		assert.deepEqual(ev.data, { meeting, item: decision, proposal, outcome: 'consensus' });
		item = ok(await c.iom.request('meetings.get', { meeting }), 'get').agenda.find((i) => i.id === decision);
		assert.equal(item.outcome, 'consensus');
		assert.equal(item.decision.positions.length, 10);
		assert.deepEqual(item.decision.positions.find((p) => p.org === 'UNESCO'), { org: 'UNESCO', position: 'reservations', reason: 'Budget lines to be confirmed' });
		assert.equal(await sqlite(db, `SELECT actor FROM meetings_log WHERE action='item.outcome'`), 'consensus');
		// partners: the shared agenda without outcomes or proposals (a release decides that)
		const view = ok(await mol.request('meetings.get', { meeting }), 'MOL get').agenda;
		assert.ok(view.every((i) => !('outcome' in i) && !('proposal' in i) && !('decision' in i)));
	});

	test('a joint statement closed by its closing time: the outcome still reaches the item', async () => {
		ok(await c.rco.request('meetings.item.open', { item: statement }), 'open statement');
		const r = ok(await c.iom.request('meetings.item.poll', { item: statement, text: 'The network calls for fair recruitment.', closes_at: Date.now() + 1500 }), 'poll');
		const sp = r.proposal;
		ok(await c.iom.request('consensus.position', { proposal: sp, position: 'agree' }), 'iom agrees');
		ok(await c.unhcr.request('consensus.position', { proposal: sp, position: 'object', reason: 'Wording on returns' }), 'unhcr objects');
		const from = c.undp.messages.length;
		const ev = await c.undp.waitEvent((e) => e.event === 'meetings.outcome' && e.data.item === statement, 10_000, { from });
		const p = ok(await c.undp.request('consensus.get', { proposal: sp }), 'get').proposal;
		assert.equal(p.status, 'closed');
		assert.equal(ev.data.outcome, p.outcome);
		assert.equal(p.outcome, 'no_consensus');
		const item = ok(await c.iom.request('meetings.get', { meeting }), 'get').agenda.find((i) => i.id === statement);
		assert.equal(item.outcome, 'no_consensus');
		assert.equal(item.decision.positions.find((x) => x.org === 'UNHCR').reason, 'Wording on returns');
		await sleep(50);
	});
});
