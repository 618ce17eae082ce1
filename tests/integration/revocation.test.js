// Revocation: withdraw a release, and remove a partner from a working group,
// while the partner is connected and subscribed.  The next event does not
// reach it, its requests answer as for a missing object, and reconnecting
// (with replay `since`) does not restore anything.  See docs/protocol.md,
// "Portal plugin" (withdrawal, replay decided at each delivery), "Working
// groups plugin" (removal stops live events and history) and `sub.revoked`.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect, closeAll, sleep, DEMO_PASSWORD } from './lib/harness.js';

const PLUGINS = { membership: {}, consensus: {}, groups: {}, actions: {}, portal: {} };
const MISSING = 987654321;
const QUIET_MS = 500;

function err(r, code, what) {
	assert.equal(r.ok, false, `${what}: expected ${code}, got ${JSON.stringify(r)}`);
	assert.equal(r.error.code, code, `${what}: expected ${code}, got ${JSON.stringify(r)}`);
	return r.error;
}
/** hidden and missing answer identically (code and message) */
function sameNotFound(hidden, missing, what) {
	err(hidden, 'not_found', `${what} (hidden)`);
	err(missing, 'not_found', `${what} (missing)`);
	assert.deepEqual(hidden.error, missing.error, `${what}: hidden ${JSON.stringify(hidden.error)} vs missing ${JSON.stringify(missing.error)}`);
}

