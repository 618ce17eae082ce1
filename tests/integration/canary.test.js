// Canary: a full scripted scenario (membership changes, presence, working
// groups with internal and shared posts and items, a document, actions,
// network / state-matter / group proposals with positions and comments,
// portal releases and input, the workplan with progress, follow-ups and the
// annual report, errors) in which every internal text, title,
// reason, name, note ... carries a unique marker.  Partner connections (mol,
// mfa, cso) subscribe to every topic they may and record every frame; no
// frame any partner receives, error replies included, may contain a marker.
// Then a co-chair releases exactly one internal item to MOL: exactly that one
// marker arrives at MOL (event portal.released and portal.feed), no other,
// and nothing at MFA and CSO.  See docs/protocol.md ("Partners: deny by
// default", groups visibility, "Portal plugin").
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, connect, closeAll, httpRequest, sleep, env, DEMO_PASSWORD } from './lib/harness.js';
import { Sink, freePort, notifyConfig } from './lib/smtp.js';

const PLUGINS = {
	membership: {},
	consensus: {},
	groups: {},
	actions: {},
	portal: {},
	meetings: {},
	workplan: { reference_dir: path.join(env().sourceDir, 'config', 'reference'), report_due_days: 0 },
};
// Everyone in the scenario has an e-mail address: what the notify plugin
// mails to a partner is checked like the frames (the last test).
const MAIL = (l) => `${l}@mail.test`;
const TAG = `kanari${Math.random().toString(36).slice(2, 8)}`; // lowercase: usable in logins too
const MARK_RE = new RegExp(`${TAG}n\\d+q`, 'g');
const markers = [];
/** A fresh unique marker, e.g. "kanariab12cdn7q". */
const M = () => {
	const m = `${TAG}n${markers.length}q`;
	markers.push(m);
	return m;
};
const QUIET_MS = 500;
const MISSING = 987654321;

// Markers that no annual report may carry, released or not: positions'
// reasons, meeting notes, internal agenda items, apologies' reasons.
const neverInReport = [];
const R = () => {
	const m = M();
	neverInReport.push(m);
	return m;
};

const markersIn = (frames) => new Set(frames.flatMap((f) => f.match(MARK_RE) || []));

