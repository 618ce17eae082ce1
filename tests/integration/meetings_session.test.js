// The meetings plugin in session (issue 20): meetings.start and close, the
// chair moving through the agenda with the current item pushed live on
// meeting:<id> (an internal item reaches invited partners only as
// "internal", never its title), attendance by organisation as intervals
// (check-in, check-out, by hand by the secretariat; late arrivals and early
// departures), the live indicator of represented and missing required
// organisations and the quorum rule (a rule that cannot be met refused),
// speakers by organisation, notes per item (internal: never to partners),
// and who may subscribe to meeting:<id>.  See docs/protocol.md, "Meetings
// plugin".
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connectAs, closeAll, MEMBERS } from './lib/harness.js';

const PLUGINS = { membership: {}, groups: {}, meetings: {} };
const DAY = 24 * 3600 * 1000;
const MARK = `SESSION-INTERNAL-${process.pid}-${Date.now().toString(36)}`;

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
const frames = (c) => c.frames.join('\n');

describe('meetings in session', { timeout: 60_000 }, () => {
	let server, iom, rco, undp, unhcr, mol, mfa, cso;
	const clients = [];
	let meeting, shared, internal;

	before(async () => {
		server = await startServer({ plugins: PLUGINS });
		for (const l of ['iom', 'rco', 'undp', 'unhcr', 'mol', 'mfa', 'cso']) clients.push(await connectAs(server, l));
		[iom, rco, undp, unhcr, mol, mfa, cso] = clients;
		meeting = ok(await iom.request('meetings.create', { kind: 'regular', title: 'Q4', starts_at: Date.now() + 30 * DAY, location: 'Astana' }), 'create').meeting.id;
		ok(await iom.request('meetings.agenda.add', { meeting, title: 'Labour migration statement', kind: 'statement', visibility: 'shared' }), 'shared item');
		const a = ok(await iom.request('meetings.agenda.add', { meeting, title: `Budget ${MARK}`, kind: 'discussion' }), 'internal item').agenda;
		[shared, internal] = a.map((i) => i.id);
	});
	after(async () => {
		await closeAll(...clients);
		await server?.stop();
	});

	test('meeting:<id>: members subscribe; partners only once convened and invited', async () => {
		ok(await undp.request('sub.add', { topic: `meeting:${meeting}` }), 'member subscribes to a draft');
		const missing = err(await mol.request('sub.add', { topic: 'meeting:987654' }), 'not_found', 'missing');
		assert.equal(err(await mol.request('sub.add', { topic: `meeting:${meeting}` }), 'not_found', 'partner, draft').message, missing.message);
		err(await undp.request('meetings.start', { meeting }), 'forbidden', 'plain member starts');
		err(await iom.request('meetings.start', { meeting }), 'conflict', 'a draft starts', /only a convened meeting starts/);
		ok(await iom.request('meetings.convene', { meeting }), 'convene');
		ok(await mol.request('sub.add', { topic: `meeting:${meeting}` }), 'the state counterpart subscribes once convened');
		err(await mfa.request('sub.add', { topic: `meeting:${meeting}` }), 'not_found', 'a partner not invited');
		err(await cso.request('sub.add', { topic: `meeting:${meeting}` }), 'not_found', 'another partner not invited');
		ok(await rco.request('sub.add', { topic: `meeting:${meeting}` }), 'co-chair subscribes');
	});

	test('the quorum: all required by default; a number; a rule that cannot be met is refused', async () => {
		let m = ok(await iom.request('meetings.get', { meeting }), 'get');
		assert.equal(m.meeting.quorum, 'all_required');
		assert.equal(m.attendance.quorum.required, MEMBERS.length);
		assert.equal(m.attendance.quorum.met, false);
		err(await iom.request('meetings.quorum', { meeting, rule: 11 }), 'bad_request', 'cannot be met', /^rule: cannot be met: 10 required organisations are invited$/);
		err(await iom.request('meetings.quorum', { meeting, rule: 0 }), 'bad_request', 'zero', /^rule: expected "all_required" or a number/);
		err(await iom.request('meetings.quorum', { meeting, rule: 'most' }), 'bad_request', 'word');
		err(await undp.request('meetings.quorum', { meeting, rule: 2 }), 'forbidden', 'plain member');
		assert.equal(ok(await iom.request('meetings.get', { meeting }), 'get').meeting.quorum, 'all_required', 'unchanged');
		m = ok(await iom.request('meetings.quorum', { meeting, rule: 3 }), 'quorum 3');
		assert.equal(m.meeting.quorum, 3);
	});

	test('attendance: intervals per organisation, by check-in and by hand; the live indicator', async () => {
		const from = undp.messages.length;
		let r = ok(await undp.request('meetings.checkin', { meeting }), 'undp checks in');
		assert.deepEqual(r.attendance.present, ['UNDP']);
		assert.equal(r.attendance.missing_required.length, 9);
		// (an earlier event, of the quorum's change, may still arrive after `from`)
		const ev = await undp.waitEvent((e) => e.event === 'meetings.attendance' && e.data.present.length > 0, 5000, { from });
		assert.deepEqual(ev.data.present, ['UNDP']);
		assert.equal(ev.data.quorum.met, false);
		err(await undp.request('meetings.checkin', { meeting }), 'conflict', 'twice', /already checked in/);
		ok(await iom.request('meetings.checkin', { meeting }), 'iom');
		// by hand: the secretariat records an organisation; a plain member may not
		err(await undp.request('meetings.checkin', { meeting, org: 'UNHCR' }), 'forbidden', 'member records another org');
		err(await iom.request('meetings.checkin', { meeting, org: 'MFA' }), 'bad_request', 'not invited', /^org: MFA is not invited to this meeting$/);
		err(await mfa.request('meetings.checkin', { meeting }), 'not_found', 'MFA cannot see it');
		r = ok(await iom.request('meetings.checkin', { meeting, org: 'UNHCR' }), 'by hand');
		assert.equal(r.attendance.intervals.find((i) => i.org === 'UNHCR').source, 'manual');
		assert.equal(r.attendance.quorum.met, true, '3 of the required: quorum 3 met');
		// the state counterpart checks in; it is not required and does not count
		r = ok(await mol.request('meetings.checkin', { meeting }), 'MOL checks in');
		assert.equal(r.attendance, undefined, 'partners get no attendance record');
		r = ok(await iom.request('meetings.attendance', { meeting }), 'attendance').attendance;
		assert.deepEqual(r.present.sort(), ['IOM', 'MOL', 'UNDP', 'UNHCR']);
		assert.equal(r.quorum.present_required, 3);
		err(await mol.request('meetings.attendance', { meeting }), 'forbidden', 'partners: members only');
		// an early departure, and a return: two intervals
		r = ok(await iom.request('meetings.checkout', { meeting, org: 'UNHCR' }), 'UNHCR leaves').attendance;
		assert.equal(r.quorum.met, false);
		assert.ok(r.missing_required.includes('UNHCR'));
		err(await unhcr.request('meetings.checkout', { meeting }), 'conflict', 'not checked in', /not checked in/);
		ok(await unhcr.request('meetings.checkin', { meeting }), 'UNHCR returns');
		r = ok(await iom.request('meetings.attendance', { meeting }), 'attendance').attendance;
		const unhcrs = r.intervals.filter((i) => i.org === 'UNHCR');
		assert.equal(unhcrs.length, 2);
		assert.ok(unhcrs[0].left_at >= unhcrs[0].joined_at && unhcrs[1].left_at === null);
	});

	test('the chair moves through items; the current item is pushed live; partners never see an internal one', async () => {
		err(await iom.request('meetings.item.open', { item: shared }), 'conflict', 'not in session', /not in session/);
		ok(await iom.request('meetings.start', { meeting }), 'start');
		err(await iom.request('meetings.start', { meeting }), 'conflict', 'started twice');
		let from = { u: undp.messages.length, m: mol.messages.length };
		ok(await rco.request('meetings.item.open', { item: shared }), 'open shared');
		let e = await undp.waitEvent((x) => x.event === 'meetings.current_item', 5000, { from: from.u });
		assert.equal(e.data.item.id, shared);
		e = await mol.waitEvent((x) => x.event === 'meetings.current_item', 5000, { from: from.m });
		assert.equal(e.data.item.title, 'Labour migration statement', 'a shared item reaches the state counterpart');
		err(await rco.request('meetings.item.open', { item: shared }), 'conflict', 'opened twice', /already open/);
		err(await undp.request('meetings.item.open', { item: internal }), 'forbidden', 'plain member');
		from = { u: undp.messages.length, m: mol.messages.length };
		const r = ok(await rco.request('meetings.item.open', { item: internal }), 'open internal (closes the shared one)');
		assert.deepEqual(r.agenda.map((i) => i.status), ['done', 'current']);
		assert.equal(r.meeting.current_item, internal);
		e = await undp.waitEvent((x) => x.event === 'meetings.current_item', 5000, { from: from.u });
		assert.equal(e.data.item.title, `Budget ${MARK}`);
		e = await mol.waitEvent((x) => x.event === 'meetings.current_item', 5000, { from: from.m });
		assert.equal(e.data.item, null);
		assert.equal(e.data.internal, true);
		err(await mol.request('meetings.item.open', { item: internal }), 'forbidden', 'partner');
	});

	test('speakers by organisation and notes per item (internal by default)', async () => {
		const from = undp.messages.length;
		ok(await undp.request('meetings.speakers.add', { item: internal }), 'UNDP asks to speak');
		err(await undp.request('meetings.speakers.add', { item: internal }), 'conflict', 'twice', /already on the list/);
		err(await undp.request('meetings.speakers.add', { item: internal, org: 'IOM' }), 'forbidden', 'another org');
		ok(await iom.request('meetings.speakers.add', { item: internal, org: 'UNHCR' }), 'secretariat lists UNHCR');
		err(await mol.request('meetings.speakers.add', { item: internal }), 'not_found', 'partner on an internal item');
		err(await iom.request('meetings.speakers.add', { item: shared }), 'conflict', 'not the current item', /current item/);
		let s = ok(await iom.request('meetings.speakers.next', { item: internal }), 'next').speakers;
		assert.deepEqual(s.map((x) => `${x.org}:${x.status}`), ['UNDP:speaking', 'UNHCR:waiting']);
		s = ok(await iom.request('meetings.speakers.next', { item: internal }), 'next').speakers;
		assert.deepEqual(s.map((x) => `${x.org}:${x.status}`), ['UNDP:done', 'UNHCR:speaking']);
		err(await iom.request('meetings.speakers.next', { item: internal }), 'conflict', 'nobody waiting', /nobody is waiting/);
		const e = await undp.waitEvent((x) => x.event === 'meetings.speakers', 5000, { from });
		assert.equal(e.data.item, internal);

		ok(await iom.request('meetings.note', { item: internal, text: `Budget gap noted ${MARK}` }), 'note');
		err(await undp.request('meetings.note', { item: internal, text: 'mine' }), 'forbidden', 'plain member notes');
		err(await iom.request('meetings.note', { item: internal, text: '' }), 'bad_request', 'empty', /^text: must not be empty$/);
		const n = await undp.waitEvent((x) => x.event === 'meetings.note', 5000, { from });
		assert.equal(n.data.visibility, 'internal');
		const m = ok(await undp.request('meetings.get', { meeting }), 'get');
		assert.equal(m.notes.length, 1);
	});

	test('closing: open intervals end, the current item is done; partners never received internal text', async () => {
		let r = ok(await iom.request('meetings.item.close', { item: internal, defer: true }), 'defer');
		assert.equal(r.agenda.find((i) => i.id === internal).status, 'deferred');
		ok(await iom.request('meetings.item.open', { item: internal }), 'reopened');
		r = ok(await iom.request('meetings.close', { meeting }), 'close');
		assert.equal(r.meeting.status, 'closed');
		assert.ok(r.attendance.intervals.every((i) => i.left_at !== null), 'every interval ended');
		assert.deepEqual(r.attendance.present, []);
		assert.ok(r.agenda.every((i) => i.status === 'done'));
		err(await iom.request('meetings.checkin', { meeting, org: 'UNFPA' }), 'conflict', 'after closing');
		err(await iom.request('meetings.agenda.add', { meeting, title: 'late', kind: 'aob' }), 'conflict', 'agenda of a closed meeting', /closed/);
		const view = ok(await mol.request('meetings.get', { meeting }), 'MOL get');
		assert.equal(view.notes, undefined);
		assert.ok(!frames(mol).includes(MARK), 'no internal marker reached the state counterpart');
		assert.ok(frames(undp).includes(MARK), 'members did get it (the marker is real)');
	});
});