describe('revocation', { timeout: 120_000 }, () => {
	let server;
	const all = [];
	let iom, undp, mol, mfa, cso;

	async function login(l) {
		const c = await connect(server);
		all.push(c);
		const r = await c.request('auth.login', { login: l, password: DEMO_PASSWORD });
		assert.equal(r.ok, true, `login ${l}: ${JSON.stringify(r)}`);
		return c;
	}

	before(async () => {
		server = await startServer({ plugins: PLUGINS });
		iom = await login('iom');
		undp = await login('undp');
		mol = await login('mol');
		mfa = await login('mfa');
		cso = await login('cso');
	});
	after(async () => {
		await closeAll(all);
		await server?.dispose();
	});

	test('a withdrawn release stops reaching MOL live, in requests and after reconnecting with replay', async () => {
		const G = (await iom.ok('groups.create', { name: 'Release source', kind: 'permanent', leads: ['UNDP'], members: ['UNHCR'] })).group.id;
		const itemX = (await undp.ok('groups.item.add', { group: G, kind: 'update', title: 'Item X for MOL', body: 'X body' })).item.id;
		const itemY = (await undp.ok('groups.item.add', { group: G, kind: 'update', title: 'Item Y for MFA', body: 'Y body' })).item.id;
		const itemZ = (await undp.ok('groups.item.add', { group: G, kind: 'update', title: 'Item Z for MOL later', body: 'Z body' })).item.id;
		const seqBefore = (await mol.ok('sub.add', { topic: 'portal' })).seq;
		await mfa.ok('sub.add', { topic: 'portal' });
		await cso.ok('sub.add', { topic: 'portal' });

		const R = (await iom.ok('portal.release', { item: `item:${itemX}`, to: ['MOL'] })).release;
		const got = await mol.waitEvent((e) => e.event === 'portal.released' && e.data.id === R.id);
		assert.equal(got.topic, 'portal');
		assert.equal((await mol.ok('portal.item', { release: R.id })).release.content.title, 'Item X for MOL');

		const w = (await iom.ok('portal.withdraw', { release: R.id, reason: 'premature' })).release;
		assert.equal(w.withdrawn_by, 'iom');
		await mol.waitEvent((e) => e.event === 'portal.withdrawn' && e.data.id === R.id);
		const afterWithdraw = mol.messages.length;

		// the next portal events: a release to MFA, a re-release of X to others
		const RY = (await iom.ok('portal.release', { item: `item:${itemY}`, to: ['MFA'] })).release;
		const RX2 = (await iom.ok('portal.release', { item: `item:${itemX}`, to: ['CSO', 'MFA'] })).release;
		await mfa.waitEvent((e) => e.event === 'portal.released' && e.data.id === RY.id);
		await mfa.waitEvent((e) => e.event === 'portal.released' && e.data.id === RX2.id);
		await cso.waitEvent((e) => e.event === 'portal.released' && e.data.id === RX2.id);
		await sleep(QUIET_MS);
		const molLater = mol.messages.slice(afterWithdraw).filter((m) => m && 'event' in m);
		assert.deepEqual(molLater, [], `MOL receives no portal event after the withdrawal: ${JSON.stringify(molLater)}`);
		assert.ok(!mol.frames.slice(afterWithdraw).some((f) => f.includes('Item X') || f.includes('Item Y')), 'no content of X or Y reaches MOL');

		// requests: the withdrawn release answers exactly like a missing one
		sameNotFound(await mol.request('portal.item', { release: R.id }), await mol.request('portal.item', { release: MISSING }), 'portal.item by release');
		sameNotFound(await mol.request('portal.item', { item: `item:${itemX}` }), await mol.request('portal.item', { release: MISSING }), 'portal.item by item');
		sameNotFound(await mol.request('portal.item', { release: RX2.id }), await mol.request('portal.item', { release: MISSING }), 'portal.item of the re-release to others');
		assert.deepEqual((await mol.ok('portal.feed', {})).releases, []);
		err(await mol.request('portal.input', { text: 'about X', about: `item:${itemX}` }), 'not_found', 'input about the withdrawn item');

		// reconnect and replay from before the release: the released event is not delivered
		const mol2 = await login('mol');
		const rep = await mol2.ok('sub.add', { topic: 'portal', since: seqBefore });
		assert.equal(rep.resync, undefined, `replay is possible: ${JSON.stringify(rep)}`);
		await sleep(QUIET_MS);
		const replayed = mol2.events.filter((e) => e.topic === 'portal');
		assert.ok(!replayed.some((e) => e.event === 'portal.released'), `no release is replayed to MOL: ${JSON.stringify(replayed)}`);
		assert.ok(!mol2.frames.some((f) => f.includes('Item X') || f.includes('Item Y')), 'no content of X or Y on the new connection');
		assert.deepEqual((await mol2.ok('portal.feed', {})).releases, []);
		sameNotFound(await mol2.request('portal.item', { release: R.id }), await mol2.request('portal.item', { release: MISSING }), 'portal.item after reconnecting');

		// positive control: a new release to MOL does reach both subscribed connections
		const RZ = (await iom.ok('portal.release', { item: `item:${itemZ}`, to: ['MOL'] })).release;
		await mol.waitEvent((e) => e.event === 'portal.released' && e.data.id === RZ.id);
		await mol2.waitEvent((e) => e.event === 'portal.released' && e.data.id === RZ.id);
		assert.deepEqual((await mol2.ok('portal.feed', {})).releases.map((r) => r.id), [RZ.id]);
	});

	test('a partner removed from a group gets sub.revoked, no further events, and no access after reconnecting', async () => {
		const GR = (await iom.ok('groups.create', { name: 'Revocation room', kind: 'permanent', leads: ['UNDP'], members: ['UNHCR', 'CSO', 'MFA'] })).group.id;
		const topic = `group:${GR}`;
		const seqBefore = (await cso.ok('sub.add', { topic })).seq;
		await mfa.ok('sub.add', { topic });
		await undp.ok('sub.add', { topic });

		const p1 = (await undp.ok('groups.post', { group: GR, text: 'First shared post', visibility: 'shared' })).post;
		await cso.waitEvent((e) => e.event === 'groups.post' && e.topic === topic && e.data.id === p1.id);
		assert.equal((await cso.ok('groups.posts', { group: GR })).posts.length, 1);

		const mark = cso.messages.length;
		const g = (await undp.ok('groups.member.remove', { group: GR, org: 'CSO' })).group;
		assert.ok(!g.members.some((m) => m.org === 'CSO'), 'CSO removed');
		const rev = await cso.waitEvent((e) => e.event === 'sub.revoked' && e.topic === topic, 10_000, { from: mark });
		assert.deepEqual(rev.data, { topic });

		const p2 = (await undp.ok('groups.post', { group: GR, text: 'Second shared post after the removal', visibility: 'shared' })).post;
		await mfa.waitEvent((e) => e.event === 'groups.post' && e.data.id === p2.id); // the event was published
		await sleep(QUIET_MS);
		const revIdx = cso.messages.indexOf(rev);
		const after = cso.messages.slice(revIdx + 1).filter((m) => m && m.topic === topic);
		assert.deepEqual(after, [], `no event of ${topic} follows sub.revoked`);
		assert.ok(!cso.frames.some((f) => f.includes('Second shared post')), 'the next shared post does not reach CSO');

		// on the old connection: history and the room are gone, exactly like a missing group
		sameNotFound(await cso.request('groups.posts', { group: GR }), await cso.request('groups.posts', { group: MISSING }), 'groups.posts (old connection)');
		sameNotFound(await cso.request('groups.get', { group: GR }), await cso.request('groups.get', { group: MISSING }), 'groups.get (old connection)');
		assert.ok(!(await cso.ok('groups.list', {})).groups.some((x) => x.id === GR), 'the group left groups.list');

		// reconnect: nothing is restored, with or without replay
		const cso2 = await login('cso');
		sameNotFound(await cso2.request('sub.add', { topic }), await cso2.request('sub.add', { topic: `group:${MISSING}` }), 'sub.add group topic');
		sameNotFound(await cso2.request('sub.add', { topic, since: seqBefore }), await cso2.request('sub.add', { topic: `group:${MISSING}`, since: seqBefore }), 'sub.add group topic with since');
		sameNotFound(await cso2.request('groups.posts', { group: GR }), await cso2.request('groups.posts', { group: MISSING }), 'groups.posts');
		sameNotFound(await cso2.request('groups.items', { group: GR }), await cso2.request('groups.items', { group: MISSING }), 'groups.items');
		sameNotFound(
			await cso2.request('groups.post', { group: GR, text: 'still here?' }),
			await cso2.request('groups.post', { group: MISSING, text: 'still here?' }),
			'groups.post',
		);
		const p3 = (await undp.ok('groups.post', { group: GR, text: 'Third shared post', visibility: 'shared' })).post;
		await mfa.waitEvent((e) => e.event === 'groups.post' && e.data.id === p3.id);
		await sleep(QUIET_MS);
		assert.deepEqual(cso2.events.filter((e) => e.topic === topic), [], 'no event of the group on the new connection');
		assert.ok(!cso2.frames.some((f) => /First shared post|Second shared post|Third shared post/.test(f)), 'no post of the group on the new connection');
	});
});
