// The meetings plugin's agenda (`meetings.agenda.*`, issue 20): numbered
// items (kinds, presenter organisation, duration, visibility) drafted by the
// co-chairs and the secretariat, kept numbered 1..n through adds, moves and
// removals; members' requests before the cut-off accepted, merged or
// declined, visibly; circulation making versions, each later one with its
// difference; partners seeing only shared items (an internal item is
// not_found to them exactly as a missing one); bad input refused with
// nothing changed.  See docs/protocol.md, "Meetings plugin".
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { startServer, connectAs, closeAll } from './lib/harness.js';

const PLUGINS = { membership: {}, groups: {}, meetings: {} };
const DAY = 24 * 3600 * 1000;
const MARK = `AGENDA-INTERNAL-${process.pid}-${Date.now().toString(36)}`;

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
const titles = (agenda) => agenda.map((i) => `${i.number}. ${i.title}`);

describe('meetings agenda', { timeout: 60_000 }, () => {
	let server, db, iom, rco, undp, unicef, mol, mfa;
	const clients = [];
	let meeting;

	before(async () => {
		server = await startServer({ plugins: PLUGINS });
		db = path.join(server.dir, 'accord.db');
		for (const l of ['iom', 'rco', 'undp', 'unicef', 'mol', 'mfa']) clients.push(await connectAs(server, l));
		[iom, rco, undp, unicef, mol, mfa] = clients;
		const starts = Date.now() + 30 * DAY;
		meeting = ok(await iom.request('meetings.create', { kind: 'regular', title: 'Q1', starts_at: starts, location: 'Astana', agenda_cutoff_at: starts - DAY }), 'create').meeting.id;
	});
	after(async () => {
		await closeAll(...clients);
		await server?.stop();
	});

	test('items: numbered, moved, removed; bad input and non-managers refused, nothing changed', async () => {
		const add = (data) => iom.request('meetings.agenda.add', { meeting, ...data });
		ok(await add({ title: 'Opening', kind: 'information', duration_min: 10, visibility: 'shared' }), 'opening');
		ok(await add({ title: `Internal review ${MARK}`, kind: 'discussion', presenter_org: 'UNDP', duration_min: 30, body: `notes ${MARK}` }), 'internal');
		let a = ok(await add({ title: 'Joint statement on labour migration', kind: 'statement', presenter_org: 'IOM', visibility: 'shared' }), 'statement').agenda;
		assert.deepEqual(titles(a), ['1. Opening', `2. Internal review ${MARK}`, '3. Joint statement on labour migration']);
		a = ok(await add({ title: 'Adoption of the agenda', kind: 'decision', position: 2 }), 'inserted at 2').agenda;
		assert.deepEqual(titles(a).map((t) => t.split(' ').slice(0, 2).join(' ')), ['1. Opening', '2. Adoption', '3. Internal', '4. Joint']);
		const before = await sqlite(db, 'SELECT count(*) FROM meetings_log');
		const bad = [
			[{ title: 'x', kind: 'party' }, /^kind: expected one of information, discussion, decision, statement, report, aob$/],
			[{ kind: 'aob' }, /^title: required$/],
			[{ title: 'x', kind: 'aob', duration_min: 0 }, /^duration_min: expected an integer from 1 to 600$/],
			[{ title: 'x', kind: 'aob', visibility: 'public' }, /^visibility: expected one of internal, shared$/],
			[{ title: 'x', kind: 'aob', presenter_org: 'NOPE' }, /^presenter_org: no such active organisation$/],
		];
		for (const [d, re] of bad) err(await add(d), 'bad_request', JSON.stringify(d), re);
		err(await undp.request('meetings.agenda.add', { meeting, title: 'x', kind: 'aob' }), 'forbidden', 'plain member adds');
		err(await mol.request('meetings.agenda.add', { meeting, title: 'x', kind: 'aob' }), 'forbidden', 'partner adds');
		err(await iom.request('meetings.agenda.add', { meeting: 987654, title: 'x', kind: 'aob' }), 'not_found', 'missing meeting');
		assert.equal(await sqlite(db, 'SELECT count(*) FROM meetings_log'), before, 'nothing logged');

		// linked documents: {title, url}, http(s) links only
		const docs = [{ title: 'Draft statement', url: 'https://docs.example.org/statement-v2.pdf' }];
		err(await add({ title: 'x', kind: 'aob', documents: [{ title: 'x', url: 'javascript:alert(1)' }] }), 'bad_request', 'a script link', /^documents\[0\]: expected \{title, url\}/);
		err(await add({ title: 'x', kind: 'aob', documents: [{ url: 'https://x.org' }] }), 'bad_request', 'no title', /^documents\[0\]: expected \{title, url\}/);
		const withDocs = ok(await iom.request('meetings.agenda.update', { item: a.find((i) => i.kind === 'statement').id, documents: docs }), 'documents').agenda;
		assert.deepEqual(withDocs.find((i) => i.kind === 'statement').documents, docs);
		assert.deepEqual(withDocs.find((i) => i.kind === 'information').documents, []);
		const joint = a.find((i) => i.kind === 'statement');
		a = ok(await rco.request('meetings.agenda.move', { item: joint.id, position: 1 }), 'move').agenda;
		assert.equal(a[0].id, joint.id);
		assert.deepEqual(a.map((i) => i.number), [1, 2, 3, 4]);
		a = ok(await iom.request('meetings.agenda.update', { item: joint.id, duration_min: 20, title: 'Joint statement (draft 2)' }), 'update').agenda;
		assert.equal(a[0].duration_min, 20);
		assert.equal(a[0].presenter_org, 'IOM', 'fields left out keep their value');
		const opening = a.find((i) => i.title === 'Opening');
		a = ok(await iom.request('meetings.agenda.remove', { item: opening.id }), 'remove').agenda;
		assert.deepEqual(a.map((i) => i.number), [1, 2, 3]);
		err(await iom.request('meetings.agenda.remove', { item: opening.id }), 'not_found', 'removed twice');
		ok(await iom.request('meetings.agenda.add', { meeting, title: 'Opening', kind: 'information', visibility: 'shared', position: 1 }), 'opening again');
	});

	test('members request items before the cut-off; accepted, merged and declined visibly', async () => {
		err(await unicef.request('meetings.agenda.request', { meeting, title: 'Child migrants' }), 'conflict', 'before convening', /while the meeting is convened/);
		ok(await iom.request('meetings.convene', { meeting }), 'convene');
		const r1 = ok(await unicef.request('meetings.agenda.request', { meeting, title: 'Child migrants', body: 'Data on children', kind: 'discussion' }), 'r1').agenda_requests.at(-1);
		const r2 = ok(await undp.request('meetings.agenda.request', { meeting, title: 'Statement wording' }), 'r2').agenda_requests.at(-1);
		const r3 = ok(await undp.request('meetings.agenda.request', { meeting, title: 'Unrelated' }), 'r3').agenda_requests.at(-1);
		assert.equal(r1.decision, 'pending');
		assert.equal(r1.org, 'UNICEF');
		err(await mol.request('meetings.agenda.request', { meeting, title: 'x' }), 'forbidden', 'partners do not request items');
		err(await undp.request('meetings.agenda.decide', { request: r1.id, decision: 'accepted' }), 'forbidden', 'plain member decides');
		let full = ok(await iom.request('meetings.agenda.decide', { request: r1.id, decision: 'accepted', note: 'Added as item' }), 'accept');
		const added = full.agenda.at(-1);
		assert.equal(added.title, 'Child migrants');
		assert.equal(added.presenter_org, 'UNICEF');
		assert.equal(added.from_request, r1.id);
		const joint = full.agenda.find((i) => i.kind === 'statement');
		err(await iom.request('meetings.agenda.decide', { request: r2.id, decision: 'merged' }), 'bad_request', 'merge without item', /^item: required/);
		full = ok(await iom.request('meetings.agenda.decide', { request: r2.id, decision: 'merged', item: joint.id }), 'merge');
		full = ok(await iom.request('meetings.agenda.decide', { request: r3.id, decision: 'declined', note: 'Next meeting' }), 'decline');
		err(await iom.request('meetings.agenda.decide', { request: r3.id, decision: 'accepted' }), 'conflict', 'decided twice', /already decided/);
		const seen = ok(await unicef.request('meetings.get', { meeting }), 'member sees the decisions').agenda_requests;
		assert.deepEqual(seen.map((r) => `${r.title}:${r.decision}:${r.decided_by}`), ['Child migrants:accepted:iom', 'Statement wording:merged:iom', 'Unrelated:declined:iom']);
		assert.equal(seen[1].item, joint.id);
		assert.equal(seen[2].note, 'Next meeting');
		// after the cut-off: refused (moved into the past with sqlite, as a clock would)
		await sqlite(db, `UPDATE meetings_meetings SET agenda_cutoff_at=${Date.now() - 1000} WHERE id=${meeting}`);
		err(await unicef.request('meetings.agenda.request', { meeting, title: 'Late' }), 'conflict', 'after the cut-off', /cut-off has passed/);
	});

	test('circulating makes versions; a later one carries its difference', async () => {
		const v1 = ok(await iom.request('meetings.agenda.circulate', { meeting }), 'v1').meeting;
		assert.equal(v1.agenda_version, 1);
		err(await iom.request('meetings.agenda.circulate', { meeting }), 'conflict', 'nothing changed', /not changed since/);
		err(await undp.request('meetings.agenda.circulate', { meeting }), 'forbidden', 'plain member circulates');
		const full = ok(await iom.request('meetings.get', { meeting }), 'get');
		const child = full.agenda.find((i) => i.title === 'Child migrants');
		ok(await iom.request('meetings.agenda.update', { item: child.id, duration_min: 15 }), 'change');
		ok(await iom.request('meetings.agenda.add', { meeting, title: 'Any other business', kind: 'aob' }), 'aob');
		assert.equal(ok(await rco.request('meetings.agenda.circulate', { meeting }), 'v2').meeting.agenda_version, 2);
		const versions = ok(await unicef.request('meetings.agenda.versions', { meeting }), 'versions').versions;
		assert.equal(versions.length, 2);
		assert.equal(versions[0].diff, null);
		assert.equal(versions[0].circulated_by, 'iom');
		const d = versions[1].diff;
		assert.deepEqual(d.added.map((i) => i.title), ['Any other business']);
		assert.deepEqual(d.removed, []);
		assert.deepEqual(d.changed.find((c) => c.item === child.id).fields.duration_min, [null, 15]);
		err(await mol.request('meetings.agenda.versions', { meeting }), 'forbidden', 'partners: members only');
	});

	test('partners see only shared items; an internal item is hidden exactly as a missing one', async () => {
		const view = ok(await mol.request('meetings.get', { meeting }), 'MOL get');
		assert.ok(view.agenda.length >= 2);
		assert.ok(view.agenda.every((i) => i.visibility === 'shared'), 'only shared items');
		assert.deepEqual(view.agenda.find((i) => i.kind === 'statement').documents, [{ title: 'Draft statement', url: 'https://docs.example.org/statement-v2.pdf' }], "a shared item's documents reach the partner");
		assert.deepEqual(view.agenda_requests, [], 'no requests for partners');
		assert.ok(!JSON.stringify(view).includes(MARK), 'no internal marker reached the partner');
		assert.ok(!mol.frames.join('\n').includes(MARK), 'nor any frame');
		err(await mfa.request('meetings.get', { meeting }), 'not_found', 'MFA is not invited');
		// a cancelled meeting takes no agenda change
		ok(await iom.request('meetings.cancel', { meeting, reason: 'test' }), 'cancel');
		err(await iom.request('meetings.agenda.add', { meeting, title: 'x', kind: 'aob' }), 'conflict', 'cancelled', /cancelled/);
	});
});
