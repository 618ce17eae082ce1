// Protective limits: Origin check, message size, request flood, slow readers.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect, connectAs, closeAll, getMetric, sleep, httpRequest } from './lib/harness.js';

async function assertRefused(server, opts, what) {
	let client;
	try {
		client = await connect(server, opts);
	} catch (e) {
		if (e.status !== undefined) assert.equal(e.status, 403, `${what}: handshake answered ${e.status}, expected 403`);
		return e;
	}
	await client.close();
	assert.fail(`${what}: the handshake was accepted, expected HTTP 403`);
}

describe('origin check', { timeout: 120_000 }, () => {
	let server;
	before(async () => {
		server = await startServer();
	});
	after(async () => {
		if (server) await server.dispose();
	});

	const refusedOrigins = [
		['a foreign origin', 'http://evil.example'],
		['a missing Origin', null],
		['a suffix look-alike', 'http://allowed.example.evil.example'],
		['a path look-alike', 'http://evil.example/http://allowed.example'],
		['the listed host with another scheme', 'https://allowed.example'],
		['a host-prefix look-alike of the same origin', `http://127.0.0.1:PORT.evil.example`],
		['the same host on another port', 'http://127.0.0.1:PORT+1'],
		['the opaque origin "null"', 'null'],
	];
	const resolveOrigin = (o) =>
		o === null ? null : o.replace('PORT+1', String(server.port + 1)).replace('PORT', String(server.port));

	// The WebSocket handshake must fail for these (any way: HTTP error or dropped connection).
	test('foreign, missing and look-alike origins: the handshake fails', async () => {
		for (const [what, o] of refusedOrigins) await assertRefused(server, { origin: resolveOrigin(o) }, `${what} (${o})`);
		const r = await connect(server).then((c) => c.request('sys.ping', {}).finally(() => c.close()));
		assert.equal(r.ok, true, 'server still serves allowed clients');
	});

	// protocol.md: "anything else, a missing Origin included, is refused with HTTP 403".
	test('a refused origin is answered with HTTP 403 (protocol.md)', async () => {
		const bad = [];
		for (const [what, o] of refusedOrigins.slice(0, 2)) {
			const e = await assertRefused(server, { origin: resolveOrigin(o) }, what);
			if (e.status !== 403) bad.push(`${what}: ${e.message}${e.code ? ` (${e.code})` : ''}`);
		}
		assert.deepEqual(bad, [], 'the refusal must be an HTTP 403 response, not a dropped connection');
	});

	test('the configured origin is accepted', async () => {
		const c = await connect(server, { origin: 'http://allowed.example' });
		assert.equal(c.ws.protocol, 'accord.v1', 'server selected the accord.v1 subprotocol');
		const r = await c.request('sys.ping', {});
		assert.equal(r.ok, true);
		await c.close();
	});

	test('the same origin (http://<Host>) is accepted', async () => {
		const c = await connect(server, { origin: `http://127.0.0.1:${server.port}` });
		const r = await c.request('sys.ping', {});
		assert.equal(r.ok, true);
		await c.close();
	});

	// DNS rebinding: a page at http://evil.example:PORT whose name now points
	// at the server sends Origin and Host both naming evil.example.  Same
	// origin, but not a name the server serves.
	test('DNS rebinding: Origin and Host both evil.example are refused with 403', async () => {
		for (const host of ['evil.example', `evil.example:${server.port}`, 'EVIL.example', `127.0.0.1.evil.example:${server.port}`]) {
			const e = await assertRefused(server, { origin: `http://${host}`, headers: { Host: host } }, `Host ${host}`);
			assert.equal(e.status, 403, `Host ${host}: ${e.message}`);
		}
		// A Host that is not a plain name[:port] proves nothing either.
		const odd = `127.0.0.1:${server.port}.evil.example`;
		const e = await assertRefused(server, { origin: `http://${odd}`, headers: { Host: odd } }, `Host ${odd}`);
		assert.equal(e.status, 403);
	});

	test('same origin on names that cannot be rebound: localhost and IP addresses', async () => {
		for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, `[::1]:${server.port}`]) {
			const c = await connect(server, { origin: `http://${host}`, headers: { Host: host } });
			assert.equal((await c.request('sys.ping', {})).ok, true, host);
			await c.close();
		}
	});

	test('a configured origin is accepted whatever the Host (reverse proxy)', async () => {
		const c = await connect(server, { origin: 'http://allowed.example', headers: { Host: 'backend.internal' } });
		assert.equal((await c.request('sys.ping', {})).ok, true);
		await c.close();
	});

	test('plugin routes answer 421 to a Host the server does not serve', async () => {
		const bad = await httpRequest(server, '/api/test/whoami', { headers: { Host: `evil.example:${server.port}` } });
		assert.equal(bad.status, 421, bad.body);
		assert.equal(JSON.parse(bad.body).error, 'misdirected');
		const post = await httpRequest(server, '/api/test/whoami', { method: 'POST', headers: { Host: 'evil.example', 'Content-Length': '0' } });
		assert.equal(post.status, 421, post.body);
		const good = await httpRequest(server, '/api/test/whoami', { headers: { Host: `localhost:${server.port}` } });
		assert.equal(good.status, 401, 'a served name reaches the route');
	});
});

