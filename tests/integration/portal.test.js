// The external-stakeholder portal (`portal.*`, plugin `portal`): nothing
// internal reaches partners until a co-chair or the secretariat releases it
// (to every partner or to named partner organisations, optionally on the
// basis of a proposal that reached consensus); a release is recorded with
// who, when, what, to whom and why; withdrawing it stops it at once, live
// and on reconnect; partners send input that members see marked with the
// partner's organisation.  See docs/protocol.md, "Portal plugin".
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connectAs, closeAll, httpRequest, sleep } from './lib/harness.js';

const PLUGINS = { membership: {}, consensus: {}, groups: {}, actions: {}, portal: {} };
const MARK = `PORTAL-INTERNAL-${process.pid}-${Date.now().toString(36)}`;
const QUIET_MS = 400;

function ok(r, what) {
	assert.equal(r.ok, true, `${what}: ${JSON.stringify(r)}`);
	return r.data;
}
function err(r, code, what) {
	assert.equal(r.ok, false, `${what}: expected ${code}, got ${JSON.stringify(r)}`);
	assert.equal(r.error.code, code, `${what}: expected ${code}, got ${JSON.stringify(r)}`);
	return r.error;
}
const frameText = (c) => c.frames.join('\n');

describe('portal', { timeout: 120_000 }, () => {
	let server, iom, rco, undp, mol, mfa, cso;
	const clients = [];
	let proposal, agreed;

	before(async () => {
		server = await startServer({ plugins: PLUGINS });
		// One login at a time: the server caps logins in flight per address.
		[iom, rco, undp, mol, mfa, cso] = [];
		for (const l of ['iom', 'rco', 'undp', 'mol', 'mfa', 'cso']) clients.push(await connectAs(server, l));
		[iom, rco, undp, mol, mfa, cso] = clients;
		for (const c of clients) ok(await c.request('sub.add', { topic: 'portal' }), `${c.user.login} sub portal`);
		// An internal proposal whose text carries the marker.
		proposal = ok(
			await rco.request('consensus.create', { title: `Draft ${MARK}`, text: `Internal text ${MARK}`, kind: 'statement' }),
			'create',
		).proposal;
		// A proposal that reaches consensus, to serve as the basis of a release.
		agreed = ok(await rco.request('consensus.create', { title: 'Release the statement', text: 'Agree to release', kind: 'decision' }), 'create basis').proposal;
		ok(await rco.request('consensus.open', { proposal: agreed.id }), 'open basis');
		const voters = ['rco', 'iom', 'undp', 'unhcr', 'unicef', 'unfpa', 'unic', 'unrcca', 'unodc', 'unesco'];
		for (const l of voters) {
			const c = l === 'rco' ? rco : l === 'iom' ? iom : l === 'undp' ? undp : await connectAs(server, l);
			if (!clients.includes(c)) clients.push(c);
			ok(await c.request('consensus.position', { proposal: agreed.id, position: 'agree' }), `${l} agrees`);
		}
		const closed = ok(await rco.request('consensus.close', { proposal: agreed.id }), 'close basis');
		assert.equal(closed.proposal.outcome, 'consensus');
	});
	after(async () => {
		await closeAll(...clients);
		await server?.stop();
	});

	test('nothing is released at first; partners cannot release or list releases', async () => {
		assert.deepEqual(ok(await mol.request('portal.feed', {}), 'mol feed').releases, []);
		err(await mol.request('portal.release', { item: `proposal:${proposal.id}`, to: 'partners' }), 'forbidden', 'partner releases');
		err(await mol.request('portal.releases', {}), 'forbidden', 'partner lists releases');
		err(await undp.request('portal.release', { item: `proposal:${proposal.id}`, to: 'partners' }), 'forbidden', 'plain member releases');
		const missing = err(await mol.request('portal.item', { item: 'proposal:987654' }), 'not_found', 'missing');
		const hidden = err(await mol.request('portal.item', { item: `proposal:${proposal.id}` }), 'not_found', 'hidden');
		assert.equal(hidden.message, missing.message, 'a hidden item answers exactly like a missing one');
		assert.ok(!frameText(mol).includes(MARK), 'no internal marker reached the partner');
	});

	test('release validation: bad item, unknown kind, missing item, non-partner recipients, bad basis', async () => {
		err(await iom.request('portal.release', { item: 'nonsense', to: 'partners' }), 'bad_request', 'item syntax');
		err(await iom.request('portal.release', { item: 'spaceship:1', to: 'partners' }), 'bad_request', 'unknown kind');
		err(await iom.request('portal.release', { item: 'proposal:987654', to: 'partners' }), 'not_found', 'missing item');
		err(await iom.request('portal.release', { item: `proposal:${proposal.id}`, to: ['UNDP'] }), 'bad_request', 'member org as recipient');
		err(await iom.request('portal.release', { item: `proposal:${proposal.id}`, to: ['NOPE'] }), 'bad_request', 'unknown org');
		err(await iom.request('portal.release', { item: `proposal:${proposal.id}`, to: [] }), 'bad_request', 'empty list');
		err(await iom.request('portal.release', { item: `proposal:${proposal.id}`, to: ['MOL', 'MOL'] }), 'bad_request', 'duplicates');
		err(await iom.request('portal.release', { item: `proposal:${proposal.id}`, to: 'partners', basis: proposal.id }), 'conflict', 'basis without consensus');
		err(await iom.request('portal.release', { item: `proposal:${proposal.id}`, to: 'partners', basis: 987654 }), 'bad_request', 'missing basis');
		assert.deepEqual(ok(await iom.request('portal.releases', { include_withdrawn: true }), 'list').releases, [], 'nothing recorded by failed releases');
	});

	test('declared fields: one message shape, "<field>: <problem>", told after who may call', async () => {
		const bad = async (c, type, data, message) => assert.equal(err(await c.request(type, data), 'bad_request', `${type} ${JSON.stringify(data)}`).message, message);
		const item = `proposal:${proposal.id}`;
		await bad(iom, 'portal.release', { to: 'partners' }, 'item: required');
		await bad(iom, 'portal.release', { item: 'nonsense', to: 'partners' }, 'item: expected "<kind>:<id>", e.g. "proposal:12"');
		await bad(iom, 'portal.release', { item: `proposal:${'9'.repeat(100)}`, to: 'partners' }, 'item: at most 100 bytes');
		await bad(iom, 'portal.release', { item }, 'to: required');
		for (const to of ['everyone', [], ['MOL', 'MOL'], [''], [7]])
			await bad(iom, 'portal.release', { item, to }, 'to: "partners" or a list of 1-64 distinct partner organisation codes');
		await bad(iom, 'portal.release', { item, to: 'partners', basis: 0 }, 'basis: expected a positive integer id');
		await bad(iom, 'portal.release', { item, to: 'partners', note: 'n'.repeat(2001) }, 'note: at most 2000 bytes');
		await bad(iom, 'portal.release', { item, to: 'partners', confirm_no_consensus: 'yes' }, 'confirm_no_consensus: expected true or false');
		await bad(iom, 'portal.withdraw', {}, 'release: required');
		await bad(iom, 'portal.withdraw', { release: 1, reason: null }, 'reason: expected a string');
		await bad(iom, 'portal.releases', { include_withdrawn: 'yes' }, 'include_withdrawn: expected true or false');
		await bad(mol, 'portal.item', {}, 'item: required, or release');
		await bad(mol, 'portal.item', { release: '12' }, 'release: expected a positive integer id');
		await bad(mol, 'portal.input', { text: '' }, 'text: must not be empty');
		await bad(mol, 'portal.input', { text: 't'.repeat(8001) }, 'text: at most 8000 bytes');
		await bad(mol, 'portal.input', { text: 'x', about: 'nonsense' }, 'about: expected "<kind>:<id>", e.g. "proposal:12"');
		// who may call comes first: fields are not looked at for a caller refused anyway
		err(await undp.request('portal.release', { item: 'nonsense' }), 'forbidden', 'plain member, bad fields');
		err(await undp.request('portal.input', { text: '' }), 'forbidden', 'member input, bad fields');
		// the same shape over HTTP, for a document's query
		const post = (q) => httpRequest(server, `/api/portal/input?${q}`, { method: 'POST', headers: { authorization: `Bearer ${cso.token}`, 'content-length': 1 }, body: 'x' });
		for (const [q, message] of [['text=t', 'name: required'], ['name=a%2Fb', "name: expected a file name, without '/'"], ['name=x&about=nonsense', 'about: expected "<kind>:<id>", e.g. "proposal:12"']]) {
			const r = await post(q);
			assert.equal(r.status, 400, `${q}: ${r.body}`);
			assert.deepEqual(JSON.parse(r.body), { error: 'bad_request', message }, q);
		}
		assert.equal((await httpRequest(server, '/api/portal/input?id=abc', { headers: { authorization: `Bearer ${cso.token}` } })).status, 404, 'a malformed id is a missing document');
		assert.deepEqual(ok(await iom.request('portal.releases', { include_withdrawn: true }), 'list').releases, [], 'nothing recorded by refused requests');
		assert.equal(ok(await iom.request('portal.inputs', {}), 'inputs').inputs.length, 0, 'no input recorded by refused requests');
	});

	test('a release to MOL reaches MOL live, not MFA or CSO; members see who released it to whom and why', async () => {
		const from = { mol: mol.frames.length, mfa: mfa.frames.length, cso: cso.frames.length };
		const r = ok(
			await iom.request('portal.release', { item: `proposal:${agreed.id}`, to: ['MOL'], basis: agreed.id, note: 'agreed by the network' }),
			'release to MOL',
		).release;
		assert.equal(r.item, `proposal:${agreed.id}`);
		assert.deepEqual(r.audience, ['MOL']);
		assert.equal(r.basis, agreed.id);
		assert.equal(r.released_by, 'iom');
		assert.equal(r.content.title, 'Release the statement');
		assert.equal(r.content.outcome, 'consensus');
		assert.equal(r.content.positions, undefined, 'no positions leave the network');

		const ev = await mol.waitEvent((e) => e.event === 'portal.released' && e.data.id === r.id);
		assert.deepEqual(Object.keys(ev.data).sort(), ['content', 'id', 'item', 'kind', 'released_at']);
		assert.ok(!JSON.stringify(ev.data).includes('iom'), 'partners do not learn who released it');
		await iom.waitEvent((e) => e.event === 'portal.release' && e.data.release.id === r.id);
		await sleep(QUIET_MS);
		for (const [name, c] of [['mfa', mfa], ['cso', cso]])
			assert.ok(!c.frames.slice(from[name]).some((f) => f.includes(`proposal:${agreed.id}`)), `${name} got nothing of it`);
		assert.ok(!undp.events.some((e) => e.event === 'portal.released'), 'members get the member view, not the partner one');

		assert.equal(ok(await mol.request('portal.feed', {}), 'mol feed').releases.length, 1);
		assert.deepEqual(ok(await mfa.request('portal.feed', {}), 'mfa feed').releases, []);
		const item = ok(await mol.request('portal.item', { release: r.id }), 'mol item').release;
		assert.equal(item.content.text, 'Agree to release');
		const a = err(await mfa.request('portal.item', { release: r.id }), 'not_found', 'mfa item');
		const b = err(await mfa.request('portal.item', { release: 987654 }), 'not_found', 'missing release');
		assert.equal(a.message, b.message);
		const log = ok(await rco.request('portal.releases', {}), 'releases').releases;
		assert.equal(log.length, 1);
		assert.equal(log[0].note, 'agreed by the network');
	});

	test('a partner sends input; members see it marked with its organisation; other partners do not', async () => {
		err(await mfa.request('portal.input', { text: 'about it', about: `proposal:${agreed.id}` }), 'not_found', 'input about an item not released to MFA');
		err(await undp.request('portal.input', { text: 'hello' }), 'forbidden', 'members do not use the portal input');
		err(await mol.request('portal.input', { text: '' }), 'bad_request', 'empty text');
		const mfaFrom = mfa.frames.length;
		const input = ok(await mol.request('portal.input', { text: 'MOL view on the statement', about: `proposal:${agreed.id}` }), 'mol input').input;
		assert.equal(input.org, 'MOL');
		assert.equal(input.about, `proposal:${agreed.id}`);
		const ev = await undp.waitEvent((e) => e.event === 'portal.input' && e.data.id === input.id);
		assert.equal(ev.data.org, 'MOL');
		await sleep(QUIET_MS);
		assert.ok(!mfa.frames.slice(mfaFrom).some((f) => f.includes('MOL view')), 'another partner never sees it');
		assert.equal(ok(await undp.request('portal.inputs', {}), 'member inputs').inputs.length, 1);
		assert.equal(ok(await mfa.request('portal.inputs', {}), 'mfa inputs').inputs.length, 0);
		assert.equal(ok(await mol.request('portal.inputs', {}), 'mol inputs').inputs.length, 1);
	});

	test('a partner sends a document over HTTP; members and the sender download it, others get 404', async () => {
		const doc = `Document from CSO ${Date.now()}`;
		const chunked = await httpRequest(server, '/api/portal/input?name=view.txt', {
			method: 'POST', headers: { authorization: `Bearer ${cso.token}` }, body: doc,
		});
		assert.equal(chunked.status, 411, `a chunked upload is refused, not stored with its framing: ${chunked.body}`);
		assert.equal(ok(await cso.request('portal.inputs', {}), 'nothing stored').inputs.length, 0);
		const up = await httpRequest(server, '/api/portal/input?name=view.txt&text=Our%20paper', {
			method: 'POST', headers: { authorization: `Bearer ${cso.token}`, 'content-length': Buffer.byteLength(doc) }, body: doc,
		});
		assert.equal(up.status, 200, up.body);
		const input = JSON.parse(up.body).input;
		assert.equal(input.org, 'CSO');
		assert.equal(input.file_name, 'view.txt');
		const member = await httpRequest(server, `/api/portal/input?id=${input.id}`, { headers: { authorization: `Bearer ${undp.token}` } });
		assert.equal(member.status, 200);
		assert.equal(member.body, doc);
		const own = await httpRequest(server, `/api/portal/input?id=${input.id}`, { headers: { authorization: `Bearer ${cso.token}` } });
		assert.equal(own.body, doc);
		const other = await httpRequest(server, `/api/portal/input?id=${input.id}`, { headers: { authorization: `Bearer ${mol.token}` } });
		const none = await httpRequest(server, '/api/portal/input?id=987654', { headers: { authorization: `Bearer ${mol.token}` } });
		assert.equal(other.status, 404);
		assert.equal(other.body, none.body, 'hidden = missing');
		const byMember = await httpRequest(server, '/api/portal/input?name=x.txt', {
			method: 'POST', headers: { authorization: `Bearer ${undp.token}`, 'content-length': 1 }, body: 'x',
		});
		assert.equal(byMember.status, 403);
		const anon = await httpRequest(server, '/api/portal/input?name=x.txt', { method: 'POST', headers: { 'content-length': 1 }, body: 'x' });
		assert.equal(anon.status, 401);
	});

	test('re-release to every partner supersedes; withdrawal stops it live and after reconnecting', async () => {
		const first = ok(await iom.request('portal.releases', {}), 'list').releases[0];
		const r = ok(await iom.request('portal.release', { item: `proposal:${agreed.id}`, to: 'partners' }), 'to all partners').release;
		assert.notEqual(r.id, first.id);
		await mfa.waitEvent((e) => e.event === 'portal.released' && e.data.id === r.id);
		await cso.waitEvent((e) => e.event === 'portal.released' && e.data.id === r.id);
		await mol.waitEvent((e) => e.event === 'portal.withdrawn' && e.data.id === first.id);
		const all = ok(await iom.request('portal.releases', { include_withdrawn: true }), 'history').releases;
		assert.equal(all.find((x) => x.id === first.id).withdraw_reason, 'superseded');

		const seqBefore = mfa.events.filter((e) => e.topic === 'portal').at(-1).seq;
		const w = ok(await rco.request('portal.withdraw', { release: r.id, reason: 'premature' }), 'withdraw').release;
		assert.equal(w.withdrawn_by, 'rco');
		await mfa.waitEvent((e) => e.event === 'portal.withdrawn' && e.data.id === r.id);
		err(await rco.request('portal.withdraw', { release: r.id }), 'conflict', 'twice');
		err(await mfa.request('portal.item', { release: r.id }), 'not_found', 'withdrawn item');
		assert.deepEqual(ok(await mfa.request('portal.feed', {}), 'feed after').releases, []);
		err(await mfa.request('portal.input', { text: 'late', about: `proposal:${agreed.id}` }), 'not_found', 'input about a withdrawn item');

		// Reconnect and replay the topic from before the release: the
		// release event is no longer delivered, the withdrawal is.
		const again = await connectAs(server, 'mfa');
		clients.push(again);
		const rep = ok(await again.request('sub.add', { topic: 'portal', since: seqBefore }), 'replay');
		assert.equal(rep.resync, undefined);
		await sleep(QUIET_MS);
		assert.ok(!again.events.some((e) => e.event === 'portal.released' && e.data.id === r.id), 'replay does not restore a withdrawn release');
		assert.ok(again.events.some((e) => e.event === 'portal.withdrawn' && e.data.id === r.id), 'the withdrawal is replayed');
	});

	test('releases survive a restart; withdrawals too', async () => {
		const r = ok(await iom.request('portal.release', { item: `proposal:${agreed.id}`, to: ['CSO'] }), 're-release to CSO').release;
		await closeAll(...clients);
		clients.length = 0;
		await server.restart();
		const c2 = await connectAs(server, 'cso');
		const m2 = await connectAs(server, 'mfa');
		clients.push(c2, m2);
		const feed = ok(await c2.request('portal.feed', {}), 'cso feed after restart').releases;
		assert.deepEqual(feed.map((x) => x.id), [r.id]);
		assert.deepEqual(ok(await m2.request('portal.feed', {}), 'mfa feed after restart').releases, []);
		assert.ok(!frameText(m2).includes(MARK) && !frameText(c2).includes(MARK));
	});
});

describe('portal with require_basis', { timeout: 60_000 }, () => {
	let server, iom;
	before(async () => {
		server = await startServer({ plugins: { ...PLUGINS, portal: { require_basis: true } } });
		iom = await connectAs(server, 'iom');
	});
	after(async () => {
		await closeAll(iom);
		await server?.stop();
	});

	test('a release without an agreed proposal as its basis is refused and nothing is recorded', async () => {
		const p = ok(await iom.request('consensus.create', { title: 'T', text: 'X', kind: 'statement' }), 'create').proposal;
		const e = err(await iom.request('portal.release', { item: `proposal:${p.id}`, to: 'partners' }), 'bad_request', 'no basis');
		assert.match(e.message, /basis/);
		assert.deepEqual(ok(await iom.request('portal.releases', { include_withdrawn: true }), 'list').releases, []);
	});

	test('a bad require_basis value stops start-up with a message naming the key', async () => {
		await assert.rejects(startServer({ plugins: { ...PLUGINS, portal: { require_basis: 'yes' } } }), /plugins\.enabled\.portal\.require_basis: expected true or false/);
	});
});
