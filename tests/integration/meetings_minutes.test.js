// Minutes that write themselves (issue 20): assembled from the record once
// the meeting is closed (attendance per organisation with its intervals,
// apologies, each item with its notes and its decision: outcome, positions
// and reasons), edited in versions (all kept), circulated for comments per
// section until a date, approved by a consensus decision of the members
// (accord.decisions; the outcome comes back by its watch) or by a co-chair
// where the meeting's rule says so; exported as printable HTML, JSON,
// attendance CSV and .ics (members only); released to the state
// counterpart through the portal as `minutes:<id>` and `meeting:<id>`,
// without internal notes or items.  See docs/protocol.md, "Meetings plugin".
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { startServer, connectAs, closeAll, httpRequest, MEMBERS } from './lib/harness.js';

const PLUGINS = { membership: {}, consensus: { tally_max_per_sec: 0 }, groups: {}, portal: {}, meetings: {} };
const DAY = 24 * 3600 * 1000;
const MARK = `MINUTES-INTERNAL-${process.pid}-${Date.now().toString(36)}`;

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
const section = (minutes, key) => minutes.body.sections.find((s) => s.key === key);

describe('meetings: minutes', { timeout: 60_000 }, () => {
	let server, db;
	const c = {};
	let meeting, decision, internal, notReached, proposal, approval;
	const get = (login, p) => httpRequest(server, p, { headers: { Authorization: `Bearer ${c[login].token}` } });

	before(async () => {
		server = await startServer({ plugins: PLUGINS });
		db = path.join(server.dir, 'accord.db');
		for (const l of [...MEMBERS, 'mol']) c[l] = await connectAs(server, l);
		const { iom, rco } = c;
		meeting = ok(await iom.request('meetings.create', { kind: 'regular', title: 'Q2 <network> meeting', starts_at: Date.now() + 30 * DAY, location: 'Astana', with_unct: true }), 'create').meeting.id;
		ok(await iom.request('meetings.agenda.add', { meeting, title: 'Joint statement on fair recruitment', kind: 'statement', body: 'The network calls for fair recruitment.', visibility: 'shared' }), 'item');
		ok(await iom.request('meetings.agenda.add', { meeting, title: `Budget ${MARK}`, kind: 'discussion' }), 'item');
		const a = ok(await iom.request('meetings.agenda.add', { meeting, title: 'Not reached', kind: 'information', duration_min: 15 }), 'item').agenda;
		[decision, internal, notReached] = a.map((i) => i.id);
		ok(await iom.request('meetings.convene', { meeting }), 'convene');
		ok(await c.unesco.request('meetings.apologies', { meeting, reason: 'Field mission' }), 'apologies');
		ok(await iom.request('meetings.start', { meeting }), 'start');
		for (const l of MEMBERS.filter((x) => x !== 'unesco')) ok(await c[l].request('meetings.checkin', { meeting }), `${l} in`);
		ok(await c.mol.request('meetings.checkin', { meeting }), 'MOL in');
		ok(await rco.request('meetings.item.open', { item: decision }), 'open');
		proposal = ok(await iom.request('meetings.item.poll', { item: decision }), 'poll').proposal;
		for (const l of MEMBERS.filter((x) => x !== 'unesco')) ok(await c[l].request('consensus.position', { proposal, position: l === 'unhcr' ? 'reservations' : 'agree', reason: l === 'unhcr' ? 'On returns' : undefined }), `${l} position`);
		ok(await rco.request('meetings.item.open', { item: internal }), 'open internal');
		ok(await iom.request('meetings.note', { item: internal, text: `Gap of 10% ${MARK}` }), 'note');
		ok(await iom.request('meetings.checkout', { meeting, org: 'UNODC' }), 'UNODC leaves early');
		ok(await iom.request('meetings.close', { meeting }), 'close meeting');
		ok(await c.unesco.request('consensus.position', { proposal, position: 'agree' }), 'UNESCO in writing');
		ok(await rco.request('consensus.close', { proposal }), 'close proposal');
	});
	after(async () => {
		await closeAll(...Object.values(c));
		await server?.stop();
	});

	test('assembled from the record once the meeting is closed', async () => {
		const other = ok(await c.iom.request('meetings.create', { kind: 'regular', title: 'Open', starts_at: Date.now() + 40 * DAY, location: 'Astana' }), 'other').meeting.id;
		err(await c.iom.request('meetings.minutes.assemble', { meeting: other }), 'conflict', 'not closed', /once the meeting is closed/);
		err(await c.undp.request('meetings.minutes.assemble', { meeting }), 'forbidden', 'plain member');
		err(await c.undp.request('meetings.minutes', { meeting }), 'not_found', 'none yet', /no minutes yet/);
		// the outcome reaches the item through the watch, after the close: wait for it
		for (let i = 0; i < 50; i++) {
			const it = ok(await c.iom.request('meetings.get', { meeting }), 'get').agenda.find((x) => x.id === decision);
			if (it.outcome) break;
			await new Promise((r) => setTimeout(r, 50));
		}
		const m = ok(await c.iom.request('meetings.minutes.assemble', { meeting }), 'assemble').minutes;
		assert.equal(m.version, 1);
		assert.equal(m.status, 'draft');
		assert.deepEqual(m.body.sections.map((s) => s.key), ['attendance', 'apologies', `item:${decision}`, `item:${internal}`, `item:${notReached}`, 'actions']);
		assert.equal(section(m, `item:${notReached}`).status, 'pending', 'an item not reached is in the minutes as such');
		const att = section(m, 'attendance').orgs;
		assert.equal(att.find((o) => o.org === 'UNESCO').present, false);
		assert.equal(att.find((o) => o.org === 'UNESCO').apologies, true);
		assert.equal(att.find((o) => o.org === 'MOL').capacity, 'state_counterpart');
		const unodc = att.find((o) => o.org === 'UNODC').intervals;
		assert.equal(unodc.length, 1);
		assert.ok(unodc[0].left_at >= unodc[0].joined_at, 'an early departure has its time');
		assert.deepEqual(section(m, 'apologies').orgs, [{ org: 'UNESCO', reason: 'Field mission' }]);
		const d = section(m, `item:${decision}`);
		assert.equal(d.decision.outcome, 'consensus');
		assert.equal(d.decision.positions.find((p) => p.org === 'UNHCR').reason, 'On returns');
		assert.equal(d.decision.positions.find((p) => p.org === 'UNESCO').position, 'agree', 'the absent organisation, in writing');
		assert.equal(section(m, `item:${internal}`).notes[0].text, `Gap of 10% ${MARK}`);
	});

	test('edited in versions; circulated; comments per section until the date', async () => {
		err(await c.iom.request('meetings.minutes.update', { meeting, sections: [{ key: 'nope', text: 'x' }] }), 'bad_request', 'bad key', /^sections\[0\]\.key: no such section$/);
		let m = ok(await c.iom.request('meetings.minutes.update', { meeting, sections: [{ key: `item:${decision}`, text: 'The statement was adopted.' }, { key: 'actions', text: 'IOM to publish the statement by 30 June.' }] }), 'update');
		assert.equal(m.minutes.version, 2);
		assert.deepEqual(m.versions.map((v) => v.version), [1, 2]);
		assert.equal(section(m.minutes, 'actions').text, 'IOM to publish the statement by 30 June.');
		assert.equal(section(ok(await c.undp.request('meetings.minutes', { meeting, version: 1 }), 'v1').minutes, 'actions').text, '', 'version 1 kept as it was');
		err(await c.undp.request('meetings.minutes.comment', { meeting, section: 'actions', text: 'x' }), 'conflict', 'not circulated', /not circulated/);
		err(await c.iom.request('meetings.minutes.circulate', { meeting, comments_until: Date.now() - 1 }), 'bad_request', 'in the past');
		m = ok(await c.iom.request('meetings.minutes.circulate', { meeting, comments_until: Date.now() + DAY }), 'circulate').minutes;
		assert.equal(m.status, 'circulated');
		err(await c.iom.request('meetings.minutes.circulate', { meeting, comments_until: Date.now() + DAY }), 'conflict', 'twice');
		const r = ok(await c.unicef.request('meetings.minutes.comment', { meeting, section: 'actions', text: 'Add UNICEF as co-owner' }), 'comment');
		assert.deepEqual(r.comments.map((x) => `${x.org}:${x.section}:${x.text}`), ['UNICEF:actions:Add UNICEF as co-owner']);
		err(await c.unicef.request('meetings.minutes.comment', { meeting, section: 'nope', text: 'x' }), 'bad_request', 'bad section');
		err(await c.mol.request('meetings.minutes.comment', { meeting, section: 'actions', text: 'x' }), 'forbidden', 'partners do not comment');
		err(await c.mol.request('meetings.minutes', { meeting }), 'forbidden', 'partners do not read drafts');
		await sqlite(db, `UPDATE meetings_minutes SET comments_until=${Date.now() - 1} WHERE meeting=${meeting}`);
		err(await c.unicef.request('meetings.minutes.comment', { meeting, section: 'actions', text: 'late' }), 'conflict', 'period over', /comment period has ended/);
	});

	test('approval as a consensus decision of the members', async () => {
		err(await c.undp.request('meetings.minutes.approve', { meeting }), 'forbidden', 'plain member');
		const from = c.undp.messages.length;
		ok(await c.undp.request('sub.add', { topic: `meeting:${meeting}` }), 'sub');
		const m = ok(await c.iom.request('meetings.minutes.approve', { meeting }), 'approve').minutes;
		approval = m.approval_proposal;
		assert.ok(approval > proposal);
		assert.equal(m.status, 'circulated', 'approved only when the members agree');
		err(await c.iom.request('meetings.minutes.approve', { meeting }), 'conflict', 'twice', /before the members/);
		const p = ok(await c.undp.request('consensus.get', { proposal: approval }), 'the approval proposal').proposal;
		assert.match(p.title, /^Approval of the minutes: Q2 <network> meeting$/);
		for (const l of MEMBERS) ok(await c[l].request('consensus.position', { proposal: approval, position: 'agree' }), `${l} approves`);
		ok(await c.rco.request('consensus.close', { proposal: approval }), 'close approval');
		const ev = await c.undp.waitEvent((e) => e.event === 'meetings.minutes' && e.data.status === 'approved', 5000, { from });
		assert.equal(ev.data.version, 2);
		const v = ok(await c.undp.request('meetings.minutes', { meeting }), 'get').minutes;
		assert.equal(v.approved_by, 'consensus');
		assert.equal(v.approval_outcome, 'consensus');
		err(await c.iom.request('meetings.minutes.update', { meeting, sections: [{ key: 'actions', text: 'x' }] }), 'conflict', 'approved', /approved/);
	});

	test("where the meeting's rule says so, a co-chair approves the minutes", async () => {
		const m2 = ok(await c.iom.request('meetings.create', { kind: 'regular', title: 'Co-chair rule', starts_at: Date.now() + 60 * DAY, location: 'Astana', minutes_approval: 'co_chair' }), 'create').meeting;
		assert.equal(m2.minutes_approval, 'co_chair');
		err(await c.iom.request('meetings.create', { kind: 'regular', title: 'x', starts_at: Date.now() + 60 * DAY, location: 'Astana', minutes_approval: 'chair' }), 'bad_request', 'unknown rule', /^minutes_approval: expected one of consensus, co_chair$/);
		for (const t of ['meetings.convene', 'meetings.start', 'meetings.close', 'meetings.minutes.assemble']) ok(await c.iom.request(t, { meeting: m2.id }), t);
		err(await c.iom.request('meetings.update', { meeting: m2.id, title: 'Later' }), 'conflict', 'set-up after the meeting', /has started/);
		err(await c.rco.request('meetings.minutes.approve', { meeting: m2.id }), 'conflict', 'not circulated', /only circulated minutes/);
		ok(await c.iom.request('meetings.minutes.circulate', { meeting: m2.id, comments_until: Date.now() + DAY }), 'circulate');
		const before = await sqlite(db, 'SELECT count(*) FROM consensus_proposals');
		const v = ok(await c.rco.request('meetings.minutes.approve', { meeting: m2.id }), 'approve').minutes;
		assert.equal(v.status, 'approved');
		assert.equal(v.approved_by, 'rco');
		assert.equal(v.approval_proposal, null);
		assert.equal(await sqlite(db, 'SELECT count(*) FROM consensus_proposals'), before, 'no proposal is opened');
	});

	test('exports: printable HTML, JSON, attendance CSV, .ics; members only', async () => {
		let r = await get('undp', `/api/meetings/minutes?meeting=${meeting}&format=html`);
		assert.equal(r.status, 200);
		assert.match(r.headers['content-type'], /^text\/html/);
		assert.ok(r.body.includes('<link rel="stylesheet" href="/plugins/meetings/print.css">'));
		assert.ok(r.body.includes('Minutes: Q2 &lt;network&gt; meeting'), 'escaped');
		assert.ok(r.body.includes('UNHCR: reservations (On returns)'));
		assert.ok(r.body.includes('IOM to publish the statement by 30 June.'));
		const css = await httpRequest(server, '/plugins/meetings/print.css');
		assert.equal(css.status, 200);
		assert.match(css.body, /@media print/);
		r = await get('undp', `/api/meetings/minutes?meeting=${meeting}&format=json&version=1`);
		assert.equal(r.status, 200);
		assert.equal(JSON.parse(r.body).minutes.version, 1);
		r = await get('undp', `/api/meetings/attendance.csv?meeting=${meeting}`);
		assert.equal(r.status, 200);
		const lines = r.body.trim().split('\r\n');
		assert.equal(lines[0], 'org,capacity,required,login,joined_at,left_at,source');
		assert.ok(lines.some((l) => /^UNESCO,member,yes,,,,$/.test(l)), 'absent: one empty row');
		assert.ok(lines.some((l) => /^MOL,state_counterpart,no,mol,\d{4}-\d\d-\d\dT/.test(l)));
		r = await get('undp', `/api/meetings/ics?meeting=${meeting}`);
		assert.equal(r.status, 200);
		assert.match(r.headers['content-type'], /^text\/calendar/);
		assert.match(r.body, /^BEGIN:VCALENDAR\r\n/);
		assert.match(r.body, /SUMMARY:Q2 <network> meeting\r\n/);
		assert.match(r.body, new RegExp(`UID:meeting-${meeting}@accord`));
		assert.equal((await get('mol', `/api/meetings/minutes?meeting=${meeting}`)).status, 403, 'partners: 403');
		assert.equal((await get('undp', '/api/meetings/minutes?meeting=987654')).status, 404);
		assert.equal((await httpRequest(server, `/api/meetings/ics?meeting=${meeting}`)).status, 401);
		assert.equal((await get('undp', '/api/meetings/ics?meeting=x')).status, 400);
	});

	test('the next meeting: items not reached carry over, after a review of the action points', async () => {
		const next = ok(await c.iom.request('meetings.create', { kind: 'regular', title: 'Q3', starts_at: Date.now() + 120 * DAY, location: 'Astana' }), 'next').meeting.id;
		ok(await c.iom.request('meetings.agenda.add', { meeting: next, title: 'Opening', kind: 'information' }), 'opening');
		const open = ok(await c.iom.request('meetings.create', { kind: 'regular', title: 'Still open', starts_at: Date.now() + 100 * DAY, location: 'Astana' }), 'open').meeting.id;
		err(await c.iom.request('meetings.agenda.carry_over', { meeting: next, from: open }), 'conflict', 'from a meeting not closed', /from a closed meeting/);
		err(await c.undp.request('meetings.agenda.carry_over', { meeting: next, from: meeting }), 'forbidden', 'plain member');
		const a = ok(await c.iom.request('meetings.agenda.carry_over', { meeting: next, from: meeting }), 'carry over').agenda;
		assert.deepEqual(a.map((i) => `${i.number}. ${i.title}`), ['1. Review of action points', '2. Opening', '3. Not reached']);
		assert.equal(a[0].body, 'IOM to publish the statement by 30 June.');
		assert.equal(a[2].carried_from, notReached);
		assert.equal(a[2].duration_min, 15);
		err(await c.iom.request('meetings.agenda.carry_over', { meeting: next, from: meeting }), 'conflict', 'twice', /carried over already/);
	});

	test('released to the state counterpart through the portal, without internal parts', async () => {
		err(await c.iom.request('portal.release', { item: `minutes:987654`, to: ['MOL'] }), 'not_found', 'missing minutes');
		const rel = ok(await c.iom.request('portal.release', { item: `minutes:${meeting}`, to: ['MOL'], basis: approval }), 'release minutes').release;
		assert.equal(rel.kind, 'minutes');
		ok(await c.iom.request('portal.release', { item: `meeting:${meeting}`, to: ['MOL'] }), 'release meeting');
		const seen = ok(await c.mol.request('portal.item', { item: `minutes:${meeting}` }), 'MOL reads').release.content;
		assert.equal(seen.version, 2);
		assert.deepEqual(seen.sections.map((s) => s.key), ['attendance', 'apologies', `item:${decision}`, 'actions']);
		assert.equal(seen.sections[2].outcome, 'consensus');
		assert.equal(seen.sections[2].positions, undefined, 'no positions');
		const mv = ok(await c.mol.request('portal.item', { item: `meeting:${meeting}` }), 'MOL reads the meeting').release.content;
		assert.deepEqual(mv.agenda.map((i) => i.title), ['Joint statement on fair recruitment']);
		assert.ok(!c.mol.frames.join('\n').includes(MARK), 'no internal marker reached the partner');
	});
});