describe('server_names: the names a server answers to', { timeout: 120_000 }, () => {
	let server;
	before(async () => {
		server = await startServer({ extraConfig: { server_names: ['accord.example.org'], origins: ['https://portal.example.org'] } });
	});
	after(async () => {
		if (server) await server.dispose();
	});

	test('a listed name and the host of a listed origin are served', async () => {
		for (const [origin, host] of [
			[`http://accord.example.org:${server.port}`, `accord.example.org:${server.port}`],
			['https://accord.example.org', 'accord.example.org'],
			['http://portal.example.org', 'portal.example.org'],
		]) {
			const c = await connect(server, { origin, headers: { Host: host } });
			assert.equal((await c.request('sys.ping', {})).ok, true, `${origin} / ${host}`);
			await c.close();
		}
		const r = await httpRequest(server, '/api/test/whoami', { headers: { Host: 'accord.example.org' } });
		assert.equal(r.status, 401);
	});

	test('other names are still refused', async () => {
		const e = await assertRefused(server, { origin: 'http://other.example.org', headers: { Host: 'other.example.org' } }, 'other name');
		assert.equal(e.status, 403);
	});

	test('a server name with a scheme or port stops start-up with a message naming the key', async () => {
		const bad = await startServer({ extraConfig: { server_names: ['https://accord.example.org'] }, demo: false }).then(
			(s) => s.dispose().then(() => null),
			(e) => e,
		);
		assert.ok(bad, 'the server must not start');
		assert.match(bad.message, /server_names\[0\]: expected a host name or IP address without scheme or port/);
	});
});

describe('message size (limits.max_message_bytes: 4096)', { timeout: 120_000 }, () => {
	let server;
	const clients = [];
	before(async () => {
		server = await startServer({ limits: { max_message_bytes: 4096 } });
	});
	after(async () => {
		await closeAll(clients);
		if (server) await server.dispose();
	});

	test('a message under the limit is served', async () => {
		const c = await connectAs(server, 'undp');
		clients.push(c);
		const r = await c.request('test.put', { key: 'small', value: 'v'.repeat(3500) });
		assert.equal(r.ok, true, JSON.stringify(r).slice(0, 300));
	});

	test('an oversize message answers too_large, then closes 1009; others unaffected', async () => {
		const other = await connectAs(server, 'iom');
		const big = await connectAs(server, 'unhcr');
		clients.push(other, big);
		const base = JSON.stringify({ id: 'big', type: 'sys.ping', data: { pad: '' } }).length;
		const padded = JSON.stringify({ id: 'big', type: 'sys.ping', data: { pad: 'x'.repeat(10_000 - base) } });
		assert.equal(Buffer.byteLength(padded), 10_000);
		const from = big.messages.length;
		await big.sendRaw(padded);
		const reply = await big.waitReply(from).catch((e) => {
			throw new Error(`${e.message}; frames: ${JSON.stringify(big.frames)}; closed: ${JSON.stringify(big.closed)}`);
		});
		assert.equal(reply.error.code, 'too_large', JSON.stringify(reply));
		const closed = await big.waitClose(10_000);
		assert.equal(closed.code, 1009, `close ${JSON.stringify(closed)}`);

		const p = await other.request('sys.ping', {});
		assert.equal(p.ok, true, 'another client is still served');
		const fresh = await connectAs(server, 'unicef');
		clients.push(fresh);
		assert.equal((await fresh.request('sys.ping', {})).ok, true, 'new connections are still served');
	});

	test('the limit applies to the reassembled message, not per fragment', async () => {
		const c = await connectAs(server, 'unfpa');
		clients.push(c);
		const from = c.messages.length;
		const text = JSON.stringify({ id: 'frag', type: 'sys.ping', data: { pad: 'y'.repeat(6000) } });
		const parts = [text.slice(0, 2000), text.slice(2000, 4000), text.slice(4000)];
		for (const [i, part] of parts.entries()) {
			await new Promise((resolve, reject) =>
				c.ws.send(part, { fin: i === parts.length - 1, binary: false }, (err) => (err ? reject(err) : resolve())),
			);
		}
		const reply = await c.waitReply(from).catch((e) => {
			throw new Error(`${e.message}; frames: ${JSON.stringify(c.frames)}; closed: ${JSON.stringify(c.closed)}`);
		});
		assert.equal(reply.ok, false, `a 6000-byte message in 2000-byte fragments: ${JSON.stringify(reply)}`);
		assert.equal(reply.error.code, 'too_large');
		const closed = await c.waitClose(10_000);
		assert.equal(closed.code, 1009);
	});
});

