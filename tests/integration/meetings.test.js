// The meetings plugin (`meetings.*`, issue 20): a meeting's set-up by the
// co-chairs and the secretariat (a group's leads for its meetings), bad
// input refused with nothing changed, convening that freezes the invitees
// (every active member organisation required, the state counterpart and
// named partners; every partner for the annual meeting; a group's
// organisations for a group meeting), registration by organisation
// (delegates, apologies, a focal point designating a delegate), members'
// requests for an extraordinary meeting and their answers, cancelling, who
// sees what (hidden = not_found, partners only what they are invited to),
// and the append-only meetings_log written with every change.
// See docs/protocol.md, "Meetings plugin".
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { startServer, connectAs, closeAll, httpRequest, MEMBERS } from './lib/harness.js';

const PLUGINS = { membership: {}, groups: {}, meetings: {} };
const DAY = 24 * 3600 * 1000;

function sqlite(dbPath, sql) {
	return new Promise((resolve, reject) => {
		execFile('sqlite3', ['-cmd', '.timeout 5000', dbPath, sql], { timeout: 20_000 }, (err, stdout, stderr) => {
			if (err) reject(Object.assign(new Error(`sqlite3 failed: ${err.message}\n${stderr}`), { stderr: String(stderr) }));
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
const orgs = (invitees) => invitees.map((i) => `${i.org}:${i.capacity}${i.required ? '!' : ''}`).sort();

describe('meetings', { timeout: 60_000 }, () => {
	let server, db, iom, rco, undp, unhcr, unicef, mol, mfa, cso;
	const clients = [];
	const soon = () => Date.now() + 30 * DAY;
	const base = (extra = {}) => ({ kind: 'regular', title: 'Quarterly meeting Q1', starts_at: soon(), ends_at: soon() + 3 * 3600 * 1000, location: 'UN House, Astana', ...extra });
	const logCount = async () => Number(await sqlite(db, 'SELECT count(*) FROM meetings_log'));

	before(async () => {
		server = await startServer({ plugins: PLUGINS });
		db = path.join(server.dir, 'accord.db');
		for (const l of ['iom', 'rco', 'undp', 'unhcr', 'unicef', 'mol', 'mfa', 'cso']) clients.push(await connectAs(server, l));
		[iom, rco, undp, unhcr, unicef, mol, mfa, cso] = clients;
	});
	after(async () => {
		await closeAll(...clients);
		await server?.stop();
	});

	test('bad input is refused with a clear message, and nothing is written', async () => {
		const cases = [
			[{ ...base(), kind: 'weekly' }, /^kind: expected one of regular, extraordinary, annual, group$/],
			[{ ...base(), title: undefined }, /^title: required$/],
			[{ ...base(), starts_at: Date.now() - DAY, ends_at: undefined }, /^starts_at: must be in the future$/],
			[{ ...base(), ends_at: soon() - DAY }, /^ends_at: must be after starts_at$/],
			[{ ...base(), starts_at: 'tomorrow' }, /^starts_at: expected a time in milliseconds since the epoch$/],
			[{ ...base(), tz: 'Asia/Almaty; DROP' }, /^tz: expected a time zone name/],
			[{ ...base(), mode: 'online' }, /^online_url: required for an online or hybrid meeting$/],
			[{ ...base(), mode: 'hybrid', online_url: 'javascript:alert(1)' }, /^online_url: expected an http/],
			[{ ...base(), location: '' }, /^location: required for a meeting held in person or hybrid$/],
			[{ ...base(), kind: 'group' }, /^group: required for a group meeting$/],
			[{ ...base(), group: 1 }, /^group: only a group meeting has a group$/],
			[{ ...base(), colour: 'red' }, /^colour: unknown field$/],
		];
		for (const [data, re] of cases) err(await iom.request('meetings.create', data), 'bad_request', JSON.stringify(data), re);
		err(await undp.request('meetings.create', base()), 'forbidden', 'a plain member creates', /co-chairs and the secretariat/);
		err(await mol.request('meetings.create', base()), 'forbidden', 'a partner creates');
		assert.deepEqual(ok(await iom.request('meetings.list', {}), 'list').meetings, []);
		assert.equal(await logCount(), 0, 'nothing logged');
	});

	test('a draft: defaults, seen by members, hidden from partners exactly as a missing meeting', async () => {
		const m = ok(await iom.request('meetings.create', base({ with_unct: true })), 'create').meeting;
		assert.equal(m.status, 'draft');
		assert.equal(m.tz, 'Asia/Almaty');
		assert.equal(m.mode, 'in_person');
		assert.equal(m.with_unct, true);
		assert.equal(m.created_by, 'iom');
		const seen = ok(await unicef.request('meetings.get', { meeting: m.id }), 'member get');
		assert.equal(seen.meeting.title, 'Quarterly meeting Q1');
		assert.deepEqual(seen.invitees, [], 'no invitees before convening');
		const missing = err(await mol.request('meetings.get', { meeting: 987654 }), 'not_found', 'missing');
		const hidden = err(await mol.request('meetings.get', { meeting: m.id }), 'not_found', 'partner, draft');
		assert.equal(hidden.message, missing.message);
		assert.deepEqual(ok(await mol.request('meetings.list', {}), 'partner list').meetings, []);
		assert.ok(ok(await undp.request('meetings.list', { status: 'draft' }), 'member list').meetings.some((x) => x.id === m.id));
	});

	test('update: by managers only, never into the past; convene freezes the invitees', async () => {
		const m = ok(await rco.request('meetings.create', base({ title: 'Q2' })), 'create').meeting;
		err(await undp.request('meetings.update', { meeting: m.id, title: 'Mine' }), 'forbidden', 'plain member updates');
		err(await mol.request('meetings.update', { meeting: m.id, title: 'Mine' }), 'forbidden', 'partner updates');
		err(await iom.request('meetings.update', { meeting: 987654, title: 'x' }), 'not_found', 'missing');
		const before = await logCount();
		err(await iom.request('meetings.update', { meeting: m.id, starts_at: Date.now() - 1000 }), 'bad_request', 'into the past', /starts_at: must be in the future/);
		err(await iom.request('meetings.update', { meeting: m.id, mode: 'online' }), 'bad_request', 'online without link', /online_url: required/);
		assert.equal(await logCount(), before, 'a refused update logs nothing');
		assert.equal(ok(await iom.request('meetings.get', { meeting: m.id }), 'get').meeting.mode, 'in_person', 'unchanged');
		const u = ok(await iom.request('meetings.update', { meeting: m.id, mode: 'hybrid', online_url: 'https://meet.example.org/q2' }), 'update').meeting;
		assert.equal(u.mode, 'hybrid');
		assert.equal(u.location, 'UN House, Astana', 'fields left out keep their value');

		// a partner named must be an active partner organisation; nothing changes otherwise
		err(await iom.request('meetings.convene', { meeting: m.id, partners: ['UNDP'] }), 'bad_request', 'member as partner', /^partners: UNDP is not an active partner organisation$/);
		err(await iom.request('meetings.convene', { meeting: m.id, partners: ['NOPE'] }), 'bad_request', 'unknown org');
		err(await undp.request('meetings.convene', { meeting: m.id }), 'forbidden', 'plain member convenes');
		let got = ok(await iom.request('meetings.get', { meeting: m.id }), 'get');
		assert.equal(got.meeting.status, 'draft');
		assert.deepEqual(got.invitees, []);

		const c = ok(await iom.request('meetings.convene', { meeting: m.id, partners: ['CSO'] }), 'convene');
		assert.equal(c.meeting.status, 'convened');
		const expected = [...MEMBERS.map((l) => `${l.toUpperCase()}:member!`), 'MOL:state_counterpart', 'CSO:partner'].sort();
		assert.deepEqual(orgs(c.invitees), expected);
		err(await iom.request('meetings.convene', { meeting: m.id }), 'conflict', 'convened twice', /not a draft/);

		// partners see what they are invited to, and only their own invitation
		const mv = ok(await mol.request('meetings.get', { meeting: m.id }), 'MOL get');
		assert.deepEqual(orgs(mv.invitees), ['MOL:state_counterpart']);
		assert.equal(mv.meeting.created_by, undefined, 'no internal fields');
		assert.ok(ok(await cso.request('meetings.list', {}), 'CSO list').meetings.some((x) => x.id === m.id));
		const missing = err(await mfa.request('meetings.get', { meeting: 987654 }), 'not_found', 'missing');
		assert.equal(err(await mfa.request('meetings.get', { meeting: m.id }), 'not_found', 'MFA not invited').message, missing.message);
		assert.ok(!ok(await mfa.request('meetings.list', {}), 'MFA list').meetings.some((x) => x.id === m.id));

		// the annual meeting invites every partner
		const a = ok(await iom.request('meetings.create', base({ kind: 'annual', title: 'Annual Network Meeting' })), 'annual').meeting;
		const ac = ok(await iom.request('meetings.convene', { meeting: a.id }), 'convene annual');
		assert.deepEqual(orgs(ac.invitees).filter((o) => !o.endsWith('!')), ['CSO:partner', 'MFA:partner', 'MOL:state_counterpart']);
	});

	test('registration by organisation: delegates, apologies, a focal point designates', async () => {
		ok(await iom.request('members.person.save', { login: 'undp.deputy', name: 'UNDP deputy', org: 'UNDP', function: 'staff' }), 'person');
		const m = ok(await iom.request('meetings.create', base({ title: 'Q3' })), 'create').meeting;
		err(await undp.request('meetings.register', { meeting: m.id }), 'conflict', 'before convening', /not convened yet/);
		ok(await iom.request('meetings.convene', { meeting: m.id }), 'convene');
		let r = ok(await undp.request('meetings.register', { meeting: m.id }), 'undp registers').registration;
		assert.deepEqual(r.delegates.map((d) => `${d.org}/${d.login}/${d.role}`), ['UNDP/undp/delegate']);
		r = ok(await undp.request('meetings.register', { meeting: m.id, login: 'undp.deputy', role: 'alternate' }), 'designate').registration;
		const dep = r.delegates.find((d) => d.login === 'undp.deputy');
		assert.equal(dep.designated_by, 'undp');
		err(await undp.request('meetings.register', { meeting: m.id, login: 'unhcr' }), 'bad_request', 'another org', /no active person of your organisation/);
		err(await undp.request('meetings.register', { meeting: m.id, role: 'chair' }), 'bad_request', 'bad role');
		r = ok(await unhcr.request('meetings.apologies', { meeting: m.id, reason: 'mission travel' }), 'apologies').registration;
		assert.deepEqual(r.apologies.map((a) => `${a.org}:${a.reason}`), ['UNHCR:mission travel']);
		r = ok(await unhcr.request('meetings.register', { meeting: m.id }), 'then registers').registration;
		assert.deepEqual(r.apologies, [], 'registering withdraws apologies');
		r = ok(await unicef.request('meetings.apologies', { meeting: m.id }), 'unicef apologies').registration;
		assert.equal(r.apologies.length, 1);
		// the state counterpart registers; a partner not invited cannot even see it
		r = ok(await mol.request('meetings.register', { meeting: m.id }), 'MOL registers').registration;
		assert.deepEqual(r.delegates.map((d) => d.org), ['MOL'], 'a partner sees only its own registrations');
		err(await mfa.request('meetings.register', { meeting: m.id }), 'not_found', 'MFA not invited');
		const all = ok(await rco.request('meetings.get', { meeting: m.id }), 'get').registration;
		assert.deepEqual(all.delegates.map((d) => `${d.org}/${d.login}`), ['MOL/mol', 'UNDP/undp', 'UNDP/undp.deputy', 'UNHCR/unhcr']);
		assert.deepEqual(all.apologies.map((a) => a.org), ['UNICEF']);
	});

	test('group meetings: the group leads convene, the group organisations are invited, others do not see it', async () => {
		const g = ok(await iom.request('groups.create', { name: 'Data WG', kind: 'permanent', leads: ['UNDP'], members: ['UNHCR', 'CSO'] }), 'group').group.id;
		err(await unhcr.request('meetings.create', base({ kind: 'group', group: g })), 'forbidden', 'a group member (not lead) creates');
		err(await undp.request('meetings.create', base({ kind: 'group', group: 987654 })), 'not_found', 'missing group');
		const m = ok(await undp.request('meetings.create', base({ kind: 'group', group: g, title: 'Data WG meeting' })), 'lead creates').meeting;
		assert.equal(m.group, g);
		ok(await unhcr.request('meetings.get', { meeting: m.id }), 'group member sees it');
		ok(await rco.request('meetings.get', { meeting: m.id }), 'co-chair sees it');
		const missing = err(await unicef.request('meetings.get', { meeting: 987654 }), 'not_found', 'missing');
		assert.equal(err(await unicef.request('meetings.get', { meeting: m.id }), 'not_found', 'outside the group').message, missing.message);
		assert.ok(!ok(await unicef.request('meetings.list', {}), 'list').meetings.some((x) => x.id === m.id));
		err(await unhcr.request('meetings.convene', { meeting: m.id }), 'forbidden', 'member (not lead) convenes');
		const c = ok(await undp.request('meetings.convene', { meeting: m.id }), 'lead convenes');
		assert.deepEqual(orgs(c.invitees), ['CSO:partner', 'UNDP:member!', 'UNHCR:member!']);
		ok(await cso.request('meetings.get', { meeting: m.id }), 'the group partner is invited');
		err(await mol.request('meetings.get', { meeting: m.id }), 'not_found', 'MOL not in the group');
	});

	test('members request an extraordinary meeting; the request is answered once', async () => {
		const q = ok(await unicef.request('meetings.request', { reason: 'Border situation' }), 'request').request;
		assert.equal(q.status, 'pending');
		assert.equal(q.org, 'UNICEF');
		err(await mol.request('meetings.request', { reason: 'x' }), 'forbidden', 'partner requests');
		err(await unicef.request('meetings.request', {}), 'bad_request', 'no reason', /^reason: required$/);
		err(await undp.request('meetings.answer', { request: q.id, answer: 'accepted' }), 'forbidden', 'plain member answers');
		const regular = ok(await iom.request('meetings.create', base({ title: 'Not extraordinary' })), 'regular').meeting;
		err(await iom.request('meetings.answer', { request: q.id, answer: 'accepted', meeting: regular.id }), 'bad_request', 'not extraordinary', /no such extraordinary meeting/);
		err(await iom.request('meetings.answer', { request: 987654, answer: 'declined' }), 'not_found', 'missing');
		const x = ok(await iom.request('meetings.create', base({ kind: 'extraordinary', title: 'Extraordinary: border' })), 'x').meeting;
		const a = ok(await iom.request('meetings.answer', { request: q.id, answer: 'accepted', note: 'Convened', meeting: x.id }), 'answer').request;
		assert.equal(a.status, 'accepted');
		assert.equal(a.meeting, x.id);
		assert.equal(ok(await iom.request('meetings.get', { meeting: x.id }), 'get').meeting.request, q.id);
		err(await iom.request('meetings.answer', { request: q.id, answer: 'declined' }), 'conflict', 'answered twice', /already answered/);
		const list = ok(await undp.request('meetings.requests', {}), 'requests').requests;
		assert.equal(list.find((r) => r.id === q.id).answered_by, 'iom');
		err(await mol.request('meetings.requests', {}), 'forbidden', 'partner lists requests');
	});

	test('cancel: with a reason; a cancelled meeting takes no registration or change', async () => {
		const m = ok(await iom.request('meetings.create', base({ title: 'To cancel' })), 'create').meeting;
		ok(await iom.request('meetings.convene', { meeting: m.id }), 'convene');
		err(await iom.request('meetings.cancel', { meeting: m.id }), 'bad_request', 'no reason', /^reason: required$/);
		err(await undp.request('meetings.cancel', { meeting: m.id, reason: 'x' }), 'forbidden', 'plain member');
		const c = ok(await rco.request('meetings.cancel', { meeting: m.id, reason: 'No quorum expected' }), 'cancel').meeting;
		assert.equal(c.status, 'cancelled');
		assert.equal(c.cancel_reason, 'No quorum expected');
		err(await undp.request('meetings.register', { meeting: m.id }), 'conflict', 'register', /cancelled/);
		err(await iom.request('meetings.update', { meeting: m.id, title: 'x' }), 'conflict', 'update', /cancelled/);
		err(await iom.request('meetings.cancel', { meeting: m.id, reason: 'again' }), 'conflict', 'twice');
	});

	test('a personal calendar feed: by the token in its address, replaced or revoked, listing what the person may see', async () => {
		const f = ok(await undp.request('meetings.feed', {}), 'feed');
		assert.match(f.token, /^[A-Za-z0-9_-]{43}$/);
		assert.equal(f.path, `/api/meetings/feed.ics?token=${f.token}`);
		let r = await httpRequest(server, f.path);
		assert.equal(r.status, 200);
		assert.match(r.headers['content-type'], /^text\/calendar/);
		assert.match(r.body, /^BEGIN:VCALENDAR\r\n/);
		assert.match(r.body, /SUMMARY:Data WG meeting\r\n/, 'a group meeting UNDP leads');
		assert.match(r.body, /SUMMARY:To cancel\r\nLOCATION:UN House\\, Astana\r\nSTATUS:CANCELLED/, 'escaped, cancelled');
		const uf = ok(await unicef.request('meetings.feed', {}), 'UNICEF feed');
		assert.doesNotMatch((await httpRequest(server, uf.path)).body, /Data WG meeting/, 'not a group meeting UNICEF does not see');
		const mf = ok(await mol.request('meetings.feed', {}), 'MOL feed');
		const mb = (await httpRequest(server, mf.path)).body;
		assert.match(mb, /SUMMARY:Q2\r\n/, 'a meeting MOL is invited to');
		assert.doesNotMatch(mb, /SUMMARY:Quarterly meeting Q1\r\n/, 'not a draft');
		assert.doesNotMatch(mb, /Data WG meeting/);
		// a new address replaces the old one; revoking ends it
		const f2 = ok(await undp.request('meetings.feed', {}), 'feed again');
		assert.equal((await httpRequest(server, f.path)).status, 404);
		assert.equal((await httpRequest(server, f2.path)).status, 200);
		assert.deepEqual(ok(await undp.request('meetings.feed.revoke', {}), 'revoke'), { revoked: true });
		assert.equal((await httpRequest(server, f2.path)).status, 404);
		assert.deepEqual(ok(await undp.request('meetings.feed.revoke', {}), 'again'), { revoked: false });
		assert.equal((await httpRequest(server, '/api/meetings/feed.ics?token=short')).status, 404);
		assert.equal((await httpRequest(server, '/api/meetings/feed.ics')).status, 404);
	});

	test('meetings_log: every change, in order, and append-only', async () => {
		const rows = (await sqlite(db, 'SELECT action FROM meetings_log ORDER BY id')).split('\n');
		for (const a of ['create', 'update', 'convene', 'register', 'apologies', 'request', 'answer', 'cancel', 'feed.new', 'feed.revoke'])
			assert.ok(rows.includes(a), `${a} is logged: ${rows.join(',')}`);
		const cancel = await sqlite(db, "SELECT actor || '|' || org || '|' || detail FROM meetings_log WHERE action='cancel'");
		assert.equal(cancel, 'rco|RCO|{"reason":"No quorum expected"}');
		await assert.rejects(sqlite(db, "UPDATE meetings_log SET actor='x'"), /append-only/);
		await assert.rejects(sqlite(db, 'DELETE FROM meetings_log'), /append-only/);
		// each meeting's rows match its log: as many creates as meetings
		assert.equal(await sqlite(db, "SELECT count(*) FROM meetings_log WHERE action='create'"), await sqlite(db, 'SELECT count(*) FROM meetings_meetings'));
		assert.equal(await sqlite(db, 'SELECT count(*) FROM meetings_feeds WHERE length(token_hash) = 64'), '2', 'tokens are kept as hashes only');
	});
});
