// The request/reply envelope: malformed frames, validation of id/type/data,
// error codes of the dispatcher, sys.info.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect, connectAs, closeAll } from './lib/harness.js';

function assertError(reply, code, what) {
	assert.equal(reply.ok, false, `${what}: expected ${code}, got ${JSON.stringify(reply)}`);
	assert.equal(typeof reply.error, 'object', `${what}: reply has an error object: ${JSON.stringify(reply)}`);
	assert.equal(reply.error.code, code, `${what}: ${JSON.stringify(reply)}`);
	assert.equal(typeof reply.error.message, 'string', `${what}: error.message is a string`);
}

describe('envelope', { timeout: 120_000 }, () => {
	let server;
	let c; // authenticated as undp
	const clients = [];

	before(async () => {
		server = await startServer();
		c = await connectAs(server, 'undp');
		clients.push(c);
	});
	after(async () => {
		await closeAll(clients);
		if (server) await server.dispose();
	});

	/** Sends a raw text frame and waits for the reply with re === re. */
	async function rawExchange(client, payload, re) {
		const from = client.messages.length;
		await client.sendRaw(payload);
		return client.waitMessage((m) => 're' in m && (re === undefined || m.re === re), 10_000, `reply to ${String(payload).slice(0, 80)}`, {
			from,
		});
	}

	test('malformed JSON answers re:null bad_request and the connection stays usable', async () => {
		const r = await rawExchange(c, '{"id": "m0", "type": "sys.ping", ', null);
		assert.equal(r.re, null);
		assertError(r, 'bad_request', 'malformed JSON');
		assert.ok(c.isOpen, 'connection still open');
		const p = await c.request('sys.ping', {});
		assert.equal(p.ok, true, `ping after malformed JSON: ${JSON.stringify(p)}`);
	});

	test('a JSON value that is not an object answers re:null bad_request', async () => {
		for (const payload of ['[1,2,3]', '"hello"', '42', 'null']) {
			const r = await rawExchange(c, payload, null);
			assertError(r, 'bad_request', `frame ${payload}`);
		}
		const p = await c.request('sys.ping', {});
		assert.equal(p.ok, true);
	});

	test('missing type answers bad_request addressed to the id', async () => {
		const r = await rawExchange(c, JSON.stringify({ id: 'm1', data: {} }), 'm1');
		assertError(r, 'bad_request', 'missing type');
	});

	test('non-object data answers bad_request', async () => {
		for (const [i, data] of [[1, [1]], [2, 'str'], [3, 5], [4, true]].entries()) {
			const id = `m2-${i}`;
			const r = await rawExchange(c, JSON.stringify({ id, type: 'sys.ping', data: data[1] }), id);
			assertError(r, 'bad_request', `data ${JSON.stringify(data[1])}`);
		}
	});

	test('absent data means {}', async () => {
		const r = await rawExchange(c, JSON.stringify({ id: 'm-nodata', type: 'sys.ping' }), 'm-nodata');
		assert.equal(r.ok, true, JSON.stringify(r));
		assert.equal(typeof r.data.time, 'number');
	});

	test('an unknown top-level field answers bad_request', async () => {
		const r = await rawExchange(c, JSON.stringify({ id: 'm3', type: 'sys.ping', data: {}, extra: 1 }), 'm3');
		assertError(r, 'bad_request', 'unknown top-level field');
	});

	test('a type with bad characters or too long answers bad_request', async () => {
		const bad = ['Sys.Ping', 'sys ping', 'sys/ping', 'sys.ping\n', 'sys-ping', 'sÿs.ping', '', 'a'.repeat(65)];
		for (const [i, type] of bad.entries()) {
			const id = `m4-${i}`;
			const r = await rawExchange(c, JSON.stringify({ id, type, data: {} }), id);
			assertError(r, 'bad_request', `type ${JSON.stringify(type)}`);
		}
		// a non-string type as well
		const r = await rawExchange(c, JSON.stringify({ id: 'm4-n', type: 7, data: {} }), 'm4-n');
		assertError(r, 'bad_request', 'type 7');
	});

	test('integer ids are echoed as integers, string ids as strings', async () => {
		const a = await rawExchange(c, JSON.stringify({ id: 4242, type: 'sys.ping', data: {} }), 4242);
		assert.equal(a.re, 4242);
		assert.equal(a.ok, true);
		const b = await rawExchange(c, JSON.stringify({ id: 's-4242', type: 'sys.ping' }), 's-4242');
		assert.equal(b.re, 's-4242');
		assert.equal(b.ok, true);
	});

	test('an unreadable id (too long, wrong type) answers bad_request', async () => {
		for (const id of ['x'.repeat(65), { a: 1 }, [1], '', 1.5]) {
			const from = c.messages.length;
			await c.sendRaw(JSON.stringify({ id, type: 'sys.ping', data: {} }));
			const r = await c.waitReply(from);
			assertError(r, 'bad_request', `id ${JSON.stringify(id)}`);
			assert.notEqual(r.ok, true);
		}
		assert.ok(c.isOpen);
	});

	test('unknown type answers unknown_type', async () => {
		const r = await c.request('nope.nothing', {});
		assertError(r, 'unknown_type', 'nope.nothing');
		const r2 = await c.request('test.no_such_verb', {});
		assertError(r2, 'unknown_type', 'test.no_such_verb');
	});

	test('a binary frame answers bad_request', async () => {
		const b = await connectAs(server, 'unhcr');
		clients.push(b);
		const from = b.messages.length;
		await b.sendRaw(Buffer.from(JSON.stringify({ id: 'bin1', type: 'sys.ping', data: {} })));
		const r = await b.waitReply(from);
		assertError(r, 'bad_request', 'binary frame');
	});

	test('test.fail answers internal', async () => {
		const r = await c.request('test.fail', {});
		assertError(r, 'internal', 'test.fail');
		const p = await c.request('sys.ping', {});
		assert.equal(p.ok, true, 'connection usable after internal');
	});

	test('test.chair_only: forbidden for undp, ok for rco (co_chair)', async () => {
		const r = await c.request('test.chair_only', {});
		assertError(r, 'forbidden', 'test.chair_only as undp');
		const rco = await connectAs(server, 'rco');
		clients.push(rco);
		const r2 = await rco.request('test.chair_only', {});
		assert.equal(r2.ok, true, `test.chair_only as rco: ${JSON.stringify(r2)}`);
		assert.deepEqual(r2.data, {});
	});

	test('sys.info lists the test plugin and the version', async () => {
		const r = await c.request('sys.info', {});
		assert.equal(r.ok, true, JSON.stringify(r));
		const d = r.data;
		assert.equal(typeof d.version, 'string');
		assert.ok(d.version.length > 0);
		assert.equal(d.abi, 1, `abi ${JSON.stringify(d.abi)} is ACCORD_ABI_MAJOR`);
		assert.ok(Array.isArray(d.plugins), 'plugins is an array');
		const t = d.plugins.find((p) => p.name === 'test');
		assert.ok(t, `plugin "test" in ${JSON.stringify(d.plugins)}`);
		assert.equal(typeof t.version, 'string');
		assert.equal(typeof t.description, 'string');
	});

	test('every request gets exactly one reply, even when pipelined', async () => {
		const b = await connectAs(server, 'unic');
		clients.push(b);
		const n = 40;
		const types = ['sys.ping', 'nope.nothing', 'test.fail', 'test.get', 'sys.info'];
		const replies = await Promise.all(
			Array.from({ length: n }, (_, i) => b.request(types[i % types.length], i % types.length === 3 ? { key: `absent-${i}` } : {})),
		);
		assert.equal(replies.length, n);
		// count replies by re on the wire: each id exactly once
		const counts = new Map();
		for (const m of b.replies) counts.set(JSON.stringify(m.re), (counts.get(JSON.stringify(m.re)) || 0) + 1);
		for (const [re, k] of counts) assert.equal(k, 1, `reply ${re} arrived ${k} times`);
		assert.equal(replies[3].error?.code, 'not_found', `test.get of a missing key: ${JSON.stringify(replies[3])}`);
	});
});