describe('request flood (rate_per_sec 20, rate_burst 20, flood_close_after 50)', { timeout: 120_000 }, () => {
	let server;
	const clients = [];
	before(async () => {
		server = await startServer({ limits: { rate_per_sec: 20, rate_burst: 20, flood_close_after: 50 } });
	});
	after(async () => {
		await closeAll(clients);
		if (server) await server.dispose();
	});

	test('a flood gets rate_limited replies, then close 1008; another client is unaffected', async () => {
		const bystander = await connectAs(server, 'iom');
		const flooder = await connectAs(server, 'undp');
		clients.push(bystander, flooder);

		const n = 500;
		for (let i = 0; i < n; i++) flooder.ws.send(JSON.stringify({ id: `f${i}`, type: 'sys.ping', data: {} }));
		const closed = await flooder.waitClose(15_000);
		assert.equal(closed.code, 1008, `flooder closed with ${JSON.stringify(closed)}`);

		// (rate_limited replies are counted whatever their re; see the test on re below)
		const replies = flooder.replies.filter((r) => r.re !== 'r1');
		const ok = replies.filter((r) => r.ok === true).length;
		const limited = replies.filter((r) => r.ok === false && r.error?.code === 'rate_limited').length;
		const other = replies.filter((r) => r.ok !== true && r.error?.code !== 'rate_limited');
		assert.deepEqual(other, [], 'only ok and rate_limited replies');
		assert.ok(ok >= 10, `${ok} pings served: the burst of 20 (minus the login) should be served`);
		assert.ok(ok <= 100, `${ok} pings served at 20/s with a burst of 20`);
		assert.ok(limited >= 40 && limited <= 51, `${limited} rate_limited replies before the close (flood_close_after 50)`);
		assert.ok(replies.length < n, `the connection was closed before all ${n} requests were answered (${replies.length})`);

		const p = await bystander.request('sys.ping', {});
		assert.equal(p.ok, true, 'the bystander is still served');
		assert.equal(bystander.closed, null);
	});

	test('a paced flood (a request every 2 ms) gets rate_limited replies, then close 1008', async () => {
		const c = await connectAs(server, 'unhcr');
		clients.push(c);
		for (let i = 0; i < 500 && !c.closed; i++) {
			c.ws.send(JSON.stringify({ id: `p${i}`, type: 'sys.ping', data: {} }));
			await sleep(2);
		}
		const closed = await c.waitClose(15_000);
		assert.equal(closed.code, 1008, `closed with ${JSON.stringify(closed)}`);
		const replies = c.replies.filter((r) => r.re !== 'r1');
		const ok = replies.filter((r) => r.ok === true).length;
		const limited = replies.filter((r) => r.ok === false && r.error?.code === 'rate_limited').length;
		assert.ok(ok >= 10, `${ok} pings served`);
		assert.ok(limited >= 40 && limited <= 51, `${limited} rate_limited replies before the close (flood_close_after 50)`);
		assert.equal(ok + limited, replies.length, 'only ok and rate_limited replies');
	});

	test('a rate_limited reply carries the id of the request it answers', async () => {
		const c = await connectAs(server, 'unfpa');
		clients.push(c);
		const from = c.messages.length;
		// 35 requests 2 ms apart: the burst of 20 is spent, some are refused, far from flood_close_after
		for (let i = 0; i < 35; i++) {
			c.ws.send(JSON.stringify({ id: `q${i}`, type: 'sys.ping', data: {} }));
			await sleep(2);
		}
		await c.waitMessage((m) => 're' in m && m.error?.code === 'rate_limited', 10_000, 'rate_limited reply', { from });
		await sleep(500);
		const limited = c.replies.filter((r) => r.error?.code === 'rate_limited');
		const bad = limited.filter((r) => typeof r.re !== 'string' || !/^q\d+$/.test(r.re));
		assert.deepEqual(
			bad.map((r) => r.re),
			[],
			`every request gets a reply addressed by re; ${bad.length} of ${limited.length} rate_limited replies were not`,
		);
		assert.equal(c.closed, null, 'not closed: fewer than flood_close_after refusals');
	});

	test('a client within the rate is never limited', async () => {
		const c = await connectAs(server, 'unicef');
		clients.push(c);
		await sleep(1100); // refill after the login
		for (let i = 0; i < 15; i++) {
			const r = await c.request('sys.ping', {});
			assert.equal(r.ok, true, `ping ${i}: ${JSON.stringify(r)}`);
		}
	});
});

