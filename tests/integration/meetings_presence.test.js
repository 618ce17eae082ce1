// The meetings plugin's live presence (issue 20: "attendance is recorded
// per organisation as intervals (check-in, live presence, manual by the
// secretariat)"): while a meeting is in session, a registered delegate who
// is connected has an interval with source "presence", opened at their
// first connection (or when the session opens) and closed when their last
// connection goes or the meeting closes; a person connected who is not a
// registered delegate does not count; check-ins stay separate intervals;
// the live indicator and the minutes count presence like the others; every
// change is in meetings_log.  See docs/protocol.md, "Meetings plugin".
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startServer, connectAs, closeAll, sleep } from './lib/harness.js';

const PLUGINS = { membership: {}, consensus: {}, groups: {}, meetings: {} };
const DAY = 24 * 3600 * 1000;

function ok(r, what) {
	assert.equal(r.ok, true, `${what}: ${JSON.stringify(r)}`);
	return r.data;
}

describe('meetings: live presence', { timeout: 60_000 }, () => {
	let server, iom, unhcr, meeting;
	const clients = [];
	const attendance = async () => ok(await iom.request('meetings.attendance', { meeting }), 'attendance').attendance;
	// the presence jobs run after the connection's events: wait for the state
	const until = async (what, pred) => {
		for (let i = 0; i < 100; i++) {
			const a = await attendance();
			if (pred(a)) return a;
			await sleep(50);
		}
		assert.fail(`${what}: ${JSON.stringify(await attendance())}`);
	};
	const presence = (a, org) => a.intervals.filter((i) => i.org === org && i.source === 'presence');

	before(async () => {
		server = await startServer({ plugins: PLUGINS });
		iom = await connectAs(server, 'iom');
		unhcr = await connectAs(server, 'unhcr');
		clients.push(iom, unhcr);
		meeting = ok(await iom.request('meetings.create', { kind: 'regular', title: 'Q3 presence', starts_at: Date.now() + 30 * DAY, location: 'Astana' }), 'create').meeting.id;
		ok(await iom.request('meetings.convene', { meeting }), 'convene');
		for (const l of ['undp', 'unicef']) {
			const c = await connectAs(server, l);
			ok(await c.request('meetings.register', { meeting }), `${l} registers`);
			if (l === 'undp') await c.close(); // UNDP's delegate comes later
			else clients.push(c); // UNICEF's is connected when the session opens
		}
		ok(await iom.request('sub.add', { topic: `meeting:${meeting}` }), 'the secretariat follows the meeting');
	});
	after(async () => {
		await closeAll(...clients);
		await server?.stop();
	});

	test('a delegate connected when the session opens is present; one who is not a delegate is not', async () => {
		const started = ok(await iom.request('meetings.start', { meeting }), 'start');
		assert.deepEqual(started.attendance.present, ['UNICEF']);
		const [u] = presence(started.attendance, 'UNICEF');
		assert.equal(u.login, 'unicef');
		assert.equal(u.left_at, null);
		// UNHCR is connected but registered no delegate: not present by presence
		assert.equal(presence(await attendance(), 'UNHCR').length, 0);
	});

	test('a delegate connects: present with source presence; disconnects: the interval closes', async () => {
		const from = iom.events.length;
		const undp = await connectAs(server, 'undp');
		let a = await until('UNDP present', (x) => x.present.includes('UNDP'));
		let p = presence(a, 'UNDP');
		assert.equal(p.length, 1);
		assert.equal(p[0].login, 'undp');
		assert.equal(p[0].left_at, null);
		assert.ok(!a.missing_required.includes('UNDP'));
		// the live indicator is pushed on meeting:<id>
		for (let i = 0; i < 50 && !iom.events.slice(from).some((e) => e.event === 'meetings.attendance' && e.data.present.includes('UNDP')); i++) await sleep(50);
		assert.ok(iom.events.slice(from).some((e) => e.event === 'meetings.attendance' && e.data.meeting === meeting && e.data.present.includes('UNDP')), 'meetings.attendance pushed');
		// a second connection, then one goes: still present, one interval
		const undp2 = await connectAs(server, 'undp');
		await undp2.close();
		await sleep(200);
		a = await attendance();
		assert.equal(presence(a, 'UNDP').length, 1);
		assert.equal(presence(a, 'UNDP')[0].left_at, null, 'one connection left: still present');
		// a check-in is its own interval, and checking out ends only it
		ok(await undp.request('meetings.checkin', { meeting }), 'UNDP checks in as well');
		ok(await undp.request('meetings.checkout', { meeting }), 'and out');
		a = await attendance();
		assert.equal(presence(a, 'UNDP')[0].left_at, null, 'presence untouched by the check-out');
		assert.ok(a.present.includes('UNDP'));
		// the last connection goes
		await undp.close();
		a = await until('UNDP gone', (x) => !x.present.includes('UNDP'));
		p = presence(a, 'UNDP');
		assert.equal(p.length, 1);
		assert.ok(p[0].left_at >= p[0].joined_at, 'the interval has its end');
		assert.ok(a.missing_required.includes('UNDP'));
		// back again: a second interval
		clients.push(await connectAs(server, 'undp'));
		a = await until('UNDP back', (x) => x.present.includes('UNDP'));
		assert.equal(presence(a, 'UNDP').length, 2);
	});

	test('closing ends the presence intervals; the minutes show them; all of it logged', async () => {
		ok(await iom.request('meetings.close', { meeting }), 'close');
		const a = await attendance();
		assert.ok(a.intervals.every((i) => i.left_at !== null), 'every interval ended');
		assert.deepEqual(a.present, []);
		const m = ok(await iom.request('meetings.minutes.assemble', { meeting }), 'assemble').minutes;
		const orgs = m.body.sections.find((s) => s.key === 'attendance').orgs;
		const undp = orgs.find((o) => o.org === 'UNDP');
		assert.equal(undp.present, true);
		assert.deepEqual(undp.intervals.map((i) => i.source), ['presence', 'check_in', 'presence']);
		assert.equal(orgs.find((o) => o.org === 'UNICEF').present, true);
		assert.equal(orgs.find((o) => o.org === 'UNHCR').present, false);
		const log = execFileSync('sqlite3', [path.join(server.dir, 'accord.db'),
			`SELECT action || ' ' || json_extract(detail, '$.login') FROM meetings_log WHERE meeting=${meeting} AND action LIKE 'presence.%' ORDER BY id`]).toString().trim().split('\n');
		assert.deepEqual(log, ['presence.in unicef', 'presence.in undp', 'presence.out undp', 'presence.in undp']);
	});
});
