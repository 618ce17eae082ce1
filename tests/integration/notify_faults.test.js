// Notifications by e-mail, the harder cases (see notify.test.js): messages
// given up and retried by the secretariat, the server killed with SIGKILL
// while the relay holds a message, reminders before a closing time, and
// the daily digest on a clock the test moves (ACCORD_CLOCK_OFFSET_MS).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connectAs, closeAll, getMetric, sleep } from './lib/harness.js';
import { Sink, freePort, notifyConfig, to, text, ADDR, withAddresses as withAddr } from './lib/smtp.js';

const withAddresses = (server) => withAddr(server, connectAs);

describe('notify: dead letters, and SIGKILL while the relay accepts', { timeout: 240_000 }, () => {
	let server, sink, c;
	before(async () => {
		const port = await freePort();
		sink = new Sink(port);
		await sink.start();
		server = await startServer({ plugins: { membership: {}, consensus: {}, notify: notifyConfig(port, { dead_after_s: 2 }) } });
		c = await withAddresses(server);
	});
	after(async () => {
		await closeAll(...Object.values(c || {}));
		await server?.stop();
		await sink?.stop();
		sink?.dispose();
	});

	test('given up after dead_after_s, shown to the secretariat, retried on demand', async () => {
		sink.mode('refuse');
		const id = (await c.rco.ok('consensus.create', { title: 'Goes dead', text: 'x', kind: 'decision' })).proposal.id;
		await c.rco.ok('consensus.open', { proposal: id });
		let dead = [];
		const end = Date.now() + 10_000;
		while (dead.length < 2 && Date.now() < end) {
			await sleep(250);
			dead = (await c.iom.ok('notify.outbox.list', { status: 'dead' })).messages;
		}
		assert.equal(dead.length, 2, 'both messages given up');
		assert.match(dead[0].last_error, /451/);
		assert.ok((await getMetric(server, 'accord_plugin_notify_failed')) >= 2);
		sink.mode('ok');
		const r = await c.iom.ok('notify.outbox.retry', { id: dead[0].id });
		assert.deepEqual(r, { id: dead[0].id, status: 'queued' });
		await sink.until((x) => x.some((y) => y.headers['message-id'] === dead[0].message_id), 'the retried message');
		const again = await c.iom.request('notify.outbox.retry', { id: dead[0].id });
		await sleep(300);
		assert.equal(again.error?.code, 'conflict');
		assert.equal((await c.iom.request('notify.outbox.retry', { id: 999999 })).error?.code, 'not_found');
		await c.iom.ok('notify.outbox.retry', { id: dead[1].id });
		await sink.until((x) => x.some((y) => y.headers['message-id'] === dead[1].message_id), 'the second');
	});

	test('SIGKILL while the relay accepts: every message goes at least once, only the one in flight twice', async () => {
		const sentBefore = (await sink.messages()).map((m) => m.headers['message-id']);
		sink.mode('slow 3');
		const id = (await c.rco.ok('consensus.create', { title: 'Killed while sending', text: 'x', kind: 'decision' })).proposal.id;
		await c.rco.ok('consensus.open', { proposal: id });
		await closeAll(...Object.values(c));
		// the relay has the first message and sits on its 250: kill now
		await sink.until((x) => x.some((y) => y.headers.subject?.endsWith('Killed while sending')), 'the first message at the relay');
		await server.kill9();
		sink.mode('ok');
		await server.restart();
		const ms = await sink.until((x) => new Set(x.filter((y) => y.headers.subject?.endsWith('Killed while sending')).map((y) => y.rcpt_tos[0])).size === 2, 'both recipients');
		await sleep(1000); // anything sent twice has had time to arrive
		const all = await sink.messages();
		const ours = all.filter((y) => y.headers.subject?.endsWith('Killed while sending'));
		const byId = new Map();
		for (const m of ours) byId.set(m.headers['message-id'], (byId.get(m.headers['message-id']) || 0) + 1);
		assert.equal(byId.size, 2, 'two messages, each with its own stable Message-ID');
		const counts = [...byId.values()].sort();
		assert.deepEqual(counts, [1, 2], 'the one the relay held when the server died came again, with the same Message-ID; the other once');
		// what was recorded sent before the kill was not sent again
		for (const mid of sentBefore) assert.equal(all.filter((m) => m.headers['message-id'] === mid).length, 1, mid);
		assert.ok(ms.length >= 2);
	});

	test('a slow relay: the server keeps answering, and a stop does not wait for it', async () => {
		await server.restart();
		c = await withAddresses(server);
		sink.mode('slow 20');
		const id = (await c.rco.ok('consensus.create', { title: 'Slow relay', text: 'x', kind: 'decision' })).proposal.id;
		await c.rco.ok('consensus.open', { proposal: id });
		await sink.until((x) => x.some((y) => y.headers.subject?.endsWith('Slow relay')), 'the message at the slow relay');
		const t0 = Date.now();
		await c.undp.ok('notify.prefs.get', {});
		await c.rco.ok('consensus.get', { proposal: id });
		assert.ok(Date.now() - t0 < 5000, 'answered while the relay sits on its answer (20 s)');
		await closeAll(...Object.values(c));
		const t1 = Date.now();
		const exit = await server.stop('SIGTERM');
		assert.ok(Date.now() - t1 < 5000, `stopped in ${Date.now() - t1} ms`);
		assert.equal(exit.code, 0);
		sink.mode('ok');
		await server.restart();
		await sink.until((x) => new Set(x.filter((y) => y.headers.subject?.endsWith('Slow relay')).map((y) => y.rcpt_tos[0])).size === 2, 'both, after the restart');
	});
});

