// Notifications by e-mail (plugins/notify, docs/plugins.md "Notifications"):
// a real SMTP server on loopback (Debian's aiosmtpd: lib/smtp_sink.py)
// receives what the server sends; every message is parsed by Python's own
// e-mail parser (lib/mime_parse.py) and asserted on: headers, the MIME
// parts, links.  The relay down and refusing; notify_faults.test.js has
// the dead letters, SIGKILL while sending, reminders and the digest.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connectAs, closeAll, httpRequest, getMetric, sleep } from './lib/harness.js';
import { Sink, freePort, notifyConfig, to, text, ADDR, withAddresses as withAddr } from './lib/smtp.js';

const withAddresses = (server) => withAddr(server, connectAs);

describe('notify: e-mail from a durable outbox', { timeout: 240_000 }, () => {
	let server, sink, c;
	let n = 0;
	const open = async (title = `Proposal ${++n}`) => {
		const id = (await c.rco.ok('consensus.create', { title, text: 'internal text', kind: 'decision' })).proposal.id;
		await c.rco.ok('consensus.open', { proposal: id });
		return id;
	};

	before(async () => {
		const port = await freePort();
		sink = new Sink(port);
		await sink.start();
		server = await startServer({ plugins: { membership: {}, consensus: {}, groups: {}, actions: { overdue_scan_s: 1 }, portal: {}, test: {}, notify: notifyConfig(port, { dead_after_s: 600 }) } });
		c = await withAddresses(server);
	});
	after(async () => {
		await closeAll(...Object.values(c || {}));
		await server?.stop();
		await sink?.stop();
		sink?.dispose();
	});

	test('addresses are checked on save; preferences read back', async () => {
		for (const bad of ['no-at-sign', 'a@b', 'x@y.test\r\nBcc: evil@evil.test', 'a b@c.test', '<a@b.test>']) {
			const r = await c.unicef.request('notify.prefs.set', { email: bad });
			assert.equal(r.error?.code, 'bad_request', bad);
			assert.equal(r.error.message, 'email: an e-mail address, e.g. name@example.org');
		}
		const r = await c.unicef.request('notify.prefs.set', { categories: { nonsense: 'off' } });
		assert.equal(r.error?.code, 'bad_request');
		const p = await c.unicef.ok('notify.prefs.get', {});
		assert.deepEqual(p, { email: ADDR.unicef, lang: 'en', categories: { proposal_opened: 'immediate', reminder: 'immediate', outcome: 'immediate', release: 'immediate', action_assigned: 'immediate', action_overdue: 'immediate', meeting_convened: 'immediate', meeting_moved: 'immediate', meeting_cancelled: 'immediate', agenda_circulated: 'immediate', minutes_circulated: 'immediate' } });
		assert.equal((await c.undp.request('notify.outbox.list', {})).error?.code, 'forbidden');
	});

	test('an invitation mails its link to the contact, with the token the reply gives', async () => {
		const inv = await c.iom.ok('members.invite', { org: 'UNICEF', name: 'Ivan Invitee', function: 'alternate', contact: 'ivan@unicef.test' });
		assert.equal(inv.mailed, true);
		const [m] = (await sink.until((ms) => ms.some(to('ivan@unicef.test')), 'the invitation')).filter(to('ivan@unicef.test'));
		assert.equal(m.headers.subject, 'Invitation to join Test Network');
		assert.equal(m.headers.to, 'Ivan Invitee <ivan@unicef.test>');
		assert.match(text(m, 'text/plain'), new RegExp(`https://accord\\.test/#/invite/${inv.token}`));
		assert.match(text(m, 'text/html'), new RegExp(`href="https://accord\\.test/#/invite/${inv.token}"`));
		const phone = await c.iom.ok('members.invite', { org: 'UNDP', name: 'By phone', function: 'staff', contact: '+7 701 555 0101' });
		assert.equal(phone.mailed, false);
	});

	test('a proposal opened reaches the voters with addresses; CR/LF in a title adds no header', async () => {
		const title = 'Budget <b>2027</b>\r\nBcc: evil@evil.test\r\nX-Injected: yes';
		const id = await open(title);
		const ms = await sink.until((x) => x.some(to(ADDR.unicef)) && x.some(to(ADDR.undp)), 'both focal points');
		const opened = ms.filter((m) => m.headers.subject?.startsWith("Your organisation's position is awaited"));
		assert.equal(opened.length, 2);
		for (const m of opened) {
			assert.equal(m.content_type, 'multipart/alternative');
			assert.deepEqual(m.parts.map((p) => p.type), ['text/plain', 'text/html']);
			assert.ok(!m.header_names.some((h) => /^(bcc|x-injected)$/i.test(h)), m.header_names.join());
			assert.equal(m.headers.subject, "Your organisation's position is awaited: Budget <b>2027</b>  Bcc: evil@evil.test  X-Injected: yes");
			assert.match(m.headers['message-id'], /^<notify\.\d+\.\d+@accord\.test>$/);
			assert.equal(m.mail_from, 'accord@accord.test');
			assert.match(text(m, 'text/plain'), new RegExp(`https://accord\\.test/#/proposal/${id}`));
			assert.ok(text(m, 'text/html').includes('Budget &lt;b&gt;2027&lt;/b&gt;'), 'escaped in HTML');
			assert.match(text(m, 'text/plain'), /https:\/\/accord\.test\/api\/notify\/pref\?u=\w+&c=proposal_opened&x=\d+&s=[0-9a-f]{64}/);
			assert.ok(m.headers['list-unsubscribe']);
		}
		assert.match(text(opened.find(to(ADDR.unicef)), 'text/plain'), /awaits the position of United Nations Children's Fund/);
		assert.notEqual(opened[0].headers['message-id'], opened[1].headers['message-id']);
		// partners do not vote: nothing to them
		assert.equal(ms.filter((m) => to(ADDR.mol)(m) || to(ADDR.mfa)(m)).length, 0);
		// the outcome, at the close
		await c.rco.ok('consensus.close', { proposal: id, outcome: 'Adopted' });
		await sink.until((x) => x.filter((m) => m.headers.subject?.startsWith('Outcome: Budget')).length === 2, 'two outcome messages');
	});

	test('a release reaches only the partner it is made to', async () => {
		const id = (await c.rco.ok('consensus.create', { title: 'Joint statement for MOL', text: 'internal', kind: 'statement' })).proposal.id;
		await c.rco.ok('consensus.open', { proposal: id });
		await c.rco.ok('consensus.close', { proposal: id });
		await c.iom.ok('portal.release', { item: `proposal:${id}`, to: ['MOL'], confirm_no_consensus: true });
		const ms = await sink.until((x) => x.some(to(ADDR.mol)), 'the release to MOL');
		const m = ms.find(to(ADDR.mol));
		assert.equal(m.headers.subject, 'Shared with Ministry of Labour and Social Protection of the Population: Joint statement for MOL');
		assert.match(text(m, 'text/plain'), /https:\/\/accord\.test\/#\/portal/);
		await sleep(500);
		assert.equal((await sink.messages()).filter(to(ADDR.mfa)).length, 0);
	});

	test('the one-click link turns a category off; a tampered or expired link does nothing', async () => {
		const ms = await sink.messages();
		const m = ms.find((x) => to(ADDR.unicef)(x) && x.headers.subject.startsWith("Your organisation's"));
		const link = text(m, 'text/plain').match(/https:\/\/accord\.test(\/api\/notify\/pref\?\S+)/)[1];
		const tampered = link.replace(/u=unicef/, 'u=undp');
		assert.equal((await httpRequest(server, tampered)).status, 404);
		const expired = link.replace(/x=\d+/, 'x=1000');
		assert.equal((await httpRequest(server, expired)).status, 404, 'the signature covers the expiry');
		const r = await httpRequest(server, link);
		assert.equal(r.status, 200);
		assert.match(r.body, /no longer receive/);
		assert.equal((await c.unicef.ok('notify.prefs.get', {})).categories.proposal_opened, 'off');
		const before = (await sink.messages()).length;
		await open('After unicef turned it off');
		await sink.until((x) => x.some((y) => to(ADDR.undp)(y) && y.headers.subject.endsWith('After unicef turned it off')), 'undp still');
		await sleep(300);
		const after = (await sink.messages()).slice(before);
		assert.equal(after.filter(to(ADDR.unicef)).length, 0);
	});

	test('the relay down: mail waits, the server keeps serving, then it goes', async () => {
		await sink.stop();
		await open('While the relay is down');
		const t0 = Date.now();
		await c.undp.ok('notify.prefs.get', {});
		assert.ok(Date.now() - t0 < 3000, 'answered at once, not behind the relay');
		await sleep(1500);
		const waiting = (await c.iom.ok('notify.outbox.list', { status: 'queued' })).messages;
		assert.ok(waiting.length >= 1, JSON.stringify(waiting));
		assert.ok(waiting.every((w) => w.attempts >= 1 && w.last_error), JSON.stringify(waiting));
		const stats = await c.iom.ok('notify.outbox.stats', {});
		assert.ok(stats.queued >= 1 && typeof stats.oldest_queued_at === 'number');
		await sink.start();
		await sink.until((x) => x.some((y) => y.headers.subject?.endsWith('While the relay is down')), 'the delayed message');
	});

	test('the window in which a crash would send a message twice: from the relay\'s 250 to the commit of "sent"', async (t) => {
		const rows = (await c.iom.ok('notify.outbox.list', { status: 'sent', limit: 500 })).messages;
		const ms = await sink.messages();
		const windows = [];
		for (const r of rows) {
			const got = ms.filter((m) => m.headers['message-id'] === r.message_id && m.accepted_at);
			if (got.length) windows.push(r.sent_at - got[got.length - 1].accepted_at);
		}
		assert.ok(windows.length >= 5, `${windows.length} messages measured`);
		windows.sort((a, b) => a - b);
		t.diagnostic(`250 to "sent" recorded, ms: median ${windows[windows.length >> 1]}, max ${windows[windows.length - 1]} over ${windows.length} messages`);
		// sent_at is taken in the recording job, just before its commit (one fsync)
		assert.ok(windows[windows.length - 1] < 2000, `at most ${windows[windows.length - 1]} ms`);
	});

	test('the relay refusing (451): retried with back-off, then delivered', async () => {
		sink.mode('refuse');
		await open('While refused');
		const end = Date.now() + 10_000;
		let row;
		do {
			await sleep(200);
			row = (await c.iom.ok('notify.outbox.list', {})).messages.find((x) => x.last_error?.includes('451'));
		} while (!row && Date.now() < end);
		assert.ok(row, 'the refusal is recorded');
		sink.mode('ok');
		await sink.until((x) => x.some((y) => y.headers.subject?.endsWith('While refused')), 'the refused message, later');
		assert.ok((await getMetric(server, 'accord_plugin_notify_retried')) >= 1);
		assert.ok((await getMetric(server, 'accord_plugin_notify_sent')) >= 5);
		assert.ok((await getMetric(server, 'accord_plugin_notify_queued')) >= 5);
		assert.notEqual(await getMetric(server, 'accord_plugin_notify_oldest_queued_age_seconds'), null);
	});

	test('the in-app inbox: entries pushed live to every device, read across devices, words in the language asked', async () => {
		const phone = await connectAs(server, 'unicef');
		try {
			for (const x of [c.unicef, phone]) await x.ok('sub.add', { topic: 'inbox:unicef' });
			assert.equal((await c.undp.request('sub.add', { topic: 'inbox:unicef' })).error?.code, 'not_found');
			const { unread: before } = await c.unicef.ok('notify.inbox.list', {});
			const mark = phone.messages.length;
			const id = await open('For the inbox');
			const ev = await phone.waitEvent((e) => e.event === 'notify.inbox.new', 10_000, { from: mark });
			assert.equal(ev.data.unread, before + 1);
			await c.unicef.waitEvent((e) => e.event === 'notify.inbox.new' && e.data.id === ev.data.id);
			const ru = await c.unicef.ok('notify.inbox.list', { lang: 'ru', limit: 1 });
			assert.deepEqual(ru.messages.map((m) => [m.category, m.item, m.subject, m.link, m.read]), [
				['proposal_opened', `proposal:${id}`, 'Ожидается позиция вашей организации: For the inbox', `#/proposal/${id}`, false],
			]);
			assert.equal(ru.unread, before + 1);
			// the inbox has it even though unicef turned the e-mail of this kind off
			assert.equal((await c.unicef.ok('notify.prefs.get', {})).categories.proposal_opened, 'off');
			const m2 = phone.messages.length;
			const r = await c.unicef.ok('notify.inbox.read', { ids: [ev.data.id] });
			assert.deepEqual(r, { unread: before, read: [ev.data.id] });
			const rev = await phone.waitEvent((e) => e.event === 'notify.inbox.read', 10_000, { from: m2 });
			assert.deepEqual(rev.data, { unread: before, read: [ev.data.id] });
			assert.equal((await phone.ok('notify.inbox.list', { limit: 1 })).messages[0].read, true);
			assert.equal((await c.unicef.ok('notify.inbox.read', { all: true })).unread, 0);
			const bad = await c.unicef.request('notify.inbox.read', { ids: [0] });
			assert.equal(bad.error?.code, 'bad_request');
			// another person's entry cannot be marked: nothing changes for them
			const undpBefore = (await c.undp.ok('notify.inbox.list', {})).unread;
			await c.unicef.ok('notify.inbox.read', { ids: [ev.data.id + 1, ev.data.id + 2] });
			assert.equal((await c.undp.ok('notify.inbox.list', {})).unread, undpBefore);
		} finally {
			await closeAll(phone);
		}
	});

	test('a partner\'s inbox holds a release only while it is in force', async () => {
		const list = async () => (await c.mol.ok('notify.inbox.list', {})).messages.filter((m) => m.category === 'release');
		const n0 = (await list()).length;
		const id = (await c.rco.ok('consensus.create', { title: 'Withdrawn later', text: 'internal', kind: 'statement' })).proposal.id;
		await c.rco.ok('consensus.open', { proposal: id });
		await c.rco.ok('consensus.close', { proposal: id });
		const rel = (await c.iom.ok('portal.release', { item: `proposal:${id}`, to: ['MOL'], confirm_no_consensus: true })).release;
		let l = await list();
		assert.equal(l.length, n0 + 1);
		assert.equal(l[0].subject, 'Shared with Ministry of Labour and Social Protection of the Population: Withdrawn later');
		assert.equal(l[0].link, '#/portal');
		assert.equal((await c.mfa.ok('notify.inbox.list', {})).messages.filter((m) => m.item === `proposal:${id}`).length, 0);
		await c.iom.ok('portal.withdraw', { release: rel.id, reason: 'by mistake' });
		l = await list();
		assert.equal(l.filter((m) => m.item === `proposal:${id}`).length, 0, 'gone with the release');
	});

	test('action items: the owner organisation is told when one is assigned to it, and once when it is overdue', async () => {
		const group = (await c.iom.ok('groups.create', { name: 'Returns group', mandate: 'x', kind: 'permanent', leads: ['UNDP'], members: ['UNICEF'] })).group.id;
		await c.undp.ok('groups.plugins.enable', { group, plugin: 'actions' });
		const due = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
		await c.undp.ok('actions.add', { group, title: 'Draft the returns note', owner_org: 'UNICEF', due_date: due });
		const ms = await sink.until((x) => x.some((m) => to(ADDR.unicef)(m) && m.headers.subject?.startsWith('Action item for')), 'the assignment');
		const m = ms.find((y) => to(ADDR.unicef)(y) && y.headers.subject?.startsWith('Action item for'));
		assert.equal(m.headers.subject, "Action item for United Nations Children's Fund: Draft the returns note");
		assert.match(text(m, 'text/plain'), new RegExp(`Due ${due}\\.[\\s\\S]*https://accord\\.test/#/group/${group}`));
		// an item already overdue: told at the next scan (every second here), and only once
		await c.undp.ok('actions.add', { group, title: 'Late report', owner_org: 'UNICEF', due_date: '2001-01-01' });
		await sink.until((x) => x.some((y) => y.headers.subject === "Overdue action item of United Nations Children's Fund: Late report"), 'the overdue notice');
		await sleep(2500);
		assert.equal((await sink.messages()).filter((y) => y.headers.subject?.startsWith('Overdue action item')).length, 1, 'once');
		// the inbox links to the group
		const inbox = (await c.unicef.ok('notify.inbox.list', {})).messages.filter((x) => x.category.startsWith('action_'));
		assert.ok(inbox.length >= 2 && inbox.every((x) => x.link === `#/group/${group}`), JSON.stringify(inbox));
	});

	test('a notice may carry a calendar invitation: sent, moved (a higher sequence), cancelled; read with python3-icalendar', async () => {
		const start = Date.UTC(2031, 2, 14, 9, 0);
		const cal = { uid: 'meeting-7@accord.test', sequence: 0, method: 'REQUEST', start, end: start + 2 * 3_600_000, summary: 'Quarterly meeting; agenda, items', location: 'UN House, Astana' };
		const send = (calendar, title) => c.iom.ok('test.notify', { notice: { category: 'proposal_opened', orgs: ['UNDP'], params: { title }, calendar } });
		assert.deepEqual(await send(cal, 'Cal 1'), { queued: 1 });
		await send({ ...cal, sequence: 1, start: start + 86_400_000, end: start + 86_400_000 + 3_600_000 }, 'Cal 2');
		await send({ ...cal, sequence: 2, method: 'CANCEL' }, 'Cal 3');
		const ms = await sink.until((x) => ['Cal 1', 'Cal 2', 'Cal 3'].every((tt) => x.some((m) => m.headers.subject?.endsWith(`: ${tt}`))), 'three calendar messages');
		const part = (tt) => ms.find((m) => m.headers.subject?.endsWith(`: ${tt}`)).parts.find((p) => p.type === 'text/calendar');
		const [a, b, d] = ['Cal 1', 'Cal 2', 'Cal 3'].map(part);
		assert.equal(a.method_param, 'REQUEST');
		assert.deepEqual(a.calendar, {
			method: 'REQUEST', uid: 'meeting-7@accord.test', sequence: 0, status: 'CONFIRMED', start, end: start + 7_200_000,
			summary: 'Quarterly meeting; agenda, items', location: 'UN House, Astana', organizer: 'mailto:accord@accord.test', attendee: `mailto:${ADDR.undp}`,
		});
		assert.deepEqual([b.calendar.uid, b.calendar.sequence, b.calendar.start], ['meeting-7@accord.test', 1, start + 86_400_000]);
		assert.equal(d.method_param, 'CANCEL');
		assert.deepEqual([d.calendar.method, d.calendar.status, d.calendar.sequence], ['CANCEL', 'CANCELLED', 2]);
		// a malformed calendar is refused with the notice
		const bad = await c.iom.request('test.notify', { notice: { category: 'proposal_opened', orgs: ['UNDP'], params: { title: 'x' }, calendar: { ...cal, uid: 'a\r\nX: y' } } });
		assert.equal(bad.error?.code, 'bad_request');
	});
});

