// Working groups plugin (`groups.*`, plugin `groups`) and the group plugin
// `actions` (`actions.*`): who sees a group, live room events by
// visibility (internal / shared), partners never seeing internal things,
// removal cutting live events and history, archived (and expired ad-hoc)
// groups refusing writes, management permissions and validation, the
// actions plugin confined to groups that enabled it (overdue items, notes,
// decision links, actions.changed), its web component, and its out-of-tree
// build through pkg-config.  See docs/protocol.md, "Working groups plugin"
// and "Group plugins and the actions plugin".
//
// The tests of the main `describe` share one server and run in order; the
// out-of-tree build uses its own server with its own plugins directory.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, connect, closeAll, httpRequest, sleep, env, runAccord } from './lib/harness.js';

const PLUGINS = { membership: {}, consensus: {}, groups: {}, actions: {}, test: {} };
const NONEXISTENT = 987654321;
// Only ever used in internal posts and items: no frame a partner receives may contain it.
const SECRET = `INTERNAL-SECRET-${process.pid}-${Date.now().toString(36)}`;
const QUIET_MS = 400; // how long to wait to be reasonably sure an event is NOT coming

// ------------------------------------------------------------ helpers

/** Asserts the reply is an error with that code (and, if given, a message matching re). */
function assertError(r, code, what, re) {
	assert.equal(r.ok, false, `${what}: expected ${code}, got ${JSON.stringify(r)}`);
	assert.equal(r.error?.code, code, `${what}: expected ${code}, got ${JSON.stringify(r)}`);
	assert.equal(typeof r.error.message, 'string', `${what}: error has a message: ${JSON.stringify(r)}`);
	if (re) assert.match(r.error.message, re, `${what}: message ${JSON.stringify(r.error.message)} should match ${re}`);
	assert.equal(r.data, undefined, `${what}: an error reply carries no data: ${JSON.stringify(r)}`);
}

/** Asserts that a hidden object answers exactly like a missing one (same code, same message). */
function assertSameNotFound(hidden, missing, what) {
	assertError(hidden, 'not_found', `${what} (hidden)`);
	assertError(missing, 'not_found', `${what} (nonexistent)`);
	assert.deepEqual(hidden.error, missing.error, `${what}: hidden and nonexistent answer identically: ${JSON.stringify(hidden)} vs ${JSON.stringify(missing)}`);
}

const gtopic = (id) => `group:${id}`;
const atopic = (id) => `actions:${id}`;
const sorted = (a) => [...a].sort();
const memberView = (g) => sorted(g.members.map((m) => `${m.org}:${m.role}:${m.partner}`));

/** The first event (from index `from` on) of that name on that topic whose data satisfies pred. */
const waitEv = (c, event, topic, pred = () => true, from = 0, ms = 10_000) =>
	c.waitEvent((e) => e.event === event && e.topic === topic && e.data && pred(e.data), ms, { from });
const eventsOf = (c, event, topic, from = 0) =>
	c.messages.slice(from).filter((m) => m && m.event === event && m.topic === topic);

function run(cmd, args, opts) {
	return new Promise((resolve) => {
		execFile(cmd, args, { timeout: 120_000, maxBuffer: 16 << 20, ...opts }, (err, stdout, stderr) =>
			resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout: String(stdout), stderr: String(stderr), err }),
		);
	});
}

// ------------------------------------------------------------------ tests

