// The meetings plugin tells people through the notify plugin (issue 22,
// "What is sent"; plugins/meetings/notices.c): a meeting convened sends a
// calendar invitation (iTIP REQUEST, SEQUENCE 0), moved a REQUEST with a
// higher SEQUENCE, cancelled a CANCEL; an agenda circulated and minutes
// circulated reach the members.  A real SMTP server on loopback
// (lib/smtp_sink.py) receives the mail; lib/mime_parse.py reads each
// message and its text/calendar part (python3-icalendar).  A partner (MOL,
// the state counterpart) gets a meeting's notices only while the meeting is
// released to it, and never an internal agenda item's title.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connectAs, closeAll } from './lib/harness.js';
import { Sink, freePort, notifyConfig, to, text, ADDR, withAddresses as withAddr } from './lib/smtp.js';

const DAY = 24 * 3600 * 1000;
const HOUR = 3600 * 1000;
const MARK = `MEETING-INTERNAL-${process.pid}-${Date.now().toString(36)}`;

function ok(r, what) {
	assert.equal(r.ok, true, `${what}: ${JSON.stringify(r)}`);
	return r.data;
}
const subj = (prefix) => (m) => m.headers.subject?.startsWith(prefix);
const cal = (m) => m.parts.find((p) => p.type === 'text/calendar');