describe('slow reader (outbound_queue_max 64)', { timeout: 120_000 }, () => {
	let server;
	const clients = [];
	before(async () => {
		server = await startServer({
			limits: { outbound_queue_max: 64, replay_keep: 16, rate_per_sec: 100000, rate_burst: 100000, flood_close_after: 1000000 },
		});
	});
	after(async () => {
		await closeAll(clients);
		if (server) await server.dispose();
	});

	test('a subscriber that stops reading is dropped; the others keep receiving', async () => {
		const fast = await connectAs(server, 'undp');
		const slow = await connectAs(server, 'unhcr');
		const pub = await connectAs(server, 'iom');
		clients.push(fast, slow, pub);
		for (const c of [fast, slow]) {
			const r = await c.request('sub.add', { topic: 'test:open' });
			assert.equal(r.ok, true);
		}
		const drops0 = await getMetric(server, 'accord_queue_drops_total');
		assert.equal(drops0 ?? 0, 0, 'no drops before the test');

		slow.ws._socket.pause();

		const payload = 'x'.repeat(16_000);
		const maxEvents = 4000; // 64 MB: far beyond any socket buffering
		const batch = 25;
		let published = 0;
		let drops = 0;
		while (published < maxEvents) {
			const rs = await Promise.all(
				Array.from({ length: batch }, (_, k) =>
					pub.request('test.publish', { topic: 'test:open', event: 'bulk', data: { i: published + k, payload } }, { timeoutMs: 60_000 }),
				),
			);
			for (const r of rs) assert.equal(r.ok, true, `publish: ${JSON.stringify(r).slice(0, 300)}`);
			published += batch;
			if (published % 100 === 0) {
				drops = (await getMetric(server, 'accord_queue_drops_total')) ?? 0;
				if (drops > 0) break;
			}
		}
		drops = (await getMetric(server, 'accord_queue_drops_total')) ?? 0;
		assert.ok(drops > 0, `accord_queue_drops_total is ${drops} after ${published} events of 16 KB to a paused reader`);

		// the fast subscriber got every event, in order
		const last = await fast.waitEvent((e) => e.event === 'test.bulk' && e.data?.i === published - 1, 60_000);
		assert.ok(last);
		const bulk = fast.events.filter((e) => e.event === 'test.bulk');
		assert.equal(bulk.length, published, 'fast subscriber received all events');
		for (let k = 1; k < bulk.length; k++) {
			assert.equal(bulk[k].data.i, k);
			assert.ok(bulk[k].seq > bulk[k - 1].seq);
		}
		// and still gets new ones
		assert.equal((await pub.request('test.publish', { topic: 'test:open', event: 'after', data: {} })).ok, true);
		await fast.waitEvent((e) => e.event === 'test.after', 10_000);

		// the slow client was dropped: once it reads again it finds its connection gone
		slow.ws._socket.resume();
		const closed = await slow.waitClose(30_000);
		assert.equal(closed.code, 1006, `dropped without a close frame (TCP reset), got ${JSON.stringify(closed)}`);
		const slowBulk = slow.events.filter((e) => e.event === 'test.bulk').length;
		assert.ok(slowBulk < published, `slow client received ${slowBulk} of ${published} events`);
		assert.equal(slow.events.filter((e) => e.event === 'test.after').length, 0);

		const p = await pub.request('sys.ping', {});
		assert.equal(p.ok, true, 'server still serving');
	});
});