describe('canary: nothing internal reaches a partner until released', { timeout: 120_000 }, () => {
	let server;
	const all = [];
	const c = {}; // login → connection
	const partnerConns = { mol: [], mfa: [], cso: [] };
	const firstSeq = {}; // `${login}|${topic}` → seq at subscription

	async function login(l, password = DEMO_PASSWORD) {
		const x = await connect(server);
		all.push(x);
		const r = await x.request('auth.login', { login: l, password });
		assert.equal(r.ok, true, `login ${l}: ${JSON.stringify(r)}`);
		x.token = r.data.token;
		if (partnerConns[l]) partnerConns[l].push(x);
		return x;
	}
	async function sub(l, topic, expectOk = true) {
		const r = await c[l].request('sub.add', { topic });
		if (expectOk) {
			assert.equal(r.ok, true, `${l} sub.add ${topic}: ${JSON.stringify(r)}`);
			firstSeq[`${l}|${topic}`] ??= r.data.seq;
		} else assert.equal(r.error?.code, 'not_found', `${l} sub.add ${topic}: ${JSON.stringify(r)}`);
		return r;
	}
	const partnerFrames = (l) => partnerConns[l].flatMap((x) => x.frames);
	function assertNoMarker(where) {
		for (const l of Object.keys(partnerConns)) {
			const found = markersIn(partnerFrames(l));
			const leaking = partnerFrames(l).filter((f) => f.includes(TAG));
			assert.deepEqual([...found], [], `${where}: partner ${l} received internal markers in:\n${leaking.join('\n')}`);
			assert.deepEqual(leaking, [], `${where}: partner ${l} received frames with the marker prefix`);
		}
	}
	const ok = async (x, type, data) => x.ok(type, data);
	const fails = async (x, type, data, code) => {
		const r = await x.request(type, data);
		assert.equal(r.ok, false, `${type} ${JSON.stringify(data)}: expected ${code}, got ${JSON.stringify(r)}`);
		if (code) assert.equal(r.error.code, code, `${type} ${JSON.stringify(data)}: expected ${code}, got ${JSON.stringify(r)}`);
		return r;
	};

	const S = {}; // scenario ids
	let releaseMarker, noteMarker;

	let sink;
	before(async () => {
		const port = await freePort();
		sink = new Sink(port);
		await sink.start();
		server = await startServer({ plugins: { ...PLUGINS, notify: notifyConfig(port) } });
		for (const l of ['rco', 'iom', 'undp', 'unhcr', 'unicef', 'mol', 'mfa', 'cso']) {
			c[l] = await login(l);
			await c[l].ok('notify.prefs.set', { email: MAIL(l) });
		}
		for (const l of ['mol', 'mfa', 'cso']) {
			await sub(l, 'portal');
			await sub(l, 'network', false);
			await sub(l, `inbox:${l}`); // the in-app inbox's live events
		}
		for (const l of ['rco', 'iom', 'undp', 'unhcr']) {
			await c[l].ok('sub.add', { topic: 'network' });
			await c[l].ok('sub.add', { topic: 'portal' });
		}
	});
	after(async () => {
		await closeAll(all);
		await server?.dispose();
		await sink?.stop();
		sink?.dispose();
	});

	test('scenario: groups, posts, items, documents, actions', async () => {
		const { iom, undp, unhcr, unicef, mol, mfa, cso } = c;
		// GP: a group with partners (its name and mandate are visible to them: no marker)
		S.GP = (await ok(iom, 'groups.create', { name: 'Border data group', mandate: 'Shared work', kind: 'permanent', leads: ['UNDP'], members: ['UNHCR', 'MOL', 'CSO', 'MFA'] })).group.id;
		// GI: an internal group (name, mandate are internal)
		S.GI = (await ok(iom, 'groups.create', { name: `Internal group ${M()}`, mandate: `Mandate ${M()}`, kind: 'ad_hoc', end_date: '2999-12-31', leads: ['UNDP'], members: ['UNICEF'] })).group.id;
		for (const l of ['mol', 'mfa', 'cso']) {
			await sub(l, `group:${S.GP}`);
			await sub(l, `group:${S.GI}`, false);
			await sub(l, `actions:${S.GP}`, false);
		}
		for (const l of ['undp', 'unhcr', 'rco']) await c[l].ok('sub.add', { topic: `group:${S.GP}` });
		await unicef.ok('sub.add', { topic: `group:${S.GI}` });

		// the room of GP: internal posts, a shared post with an internal reply, internal items
		const shared = (await ok(undp, 'groups.post', { group: S.GP, text: 'Meeting on Friday', visibility: 'shared' })).post;
		S.internalPost = (await ok(undp, 'groups.post', { group: S.GP, text: `Draft figures ${M()}` })).post.id; // internal by default
		await ok(unhcr, 'groups.post', { group: S.GP, text: `Internal reply ${M()}`, parent: shared.id, visibility: 'internal' });
		await ok(unhcr, 'groups.post', { group: S.GP, text: `Explicitly internal ${M()}`, visibility: 'internal' });
		await ok(mol, 'groups.post', { group: S.GP, text: 'The ministry will attend', parent: shared.id });
		await ok(cso, 'groups.post', { group: S.GP, text: 'CSO will attend' });
		S.internalItem = (await ok(undp, 'groups.item.add', { group: S.GP, kind: 'update', title: `Internal update ${M()}`, body: `Body ${M()}` })).item.id;
		releaseMarker = M();
		S.releaseItem = (await ok(undp, 'groups.item.add', { group: S.GP, kind: 'document', title: `To be released ${releaseMarker}`, visibility: 'internal' })).item.id;
		await ok(unhcr, 'groups.item.add', { group: S.GP, kind: 'link', title: `Link ${M()}`, url: `https://example.org/${M()}`, visibility: 'internal' });
		await ok(undp, 'groups.item.add', { group: S.GP, kind: 'data', title: 'Shared dataset', body: 'Public numbers', visibility: 'shared' });
		// an internal document over HTTP (title, file name and content carry markers)
		const doc = `Document content ${M()}`;
		const up = await httpRequest(server, `/api/groups/files?group=${S.GP}&title=${encodeURIComponent(`Doc ${M()}`)}&name=${M()}.txt&visibility=internal`, {
			method: 'POST', headers: { authorization: `Bearer ${undp.token}`, 'content-length': Buffer.byteLength(doc) }, body: doc,
		});
		assert.equal(up.status, 200, up.body);
		S.docItem = JSON.parse(up.body).item.id;
		// the internal group
		await ok(undp, 'groups.post', { group: S.GI, text: `GI post ${M()}`, visibility: 'shared' }); // shared, but GI has no partners
		await ok(unicef, 'groups.item.add', { group: S.GI, kind: 'update', title: `GI item ${M()}` });
		await ok(undp, 'groups.update', { group: S.GI, mandate: `New mandate ${M()}` });
		// membership of the groups changes
		await ok(undp, 'groups.member.add', { group: S.GP, org: 'UNICEF' });
		await ok(undp, 'groups.member.remove', { group: S.GP, org: 'UNICEF' });
		await ok(undp, 'groups.member.add', { group: S.GI, org: 'UNHCR' });
		// actions (internal to members)
		await ok(undp, 'groups.plugins.enable', { group: S.GP, plugin: 'actions' });
		await undp.ok('sub.add', { topic: `actions:${S.GP}` });
		S.action = (await ok(undp, 'actions.add', { group: S.GP, title: `Action ${M()}`, owner_org: 'UNHCR', due_date: '2999-01-31' })).item.id;
		await ok(unhcr, 'actions.update', { group: S.GP, item: S.action, status: 'in_progress', note: `Note ${M()}` });
		await ok(undp, 'actions.add', { group: S.GP, title: `Overdue ${M()}`, owner_org: 'UNDP', due_date: '2001-01-01' });

		// partners read what they may, and try what they may not (their error answers are frames too)
		for (const [l, x] of [['mol', mol], ['mfa', mfa], ['cso', cso]]) {
			const posts = (await ok(x, 'groups.posts', { group: S.GP })).posts;
			assert.ok(posts.every((p) => p.visibility === 'shared'), `${l} sees shared posts only`);
			assert.ok(posts.some((p) => p.id === shared.id), `${l} sees the shared post`);
			await ok(x, 'groups.posts', { group: S.GP, before: S.internalPost });
			const items = (await ok(x, 'groups.items', { group: S.GP })).items;
			assert.ok(items.every((i) => i.visibility === 'shared'), `${l} sees shared items only`);
			await ok(x, 'groups.get', { group: S.GP });
			await ok(x, 'groups.list', {});
			await fails(x, 'groups.get', { group: S.GI }, 'not_found');
			await fails(x, 'groups.posts', { group: S.GI }, 'not_found');
			await fails(x, 'groups.items', { group: S.GI }, 'not_found');
			await fails(x, 'actions.list', { group: S.GP }, 'forbidden');
			await fails(x, 'actions.notes', { group: S.GP, item: S.action }, 'forbidden');
			await fails(x, 'portal.item', { item: `item:${S.internalItem}` }, 'not_found');
			await fails(x, 'portal.item', { item: `post:${S.internalPost}` }, 'not_found');
			await fails(x, 'portal.item', { item: `action:${S.action}` }, 'not_found');
			await fails(x, 'members.people', { org: 'UNDP' }, 'forbidden');
			await fails(x, 'members.audit', {}, 'forbidden');
			// replying under an internal post does not reveal it
			const rr = await x.request('groups.post', { group: S.GP, text: 'reply?', parent: S.internalPost });
			assert.equal(rr.ok, false, `${l} replies under an internal post: ${JSON.stringify(rr)}`);
			const file = await httpRequest(server, `/api/groups/files?item=${S.docItem}`, { headers: { authorization: `Bearer ${x.token}` } });
			assert.equal(file.status, 404, `${l} downloads the internal document`);
			assert.ok(!file.body.includes(TAG), `${l}: the 404 body carries no marker`);
		}
		// members provoke errors with markers in their arguments
		await fails(undp, 'groups.post', { group: MISSING, text: `Lost ${M()}` }, 'not_found');
		await fails(undp, 'groups.item.add', { group: S.GP, kind: `bogus${M()}`, title: `T ${M()}` }, 'bad_request');
		await fails(unicef, 'groups.post', { group: S.GP, text: `Outsider ${M()}` }, 'not_found');
		await fails(unhcr, 'actions.add', { group: S.GP, title: `Bad date ${M()}`, owner_org: 'UNHCR', due_date: `x${M()}` }, 'bad_request');
		await sleep(QUIET_MS);
		assertNoMarker('after the group scenario');
	});

	test('scenario: proposals, positions, comments, consultation', async () => {
		const { rco, iom, undp, unhcr, unicef, mol, mfa, cso } = c;
		// network proposals are internal: title, text, reasons, comments, statements all carry markers
		S.P1 = (await ok(rco, 'consensus.create', { title: `Network ${M()}`, text: `Text ${M()}`, kind: 'statement' })).proposal.id;
		S.P2 = (await ok(iom, 'consensus.create', { title: `Hidden tally ${M()}`, text: `Text ${M()}`, kind: 'decision', hide_tally: true })).proposal.id;
		for (const l of ['rco', 'undp']) for (const p of [S.P1, S.P2]) await c[l].ok('sub.add', { topic: `proposal:${p}` });
		await ok(rco, 'consensus.open', { proposal: S.P1 });
		await ok(rco, 'consensus.open', { proposal: S.P2, closes_at: Date.now() + 86_400_000 });
		await ok(undp, 'consensus.position', { proposal: S.P1, position: 'reservations', reason: `Reservation ${R()}` });
		await ok(unhcr, 'consensus.position', { proposal: S.P1, position: 'object', reason: `Objection ${R()}` });
		await ok(unicef, 'consensus.position', { proposal: S.P1, position: 'agree' });
		await ok(undp, 'consensus.position', { proposal: S.P2, position: 'object', reason: `Hidden objection ${R()}` });
		await ok(undp, 'consensus.comment', { proposal: S.P1, text: `Comment ${M()}` });
		await ok(rco, 'consensus.extend', { proposal: S.P2, closes_at: Date.now() + 2 * 86_400_000, reason: `Extended ${M()}` });
		await ok(rco, 'consensus.close', { proposal: S.P1, outcome: `Outcome ${M()}`, reason: `Closed early ${M()}`, review_date: '2999-01-01' });
		await ok(rco, 'consensus.reopen', { proposal: S.P1, reason: `Reopened ${M()}` });
		await ok(rco, 'consensus.close', { proposal: S.P1, outcome: `Second outcome ${M()}` });
		S.draft = (await ok(rco, 'consensus.create', { title: `Draft ${M()}`, text: `Draft text ${M()}`, kind: 'decision', state_matter: true })).proposal.id;

		// a state matter: MOL sees title and text (no marker) and gives its view; positions and comments stay internal
		S.SM = (await ok(rco, 'consensus.create', { title: 'Labour migration statement', text: 'Public text', kind: 'statement', state_matter: true })).proposal.id;
		await ok(rco, 'consensus.open', { proposal: S.SM });
		await sub('mol', `proposal:${S.SM}`);
		await sub('mfa', `proposal:${S.SM}`, false);
		await sub('cso', `proposal:${S.SM}`, false);
		await ok(undp, 'consensus.position', { proposal: S.SM, position: 'reservations', reason: `State reservation ${R()}` });
		await ok(iom, 'consensus.comment', { proposal: S.SM, text: `State comment ${M()}` });
		await ok(mol, 'consensus.consult', { proposal: S.SM, view: 'The ministry agrees' });
		await ok(mol, 'consensus.comment', { proposal: S.SM, text: 'Ministry comment' });
		await ok(unhcr, 'consensus.position', { proposal: S.SM, position: 'object', reason: `State objection ${R()}` });
		await mol.waitEvent((e) => e.event === 'consensus.status' && e.topic === `proposal:${S.SM}`);

		// a group proposal of GP: partners see it once open (no marker in title/text), not positions, tallies or members' comments
		S.GPP = (await ok(undp, 'consensus.create', { title: 'Group proposal', text: 'Group text', kind: 'decision', scope: `group:${S.GP}` })).proposal.id;
		S.GPdraft = (await ok(undp, 'consensus.create', { title: `Group draft ${M()}`, text: `Group draft text ${M()}`, kind: 'decision', scope: `group:${S.GP}` })).proposal.id;
		await ok(undp, 'consensus.open', { proposal: S.GPP });
		for (const l of ['mol', 'mfa', 'cso']) {
			await sub(l, `proposal:${S.GPP}`);
			await sub(l, `proposal:${S.GPdraft}`, false);
			await sub(l, `proposal:${S.P1}`, false);
		}
		await undp.ok('sub.add', { topic: `proposal:${S.GPP}` });
		await ok(undp, 'consensus.position', { proposal: S.GPP, position: 'reservations', reason: `Group reservation ${R()}` });
		await ok(unhcr, 'consensus.position', { proposal: S.GPP, position: 'object', reason: `Group objection ${R()}` });
		await ok(unhcr, 'consensus.comment', { proposal: S.GPP, text: `Group comment ${M()}` });
		await ok(cso, 'consensus.comment', { proposal: S.GPP, text: 'CSO comment' });
		await ok(undp, 'consensus.close', { proposal: S.GPP });

		// partners read and probe
		for (const [l, x] of [['mol', mol], ['mfa', mfa], ['cso', cso]]) {
			const g = await ok(x, 'consensus.get', { proposal: S.GPP });
			assert.equal(g.tally, undefined, `${l} gets no tally`);
			await ok(x, 'consensus.comments', { proposal: S.GPP });
			await ok(x, 'consensus.list', {});
			await ok(x, 'consensus.list', { status: 'closed' });
			await ok(x, 'consensus.decisions', {});
			for (const p of [S.P1, S.P2, S.draft, S.GPdraft]) {
				await fails(x, 'consensus.get', { proposal: p }, 'not_found');
				await fails(x, 'consensus.comments', { proposal: p }, 'not_found');
				await fails(x, 'consensus.comment', { proposal: p, text: 'hello' }, 'not_found');
			}
			await fails(x, 'consensus.position', { proposal: S.GPP, position: 'agree' }, 'forbidden');
			await fails(x, 'portal.item', { item: `proposal:${S.P1}` }, 'not_found');
		}
		await ok(mol, 'consensus.get', { proposal: S.SM });
		await ok(mol, 'consensus.comments', { proposal: S.SM });
		// members provoke errors with markers
		await fails(unicef, 'consensus.position', { proposal: S.draft, position: 'object', reason: `On a draft ${R()}` }, 'conflict');
		await fails(rco, 'consensus.create', { title: `No kind ${M()}`, text: `T ${M()}` }, 'bad_request');
		await fails(rco, 'consensus.reopen', { proposal: S.P2, reason: `Not closed ${M()}` }, 'conflict');
		await sleep(QUIET_MS);
		assertNoMarker('after the proposal scenario');
	});

	test('scenario: membership changes, invitations, presence, portal traffic', async () => {
		const { iom, rco, undp, mol, mfa, cso } = c;
		// organisations and people with marked names, including a person of MOL itself
		await ok(iom, 'members.org.save', { code: 'KNRY', name: `Org ${M()}`, kind: 'other', standing: 'member' });
		await ok(iom, 'members.person.save', { login: `${TAG}p`, name: `Person ${M()}`, org: 'KNRY', function: 'focal_point', contact: `c${M()}@example.org` });
		await ok(iom, 'members.person.save', { login: 'kn.molstaff', name: `Ministry staff ${M()}`, org: 'MOL', function: 'staff', contact: `m${M()}@example.org` });
		await ok(iom, 'members.org.save', { code: 'KNRY', name: `Renamed ${M()}`, kind: 'other', standing: 'member', active: false });
		// an invitation: accepted, the person logs in (presence) and logs out; then deactivated
		const inv = await ok(iom, 'members.invite', { org: 'UNICEF', name: `Invitee ${M()}`, function: 'alternate', contact: `i${M()}@example.org` });
		const pre = await connect(server);
		all.push(pre);
		const loginMarker = M();
		await pre.ok('auth.accept_invite', { token: inv.token, login: loginMarker, password: 'invited-pass-123' });
		const p = await login(loginMarker, 'invited-pass-123');
		await iom.waitEvent((e) => e.event === 'members.presence' && e.data.changed?.login === loginMarker);
		await ok(p, 'members.presence', {});
		await p.close();
		await ok(iom, 'members.person.deactivate', { login: loginMarker });
		await ok(iom, 'members.invite', { org: 'MOL', name: `Partner invitee ${M()}`, function: 'staff' });
		await fails(iom, 'members.person.save', { login: 'kn.bad', name: `Bad ${M()}`, org: `NOPE`, function: 'staff' }, 'bad_request');
		await fails(iom, 'members.person.deactivate', { login: `nobody${M()}` }, 'not_found');
		await fails(undp, 'members.org.save', { code: 'KNRZ', name: `Not allowed ${M()}`, kind: 'other', standing: 'member' }, 'forbidden');
		await ok(iom, 'members.audit', { limit: 100 });
		await ok(rco, 'members.people', { include_inactive: true });
		await ok(rco, 'members.orgs', { include_withdrawn: true });

		// portal traffic that does not carry markers to partners: a neutral release, a partner input
		const neutral = (await ok(undp, 'groups.post', { group: S.GP, text: 'Neutral shared post', visibility: 'shared' })).post.id;
		const r = (await ok(rco, 'portal.release', { item: `post:${neutral}`, to: 'partners', note: `Internal note ${R()}` })).release;
		for (const x of [mol, mfa, cso]) await x.waitEvent((e) => e.event === 'portal.released' && e.data.id === r.id);
		await ok(rco, 'portal.withdraw', { release: r.id, reason: `Withdrawn because ${M()}` });
		for (const x of [mol, mfa, cso]) await x.waitEvent((e) => e.event === 'portal.withdrawn' && e.data.id === r.id);
		await ok(mol, 'portal.input', { text: 'Ministry input' });
		await ok(iom, 'portal.releases', { include_withdrawn: true });
		await ok(iom, 'portal.inputs', {});
		await fails(iom, 'portal.release', { item: `item:${MISSING}`, to: ['MOL'], note: `Missing ${M()}` }, 'not_found');
		for (const x of [mol, mfa, cso]) {
			assert.deepEqual((await ok(x, 'portal.feed', {})).releases, []);
			await fails(x, 'portal.item', { release: r.id }, 'not_found');
			await ok(x, 'portal.inputs', {});
		}
		await sleep(QUIET_MS);
		assertNoMarker('after the membership and portal scenario');
	});

	test('scenario: meetings: internal items, notes, requests, speakers, decisions, minutes', async () => {
		const { rco, iom, undp, unhcr, unicef, mol, mfa, cso } = c;
		// what partners may see of a meeting they are invited to is its announcement (title, time,
		// place) and its shared items: those carry no marker; everything internal does
		const starts = Date.now() + 30 * 86_400_000;
		S.M = (await ok(iom, 'meetings.create', { kind: 'regular', title: 'Quarterly meeting', purpose: 'Public purpose', starts_at: starts, location: 'Astana' })).meeting.id;
		S.Mx = (await ok(iom, 'meetings.create', { kind: 'regular', title: 'Second meeting', starts_at: starts + 86_400_000, location: 'Astana' })).meeting.id;
		await ok(iom, 'meetings.agenda.add', { meeting: S.M, title: 'Joint statement on labour migration', kind: 'statement', body: 'Public statement text', visibility: 'shared' });
		const a = (await ok(iom, 'meetings.agenda.add', { meeting: S.M, title: `Internal budget ${R()}`, kind: 'decision', body: `Internal decision text ${R()}`, presenter_org: 'UNDP' })).agenda;
		const [shared, internal] = a.map((i) => i.id);
		await ok(iom, 'meetings.agenda.circulate', { meeting: S.M });
		// a partner cannot see a draft, not even its topic
		await sub('mol', `meeting:${S.M}`, false);
		await ok(iom, 'meetings.convene', { meeting: S.M, partners: ['CSO'] });
		await ok(iom, 'meetings.convene', { meeting: S.Mx });
		for (const l of ['mol', 'cso']) await sub(l, `meeting:${S.M}`);
		await sub('mfa', `meeting:${S.M}`, false);
		for (const l of ['rco', 'undp']) await c[l].ok('sub.add', { topic: `meeting:${S.M}` });
		await ok(unicef, 'meetings.agenda.request', { meeting: S.M, title: `Requested item ${M()}`, body: `Request body ${M()}` });
		const rq = (await ok(undp, 'meetings.agenda.request', { meeting: S.M, title: `Another request ${M()}` })).agenda_requests;
		await ok(iom, 'meetings.agenda.decide', { request: rq[0].id, decision: 'declined', note: `Declined because ${M()}` });
		await ok(iom, 'meetings.agenda.decide', { request: rq[1].id, decision: 'merged', item: internal, note: `Merged note ${M()}` });
		await ok(iom, 'meetings.agenda.update', { item: internal, body: `Revised internal text ${R()}`, title: `Revised internal title ${R()}` });
		await ok(iom, 'meetings.agenda.circulate', { meeting: S.M });
		await ok(unhcr, 'meetings.apologies', { meeting: S.M, reason: `Apologies reason ${R()}` });
		await ok(undp, 'meetings.register', { meeting: S.M });
		await ok(mol, 'meetings.register', { meeting: S.M });
		await ok(unicef, 'meetings.request', { reason: `Extraordinary reason ${M()}` });
		await ok(iom, 'meetings.start', { meeting: S.M });
		for (const x of [iom, rco, undp, mol, cso]) await ok(x, 'meetings.checkin', { meeting: S.M });
		await ok(iom, 'meetings.checkin', { meeting: S.M, org: 'UNICEF' });
		await ok(iom, 'meetings.quorum', { meeting: S.M, rule: 3 });
		await ok(rco, 'meetings.item.open', { item: shared });
		await ok(mol, 'meetings.speakers.add', { item: shared });
		await ok(iom, 'meetings.note', { item: shared, text: `Note on the shared item ${R()}`, visibility: 'shared' });
		await ok(rco, 'meetings.item.open', { item: internal });
		await ok(undp, 'meetings.speakers.add', { item: internal });
		await ok(iom, 'meetings.speakers.next', { item: internal });
		await ok(iom, 'meetings.note', { item: internal, text: `Internal note ${R()}` });
		const poll = await ok(iom, 'meetings.item.poll', { item: internal, text: `Decision text ${M()}` });
		await ok(undp, 'consensus.position', { proposal: poll.proposal, position: 'object', reason: `Objection in session ${R()}` });
		await ok(rco, 'consensus.close', { proposal: poll.proposal, outcome: `Decision outcome ${M()}` });
		await ok(iom, 'meetings.checkout', { meeting: S.M, org: 'UNICEF' });
		await ok(iom, 'meetings.close', { meeting: S.M });
		await ok(iom, 'meetings.minutes.assemble', { meeting: S.M });
		await ok(iom, 'meetings.minutes.update', { meeting: S.M, sections: [{ key: 'actions', text: `Action points ${M()}` }, { key: `item:${shared}`, text: `Shared item prose ${M()}` }] });
		await ok(iom, 'meetings.minutes.circulate', { meeting: S.M, comments_until: Date.now() + 86_400_000 });
		await ok(unicef, 'meetings.minutes.comment', { meeting: S.M, section: 'actions', text: `Comment on the minutes ${M()}` });
		await ok(iom, 'meetings.minutes.approve', { meeting: S.M });
		await ok(iom, 'meetings.cancel', { meeting: S.Mx, reason: 'Postponed' });
		// partners: what they may ask answers without a marker; the rest is refused or hidden
		for (const x of [mol, cso]) {
			const g = await ok(x, 'meetings.get', { meeting: S.M });
			assert.ok(g.agenda.every((i) => i.visibility === 'shared'));
			await ok(x, 'meetings.list', {});
			await fails(x, 'meetings.item.poll', { item: internal }, 'forbidden');
			await fails(x, 'meetings.speakers.add', { item: internal }, 'not_found');
			await fails(x, 'meetings.minutes', { meeting: S.M }, 'forbidden');
			await fails(x, 'meetings.agenda.versions', { meeting: S.M }, 'forbidden');
			await fails(x, 'meetings.attendance', { meeting: S.M }, 'forbidden');
			await fails(x, 'meetings.requests', {}, 'forbidden');
			await fails(x, 'consensus.get', { proposal: poll.proposal }, 'not_found');
		}
		await fails(mfa, 'meetings.get', { meeting: S.M }, 'not_found');
		for (const p of ['minutes', 'attendance.csv', 'ics']) {
			const r = await httpRequest(server, `/api/meetings/${p}?meeting=${S.M}`, { headers: { Authorization: `Bearer ${mol.token}` } });
			assert.equal(r.status, 403, `${p} for a partner`);
			assert.ok(!r.body.includes(TAG));
		}
		await sleep(QUIET_MS);
		assertNoMarker('after the meetings scenario');
		assert.ok(mol.events.some((e) => e.event === 'meetings.current_item' && e.data.internal === true), 'MOL was told an internal item was on');
		assert.ok(c.undp.events.some((e) => e.event === 'meetings.note' && markersIn([JSON.stringify(e)]).size > 0), 'members did get the notes live');
	});

	test('scenario: the workplan, progress, follow-up of a decision, the annual report', async () => {
		const { iom, rco, undp, mol, mfa, cso } = c;
		const y = new Date().getUTCFullYear() - 1;
		await sub('mol', 'workplan', false);
		await sub('cso', 'workplan', false);
		await iom.ok('sub.add', { topic: 'workplan' });
		const plan = (await ok(iom, 'workplan.plan.create', { title: `Plan ${M()}`, period_start: `${y}-01-01`, period_end: `${y + 1}-12-31`, unsdcf_ref: `Outcome ${M()}` })).plan;
		const area = (await ok(iom, 'workplan.area.add', { plan: plan.id, title: `Area ${M()}`, description: `Why ${M()}`, gcm: [1], sdg: ['10.7'] })).area;
		const item = (await ok(iom, 'workplan.item.add', { area: area.id, title: `Item ${M()}`, lead_orgs: ['UNDP'], start: `${y}-01-01`, end: `${y}-12-31`, resources_note: `Money ${M()}`, indicators: [{ name: `Indicator ${M()}`, unit: 'people', type: 'integer', baseline: 0, target: 10, means: `Means ${M()}` }] })).item;
		await ok(undp, 'workplan.progress.report', { item: item.id, period: `${y}-Q1`, narrative: `Narrative ${M()}`, values: [{ indicator: item.indicators[0].id, value: 4 }] });
		await fails(undp, 'workplan.progress.report', { item: item.id, period: `${y}-Q1`, narrative: `Refused ${M()}`, values: [{ indicator: item.indicators[0].id, value: `four ${M()}` }] }, 'bad_request');
		const decision = (await ok(rco, 'consensus.create', { title: `Decision ${M()}`, text: `Text ${M()}`, kind: 'decision' })).proposal.id;
		await ok(rco, 'consensus.open', { proposal: decision });
		await ok(rco, 'consensus.close', { proposal: decision });
		await ok(iom, 'workplan.followup.add', { decision, title: `Follow-up ${M()}`, owner_org: 'UNHCR', due_date: `${y}-02-01`, item: item.id, note: `Note ${M()}` });
		await ok(iom, 'workplan.board', {});
		const report = (await ok(iom, 'workplan.report.create', { plan: plan.id, title: `Report ${M()}`, period_start: `${y}-01-01`, period_end: `${y}-12-31` })).report;
		await ok(iom, 'workplan.report.update', { report: report.id, intro: `Intro ${M()}` });
		// this year's report: the meeting held, the decisions closed, none of their reasons, notes,
		// internal items or apologies (what the portal would release of it)
		const now = (await ok(iom, 'workplan.report.create', { plan: plan.id, title: 'This year', period_start: `${y + 1}-01-01`, period_end: `${y + 1}-12-31` })).report;
		assert.ok(now.content.meetings.some((m) => m.id === S.M), 'the meeting held is in the report');
		assert.ok(now.content.decisions.some((d) => d.id === decision), 'the decision closed is in the report');
		assert.ok(neverInReport.length >= 10, `planted: ${neverInReport.length}`);
		const text = JSON.stringify(now);
		for (const m of neverInReport) assert.ok(!text.includes(m), `the report carries ${m}: ${text.slice(Math.max(0, text.indexOf(m) - 300), text.indexOf(m) + 40)}`);
		for (const x of [mol, mfa, cso]) {
			for (const [type, data] of [
				['workplan.plans', {}],
				['workplan.plan.get', { plan: plan.id }],
				['workplan.view', { plan: plan.id, by: 'gcm' }],
				['workplan.progress', { plan: plan.id }],
				['workplan.followups', {}],
				['workplan.links', { item: item.id }],
				['workplan.report.get', { report: report.id }],
				['workplan.reports', {}],
				['workplan.progress.report', { item: item.id, period: `${y}-Q2`, narrative: 'x' }],
			])
				await fails(x, type, data, 'forbidden');
			await fails(x, 'portal.item', { item: `report:${report.id}` }, 'not_found');
			await fails(x, 'portal.item', { item: `workplan:${plan.id}` }, 'not_found');
			const http = await httpRequest(server, `/api/workplan/report?report=${report.id}&format=html`, { headers: { authorization: `Bearer ${x.token}` } });
			assert.equal(http.status, 403, 'the report export is closed to partners');
			assert.ok(!http.body.includes(TAG));
		}
		await sleep(QUIET_MS);
		assertNoMarker('after the workplan scenario');
	});

	test('members did receive the markers (the scenario is not vacuous)', async () => {
		const memberFrames = ['rco', 'iom', 'undp', 'unhcr', 'unicef'].flatMap((l) => c[l].frames);
		const seen = markersIn(memberFrames);
		// markers only used in refused requests, in position reasons (the reply and the tally carry
		// none) and the like are never echoed; most others are (replies, events, audit log)
		const unseen = markers.filter((m) => !seen.has(m));
		assert.ok(seen.size >= markers.length / 2, `members saw ${seen.size} of ${markers.length} markers; unseen: ${unseen.join(', ')}`);
		// live events of internal things did reach members
		assert.ok(c.unhcr.events.some((e) => e.event === 'groups.post' && markersIn([JSON.stringify(e)]).size > 0), 'an internal post event reached a member');
		assert.ok(c.iom.events.some((e) => e.event === 'members.changed'), 'members.changed reached members');
	});

	test('partners reconnect and replay every topic from their first subscription: still no marker', async () => {
		for (const l of ['mol', 'mfa', 'cso']) {
			const x = await login(l);
			for (const [k, seq] of Object.entries(firstSeq)) {
				const [who, topic] = k.split('|');
				if (who !== l) continue;
				const r = await x.request('sub.add', { topic, since: seq });
				assert.equal(r.ok, true, `${l} replays ${topic}: ${JSON.stringify(r)}`);
			}
			c[l] = x; // the final step listens on the new connection
		}
		await sleep(QUIET_MS);
		assert.ok(c.mol.events.some((e) => e.topic === `group:${S.GP}`), 'the replay delivered something (shared posts)');
		assertNoMarker('after replay');
	});

	test('release exactly one internal item to MOL: exactly its marker arrives at MOL, nothing at MFA or CSO', async () => {
		const { iom, rco } = c;
		const from = { mol: partnerFrames('mol').length, mfa: partnerFrames('mfa').length, cso: partnerFrames('cso').length };
		noteMarker = M();
		const mark = iom.messages.length;
		const r = (await ok(rco, 'portal.release', { item: `item:${S.releaseItem}`, to: ['MOL'], note: `Release note ${noteMarker}` })).release;
		assert.ok(JSON.stringify(r.content).includes(releaseMarker), 'the released content carries the item');
		await iom.waitEvent((e) => e.event === 'portal.release' && e.data.release.id === r.id, 10_000, { from: mark });
		const ev = await c.mol.waitEvent((e) => e.event === 'portal.released' && e.data.id === r.id);
		assert.ok(ev.data.content.title.includes(releaseMarker), `MOL gets the released item: ${JSON.stringify(ev)}`);
		const feed = (await ok(c.mol, 'portal.feed', {})).releases;
		assert.deepEqual(feed.map((x) => x.id), [r.id]);
		assert.ok(feed[0].content.title.includes(releaseMarker));
		const item = (await ok(c.mol, 'portal.item', { release: r.id })).release;
		assert.deepEqual(Object.keys(item).sort(), ['content', 'id', 'item', 'kind', 'released_at']);
		await sleep(QUIET_MS);

		const newMol = partnerFrames('mol').slice(from.mol);
		assert.deepEqual([...markersIn(newMol)], [releaseMarker], 'exactly the released marker arrives at MOL (not the release note)');
		assert.deepEqual([...markersIn(partnerFrames('mol'))], [releaseMarker], 'and MOL never received any other marker');
		for (const l of ['mfa', 'cso']) {
			assert.deepEqual([...markersIn(partnerFrames(l))], [], `${l} received no marker`);
			assert.ok(!partnerFrames(l).slice(from[l]).some((f) => f.includes(`"id":${r.id},`) || f.includes(`item:${S.releaseItem}`)), `${l} got nothing of the release`);
			assert.deepEqual((await ok(c[l], 'portal.feed', {})).releases, []);
		}
	});

	test('the outbox: no internal text in any e-mail to a partner; the release reaches MOL by mail', async () => {
		const partnerMail = (ms, l) => ms.filter((m) => m.rcpt_tos.includes(MAIL(l)));
		const ms = await sink.until((x) => partnerMail(x, 'mol').some((m) => JSON.stringify(m).includes(releaseMarker)), 'the release mailed to MOL');
		await sleep(QUIET_MS);
		const all = await sink.messages();
		const found = (l) => markersIn(partnerMail(all, l).map((m) => JSON.stringify(m)));
		assert.deepEqual([...found('mol')], [releaseMarker], 'MOL: exactly the released marker, by mail too');
		for (const l of ['mfa', 'cso']) assert.deepEqual([...found(l)], [], `${l}: no marker by mail`);
		// the in-app inbox, read by each partner: its frames count with the others
		for (const l of ['mol', 'mfa', 'cso']) await ok(c[l], 'notify.inbox.list', {});
		assert.ok(JSON.stringify(partnerFrames('mol')).includes('notify.inbox'), 'MOL has inbox frames');
		assert.deepEqual([...markersIn(partnerFrames('mol'))], [releaseMarker], 'MOL: exactly the released marker, inbox included');
		for (const l of ['mfa', 'cso']) assert.deepEqual([...markersIn(partnerFrames(l))], [], `${l}: no marker, inbox included`);
		for (const l of ['mol', 'mfa', 'cso'])
			assert.ok(!partnerMail(all, l).some((m) => JSON.stringify(m).replaceAll(releaseMarker, '').includes(TAG)), `${l}: nothing else with the marker prefix`);
		// not vacuous: members were mailed internal titles (proposals opened, outcomes)
		const memberMail = all.filter((m) => ['rco', 'undp', 'unhcr', 'unicef'].some((l) => m.rcpt_tos.includes(MAIL(l))));
		assert.ok(markersIn(memberMail.map((m) => JSON.stringify(m))).size >= 2, 'members got marked titles by mail');
		assert.ok(ms.length > 0);
	});
});