describe('notify: reminders before the closing time, and the daily digest on a clock the test moves', { timeout: 240_000 }, () => {
	let server, sink, c;
	const HOUR = 3_600_000;
	// The server's clock (ACCORD_CLOCK_OFFSET_MS): tomorrow 05:00 UTC, then 07:30 UTC.
	const tomorrow = Math.floor(Date.now() / 86_400_000 + 1) * 86_400_000;
	const at = (ms) => String(ms - Date.now());
	before(async () => {
		const port = await freePort();
		sink = new Sink(port);
		await sink.start();
		process.env.ACCORD_CLOCK_OFFSET_MS = at(tomorrow + 5 * HOUR);
		server = await startServer({ plugins: { membership: {}, consensus: {}, notify: notifyConfig(port, { reminder_before_h: 24, digest_hour_utc: 7 }) } });
		c = await withAddresses(server);
	});
	after(async () => {
		delete process.env.ACCORD_CLOCK_OFFSET_MS;
		await closeAll(...Object.values(c || {}));
		await server?.stop();
		await sink?.stop();
		sink?.dispose();
	});
	const reconnect = async () => {
		await closeAll(...Object.values(c));
		c = {};
		for (const l of ['rco', 'unicef', 'undp']) c[l] = await connectAs(server, l);
	};

	test('a reminder goes to the organisations that have not responded, once, even across a restart', async () => {
		const id = (await c.rco.ok('consensus.create', { title: 'Remind me', text: 'x', kind: 'decision' })).proposal.id;
		await c.rco.ok('consensus.open', { proposal: id });
		await c.unicef.ok('consensus.position', { proposal: id, position: 'agree' });
		// the closing time comes within reminder_before_h: the reminder is due now
		const closes = (await c.rco.ok('sys.ping', {})).time + 20 * HOUR; // still open after the clock moves on
		await c.rco.ok('consensus.extend', { proposal: id, closes_at: closes });
		const ms = await sink.until((x) => x.some((m) => m.headers.subject?.startsWith('Reminder:')), 'the reminder');
		const rem = ms.filter((m) => m.headers.subject === "Reminder: your organisation's position is awaited: Remind me");
		assert.deepEqual(rem.map((m) => m.rcpt_tos[0]), [ADDR.undp], 'undp has not responded; unicef has');
		assert.match(text(rem[0], 'text/plain'), /closes \d{4}-\d\d-\d\d \d\d:\d\d UTC, and United Nations Development Programme has not stated its position/);
		await server.restart();
		await sleep(2500); // the scan ran again after the start
		assert.equal((await sink.messages()).filter((m) => m.headers.subject?.startsWith('Reminder:')).length, 1, 'not sent again');
		await reconnect();
	});

	test('a category set to digest waits for the day\'s digest at digest_hour_utc, one per day', async () => {
		await c.undp.ok('notify.prefs.set', { categories: { outcome: 'digest' } });
		assert.equal((await c.undp.ok('notify.prefs.get', {})).categories.outcome, 'digest');
		const id = (await c.rco.ok('consensus.create', { title: 'For the digest', text: 'x', kind: 'decision' })).proposal.id;
		await c.rco.ok('consensus.open', { proposal: id });
		await c.rco.ok('consensus.close', { proposal: id, outcome: 'Agreed' });
		await sink.until((x) => x.some((m) => to(ADDR.unicef)(m) && m.headers.subject === 'Outcome: For the digest'), 'unicef at once');
		await sleep(500);
		const before = await sink.messages();
		assert.ok(!before.some((m) => to(ADDR.undp)(m) && m.headers.subject?.startsWith('Outcome: For the digest')), 'undp waits for the digest');
		// 07:30 UTC: the digest goes
		process.env.ACCORD_CLOCK_OFFSET_MS = at(tomorrow + 7.5 * HOUR);
		await server.restart();
		const ms = await sink.until((x) => x.some((m) => to(ADDR.undp)(m) && m.headers.subject?.startsWith('Your daily summary')), 'the digest');
		const d = ms.find((m) => to(ADDR.undp)(m) && m.headers.subject?.startsWith('Your daily summary'));
		assert.equal(d.headers.subject, 'Your daily summary from Test Network: 1 updates');
		assert.match(text(d, 'text/plain'), new RegExp(`- Outcome: For the digest\\n  https://accord\\.test/#/proposal/${id}`));
		assert.match(text(d, 'text/html'), new RegExp(`<li><a href="https://accord\\.test/#/proposal/${id}">Outcome: For the digest</a></li>`));
		// the same day again: no second digest
		await server.restart();
		await sleep(1500);
		assert.equal((await sink.messages()).filter((m) => m.headers.subject?.startsWith('Your daily summary')).length, 1);
	});
});