describe('pipelining: backpressure instead of a drop (outbound_queue_max 64, inflight_per_conn 4)', { timeout: 120_000 }, () => {
	let server;
	const clients = [];
	before(async () => {
		server = await startServer({
			limits: { outbound_queue_max: 64, replay_keep: 16, inflight_per_conn: 4, rate_per_sec: 100000, rate_burst: 100000, flood_close_after: 1000000 },
		});
	});
	after(async () => {
		await closeAll(clients);
		if (server) await server.dispose();
	});

	test('a burst of 30,000 requests sent at once is answered in full and in order; the client is slowed, not dropped', async () => {
		const c = await connectAs(server, 'undp');
		clients.push(c);
		const paused0 = (await getMetric(server, 'accord_rx_paused_total')) ?? 0;
		const n = 30000;
		// all sent before the first reply is read: far more than the 64 frames
		// the server may queue for this connection.  The client reads nothing
		// for a while (a phone in a tunnel), and the replies (about 10 MB)
		// are more than the kernel's socket buffers hold: the server, which
		// writes many replies in one send, would otherwise keep up and never
		// need to wait.
		c.ws.pause();
		const all = Promise.all(Array.from({ length: n }, (_, i) =>
			c.request('sys.info', {}, { id: `p${i}`, timeoutMs: 60_000 })));
		await sleep(1500);
		c.ws.resume();
		const replies = await all;
		const bad = replies.filter((r) => r.ok !== true);
		assert.deepEqual(bad.slice(0, 3), [], `every ping is answered ok (${bad.length} were not)`);
		const order = c.replies ? c.replies.filter((r) => /^p\d+$/.test(r.re)).map((r) => Number(r.re.slice(1))) : null;
		if (order) for (let k = 1; k < order.length; k++) assert.ok(order[k] > order[k - 1], 'replies come in request order');
		assert.equal((await getMetric(server, 'accord_queue_drops_total')) ?? 0, 0, 'nobody was dropped');
		const paused = (await getMetric(server, 'accord_rx_paused_total')) ?? 0;
		assert.ok(paused > paused0, `the server paused reading this connection (accord_rx_paused_total ${paused0} -> ${paused})`);
		assert.equal((await c.request('sys.ping', {})).ok, true, 'the connection still serves');
	});

	test('a burst of durable writes with at most 4 in flight: every one acknowledged and stored once', async () => {
		const c = await connectAs(server, 'iom');
		clients.push(c);
		const answered0 = (await getMetric(server, 'accord_request_seconds_count')) ?? 0;
		const n = 400;
		const rs = await Promise.all(Array.from({ length: n }, (_, i) =>
			c.request('test.put', { key: `burst${i}`, value: `v${i}` }, { timeoutMs: 60_000 })));
		assert.equal(rs.filter((r) => r.ok !== true).length, 0, `all ${n} answered ok: ${JSON.stringify(rs.find((r) => r.ok !== true) ?? {}).slice(0, 200)}`);
		assert.equal((await getMetric(server, 'accord_queue_drops_total')) ?? 0, 0);
		// every answer is timed (accord_request_seconds): arrival to reply, commit included
		const answered = (await getMetric(server, 'accord_request_seconds_count')) ?? 0;
		assert.ok(answered >= answered0 + n, `accord_request_seconds_count ${answered0} -> ${answered} after ${n} writes`);
		assert.ok(((await getMetric(server, 'accord_request_seconds_sum')) ?? 0) > 0, 'request time is summed');
		for (const i of [0, 1, 199, 398, 399]) {
			const g = await c.request('test.get', { key: `burst${i}` });
			assert.equal(g.ok, true, JSON.stringify(g));
			assert.equal(JSON.stringify(g.data).includes(`v${i}`), true, `burst${i} stored: ${JSON.stringify(g.data)}`);
		}
	});
});