describe('groups and actions', { timeout: 120_000 }, () => {
	let server;
	let rco, iom, undp, unhcr, unicef, mol, mfa;
	const clients = [];
	const molClients = []; // every connection of mol, for the "never saw internal" check
	let G; // main group: leads UNDP, members UNHCR, MOL
	let G5; // group for actions
	let n = 0;

	const as = async (login) => {
		const c = await connect(server);
		clients.push(c);
		await c.login(login);
		if (login === 'mol') molClients.push(c);
		return c;
	};
	async function createGroup(extra = {}, by = iom) {
		const d = await by.ok('groups.create', { name: `Group ${++n}`, mandate: `Mandate ${n}`, kind: 'permanent', leads: ['UNDP'], members: ['UNHCR'], ...extra });
		return d.group;
	}
	/** Asserts that no frame any mol connection ever received contains the internal marker. */
	function assertMolNeverSawSecret(where) {
		for (const c of molClients)
			for (const f of c.frames)
				assert.ok(!f.includes(SECRET), `${where}: partner mol received a frame with internal content: ${f}`);
	}

	before(async () => {
		server = await startServer({ plugins: PLUGINS });
		// sequential logins: password checks per address are capped
		rco = await as('rco');
		iom = await as('iom');
		undp = await as('undp');
		unhcr = await as('unhcr');
		unicef = await as('unicef');
		mol = await as('mol');
		mfa = await as('mfa');
	});
	after(async () => {
		await closeAll(clients);
		if (server) await server.dispose();
	});

	test('plugins loaded; demo roles as expected', async () => {
		const info = await rco.ok('sys.info', {});
		for (const p of ['membership', 'consensus', 'groups', 'actions'])
			assert.ok(info.plugins.some((x) => x.name === p), `sys.info lists ${p}: ${JSON.stringify(info.plugins)}`);
		// where each web component is, and none for a plugin without one (the
		// test plugin): the web client then asks for no file of it
		const webOf = Object.fromEntries(info.plugins.map((x) => [x.name, x.web]));
		assert.equal(webOf.consensus, '/plugins/consensus');
		assert.equal(webOf.actions, '/plugins/actions');
		assert.equal(webOf.test, null, `the test plugin has no web component: ${JSON.stringify(webOf)}`);
		assert.equal(mol.user.standing, 'partner');
		assert.equal(mol.user.org, 'MOL');
		assert.equal(undp.user.standing, 'member');
		assert.ok(iom.user.roles.includes('secretariat'), `iom roles ${JSON.stringify(iom.user.roles)}`);
	});

	test('1. iom creates a group; its organisations see it, others get not_found exactly as for a missing group', async () => {
		const d = await iom.ok('groups.create', { name: 'Migration data', mandate: 'Harmonise migration data', kind: 'permanent', leads: ['UNDP'], members: ['UNHCR', 'MOL'] });
		const g = d.group;
		G = g.id;
		assert.equal(typeof G, 'number', `group id: ${JSON.stringify(g)}`);
		assert.equal(g.name, 'Migration data');
		assert.equal(g.mandate, 'Harmonise migration data');
		assert.equal(g.kind, 'permanent');
		assert.equal(g.archived, false);
		assert.equal(g.created_by, 'iom');
		assert.equal(typeof g.created_at, 'number');
		assert.deepEqual(g.plugins, []);
		assert.deepEqual(memberView(g), ['MOL:member:true', 'UNDP:lead:false', 'UNHCR:member:false'], `members: ${JSON.stringify(g.members)}`);

		for (const [who, c] of [['undp', undp], ['unhcr', unhcr], ['mol', mol], ['rco', rco], ['iom', iom]]) {
			const list = (await c.ok('groups.list', {})).groups;
			const mine = list.find((x) => x.id === G);
			assert.ok(mine, `${who} sees the group in groups.list: ${JSON.stringify(list)}`);
			assert.equal(mine.name, 'Migration data');
			assert.equal(mine.kind, 'permanent');
			assert.equal(mine.archived, false);
			const got = (await c.ok('groups.get', { group: G })).group;
			assert.equal(got.id, G);
			assert.deepEqual(memberView(got), memberView(g), `${who} groups.get members`);
		}
		const ulist = (await unicef.ok('groups.list', {})).groups;
		assert.ok(!ulist.some((x) => x.id === G), `unicef must not see the group in groups.list: ${JSON.stringify(ulist)}`);
		assert.ok(!(await mfa.ok('groups.list', {})).groups.some((x) => x.id === G), 'mfa must not see the group');

		assertSameNotFound(await unicef.request('groups.get', { group: G }), await unicef.request('groups.get', { group: NONEXISTENT }), 'unicef groups.get');
		assertSameNotFound(await unicef.request('groups.posts', { group: G }), await unicef.request('groups.posts', { group: NONEXISTENT }), 'unicef groups.posts');
		assertSameNotFound(await unicef.request('groups.items', { group: G }), await unicef.request('groups.items', { group: NONEXISTENT }), 'unicef groups.items');
		assertSameNotFound(await unicef.request('groups.post', { group: G, text: 'hello?' }), await unicef.request('groups.post', { group: NONEXISTENT, text: 'hello?' }), 'unicef groups.post');
		assertSameNotFound(await mfa.request('groups.get', { group: G }), await mfa.request('groups.get', { group: NONEXISTENT }), 'mfa groups.get');
		assertSameNotFound(
			await unicef.request('sub.add', { topic: gtopic(G) }),
			await unicef.request('sub.add', { topic: gtopic(NONEXISTENT) }),
			'unicef sub.add group:<id>',
		);
	});

	test('2. posts: live to members, shared-only to the partner, nothing to outsiders', async () => {
		for (const c of [unhcr, mol, rco]) {
			const s = await c.ok('sub.add', { topic: gtopic(G) });
			assert.equal(s.topic, gtopic(G));
		}
		const mUnhcr = unhcr.messages.length;
		const mMol = mol.messages.length;
		const mRco = rco.messages.length;

		// an internal post (the default for members)
		const internal = (await undp.ok('groups.post', { group: G, text: `Draft figures ${SECRET} post` })).post;
		assert.equal(internal.visibility, 'internal', `default visibility for a member: ${JSON.stringify(internal)}`);
		assert.equal(internal.group, G);
		assert.equal(internal.author, 'undp');
		assert.equal(internal.org, 'UNDP');
		assert.equal(internal.parent, null);
		const ev = await waitEv(unhcr, 'groups.post', gtopic(G), (p) => p.id === internal.id, mUnhcr);
		assert.equal(ev.data.text, internal.text);
		assert.equal(ev.data.visibility, 'internal');
		await waitEv(rco, 'groups.post', gtopic(G), (p) => p.id === internal.id, mRco); // co-chairs see every group

		// a shared post: members and the partner
		const shared = (await undp.ok('groups.post', { group: G, text: 'Meeting on Friday, all welcome', visibility: 'shared' })).post;
		assert.equal(shared.visibility, 'shared');
		await waitEv(unhcr, 'groups.post', gtopic(G), (p) => p.id === shared.id, mUnhcr);
		const molEv = await waitEv(mol, 'groups.post', gtopic(G), (p) => p.id === shared.id, mMol);
		assert.equal(molEv.data.text, 'Meeting on Friday, all welcome');
		// events of a topic are in order: the internal post would have come before the shared one
		const molPosts = eventsOf(mol, 'groups.post', gtopic(G), mMol);
		assert.deepEqual(molPosts.map((e) => e.data.id), [shared.id], `mol receives only the shared post: ${JSON.stringify(molPosts)}`);

		// a reply in a thread under the shared post
		const reply = (await unhcr.ok('groups.post', { group: G, text: 'We will attend', visibility: 'shared', parent: shared.id })).post;
		assert.equal(reply.parent, shared.id);
		await waitEv(mol, 'groups.post', gtopic(G), (p) => p.id === reply.id, mMol);

		// mol's own post defaults to shared and reaches the members
		const molPost = (await mol.ok('groups.post', { group: G, text: 'Ministry comments attached' })).post;
		assert.equal(molPost.visibility, 'shared', `a partner's post defaults to shared: ${JSON.stringify(molPost)}`);
		assert.equal(molPost.org, 'MOL');
		await waitEv(unhcr, 'groups.post', gtopic(G), (p) => p.id === molPost.id, mUnhcr);
		// mol may not post internal
		assertError(await mol.request('groups.post', { group: G, text: 'Trying internal', visibility: 'internal' }), 'forbidden', 'mol internal post');
		// nor reply under an internal post it cannot see
		const hiddenParent = await mol.request('groups.post', { group: G, text: 'Reply to hidden', parent: internal.id });
		assert.equal(hiddenParent.ok, false, `mol replying under an internal post must fail: ${JSON.stringify(hiddenParent)}`);
		assert.ok(['not_found', 'forbidden'].includes(hiddenParent.error.code), `reply under a hidden post: ${JSON.stringify(hiddenParent)}`);
		assertError(await undp.request('groups.post', { group: G, text: 'x', visibility: 'public' }), 'bad_request', 'bad visibility', /visibility/);
		assertError(await undp.request('groups.post', { group: G }), 'bad_request', 'post without text', /text/);

		// history
		const undpPosts = (await undp.ok('groups.posts', { group: G })).posts;
		const ids = undpPosts.map((p) => p.id);
		for (const id of [internal.id, shared.id, reply.id, molPost.id]) assert.ok(ids.includes(id), `undp history has post ${id}: ${JSON.stringify(ids)}`);
		assert.ok(ids.every((x, i) => i === 0 || ids[i - 1] > x), `newest first: ${JSON.stringify(ids)}`);
		const molHist = (await mol.ok('groups.posts', { group: G })).posts;
		assert.ok(molHist.every((p) => p.visibility === 'shared'), `mol history has shared posts only: ${JSON.stringify(molHist)}`);
		assert.deepEqual(sorted(molHist.map((p) => p.id)), sorted([shared.id, reply.id, molPost.id]));

		// unicef (not in the group, subscribed to nothing) got nothing
		await sleep(QUIET_MS);
		assert.deepEqual(unicef.events, [], `unicef received events: ${JSON.stringify(unicef.events)}`);
		for (const f of unicef.frames) assert.ok(!/Draft figures|Meeting on Friday|Ministry comments/.test(f), `unicef frame leaks a post: ${f}`);
		assert.equal(eventsOf(mol, 'groups.post', gtopic(G), mMol).some((e) => e.data.visibility !== 'shared'), false);
		assertMolNeverSawSecret('after posts');
	});

	test('3. items: internal/shared visibility live and in history; validation', async () => {
		const mUnhcr = unhcr.messages.length;
		const mMol = mol.messages.length;
		const internal = (await undp.ok('groups.item.add', { group: G, kind: 'document', title: `Budget ${SECRET} item`, body: `Numbers ${SECRET}`, url: 'https://example.org/budget.pdf' })).item;
		assert.equal(internal.visibility, 'internal', `default item visibility for a member: ${JSON.stringify(internal)}`);
		assert.equal(internal.kind, 'document');
		assert.equal(typeof internal.id, 'number');
		const shared = (await undp.ok('groups.item.add', { group: G, kind: 'link', title: 'Public dataset', url: 'http://example.org/data', visibility: 'shared' })).item;
		assert.equal(shared.visibility, 'shared');
		const molItem = (await mol.ok('groups.item.add', { group: G, kind: 'update', title: 'Ministry update', body: 'Progress report' })).item;
		assert.equal(molItem.visibility, 'shared', `a partner's item defaults to shared: ${JSON.stringify(molItem)}`);

		for (const id of [internal.id, shared.id, molItem.id]) await waitEv(unhcr, 'groups.item', gtopic(G), (i) => i.id === id, mUnhcr);
		await waitEv(mol, 'groups.item', gtopic(G), (i) => i.id === molItem.id, mMol);
		const molItems = eventsOf(mol, 'groups.item', gtopic(G), mMol);
		assert.deepEqual(sorted(molItems.map((e) => e.data.id)), sorted([shared.id, molItem.id]), `mol receives only shared items live: ${JSON.stringify(molItems)}`);

		const all = (await unhcr.ok('groups.items', { group: G })).items.map((i) => i.id);
		for (const id of [internal.id, shared.id, molItem.id]) assert.ok(all.includes(id), `unhcr items include ${id}: ${JSON.stringify(all)}`);
		const molHist = (await mol.ok('groups.items', { group: G })).items;
		assert.ok(molHist.every((i) => i.visibility === 'shared'), `mol items are shared only: ${JSON.stringify(molHist)}`);
		assert.deepEqual(sorted(molHist.map((i) => i.id)), sorted([shared.id, molItem.id]));

		assertError(await mol.request('groups.item.add', { group: G, kind: 'update', title: 'Internal by partner', visibility: 'internal' }), 'forbidden', 'mol internal item');
		for (const [data, re] of [
			[{ group: G, kind: 'memo', title: 'Bad kind' }, /kind/],
			[{ group: G, title: 'No kind' }, /kind/],
			[{ group: G, kind: 'link', title: 'FTP', url: 'ftp://example.org/x' }, /url/],
			[{ group: G, kind: 'link', title: 'JS', url: 'javascript:alert(1)' }, /url/],
			[{ group: G, kind: 'link' }, /title/],
			[{ group: G, kind: 'link', title: 'Vis', visibility: 'everyone' }, /visibility/],
		])
			assertError(await undp.request('groups.item.add', data), 'bad_request', `item.add ${JSON.stringify(data)}`, re);
		const after = (await undp.ok('groups.items', { group: G })).items.map((i) => i.title);
		assert.ok(!after.some((t) => ['Bad kind', 'FTP', 'JS', 'Internal by partner'].includes(t)), `refused items were not stored: ${JSON.stringify(after)}`);
		await sleep(QUIET_MS);
		assert.deepEqual(unicef.events, [], `unicef received events: ${JSON.stringify(unicef.events)}`);
		assertMolNeverSawSecret('after items');
	});

	test('4. removing MOL revokes its subscription, cuts live events and history', async () => {
		const mMol = mol.messages.length;
		const mUnhcr = unhcr.messages.length;
		const g = (await undp.ok('groups.member.remove', { group: G, org: 'MOL' })).group;
		assert.deepEqual(memberView(g), ['UNDP:lead:false', 'UNHCR:member:false'], `members after removal: ${JSON.stringify(g.members)}`);
		const shared = (await undp.ok('groups.post', { group: G, text: 'After MOL left', visibility: 'shared' })).post;
		await waitEv(unhcr, 'groups.post', gtopic(G), (p) => p.id === shared.id, mUnhcr);
		const revoked = await mol.waitEvent((e) => e.event === 'sub.revoked' && e.topic === gtopic(G), 10_000, { from: mMol });
		assert.deepEqual(revoked.data, { topic: gtopic(G) });
		await sleep(QUIET_MS);
		const leaked = mol.messages.slice(mMol).filter((m) => m && m.event === 'groups.post');
		assert.deepEqual(leaked, [], `mol must not receive posts after its removal: ${JSON.stringify(leaked)}`);
		for (const f of mol.frames) assert.ok(!f.includes('After MOL left'), `mol frame after removal: ${f}`);
		const revokedIdx = mol.messages.findIndex((m, i) => i >= mMol && m && m.event === 'sub.revoked');
		assert.deepEqual(mol.messages.slice(revokedIdx + 1).filter((m) => m && m.topic === gtopic(G)), [], 'no more events of the topic after sub.revoked');

		assertSameNotFound(await mol.request('groups.posts', { group: G }), await mol.request('groups.posts', { group: NONEXISTENT }), 'removed mol groups.posts');
		assertSameNotFound(await mol.request('groups.items', { group: G }), await mol.request('groups.items', { group: NONEXISTENT }), 'removed mol groups.items');
		assertSameNotFound(await mol.request('groups.get', { group: G }), await mol.request('groups.get', { group: NONEXISTENT }), 'removed mol groups.get');
		assertError(await mol.request('groups.post', { group: G, text: 'still here?' }), 'not_found', 'removed mol groups.post');
		assert.ok(!(await mol.ok('groups.list', {})).groups.some((x) => x.id === G), 'removed mol no longer lists the group');
		// the same connection cannot resubscribe, nor can a new one
		assertError(await mol.request('sub.add', { topic: gtopic(G) }), 'not_found', 'removed mol sub.add (same connection)');
		const mol2 = await as('mol');
		assertSameNotFound(await mol2.request('sub.add', { topic: gtopic(G) }), await mol2.request('sub.add', { topic: gtopic(NONEXISTENT) }), 'removed mol sub.add after reconnect');
		assertError(await mol2.request('sub.add', { topic: gtopic(G), since: 1 }), 'not_found', 'removed mol sub.add with since');
		assertError(await undp.request('groups.member.remove', { group: G, org: 'MOL' }), 'not_found', 'remove an organisation not in the group');
		assertMolNeverSawSecret('after removal');
	});

	test('5. an archived group refuses writes but can be read; an ad-hoc group past its end date is archived', async () => {
		const g = await createGroup({ name: 'Short-lived taskforce' });
		const p = (await undp.ok('groups.post', { group: g.id, text: 'Before archiving' })).post;
		const it = (await undp.ok('groups.item.add', { group: g.id, kind: 'update', title: 'Before archiving item' })).item;
		assertError(await unhcr.request('groups.archive', { group: g.id }), 'forbidden', 'unhcr (member) archive');
		const arch = (await undp.ok('groups.archive', { group: g.id })).group;
		assert.equal(arch.archived, true, `archive reply: ${JSON.stringify(arch)}`);

		assertError(await undp.request('groups.post', { group: g.id, text: 'After archiving' }), 'conflict', 'post in an archived group');
		assertError(await unhcr.request('groups.post', { group: g.id, text: 'After archiving' }), 'conflict', 'unhcr post in an archived group');
		assertError(await undp.request('groups.item.add', { group: g.id, kind: 'update', title: 'After archiving' }), 'conflict', 'item.add in an archived group');
		assertError(await undp.request('groups.member.add', { group: g.id, org: 'UNICEF' }), 'conflict', 'member.add in an archived group');
		assertError(await undp.request('groups.member.remove', { group: g.id, org: 'UNHCR' }), 'conflict', 'member.remove in an archived group');
		assertError(await undp.request('groups.update', { group: g.id, name: 'Renamed' }), 'conflict', 'update of an archived group');
		assertError(await undp.request('groups.plugins.enable', { group: g.id, plugin: 'actions' }), 'conflict', 'plugins.enable in an archived group');
		assertError(await iom.request('groups.archive', { group: g.id }), 'conflict', 'archive an archived group');

		const got = (await unhcr.ok('groups.get', { group: g.id })).group;
		assert.equal(got.archived, true);
		assert.equal(got.name, 'Short-lived taskforce');
		assert.deepEqual(memberView(got), ['UNDP:lead:false', 'UNHCR:member:false']);
		const posts = (await unhcr.ok('groups.posts', { group: g.id })).posts;
		assert.deepEqual(posts.map((x) => x.id), [p.id], `posts of an archived group: ${JSON.stringify(posts)}`);
		assert.deepEqual((await unhcr.ok('groups.items', { group: g.id })).items.map((x) => x.id), [it.id]);
		const listed = (await unhcr.ok('groups.list', {})).groups.find((x) => x.id === g.id);
		assert.equal(listed?.archived, true, `groups.list shows archived: ${JSON.stringify(listed)}`);
		(await unhcr.ok('sub.add', { topic: gtopic(g.id) })); // reading live still allowed

		// ad-hoc with an end date in the past
		const past = (await iom.ok('groups.create', { name: 'Old ad-hoc', kind: 'ad_hoc', end_date: '2020-01-01', leads: ['UNDP'], members: ['UNHCR'] })).group;
		assert.equal(past.kind, 'ad_hoc');
		assert.equal(past.end_date, '2020-01-01');
		assert.equal(past.archived, true, `an ad-hoc group past its end date is archived (create reply): ${JSON.stringify(past)}`);
		assert.equal((await undp.ok('groups.get', { group: past.id })).group.archived, true);
		assert.equal((await undp.ok('groups.list', {})).groups.find((x) => x.id === past.id)?.archived, true);
		assertError(await undp.request('groups.post', { group: past.id, text: 'Too late' }), 'conflict', 'post in an expired ad-hoc group');
		assertError(await unhcr.request('groups.item.add', { group: past.id, kind: 'update', title: 'Too late' }), 'conflict', 'item.add in an expired ad-hoc group');
		assertError(await undp.request('groups.member.add', { group: past.id, org: 'UNICEF' }), 'conflict', 'member.add in an expired ad-hoc group');
		assert.deepEqual((await undp.ok('groups.posts', { group: past.id })).posts, []);

		// control: an ad-hoc group ending in the future is writable
		const future = (await iom.ok('groups.create', { name: 'Current ad-hoc', kind: 'ad_hoc', end_date: '2999-12-31', leads: ['UNDP'] })).group;
		assert.equal(future.archived, false);
		await undp.ok('groups.post', { group: future.id, text: 'Still open' });
	});

	test('6. permissions and validation of management', async () => {
		const g = await createGroup({ name: 'Permissions group', members: ['UNHCR', 'MOL'] });
		assertError(await unhcr.request('groups.member.add', { group: g.id, org: 'UNFPA' }), 'forbidden', 'unhcr (non-lead member) member.add');
		assertError(await unhcr.request('groups.member.remove', { group: g.id, org: 'MOL' }), 'forbidden', 'unhcr member.remove');
		assertError(await unhcr.request('groups.update', { group: g.id, name: 'Hijacked' }), 'forbidden', 'unhcr update');
		assertError(await unhcr.request('groups.plugins.enable', { group: g.id, plugin: 'actions' }), 'forbidden', 'unhcr plugins.enable');
		const mol2 = molClients[molClients.length - 1];
		assertError(await mol2.request('groups.member.add', { group: g.id, org: 'UNFPA' }), 'forbidden', 'mol (partner member) member.add');
		assertError(await unicef.request('groups.member.add', { group: g.id, org: 'UNICEF' }), 'not_found', 'unicef (not in the group) member.add');

		const added = (await undp.ok('groups.member.add', { group: g.id, org: 'UNFPA' })).group;
		assert.ok(memberView(added).includes('UNFPA:member:false'), `lead adds a member: ${JSON.stringify(added.members)}`);
		const lead2 = (await undp.ok('groups.member.add', { group: g.id, org: 'UNESCO', role: 'lead' })).group;
		assert.ok(memberView(lead2).includes('UNESCO:lead:false'), `lead adds a co-lead: ${JSON.stringify(lead2.members)}`);
		const mfaAdded = (await undp.ok('groups.member.add', { group: g.id, org: 'MFA' })).group;
		assert.ok(memberView(mfaAdded).includes('MFA:member:true'), `a partner is added as member with partner: true: ${JSON.stringify(mfaAdded.members)}`);
		assertError(await undp.request('groups.member.add', { group: g.id, org: 'MFA', role: 'lead' }), 'bad_request', 'partner MFA as lead');
		assertError(await undp.request('groups.member.add', { group: g.id, org: 'CSO', role: 'lead' }), 'bad_request', 'partner CSO as lead');
		assertError(await undp.request('groups.member.add', { group: g.id, org: 'UNODC', role: 'boss' }), 'bad_request', 'bad role', /role/);
		assertError(await undp.request('groups.member.add', { group: g.id, org: 'NOPE' }), 'bad_request', 'unknown organisation');
		const after = (await undp.ok('groups.get', { group: g.id })).group;
		assert.ok(memberView(after).includes('MFA:member:true'), `MFA stays a plain member after the refused lead: ${JSON.stringify(after.members)}`);
		assert.ok(!after.members.some((m) => ['CSO', 'NOPE', 'UNODC'].includes(m.org)), `refused additions were not stored: ${JSON.stringify(after.members)}`);

		const upd = (await undp.ok('groups.update', { group: g.id, name: 'Renamed group', mandate: 'New mandate' })).group;
		assert.equal(upd.name, 'Renamed group');
		assert.equal(upd.mandate, 'New mandate');
		assertError(await undp.request('groups.update', { group: g.id, end_date: '2030-01-01' }), 'bad_request', 'end_date on a permanent group');

		// create: co-chairs and the secretariat only
		const base = { name: 'New group', kind: 'permanent', leads: ['UNDP'] };
		assertError(await undp.request('groups.create', base), 'forbidden', 'undp groups.create');
		assertError(await mol2.request('groups.create', base), 'forbidden', 'mol groups.create');
		const byRco = (await rco.ok('groups.create', { ...base, name: 'Created by co-chair' })).group;
		assert.equal(byRco.created_by, 'rco');
		for (const [data, what] of [
			[{ name: 'Ad hoc', kind: 'ad_hoc', leads: ['UNDP'] }, 'ad_hoc without end_date'],
			[{ ...base, end_date: '2030-01-01' }, 'permanent with end_date'],
			[{ name: 'Bad date', kind: 'ad_hoc', end_date: 'next week', leads: ['UNDP'] }, 'ad_hoc with a malformed end_date'],
			[{ ...base, kind: 'forever' }, 'unknown kind'],
			[{ name: 'No leads', kind: 'permanent' }, 'no leads'],
			[{ ...base, leads: [] }, 'empty leads'],
			[{ kind: 'permanent', leads: ['UNDP'] }, 'no name'],
			[{ ...base, name: 'Partner lead', leads: ['MOL'] }, 'a partner as lead'],
			[{ ...base, name: 'Unknown lead', leads: ['NOPE'] }, 'unknown lead organisation'],
		])
			assertError(await iom.request('groups.create', data), 'bad_request', `groups.create ${what}`);
		const names = (await iom.ok('groups.list', {})).groups.map((x) => x.name);
		assert.ok(!names.includes('Partner lead') && !names.includes('Unknown lead') && !names.includes('Ad hoc'), `refused creates created nothing: ${JSON.stringify(names)}`);
	});

	test('7. actions: confined to groups that enabled it; overdue, notes, decisions, events, partners', async () => {
		const g = (await iom.ok('groups.create', { name: 'Implementation', kind: 'permanent', leads: ['UNDP'], members: ['UNHCR', 'MOL'] })).group;
		G5 = g.id;
		const mol2 = molClients[molClients.length - 1];
		// not enabled: exactly like a nonexistent group
		assertSameNotFound(await undp.request('actions.list', { group: G5 }), await undp.request('actions.list', { group: NONEXISTENT }), 'actions.list, not enabled');
		const addData = (grp) => ({ group: grp, title: 'Anything', owner_org: 'UNDP', due_date: '2030-01-01' });
		assertSameNotFound(await undp.request('actions.add', addData(G5)), await undp.request('actions.add', addData(NONEXISTENT)), 'actions.add, not enabled');
		const nf = await undp.request('actions.list', { group: G5 });
		assert.match(nf.error.message, /no such group/, `message: ${JSON.stringify(nf)}`);
		assertSameNotFound(await undp.request('sub.add', { topic: atopic(G5) }), await undp.request('sub.add', { topic: atopic(NONEXISTENT) }), 'sub.add actions:<group>, not enabled');
		assertSameNotFound(await undp.request('sub.add', { topic: atopic(G) }), await undp.request('sub.add', { topic: atopic(NONEXISTENT) }), 'sub.add actions:<other group without actions>');
		assertError(await undp.request('groups.plugins.enable', { group: G5, plugin: 'no_such_plugin' }), 'not_found', 'enable an unknown plugin');
		assertError(await undp.request('groups.plugins.enable', { group: G5, plugin: 'consensus' }), 'not_found', 'enable a plugin that is not a group plugin');
		assertError(await unhcr.request('groups.plugins.enable', { group: G5, plugin: 'actions' }), 'forbidden', 'unhcr (non-lead) enables actions');

		// enable by the lead
		const mUnhcrG = unhcr.messages.length;
		await unhcr.ok('sub.add', { topic: gtopic(G5) });
		const en = (await undp.ok('groups.plugins.enable', { group: G5, plugin: 'actions' })).group;
		assert.deepEqual(en.plugins, ['actions']);
		await waitEv(unhcr, 'groups.changed', gtopic(G5), (d) => d.group === G5, mUnhcrG);
		assert.deepEqual((await unhcr.ok('groups.get', { group: G5 })).group.plugins, ['actions']);
		// still hidden for outsiders, and for a group that did not enable it
		assertSameNotFound(await unicef.request('actions.list', { group: G5 }), await unicef.request('actions.list', { group: NONEXISTENT }), 'unicef actions.list');
		assertSameNotFound(await undp.request('actions.list', { group: G }), await undp.request('actions.list', { group: NONEXISTENT }), 'actions.list in a group without actions');

		const s = await unhcr.ok('sub.add', { topic: atopic(G5) });
		assert.equal(s.topic, atopic(G5));
		const mUnhcr = unhcr.messages.length;

		// an overdue item
		const a1 = (await undp.ok('actions.add', { group: G5, title: 'Publish the data report', owner_org: 'UNHCR', due_date: '2020-06-30' })).item;
		assert.equal(typeof a1.id, 'number');
		assert.equal(a1.title, 'Publish the data report');
		assert.equal(a1.owner_org, 'UNHCR');
		assert.equal(a1.due_date, '2020-06-30');
		assert.equal(a1.status, 'open');
		assert.equal(a1.overdue, true, `past due and open is overdue: ${JSON.stringify(a1)}`);
		const ev = await waitEv(unhcr, 'actions.changed', atopic(G5), (d) => d.item?.id === a1.id, mUnhcr);
		assert.equal(ev.data.item.title, 'Publish the data report');
		const a2 = (await unhcr.ok('actions.add', { group: G5, title: 'Plan the next survey', owner_org: 'UNDP', due_date: '2999-12-31' })).item;
		assert.equal(a2.overdue, false);
		let list = await undp.ok('actions.list', { group: G5 });
		assert.equal(list.overdue, 1, `one overdue item: ${JSON.stringify(list)}`);
		assert.deepEqual(sorted(list.items.map((i) => i.id)), sorted([a1.id, a2.id]));
		const l1 = list.items.find((i) => i.id === a1.id);
		assert.equal(l1.overdue, true);
		assert.equal(l1.status, 'open');
		assert.equal(l1.decision, null);
		for (const k of ['id', 'title', 'owner_org', 'due_date', 'status', 'decision', 'notes', 'overdue']) assert.ok(k in l1, `list item has ${k}: ${JSON.stringify(l1)}`);

		// in_progress and past due: still overdue; done: not overdue; the note is recorded
		const ip = (await undp.ok('actions.update', { group: G5, item: a2.id, status: 'in_progress', due_date: '2021-01-01' })).item;
		assert.equal(ip.overdue, true, `in_progress past due is overdue: ${JSON.stringify(ip)}`);
		assert.equal((await undp.ok('actions.list', { group: G5 })).overdue, 2);
		const done = (await unhcr.ok('actions.update', { group: G5, item: a1.id, status: 'done', note: 'Report published on the portal' })).item;
		assert.equal(done.status, 'done');
		assert.equal(done.overdue, false, `done is not overdue: ${JSON.stringify(done)}`);
		await waitEv(unhcr, 'actions.changed', atopic(G5), (d) => d.item?.id === a1.id && d.item.status === 'done', mUnhcr);
		const dropped = (await undp.ok('actions.update', { group: G5, item: a2.id, status: 'dropped' })).item;
		assert.equal(dropped.overdue, false, `dropped is not overdue: ${JSON.stringify(dropped)}`);
		list = await undp.ok('actions.list', { group: G5 });
		assert.equal(list.overdue, 0, `no overdue item left: ${JSON.stringify(list)}`);
		assert.equal(list.items.find((i) => i.id === a1.id).overdue, false);
		const notes = (await undp.ok('actions.notes', { group: G5, item: a1.id })).notes;
		assert.equal(notes.length, 1, `notes: ${JSON.stringify(notes)}`);
		assert.equal(notes[0].text, 'Report published on the portal');
		assert.equal(notes[0].author, 'unhcr');
		assert.equal(typeof notes[0].at, 'number');
		assert.equal(typeof notes[0].id, 'number');
		assertError(await undp.request('actions.update', { group: G5, item: NONEXISTENT, status: 'done' }), 'not_found', 'update of a nonexistent item');
		// the SDK's declared fields: one message shape, "<field>: <problem>"
		assertError(await undp.request('actions.update', { group: G5, item: a1.id, status: 'finished' }), 'bad_request', 'bad status', /^status: expected one of open, in_progress, done, dropped$/);
		assertError(await undp.request('actions.add', { group: G5, title: 'Bad date', owner_org: 'UNDP', due_date: '31/12/2030' }), 'bad_request', 'bad due_date', /^due_date: expected a date, YYYY-MM-DD$/);
		assertError(await undp.request('actions.add', { group: G5, title: 'No such day', owner_org: 'UNDP', due_date: '2030-02-30' }), 'bad_request', 'a day that does not exist', /^due_date: expected a date, YYYY-MM-DD$/);
		assertError(await undp.request('actions.add', { group: G5, owner_org: 'UNDP', due_date: '2030-01-01' }), 'bad_request', 'missing title', /^title: required$/);
		assertError(await undp.request('actions.add', { group: G5, title: 'x'.repeat(501), owner_org: 'UNDP', due_date: '2030-01-01' }), 'bad_request', 'long title', /^title: at most 500 bytes$/);
		assertError(await undp.request('actions.notes', { group: G5, item: 'one' }), 'bad_request', 'notes of a non-id', /^item: expected a positive integer id$/);

		// decisions: nonexistent -> bad_request; open -> bad_request; closed -> ok
		assertError(await undp.request('actions.add', { group: G5, title: 'Linked', owner_org: 'UNDP', due_date: '2030-01-01', decision: NONEXISTENT }), 'bad_request', 'decision: nonexistent proposal');
		const prop = (await rco.ok('consensus.create', { title: 'Adopt the data plan', text: 'We adopt it', kind: 'decision' })).proposal;
		await rco.ok('consensus.open', { proposal: prop.id });
		assertError(await undp.request('actions.add', { group: G5, title: 'Linked', owner_org: 'UNDP', due_date: '2030-01-01', decision: prop.id }), 'bad_request', 'decision: an open (not closed) proposal');
		const closed = await rco.ok('consensus.close', { proposal: prop.id });
		assert.equal(closed.proposal.status, 'closed');
		const linked = (await undp.ok('actions.add', { group: G5, title: 'Implement the data plan', owner_org: 'UNDP', due_date: '2030-01-01', decision: prop.id })).item;
		assert.equal(linked.decision, prop.id);
		assert.equal((await unhcr.ok('actions.list', { group: G5 })).items.find((i) => i.id === linked.id)?.decision, prop.id);

		// co-chairs see every group
		assert.ok((await rco.ok('actions.list', { group: G5 })).items.length >= 3);

		// a partner in the group: forbidden on actions.*; no action events
		assert.ok((await mol2.ok('groups.list', {})).groups.some((x) => x.id === G5), 'mol is in the actions group');
		assertError(await mol2.request('actions.list', { group: G5 }), 'forbidden', 'mol actions.list');
		assertError(await mol2.request('actions.add', { group: G5, title: 'By partner', owner_org: 'MOL', due_date: '2030-01-01' }), 'forbidden', 'mol actions.add');
		assertError(await mol2.request('actions.update', { group: G5, item: a1.id, status: 'open' }), 'forbidden', 'mol actions.update');
		assertError(await mol2.request('actions.update', { group: G5, item: 'bad', status: 'nonsense' }), 'forbidden', 'who may call is decided before the fields');
		assertError(await mol2.request('actions.notes', { group: G5, item: a1.id }), 'forbidden', 'mol actions.notes');
		const msub = await mol2.request('sub.add', { topic: atopic(G5) });
		assert.equal(msub.ok, false, `a partner must not subscribe to action events: ${JSON.stringify(msub)}`);
		assert.equal((await undp.ok('actions.list', { group: G5 })).items.find((i) => i.id === a1.id).status, 'done', 'the forbidden update changed nothing');

		// disable: actions.* not_found again
		const dis = (await undp.ok('groups.plugins.disable', { group: G5, plugin: 'actions' })).group;
		assert.deepEqual(dis.plugins, []);
		assertSameNotFound(await undp.request('actions.list', { group: G5 }), await undp.request('actions.list', { group: NONEXISTENT }), 'actions.list after disable');
		assertSameNotFound(await undp.request('actions.add', addData(G5)), await undp.request('actions.add', addData(NONEXISTENT)), 'actions.add after disable');
		assertSameNotFound(await undp.request('actions.notes', { group: G5, item: a1.id }), await undp.request('actions.notes', { group: NONEXISTENT, item: a1.id }), 'actions.notes after disable');
		assertSameNotFound(await undp.request('sub.add', { topic: atopic(G5) }), await undp.request('sub.add', { topic: atopic(NONEXISTENT) }), 'sub.add actions:<group> after disable');
	});

	test('7b. actions: the owner is one of the group\'s member organisations; an unknown code is refused naming the allowed ones', async () => {
		const g = (await iom.ok('groups.create', { name: 'Owners', kind: 'permanent', leads: ['UNDP'], members: ['UNHCR', 'MOL'] })).group.id;
		await undp.ok('groups.plugins.enable', { group: g, plugin: 'actions' });
		const add = (owner) => undp.request('actions.add', { group: g, title: `Owned by ${owner}`, owner_org: owner, due_date: '2030-01-01' });
		// not an organisation at all, one of the network outside the group, lower case
		for (const owner of ['ILO', 'UNICEF', 'unhcr']) {
			const r = await add(owner);
			assertError(r, 'bad_request', `owner ${owner}`, /^owner_org: /);
			assert.ok(r.error.message.includes(`"${owner}" is not an organisation of this group`), r.error.message);
			assert.match(r.error.message, /choose one of the group's organisations: (UNDP, UNHCR|UNHCR, UNDP)$/, `the allowed codes, partners left out: ${r.error.message}`);
		}
		// a partner of the group does not see action items, so it cannot own one
		assertError(await add('MOL'), 'bad_request', 'owner MOL (partner)', /"MOL" is a partner of this group/);
		assert.deepEqual((await undp.ok('actions.list', { group: g })).items, [], 'nothing refused was stored');

		const item = (await unhcr.ok('actions.add', { group: g, title: 'Collect the figures', owner_org: 'UNHCR', due_date: '2030-01-01' })).item;
		assert.equal(item.owner_org, 'UNHCR');
		assertError(await undp.request('actions.update', { group: g, item: item.id, owner_org: 'ILO', note: 'hand over' }), 'bad_request', 'update to ILO', /"ILO" is not an organisation of this group/);
		let list = (await undp.ok('actions.list', { group: g })).items;
		assert.equal(list.find((i) => i.id === item.id).owner_org, 'UNHCR', 'a refused update changed nothing');
		assert.equal(list.find((i) => i.id === item.id).notes, 0, 'nor added its note');
		assert.equal((await undp.ok('actions.update', { group: g, item: item.id, owner_org: 'UNDP' })).item.owner_org, 'UNDP');

		// the group's organisations as they are now: joining makes an owner, leaving unmakes one
		assertError(await add('UNICEF'), 'bad_request', 'UNICEF before joining');
		await undp.ok('groups.member.add', { group: g, org: 'UNICEF' });
		assert.equal((await add('UNICEF')).ok, true, 'UNICEF after joining');
		await undp.ok('groups.member.remove', { group: g, org: 'UNHCR' });
		assertError(await add('UNHCR'), 'bad_request', 'UNHCR after leaving', /choose one of the group's organisations: (UNDP, UNICEF|UNICEF, UNDP)$/);
	});

	test('8. the actions web component is served at /plugins/actions/room.js', async () => {
		const r = await httpRequest(server, '/plugins/actions/room.js');
		assert.equal(r.status, 200, `GET /plugins/actions/room.js: ${r.status} ${r.body.slice(0, 200)}`);
		assert.match(String(r.headers['content-type']), /javascript/, `content-type: ${r.headers['content-type']}`);
		assert.ok(r.body.includes('export async function mount'), `room.js exports mount: ${r.body.slice(0, 300)}`);
	});

	test('9. the web files of a plugin not enabled here (datacollect) answer as a missing file does', async () => {
		const missing = await httpRequest(server, '/plugins/actions/no-such-file.js');
		assert.equal(missing.status, 404);
		for (const p of ['/plugins/datacollect/component.js', '/plugins/datacollect/i18n/en.json',
			'/plugins/nothing/component.js', '/plugins-live/datacollect-0123456789abcdef/component.js']) {
			const r = await httpRequest(server, p);
			assert.equal(r.status, missing.status, `GET ${p}: ${r.status}`);
			assert.equal(r.body, missing.body, `GET ${p}`);
			assert.equal(r.headers['content-type'], missing.headers['content-type'], `GET ${p}`);
		}
	});

	test('the partner mol never received a frame with internal content', () => {
		assert.ok(molClients.length >= 2);
		assertMolNeverSawSecret('whole scenario');
	});
});

describe('actions built out of the tree', { timeout: 120_000 }, () => {
	let tmp;
	let server;
	const clients = [];
	after(async () => {
		await closeAll(clients);
		if (server) await server.dispose();
		if (tmp && !process.env.ACCORD_KEEP_TMP) await fsp.rm(tmp, { recursive: true, force: true });
	});

	test('9. a copy of plugins/actions builds with make + pkg-config, and the server runs it', async () => {
		const { sourceDir, pluginDir } = env();
		tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'accord-actions-oot-'));
		const copy = path.join(tmp, 'actions');
		await fsp.cp(path.join(sourceDir, 'plugins', 'actions'), copy, { recursive: true });
		const so = path.join(copy, 'actions.so');
		assert.equal(fs.existsSync(so), false, 'the copied folder holds no prebuilt actions.so');
		const pkgDir = path.join(sourceDir, 'build', 'pkgconfig');
		const r = await run('make', ['-C', copy, `OUT=${copy}`], { env: { ...process.env, PKG_CONFIG_PATH: pkgDir } });
		assert.equal(r.code, 0, `make -C ${copy} OUT=${copy} (PKG_CONFIG_PATH=${pkgDir}) failed:\n${r.stdout}\n${r.stderr}`);
		assert.ok(fs.existsSync(so), `actions.so produced in ${copy}: ${fs.readdirSync(copy).join(', ')}`);

		const plugDir = path.join(tmp, 'plugins');
		await fsp.mkdir(plugDir);
		await fsp.copyFile(so, path.join(plugDir, 'actions.so'));
		for (const p of ['membership.so', 'groups.so']) await fsp.copyFile(path.join(pluginDir, p), path.join(plugDir, p));
		// built with the server: trusted with their web folders as built
		for (const p of ['membership', 'groups']) await fsp.cp(path.join(pluginDir, 'web', p), path.join(plugDir, 'web', p), { recursive: true });
		// built outside: signed with a key that the server trusts
		const key = path.join(tmp, 'wg.key');
		const kg = await runAccord(['plugins', 'keygen', '--out', key, '--name', 'Actions WG']);
		assert.equal(kg.code, 0, kg.stdout + kg.stderr);
		const sg = await runAccord(['plugins', 'sign', '--key', key, path.join(plugDir, 'actions.so')]);
		assert.equal(sg.code, 0, sg.stdout + sg.stderr);
		const trusted = [{ name: 'Actions WG', key: kg.stdout.match(/public key: (\S+)/)[1] }];
		server = await startServer({ plugins: { membership: {}, groups: {}, actions: {} }, extraConfig: { plugins: { dir: plugDir, trusted_keys: trusted } } });
		const iom = await connect(server);
		clients.push(iom);
		await iom.login('iom');
		const undp = await connect(server);
		clients.push(undp);
		await undp.login('undp');
		const info = await iom.ok('sys.info', {});
		assert.ok(info.plugins.some((x) => x.name === 'actions'), `sys.info lists actions: ${JSON.stringify(info.plugins)}`);

		const g = (await iom.ok('groups.create', { name: 'OOT group', kind: 'permanent', leads: ['UNDP'] })).group;
		assertError(await undp.request('actions.list', { group: g.id }), 'not_found', 'actions before enabling');
		await undp.ok('groups.plugins.enable', { group: g.id, plugin: 'actions' });
		await undp.ok('sub.add', { topic: atopic(g.id) });
		const m = undp.messages.length;
		const it = (await undp.ok('actions.add', { group: g.id, title: 'Out-of-tree item', owner_org: 'UNDP', due_date: '2020-02-02' })).item;
		assert.equal(it.overdue, true);
		await waitEv(undp, 'actions.changed', atopic(g.id), (d) => d.item?.id === it.id, m);
		const list = await undp.ok('actions.list', { group: g.id });
		assert.deepEqual(list.items.map((i) => i.title), ['Out-of-tree item']);
		assert.equal(list.overdue, 1);
	});
});