describe('meetings: notices by e-mail and in the inbox', { timeout: 60_000 }, () => {
	let server, sink, c;
	before(async () => {
		const port = await freePort();
		sink = new Sink(port);
		await sink.start();
		server = await startServer({ plugins: { membership: {}, consensus: {}, groups: {}, portal: {}, meetings: {}, notify: notifyConfig(port) } });
		c = await withAddr(server, connectAs);
	});
	after(async () => {
		await closeAll(...Object.values(c || {}));
		await server?.stop();
		await sink?.stop();
		sink?.dispose();
	});

	test('convened, moved, agenda circulated, cancelled: REQUEST 0, REQUEST 1, CANCEL 2; nothing internal to the partner', async () => {
		const start = Math.floor((Date.now() + 30 * DAY) / HOUR) * HOUR;
		const title = 'Quarterly meeting of the network';
		const meeting = ok(await c.iom.request('meetings.create', { kind: 'regular', title, starts_at: start, ends_at: start + 2 * HOUR, mode: 'hybrid', location: 'UN House, Astana', online_url: 'https://meet.example.org/q3' }), 'create').meeting.id;
		ok(await c.iom.request('meetings.agenda.add', { meeting, title: 'Opening', kind: 'information', visibility: 'shared' }), 'shared item');
		ok(await c.iom.request('meetings.agenda.add', { meeting, title: `Budget gap ${MARK}`, kind: 'discussion' }), 'internal item');
		// a draft's changes tell nobody
		ok(await c.iom.request('meetings.update', { meeting, location: 'UN House, Astana' }), 'draft update');
		ok(await c.iom.request('meetings.convene', { meeting }), 'convene');
		const uid = `meeting-${meeting}@accord`;

		let ms = await sink.until((x) => [ADDR.unicef, ADDR.undp].every((a) => x.some((m) => to(a)(m) && subj('Meeting convened')(m))), 'the invitations');
		const inv = ms.find((m) => to(ADDR.unicef)(m) && subj('Meeting convened')(m));
		assert.equal(inv.headers.subject, `Meeting convened: ${title}`);
		assert.deepEqual(inv.parts.map((p) => p.type), ['text/plain', 'text/html', 'text/calendar']);
		assert.match(text(inv, 'text/plain'), new RegExp(`https://accord\\.test/#/meeting/${meeting}`));
		assert.match(text(inv, 'text/plain'), /https:\/\/meet\.example\.org\/q3/);
		assert.equal(cal(inv).method_param, 'REQUEST');
		assert.deepEqual(cal(inv).calendar, {
			method: 'REQUEST', uid, sequence: 0, status: 'CONFIRMED', start, end: start + 2 * HOUR, summary: title,
			location: 'UN House, Astana', organizer: 'mailto:accord@accord.test', attendee: `mailto:${ADDR.unicef}`,
		});
		assert.ok(!ms.some(subj('Meeting moved')), 'the draft update sent nothing');

		// the inbox has it too, linked to the meeting
		const inbox = (await c.unicef.ok('notify.inbox.list', {})).messages.filter((x) => x.category === 'meeting_convened');
		assert.equal(inbox.length, 1, JSON.stringify(inbox));
		assert.equal(inbox[0].link, `#/meeting/${meeting}`);

		// released to the state counterpart: MOL is told of what follows
		ok(await c.iom.request('portal.release', { item: `meeting:${meeting}`, to: ['MOL'] }), 'release to MOL');
		ok(await c.iom.request('meetings.update', { meeting, title: `${title} (retitled only)` }), 'a new title only');
		ok(await c.iom.request('meetings.update', { meeting, starts_at: start + DAY, ends_at: start + DAY + 3 * HOUR }), 'moved');
		ms = await sink.until((x) => [ADDR.unicef, ADDR.mol].every((a) => x.some((m) => to(a)(m) && subj('Meeting moved')(m))), 'the moved invitations');
		for (const a of [ADDR.unicef, ADDR.mol]) {
			const moved = ms.filter((m) => to(a)(m) && subj('Meeting moved')(m));
			assert.equal(moved.length, 1, `one move to ${a}, not one per update`);
			const k = cal(moved[0]).calendar;
			assert.deepEqual([k.method, k.uid, k.sequence, k.start, k.end], ['REQUEST', uid, 1, start + DAY, start + DAY + 3 * HOUR]);
			assert.equal(k.summary, `${title} (retitled only)`);
		}

		ok(await c.iom.request('meetings.agenda.circulate', { meeting }), 'agenda circulated');
		ms = await sink.until((x) => [ADDR.unicef, ADDR.undp, ADDR.mol].every((a) => x.some((m) => to(a)(m) && subj('Agenda circulated')(m))), 'the agenda');
		const mem = ms.find((m) => to(ADDR.unicef)(m) && subj('Agenda circulated')(m));
		assert.match(text(mem, 'text/plain'), /1\. Opening/);
		assert.ok(text(mem, 'text/plain').includes(MARK), 'members see every item');
		const mol = ms.find((m) => to(ADDR.mol)(m) && subj('Agenda circulated')(m));
		assert.match(text(mol, 'text/plain'), /1\. Opening/);

		ok(await c.iom.request('meetings.cancel', { meeting, reason: 'Postponed to the next quarter' }), 'cancel');
		ms = await sink.until((x) => [ADDR.unicef, ADDR.undp, ADDR.mol].every((a) => x.some((m) => to(a)(m) && subj('Meeting cancelled')(m))), 'the cancellations');
		for (const a of [ADDR.unicef, ADDR.mol]) {
			const m = ms.find((y) => to(a)(y) && subj('Meeting cancelled')(y));
			assert.equal(cal(m).method_param, 'CANCEL');
			const k = cal(m).calendar;
			assert.deepEqual([k.method, k.status, k.uid, k.sequence], ['CANCEL', 'CANCELLED', uid, 2]);
		}

		// nothing internal ever reached the partner, in any part or header
		const molMail = ms.filter(to(ADDR.mol));
		assert.ok(molMail.length >= 3, JSON.stringify(molMail.map((m) => m.headers.subject)));
		for (const m of molMail) assert.ok(!JSON.stringify(m).includes(MARK), `internal title in MOL's "${m.headers.subject}"`);
		assert.ok(!molMail.some(subj('Meeting convened')), 'the convene went before the release: not to MOL');
	});

	test('minutes circulated reach the member organisations only', async () => {
		const meeting = ok(await c.iom.request('meetings.create', { kind: 'regular', title: 'Minutes meeting', starts_at: Date.now() + 20 * DAY, location: 'Astana' }), 'create').meeting.id;
		ok(await c.iom.request('meetings.agenda.add', { meeting, title: `Internal ${MARK}`, kind: 'discussion' }), 'item');
		ok(await c.iom.request('meetings.convene', { meeting }), 'convene');
		ok(await c.iom.request('portal.release', { item: `meeting:${meeting}`, to: ['MOL'] }), 'release to MOL');
		ok(await c.iom.request('meetings.start', { meeting }), 'start');
		ok(await c.iom.request('meetings.close', { meeting }), 'close');
		ok(await c.iom.request('meetings.minutes.assemble', { meeting }), 'assemble');
		ok(await c.iom.request('meetings.minutes.circulate', { meeting, comments_until: Date.now() + DAY }), 'circulate');
		const ms = await sink.until((x) => [ADDR.unicef, ADDR.undp].every((a) => x.some((m) => to(a)(m) && m.headers.subject === 'Minutes circulated for comments: Minutes meeting')), 'the minutes notices');
		const m = ms.find((y) => to(ADDR.unicef)(y) && subj('Minutes circulated')(y));
		assert.match(text(m, 'text/plain'), new RegExp(`https://accord\\.test/#/meeting/${meeting}`));
		await new Promise((r) => setTimeout(r, 500));
		const all = await sink.messages();
		assert.equal(all.filter((y) => to(ADDR.mol)(y) && subj('Minutes circulated')(y)).length, 0, 'minutes are internal');
		for (const y of all.filter(to(ADDR.mol))) assert.ok(!JSON.stringify(y).includes(MARK), `internal title in MOL's "${y.headers.subject}"`);
	});
});
