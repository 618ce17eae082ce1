// Consensus plugin (`consensus.*`, plugin `consensus`): proposals decided by
// consensus of organisations, live tallies on `proposal:<id>`, objections,
// missing organisations, state matters and the state counterpart's
// consultation, hidden tallies, who may vote, replaced positions,
// idempotent positions, the closing timer, tally coalescing, durability
// across kill -9, extend/reopen, the record export and the decision
// register.  See docs/protocol.md, "Consensus plugin".
//
// The tests of the main `describe` share one server and run in order; one
// real client per demo member organisation stays connected during the whole
// scenario, and every test creates its own proposals.  Coalescing with
// `tally_max_per_sec: 0`, kill -9 and the plugin config checks use their own
// servers.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { startServer, connect, connectAs, closeAll, httpRequest, sleep, MEMBERS } from './lib/harness.js';
import { parseCsv } from './lib/csv.js';

const PLUGINS = { membership: {}, consensus: {}, test: {} };
const CODES = MEMBERS.map((l) => l.toUpperCase()).sort();
const INVITED_PASSWORD = 'invited-pass-123';
const NONEXISTENT = 987654321;
const CSV_COLUMNS = ['org', 'position', 'reason', 'cast_by', 'cast_at'];
const PROPOSAL_KEYS = [
	'id',
	'title',
	'text',
	'scope',
	'kind',
	'state_matter',
	'hide_tally',
	'status',
	'closes_at',
	'voters',
	'outcome',
	'outcome_statement',
	'close_reason',
	'closed_by',
	'closed_at',
	'review_date',
	'created_by',
	'created_at',
	'opened_at',
	'close_facts',
];
const TALLY_KEYS = [
	'proposal',
	'status',
	'responded',
	'pending',
	'state_matter',
	'consultation_in',
	'hidden',
	'consensus_possible',
	'counts',
	'consensus_reached',
];

// ------------------------------------------------------------ helpers



function sqlite(dbPath, sql) {
	return new Promise((resolve, reject) => {
		execFile('sqlite3', ['-cmd', '.timeout 5000', dbPath, sql], { timeout: 20_000 }, (err, stdout, stderr) => {
			if (err) reject(new Error(`sqlite3 ${dbPath} ${JSON.stringify(sql)} failed: ${err.message}\n${stderr}`));
			else resolve(String(stdout));
		});
	});
}

/** Asserts the reply is an error with that code (and, if given, a message matching re). */
function assertError(r, code, what, re) {
	assert.equal(r.ok, false, `${what}: expected ${code}, got ${JSON.stringify(r)}`);
	assert.equal(r.error?.code, code, `${what}: expected ${code}, got ${JSON.stringify(r)}`);
	assert.equal(typeof r.error.message, 'string', `${what}: error has a message: ${JSON.stringify(r)}`);
	if (re) assert.match(r.error.message, re, `${what}: message ${JSON.stringify(r.error.message)} should match ${re}`);
	assert.equal(r.data, undefined, `${what}: an error reply carries no data: ${JSON.stringify(r)}`);
}

const topicOf = (id) => `proposal:${id}`;
/** Predicate for a consensus.tally event of proposal id whose data satisfies pred. */
const tallyOf =
	(id, pred = () => true) =>
	(e) =>
		e.event === 'consensus.tally' && e.topic === topicOf(id) && e.data && pred(e.data);
const tallies = (client, id, from = 0) => client.messages.slice(from).filter((m) => m && tallyOf(id)(m));
const sorted = (a) => [...a].sort();
const idOf = (d) => (d && typeof d === 'object' ? (d.id ?? d.proposal?.id ?? d.proposal) : d);

/** Checks the documented shape of a tally (visible or hidden). */
function assertTallyShape(t, id, what) {
	assert.equal(t.proposal, id, `${what}: tally.proposal`);
	for (const k of ['status', 'responded', 'pending', 'state_matter', 'consultation_in', 'hidden', 'consensus_possible'])
		assert.ok(k in t, `${what}: tally has ${k}: ${JSON.stringify(t)}`);
	assert.ok(Array.isArray(t.responded) && Array.isArray(t.pending), `${what}: responded/pending are arrays: ${JSON.stringify(t)}`);
	if (t.hidden && t.status !== 'closed') {
		assert.ok(!('counts' in t), `${what}: hidden tally before the close has no counts: ${JSON.stringify(t)}`);
		assert.ok(!('consensus_reached' in t), `${what}: hidden tally before the close has no consensus_reached: ${JSON.stringify(t)}`);
	} else {
		assert.deepEqual(Object.keys(t.counts || {}).sort(), ['abstain', 'agree', 'object', 'reservations'], `${what}: counts: ${JSON.stringify(t)}`);
		assert.equal(typeof t.consensus_reached, 'boolean', `${what}: consensus_reached: ${JSON.stringify(t)}`);
	}
}

/** Opens one logged-in client per demo member organisation (sequentially: logins per address are capped). */
async function openOrgClients(server) {
	const org = {};
	for (const l of MEMBERS) org[l] = await connectAs(server, l);
	return org;
}

// ------------------------------------------------------------------ tests

describe('consensus', { timeout: 300_000 }, () => {
	let server;
	let org; // login -> Client, one per member organisation
	let rco; // co-chair (= org.rco)
	let iom; // co-chair + secretariat (= org.iom)
	let undp; // plain member focal point (= org.undp)
	let mol; // state counterpart (partner)
	let mfa; // partner, not the state counterpart
	let cso; // partner
	const clients = [];
	let n = 0;
	const closedIds = {}; // name -> id of proposals the later tests reuse

	const as = async (login, password) => {
		const c = await connect(server);
		clients.push(c);
		await c.login(login, password);
		return c;
	};
	async function create(extra = {}, by = null) {
		const d = await (by || rco).ok('consensus.create', { title: `Proposal ${++n}`, text: `Text of proposal ${n}`, kind: 'decision', ...extra });
		return d.proposal.id;
	}
	async function createOpen(extra = {}, openExtra = {}) {
		const id = await create(extra);
		const d = await rco.ok('consensus.open', { proposal: id, ...openExtra });
		assert.equal(d.proposal.status, 'open');
		return id;
	}
	/** Subscribes the clients to proposal:id; returns their message marks (before the subscription). */
	async function subscribe(id, cs) {
		const marks = new Map();
		for (const c of cs) {
			marks.set(c, c.messages.length);
			const s = await c.ok('sub.add', { topic: topicOf(id) });
			assert.equal(s.topic, topicOf(id));
		}
		return marks;
	}
	function position(login, id, pos = 'agree', reason, opts) {
		const data = { proposal: id, position: pos };
		if (reason !== undefined) data.reason = reason;
		return org[login].ok('consensus.position', data, opts);
	}
	const allPosition = (id, logins = MEMBERS, pos = 'agree') => Promise.all(logins.map((l) => position(l, id, pos)));
	const get = (id, c = rco) => c.ok('consensus.get', { proposal: id });
	/** Invites a person into orgCode (by iom) and accepts; returns the login. */
	async function invitePerson(orgCode, login, fn) {
		const inv = await iom.ok('members.invite', { org: orgCode, name: `Person ${login}`, function: fn });
		const c = await connect(server);
		clients.push(c);
		const r = await c.request('auth.accept_invite', { token: inv.token, login, password: INVITED_PASSWORD });
		assert.equal(r.ok, true, `auth.accept_invite ${login} into ${orgCode}: ${JSON.stringify(r)}`);
		await c.close();
		return login;
	}

	before(async () => {
		server = await startServer({ plugins: PLUGINS });
		org = await openOrgClients(server);
		clients.push(...Object.values(org));
		rco = org.rco;
		iom = org.iom;
		undp = org.undp;
		mol = await as('mol');
		mfa = await as('mfa');
		cso = await as('cso');
	});
	after(async () => {
		await closeAll(clients);
		if (server) await server.dispose();
	});

	test('the consensus plugin is loaded; the demo has the ten member organisations and MOL as state counterpart', async () => {
		const info = await rco.ok('sys.info', {});
		assert.ok(info.plugins.some((p) => p.name === 'consensus'), `sys.info plugins: ${JSON.stringify(info.plugins)}`);
		const orgs = (await iom.ok('members.orgs', {})).orgs;
		assert.deepEqual(sorted(orgs.filter((o) => o.standing === 'member' && o.active).map((o) => o.code)), CODES);
		assert.deepEqual(orgs.filter((o) => o.state_counterpart).map((o) => o.code), ['MOL']);
		for (const l of MEMBERS) assert.equal(org[l].user.org, l.toUpperCase(), `${l} speaks for ${l.toUpperCase()}`);
	});

	test('0. create/open permissions, draft shape, input validation, state checks', async () => {
		for (const t of ['consensus.create', 'consensus.get', 'consensus.position']) {
			const c = await connect(server);
			clients.push(c);
			assertError(await c.request(t, {}), 'unauthenticated', `${t} before login`);
		}
		const d = await rco.ok('consensus.create', { title: 'Draft shape', text: 'Some text', kind: 'decision' });
		const p = d.proposal;
		assert.deepEqual(Object.keys(p).sort(), [...PROPOSAL_KEYS].sort(), `proposal fields: ${JSON.stringify(p)}`);
		assert.equal(typeof p.id, 'number');
		assert.equal(p.title, 'Draft shape');
		assert.equal(p.text, 'Some text');
		assert.equal(p.scope, 'network');
		assert.equal(p.kind, 'decision');
		assert.equal(p.state_matter, false);
		assert.equal(p.hide_tally, false);
		assert.equal(p.status, 'draft');
		assert.equal(p.outcome, null);
		assert.equal(p.created_by, 'rco');
		assert.ok(Math.abs(p.created_at - Date.now()) < 60_000, `created_at ${p.created_at} is ms since the epoch`);
		assert.deepEqual(d.positions, []);
		assertTallyShape(d.tally, p.id, 'draft tally');

		// secretariat may create; plain members and partners may not
		const byIom = await iom.request('consensus.create', { title: 'By secretariat', text: 'x', kind: 'statement' });
		assert.equal(byIom.ok, true, `iom (secretariat) create: ${JSON.stringify(byIom)}`);
		assert.equal(byIom.data.proposal.created_by, 'iom');
		assert.equal(byIom.data.proposal.kind, 'statement');
		for (const [who, c] of [
			['undp', undp],
			['mol', mol],
			['cso', cso],
		])
			assertError(await c.request('consensus.create', { title: 'Sneaky', text: 'x', kind: 'decision' }), 'forbidden', `${who} create`);
		const titles = (await rco.ok('consensus.list', {})).proposals.map((x) => x.title);
		assert.ok(!titles.includes('Sneaky'), 'a forbidden create creates nothing');

		// validation
		const good = { title: 'Valid', text: 'x', kind: 'decision' };
		for (const [data, re] of [
			[{ text: 'x', kind: 'decision' }, /title/],
			[{ title: 'x', kind: 'decision' }, /text/],
			[{ title: 'x', text: 'x' }, /kind/],
			[{ ...good, kind: 'resolution' }, /kind/],
			[{ ...good, scope: 'galaxy' }, /scope/],
			[{ ...good, state_matter: 'yes' }, /state_matter/],
			[{ ...good, hide_tally: 1 }, /hide_tally/],
			[{ ...good, closes_at: Date.now() - 60_000 }, /closes_at/],
			[{ ...good, closes_at: 'tomorrow' }, /closes_at/],
		])
			assertError(await rco.request('consensus.create', data), 'bad_request', `create ${JSON.stringify(data)}`, re);

		// draft: no positions; only co-chairs open; open twice -> conflict; close of a draft -> conflict
		assertError(await undp.request('consensus.position', { proposal: p.id, position: 'agree' }), 'conflict', 'position on a draft');
		assertError(await undp.request('consensus.open', { proposal: p.id }), 'forbidden', 'undp open');
		const opened = await iom.ok('consensus.open', { proposal: p.id });
		assert.equal(opened.proposal.status, 'open');
		assert.deepEqual(sorted(opened.proposal.voters), CODES, 'voters: the ten active member organisations');
		assert.equal(typeof opened.proposal.opened_at, 'number');
		assert.deepEqual(sorted(opened.tally.pending), CODES);
		assert.deepEqual(opened.tally.responded, []);
		assertError(await rco.request('consensus.open', { proposal: p.id }), 'conflict', 'open an open proposal');
		const draft2 = await create();
		assertError(await rco.request('consensus.close', { proposal: draft2 }), 'conflict', 'close a draft');
		assertError(await rco.request('consensus.get', { proposal: NONEXISTENT }), 'not_found', 'get a nonexistent proposal');
		assertError(await rco.request('consensus.open', { proposal: NONEXISTENT }), 'not_found', 'open a nonexistent proposal');
	});

	test('1. ten organisations, ten clients: all agree -> consensus reached live, rco closes with outcome consensus, final tally reaches everyone', async () => {
		const id = await createOpen({ title: 'Joint work plan 2026' });
		const cs = MEMBERS.map((l) => org[l]);
		const marks = await subscribe(id, cs);

		const acks = await allPosition(id);
		for (const [i, l] of MEMBERS.entries()) {
			const { tally_sent: sent, cast_at: at, ...a } = acks[i];
			const code = l.toUpperCase();
			assert.equal(typeof sent, 'boolean', `ack to ${l} says whether its tally is out`);
			assert.ok(Number.isInteger(at) && Math.abs(at - Date.now()) < 60_000, `ack to ${l} has cast_at: ${at}`);
			assert.deepEqual(
				a,
				{ proposal: id, org: code, position: 'agree', reason: '', cast_by: l, recorded: `cast by ${l} on behalf of ${code}`, duplicate: false },
				`ack to ${l}`,
			);
		}
		for (const l of MEMBERS) {
			const ev = await org[l].waitEvent(tallyOf(id, (t) => t.counts?.agree === 10), 10_000, { from: marks.get(org[l]) });
			const t = ev.data;
			assertTallyShape(t, id, `tally seen by ${l}`);
			assert.equal(t.status, 'open');
			assert.deepEqual(t.pending, [], `${l}: pending empty: ${JSON.stringify(t)}`);
			assert.deepEqual(sorted(t.responded), CODES, `${l}: all responded`);
			assert.equal(t.consensus_reached, true, `${l}: consensus_reached: ${JSON.stringify(t)}`);
			assert.equal(t.consensus_possible, true);
			assert.equal(t.hidden, false);
			assert.equal(t.state_matter, false);
			assert.deepEqual(t.counts, { agree: 10, reservations: 0, abstain: 0, object: 0 });
			// seq strictly increasing on the topic
			const seqs = tallies(org[l], id, marks.get(org[l])).map((e) => e.seq);
			for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], `${l}: seq increases: ${seqs}`);
		}

		const closeMarks = new Map(cs.map((c) => [c, c.messages.length]));
		const closed = await rco.ok('consensus.close', { proposal: id, outcome: 'The joint work plan 2026 is adopted.' });
		assert.equal(closed.proposal.status, 'closed');
		assert.equal(closed.proposal.outcome, 'consensus');
		assert.equal(closed.proposal.outcome_statement, 'The joint work plan 2026 is adopted.');
		assert.equal(closed.proposal.closed_by, 'rco');
		assert.equal(typeof closed.proposal.closed_at, 'number');
		assert.equal(closed.positions.length, 10);
		assert.equal(closed.tally.status, 'closed');
		assert.equal(closed.tally.consensus_reached, true);
		for (const l of MEMBERS) {
			const ev = await org[l].waitEvent(tallyOf(id, (t) => t.status === 'closed'), 10_000, { from: closeMarks.get(org[l]) });
			assert.equal(ev.data.outcome, 'consensus', `${l}: final tally outcome: ${JSON.stringify(ev.data)}`);
			assert.deepEqual(ev.data.counts, { agree: 10, reservations: 0, abstain: 0, object: 0 });
			assert.equal(ev.data.consensus_reached, true);
			assert.deepEqual(ev.data.pending, []);
		}
		// closed: no more positions
		assertError(await undp.request('consensus.position', { proposal: id, position: 'object', reason: 'late' }), 'conflict', 'position after close');
		closedIds.allAgree = id;
	});

	test('2. an objection blocks; reason required with object and reservations; close -> no_consensus', async () => {
		const id = await createOpen({ title: 'Objection blocks' });
		const marks = await subscribe(id, [rco]);
		assertError(await undp.request('consensus.position', { proposal: id, position: 'object' }), 'bad_request', 'object without reason', /reason/);
		assertError(
			await undp.request('consensus.position', { proposal: id, position: 'reservations' }),
			'bad_request',
			'reservations without reason',
			/reason/,
		);
		assertError(await undp.request('consensus.position', { proposal: id, position: 'maybe' }), 'bad_request', 'unknown position', /position/);
		assertError(await undp.request('consensus.position', { proposal: id }), 'bad_request', 'missing position', /position/);
		assertError(
			await undp.request('consensus.position', { proposal: NONEXISTENT, position: 'agree' }),
			'not_found',
			'position on a nonexistent proposal',
		);
		assert.deepEqual((await get(id)).positions, [], 'refused positions record nothing');

		const a = await position('undp', id, 'object', 'The budget lines are not costed');
		assert.equal(a.position, 'object');
		const t1 = (await rco.waitEvent(tallyOf(id, (t) => t.responded.includes('UNDP')), 10_000, { from: marks.get(rco) })).data;
		assert.equal(t1.consensus_possible, false, `one objection: consensus_possible false: ${JSON.stringify(t1)}`);
		assert.equal(t1.consensus_reached, false);
		assert.equal(t1.counts.object, 1);

		await allPosition(id, MEMBERS.filter((l) => l !== 'undp'));
		const t2 = (await rco.waitEvent(tallyOf(id, (t) => t.responded.length === 10), 10_000, { from: marks.get(rco) })).data;
		assert.deepEqual(t2.counts, { agree: 9, reservations: 0, abstain: 0, object: 1 });
		assert.deepEqual(t2.pending, []);
		assert.equal(t2.consensus_possible, false);
		assert.equal(t2.consensus_reached, false, `all responded but one objects: ${JSON.stringify(t2)}`);

		const closed = await rco.ok('consensus.close', { proposal: id, outcome: 'Adopted as drafted', reason: 'UNDP objection stands' });
		assert.equal(closed.proposal.outcome, 'no_consensus', 'the server computes the outcome, whatever the request says');
		assert.equal(closed.proposal.close_reason, 'UNDP objection stands');
		const up = closed.positions.find((p) => p.org === 'UNDP');
		assert.deepEqual(
			{ position: up?.position, reason: up?.reason, cast_by: up?.cast_by },
			{ position: 'object', reason: 'The budget lines are not costed', cast_by: 'undp' },
			'the objection and its reason stay on the record',
		);
		const fin = (await rco.waitEvent(tallyOf(id, (t) => t.status === 'closed'), 10_000, { from: marks.get(rco) })).data;
		assert.equal(fin.outcome, 'no_consensus');
		closedIds.objection = id;
	});

	test('2b. reservations and abstain do not block', async () => {
		const id = await createOpen({ title: 'Reservations do not block' });
		const marks = await subscribe(id, [rco]);
		await position('unhcr', id, 'reservations', 'Timeline is tight');
		await position('unfpa', id, 'abstain');
		await allPosition(id, MEMBERS.filter((l) => l !== 'unhcr' && l !== 'unfpa'));
		const t = (await rco.waitEvent(tallyOf(id, (x) => x.responded.length === 10), 10_000, { from: marks.get(rco) })).data;
		assert.deepEqual(t.counts, { agree: 8, reservations: 1, abstain: 1, object: 0 });
		assert.equal(t.consensus_reached, true, `reservations + abstain + agree: ${JSON.stringify(t)}`);
		const closed = await rco.ok('consensus.close', { proposal: id });
		assert.equal(closed.proposal.outcome, 'consensus');
		assert.equal(closed.positions.find((p) => p.org === 'UNHCR')?.reason, 'Timeline is tight');
	});

	test('3. a missing organisation prevents consensus: 9 agree, close -> no_consensus, close_facts name who did not respond', async () => {
		const id = await createOpen({ title: 'Nine of ten' });
		const marks = await subscribe(id, [rco]);
		await allPosition(id, MEMBERS.filter((l) => l !== 'unesco'));
		const t = (await rco.waitEvent(tallyOf(id, (x) => x.responded.length === 9), 10_000, { from: marks.get(rco) })).data;
		assert.deepEqual(t.pending, ['UNESCO']);
		assert.equal(t.consensus_possible, true);
		assert.equal(t.consensus_reached, false, `UNESCO pending: ${JSON.stringify(t)}`);
		const closed = await rco.ok('consensus.close', { proposal: id });
		assert.equal(closed.proposal.outcome, 'no_consensus');
		// no sentence made by the server: the facts, for the client to say in its language
		assert.equal(closed.proposal.close_reason, null, `no reason given, none made up: ${JSON.stringify(closed.proposal)}`);
		assert.deepEqual(closed.proposal.close_facts, { missing: ['UNESCO'], objected: [], consultation_missing: false, closing_time: false });
		assert.equal(closed.proposal.closed_by, 'rco');
		closedIds.nine = id;
	});

	test('4. state matter: consensus needs MOL consultation; only the state counterpart may consult', async () => {
		const id = await create({ title: 'Labour migration agreement', state_matter: true });
		// a draft state matter is not visible to the state counterpart
		const draftGet = await mol.request('consensus.get', { proposal: id });
		const ghostGet = await mol.request('consensus.get', { proposal: NONEXISTENT });
		assertError(draftGet, 'not_found', 'mol get of a draft state matter');
		assert.deepEqual(draftGet.error, ghostGet.error, 'draft state matter answers mol like a nonexistent proposal');
		await rco.ok('consensus.open', { proposal: id });

		const mg = await mol.ok('consensus.get', { proposal: id });
		assert.deepEqual(Object.keys(mg).sort(), ['consultation', 'proposal'], `the state counterpart gets {proposal, consultation} only: ${JSON.stringify(mg)}`);
		assert.equal(mg.proposal.id, id);
		assert.equal(mg.consultation, null);
		const molMark = mol.messages.length;
		const s = await mol.request('sub.add', { topic: topicOf(id) });
		assert.equal(s.ok, true, `mol sub.add ${topicOf(id)}: ${JSON.stringify(s)}`);
		const marks = await subscribe(id, [rco]);

		await allPosition(id);
		const t1 = (await rco.waitEvent(tallyOf(id, (x) => x.responded.length === 10), 10_000, { from: marks.get(rco) })).data;
		assert.equal(t1.state_matter, true);
		assert.equal(t1.consultation_in, false);
		assert.deepEqual(t1.pending, []);
		assert.equal(t1.consensus_reached, false, `all agree but MOL has not been consulted: ${JSON.stringify(t1)}`);

		// mfa cannot see state matters (consensus.get answers not_found), so its consult must not reveal the
		// proposal: refused (forbidden or not_found) exactly as for a nonexistent proposal
		const mc = await mfa.request('consensus.consult', { proposal: id, view: 'MFA view' });
		const mcGhost = await mfa.request('consensus.consult', { proposal: NONEXISTENT, view: 'MFA view' });
		assert.equal(mc.ok, false, `mfa (partner, not state counterpart) consult: ${JSON.stringify(mc)}`);
		assert.ok(['forbidden', 'not_found'].includes(mc.error?.code), `mfa consult: ${JSON.stringify(mc)}`);
		assert.deepEqual(mc.error, mcGhost.error, 'mfa consult on a state matter answers like on a nonexistent proposal');
		assertError(await undp.request('consensus.consult', { proposal: id, view: 'UNDP view' }), 'forbidden', 'undp (member) consult');
		assertError(await rco.request('consensus.consult', { proposal: id, view: 'RCO view' }), 'forbidden', 'rco (co-chair) consult');
		assertError(await mol.request('consensus.position', { proposal: id, position: 'agree' }), 'forbidden', 'mol position');
		assertError(await mol.request('consensus.consult', { proposal: id }), 'bad_request', 'mol consult without view', /view/);

		const c = await mol.ok('consensus.consult', { proposal: id, view: 'The Ministry supports the agreement' });
		assert.deepEqual(c, { proposal: id, org: 'MOL', consultation_in: true });
		const t2 = (await rco.waitEvent(tallyOf(id, (x) => x.consultation_in === true), 10_000, { from: marks.get(rco) })).data;
		assert.equal(t2.consensus_reached, true, `all agree and MOL consulted: ${JSON.stringify(t2)}`);
		const g = await get(id);
		assert.ok(g.consultation, `consensus.get shows the consultation: ${JSON.stringify(g)}`);
		assert.ok(JSON.stringify(g.consultation).includes('The Ministry supports the agreement'), `consultation view: ${JSON.stringify(g.consultation)}`);
		// a later view replaces the earlier one
		await mol.ok('consensus.consult', { proposal: id, view: 'The Ministry strongly supports the agreement' });
		const g2 = await get(id);
		assert.ok(JSON.stringify(g2.consultation).includes('strongly supports'), `later view replaces: ${JSON.stringify(g2.consultation)}`);

		const closed = await rco.ok('consensus.close', { proposal: id });
		assert.equal(closed.proposal.outcome, 'consensus');
		const st = await mol.waitEvent((e) => e.event === 'consensus.status' && e.topic === topicOf(id) && e.data?.status === 'closed', 10_000, {
			from: molMark,
		});
		// the outcome reaches the state counterpart by a release only (issue 15, section 4)
		assert.deepEqual(st.data, { proposal: id, status: 'closed', consultation_in: true }, 'status event to the state counterpart');
		const molFrames = mol.messages.slice(molMark).filter((m) => m && m.topic === topicOf(id));
		assert.ok(
			molFrames.every((m) => m.event === 'consensus.status'),
			`the state counterpart gets consensus.status only, never the tally: ${JSON.stringify(molFrames)}`,
		);
		assert.ok(!JSON.stringify(molFrames).includes('counts'), 'no counts reach the state counterpart');
		assertError(await mol.request('consensus.consult', { proposal: id, view: 'too late' }), 'conflict', 'mol consult after close');
		const mgc = await mol.ok('consensus.get', { proposal: id });
		assert.equal(mgc.proposal.status, 'closed', 'the state counterpart still sees its closed state matter');
		for (const k of ['outcome', 'outcome_statement', 'close_reason'])
			assert.equal(mgc.proposal[k], undefined, `no ${k} for the state counterpart before a release: ${JSON.stringify(mgc.proposal)}`);
		assert.ok(JSON.stringify(mgc.consultation).includes('strongly supports'), 'its own consultation view stays visible to it');
		const ml = await mol.ok('consensus.list', {});
		const mine = ml.proposals.find((x) => x.id === id);
		assert.ok(mine && mine.outcome === undefined && mine.outcome_statement === undefined, `list without outcome: ${JSON.stringify(mine)}`);
		assert.ok(!('positions' in mgc) && !('tally' in mgc), `closed: still {proposal, consultation} only: ${JSON.stringify(Object.keys(mgc))}`);
		closedIds.stateMatter = id;
	});

	test('5. hidden tally: no counts, no consensus_reached, no positions or reasons before the close; all after', async () => {
		const id = await createOpen({ title: 'Secret ballot', hide_tally: true });
		const created = await get(id);
		assert.equal(created.proposal.hide_tally, true);
		const marks = await subscribe(id, [rco, undp, org.unicef]);
		const secret = 'SECRET-reason-7f3a9 do not leak';
		const a = await position('unhcr', id, 'object', secret);
		assert.equal(a.position, 'object', 'the caster is told its own position');
		await position('undp', id, 'agree');
		await position('unicef', id, 'reservations', 'RESERVATION-reason-q2 hidden too');
		await rco.waitEvent(tallyOf(id, (x) => x.responded.length === 3), 10_000, { from: marks.get(rco) });
		await sleep(300);

		for (const [who, c] of [
			['rco', rco],
			['undp', undp],
			['unicef', org.unicef],
		]) {
			const evs = tallies(c, id, marks.get(c));
			assert.ok(evs.length >= 1, `${who} got tally events`);
			for (const e of evs) {
				assert.equal(e.data.hidden, true, `${who}: hidden: ${JSON.stringify(e.data)}`);
				assert.ok(!('counts' in e.data), `${who}: hidden tally event carries counts: ${JSON.stringify(e.data)}`);
				assert.ok(!('consensus_reached' in e.data), `${who}: hidden tally event carries consensus_reached: ${JSON.stringify(e.data)}`);
			}
		}
		for (const [who, c] of [
			['rco', rco],
			['undp', undp],
		]) {
			const g = await get(id, c);
			assert.deepEqual(sorted(g.positions.map((p) => p.org)), ['UNDP', 'UNHCR', 'UNICEF'], `${who}: who has responded`);
			// an organisation sees its own position and reason (to revise them), no other
			for (const p of g.positions)
				if (p.org === c.user.org)
					assert.deepEqual(Object.keys(p).sort(), ['cast_at', 'cast_by', 'org', 'position', 'reason'], `${who}: own position entry ${JSON.stringify(p)}`);
				else assert.deepEqual(Object.keys(p).sort(), ['cast_at', 'cast_by', 'org'], `${who}: hidden position entry ${JSON.stringify(p)}`);
			// the live tally's record is hidden the same way
			for (const e of tallies(c, id, marks.get(c)))
				for (const p of e.data.positions || e.data.changed)
					assert.deepEqual(Object.keys(p).sort(), ['cast_at', 'cast_by', 'org'], `${who}: hidden live position entry ${JSON.stringify(p)}`);
			assert.ok(!('counts' in g.tally) && !('consensus_reached' in g.tally), `${who}: consensus.get tally is hidden too: ${JSON.stringify(g.tally)}`);
		}
		// no reason leaked to anyone else before the close (the casters' own acks excepted)
		for (const [who, c] of [
			['rco', rco],
			['undp', undp],
		]) {
			const text = c.frames.slice(marks.get(c)).join('\n');
			assert.ok(!text.includes('SECRET-reason'), `${who} saw the hidden objection reason before the close`);
			assert.ok(!text.includes('RESERVATION-reason'), `${who} saw the hidden reservation reason before the close`);
		}
		// the record export of an open proposal is refused
		const r409 = await httpRequest(server, `/api/consensus/record?proposal=${id}&format=json`, { headers: { Authorization: `Bearer ${undp.token}` } });
		assert.equal(r409.status, 409, `record of an open hidden proposal: ${r409.status} ${r409.body.slice(0, 200)}`);

		const closeMark = rco.messages.length;
		const closed = await rco.ok('consensus.close', { proposal: id });
		assert.equal(closed.proposal.outcome, 'no_consensus');
		assert.deepEqual(closed.tally.counts, { agree: 1, reservations: 1, abstain: 0, object: 1 });
		const fin = (await rco.waitEvent(tallyOf(id, (x) => x.status === 'closed'), 10_000, { from: closeMark })).data;
		assert.deepEqual(fin.counts, { agree: 1, reservations: 1, abstain: 0, object: 1 }, `final tally shows the counts: ${JSON.stringify(fin)}`);
		assert.equal(fin.consensus_reached, false);
		assert.equal(fin.outcome, 'no_consensus');
		const g = await get(id, undp);
		const uh = g.positions.find((p) => p.org === 'UNHCR');
		assert.equal(uh?.position, 'object', `after the close positions are shown: ${JSON.stringify(g.positions)}`);
		assert.equal(uh?.reason, secret);
		assert.equal(g.positions.find((p) => p.org === 'UNDP')?.position, 'agree');
		assert.ok('counts' in g.tally && g.tally.consensus_reached === false);
	});

	test('6. partners, staff and the state counterpart cannot vote; hidden proposals answer like missing ones', async () => {
		const id = await createOpen({ title: 'Not for partners' });
		const sm = await createOpen({ title: 'State matter for partner checks', state_matter: true });
		const ghostTopic = topicOf(NONEXISTENT);
		for (const [who, c] of [
			['mol', mol],
			['mfa', mfa],
			['cso', cso],
		]) {
			// a network (non-state-matter) proposal is invisible to every partner
			const g = await c.request('consensus.get', { proposal: id });
			const gg = await c.request('consensus.get', { proposal: NONEXISTENT });
			assertError(g, 'not_found', `${who} get of a non-state-matter proposal`);
			assert.deepEqual(g.error, gg.error, `${who}: get of an invisible proposal answers exactly like a nonexistent one`);
			const s = await c.request('sub.add', { topic: topicOf(id) });
			const sg = await c.request('sub.add', { topic: ghostTopic });
			assertError(s, 'not_found', `${who} sub.add ${topicOf(id)}`);
			assert.deepEqual(s.error, sg.error, `${who}: sub.add of an invisible proposal answers exactly like a nonexistent one`);
			const p = await c.request('consensus.position', { proposal: id, position: 'agree' });
			const pg = await c.request('consensus.position', { proposal: NONEXISTENT, position: 'agree' });
			assert.equal(p.ok, false, `${who} position on a network proposal: ${JSON.stringify(p)}`);
			assert.ok(['forbidden', 'not_found'].includes(p.error?.code), `${who} position: ${JSON.stringify(p)}`);
			assert.deepEqual(p.error, pg.error, `${who}: position on an invisible proposal answers like on a nonexistent one`);
		}
		// state matter: visible to MOL (who still may not vote), invisible to other partners
		assertError(await mol.request('consensus.position', { proposal: sm, position: 'agree' }), 'forbidden', 'mol position on a state matter');
		for (const [who, c] of [
			['mfa', mfa],
			['cso', cso],
		]) {
			const g = await c.request('consensus.get', { proposal: sm });
			assertError(g, 'not_found', `${who} get of a state matter`);
			assert.deepEqual(g.error, (await c.request('consensus.get', { proposal: NONEXISTENT })).error);
			const p = await c.request('consensus.position', { proposal: sm, position: 'agree' });
			assert.ok(['forbidden', 'not_found'].includes(p.error?.code), `${who} position on a state matter: ${JSON.stringify(p)}`);
			assert.deepEqual(p.error, (await c.request('consensus.position', { proposal: NONEXISTENT, position: 'agree' })).error);
		}

		// a staff member of a voting organisation sees the proposal but may not vote
		const staff = await invitePerson('UNDP', 'undp.staff1', 'staff');
		const sc = await as(staff, INVITED_PASSWORD);
		assert.equal(sc.user.org, 'UNDP');
		const sg = await sc.request('consensus.get', { proposal: id });
		assert.equal(sg.ok, true, `staff of a member org sees the proposal: ${JSON.stringify(sg)}`);
		assertError(await sc.request('consensus.position', { proposal: id, position: 'agree' }), 'forbidden', 'staff position');
		assertError(await sc.request('consensus.position', { proposal: id, position: 'object', reason: 'x' }), 'forbidden', 'staff objection');

		// an alternate speaks for the organisation; the focal point's later position replaces it
		const alt = await invitePerson('UNDP', 'undp.alt1', 'alternate');
		const ac = await as(alt, INVITED_PASSWORD);
		const aa = await ac.ok('consensus.position', { proposal: id, position: 'reservations', reason: 'Alternate reservation' });
		assert.deepEqual(
			{ org: aa.org, cast_by: aa.cast_by, recorded: aa.recorded },
			{ org: 'UNDP', cast_by: alt, recorded: `cast by ${alt} on behalf of UNDP` },
		);
		await position('undp', id, 'agree');
		const g = await get(id);
		const undpRows = g.positions.filter((p) => p.org === 'UNDP');
		assert.equal(undpRows.length, 1, `one position per organisation: ${JSON.stringify(g.positions)}`);
		assert.deepEqual({ position: undpRows[0].position, cast_by: undpRows[0].cast_by }, { position: 'agree', cast_by: 'undp' });
		assert.deepEqual(g.positions.map((p) => p.org), ['UNDP'], 'staff attempts recorded nothing');
	});

	test('7. a later position of the same organisation replaces the earlier one', async () => {
		const id = await createOpen({ title: 'Replaced positions' });
		const marks = await subscribe(id, [rco]);
		await position('undp', id, 'agree');
		await rco.waitEvent(tallyOf(id, (t) => t.counts?.agree === 1), 10_000, { from: marks.get(rco) });
		await position('undp', id, 'object', 'Changed our mind');
		const t = (await rco.waitEvent(tallyOf(id, (x) => x.counts?.object === 1), 10_000, { from: marks.get(rco) })).data;
		assert.deepEqual(t.counts, { agree: 0, reservations: 0, abstain: 0, object: 1 }, `replaced: ${JSON.stringify(t)}`);
		assert.deepEqual(t.responded, ['UNDP']);
		assert.equal(t.consensus_possible, false);
		const g = await get(id);
		assert.equal(g.positions.length, 1, `one entry for UNDP: ${JSON.stringify(g.positions)}`);
		assert.deepEqual(
			{ org: g.positions[0].org, position: g.positions[0].position, reason: g.positions[0].reason },
			{ org: 'UNDP', position: 'object', reason: 'Changed our mind' },
		);
		// and back to agree: the objection no longer blocks
		await position('undp', id, 'agree');
		const t2 = (await rco.waitEvent(tallyOf(id, (x) => x.counts?.agree === 1 && x.counts?.object === 0), 10_000, { from: marks.get(rco) })).data;
		assert.equal(t2.consensus_possible, true);
		assert.equal((await get(id)).positions.length, 1);
	});

	test('8. retries: the same idempotency key twice (and after a reconnect) is answered duplicate and recorded once; ids are no key', async () => {
		const id = await createOpen({ title: 'Idempotent positions' });
		const idem = `idem-${id}-undp-0001`;
		const frame = (reqId) => JSON.stringify({ id: reqId, type: 'consensus.position', idem, data: { proposal: id, position: 'agree' } });
		const isReply = (reqId) => (m) => m && m.re === reqId;

		const m1 = undp.messages.length;
		await undp.sendRaw(frame('a'));
		const r1 = await undp.waitMessage(isReply('a'), 10_000, 'first reply', { from: m1 });
		const m2 = undp.messages.length;
		await undp.sendRaw(frame('b'));
		const r2 = await undp.waitMessage(isReply('b'), 10_000, 'second reply', { from: m2 });
		assert.equal(r1.ok, true, `first: ${JSON.stringify(r1)}`);
		assert.equal(r2.ok, true, `second: ${JSON.stringify(r2)}`);
		assert.equal(r1.data.duplicate, false);
		assert.equal(r2.data.duplicate, true, `second reply: ${JSON.stringify(r2)}`);
		// the duplicate shows the position held: the same one here
		for (const k of ['proposal', 'org', 'position', 'reason', 'cast_by', 'cast_at'])
			assert.deepEqual(r2.data[k], r1.data[k], `duplicate's ${k}: ${JSON.stringify(r2.data)}`);

		// after a reconnect (new connection, same person, ids from 1 again)
		const again = await as('undp');
		const m3 = again.messages.length;
		await again.sendRaw(frame('a'));
		const r3 = await again.waitMessage(isReply('a'), 10_000, 'third reply', { from: m3 });
		assert.equal(r3.ok, true, `after reconnect: ${JSON.stringify(r3)}`);
		assert.equal(r3.data.duplicate, true, `after reconnect: ${JSON.stringify(r3)}`);

		const g = await get(id);
		assert.equal(g.positions.length, 1);
		assert.equal(g.tally.counts.agree, 1, `counted once: ${JSON.stringify(g.tally)}`);
		const rows = await sqlite(
			server.config.database.path,
			`SELECT count(*) FROM consensus_log WHERE proposal_id=${id} AND action='position';`,
		);
		assert.equal(rows.trim(), '1', `consensus_log has exactly one 'position' row for proposal ${id} (found ${rows.trim()})`);
		// the same request id with another key (a reloaded page) is a new position
		const r4 = await again.ok('consensus.position', { proposal: id, position: 'object', reason: 'Second thoughts' }, { id: 'a', idem: `idem-${id}-undp-0002` });
		assert.equal(r4.duplicate, false);
		assert.equal(r4.position, 'object');
		// and a retry of the first key now shows the position held (object), not a new "recorded"
		const r5 = await again.ok('consensus.position', { proposal: id, position: 'agree' }, { idem });
		assert.equal(r5.duplicate, true);
		assert.equal(r5.position, 'object', `the held position: ${JSON.stringify(r5)}`);
		assert.equal(r5.reason, 'Second thoughts');
		assert.equal(r5.recorded, undefined, 'no new "recorded" for a duplicate');
		// without a key, the same id twice is two positions (both stored, the later held)
		await again.ok('consensus.position', { proposal: id, position: 'agree' }, { id: 'z' });
		await again.ok('consensus.position', { proposal: id, position: 'abstain' }, { id: 'z' });
		assert.equal((await get(id)).positions[0].position, 'abstain');
		await again.close();
	});

	test('9. closing timer: the server closes at closes_at; subscribers get the final tally; closed_by null, close_facts.closing_time', async () => {
		const id = await create({ title: 'Closes by itself' });
		const marks = await subscribe(id, [rco, undp]);
		const closesAt = Date.now() + 1500;
		const opened = await rco.ok('consensus.open', { proposal: id, closes_at: closesAt });
		assert.equal(opened.proposal.closes_at, closesAt);
		await allPosition(id);
		for (const [who, c] of [
			['rco', rco],
			['undp', undp],
		]) {
			const ev = await c.waitEvent(tallyOf(id, (t) => t.status === 'closed'), Math.max(500, closesAt + 3000 - Date.now()), { from: marks.get(c) }).catch(
				(e) => assert.fail(`${who}: no final tally within ~3 s of closes_at: ${e.message}`),
			);
			assert.equal(ev.data.outcome, 'consensus', `${who}: ${JSON.stringify(ev.data)}`);
		}
		const g = await get(id);
		assert.equal(g.proposal.status, 'closed');
		assert.equal(g.proposal.closed_by, null);
		assert.deepEqual(g.proposal.close_facts, { missing: [], objected: [], consultation_missing: false, closing_time: true });
		assert.equal(g.proposal.close_reason, null);
		assert.equal(g.proposal.outcome, 'consensus');
		assert.ok(g.proposal.closed_at >= closesAt - 50, `closed_at ${g.proposal.closed_at} not before closes_at ${closesAt}`);
		assert.ok(g.proposal.closed_at <= closesAt + 3000, `closed_at ${g.proposal.closed_at} within 3 s of closes_at ${closesAt}`);
		assertError(await undp.request('consensus.position', { proposal: id, position: 'object', reason: 'late' }), 'conflict', 'position after closing time');
	});

	test('10. coalescing (default 10/s, bursts of 3): a burst of ten positions yields few tallies, the last one the final state', async () => {
		const id = await createOpen({ title: 'Burst' });
		const watch = await as('unicef');
		const [mark] = (await subscribe(id, [watch])).values();
		const t0 = Date.now();
		await Promise.all(MEMBERS.map((l) => org[l].request('consensus.position', { proposal: id, position: 'agree' })));
		await watch.waitEvent(tallyOf(id, (t) => t.responded.length === 10), 5000, { from: mark });
		await sleep(600); // any trailing tally
		const evs = tallies(watch, id, mark);
		const window = Date.now() - 600 - t0;
		assert.ok(evs.length >= 1);
		assert.ok(evs.length <= 10, `${evs.length} tally events for 10 positions`);
		// at most 10 a second, plus a burst of 3 at once
		assert.ok(evs.length <= 3 + Math.floor(window / 100), `${evs.length} tallies within ${window} ms exceeds 10/s and a burst of 3`);
		const last = evs[evs.length - 1].data;
		assert.deepEqual(sorted(last.responded), CODES, `the last tally is the final state: ${JSON.stringify(last)}`);
		assert.deepEqual(last.pending, []);
		assert.equal(last.counts.agree, 10);
		assert.equal(last.consensus_reached, true);
		await watch.close();
	});

	test('10c. tally_sent: the tally counting a position went out just before its ack, or follows it', async () => {
		const id = await createOpen({ title: 'Tally sent' });
		const voters = MEMBERS.slice(0, 5);
		const marks = await subscribe(id, voters.map((l) => org[l]));
		await sleep(250); // quiet: more than one coalescing interval since any push
		const first = await position(voters[0], id, 'agree');
		assert.equal(first.tally_sent, true, 'after a quiet spell the tally goes out at once, before the ack');
		const t0 = Date.now();
		const rest = await Promise.all(voters.slice(1).map((l) => position(l, id, 'agree')));
		const elapsed = Date.now() - t0;
		await sleep(300); // the coalesced push
		const acks = [first, ...rest];
		for (const [k, l] of voters.entries()) {
			const c = org[l];
			const ms = c.messages.slice(marks.get(c));
			const at = ms.findIndex((m) => m && 're' in m && m.ok && m.data && m.data.cast_by && m.data.proposal === id);
			assert.ok(at > 0, `${l}: its ack is there`);
			// each organisation states one position here, so "counts it" = "lists it as responded"
			const counts = (m) => Boolean(m) && tallyOf(id, (t) => t.responded.includes(l.toUpperCase()))(m);
			if (acks[k].tally_sent) {
				assert.ok(counts(ms[at - 1]), `${l}: tally_sent, so the frame just before the ack is a tally counting it: ${JSON.stringify(ms[at - 1])}`);
			} else {
				assert.ok(!counts(ms[at - 1]), `${l}: not sent, so no tally before the ack counts it`);
				assert.ok(ms.slice(at + 1).some(counts), `${l}: a tally counting it follows the ack`);
			}
		}
		const sent = acks.filter((a) => a.tally_sent).length;
		assert.ok(sent <= tallies(org[voters[0]], id, marks.get(org[voters[0]])).length, 'each tally_sent is a tally of its own');
		if (elapsed < 100) assert.ok(rest.some((a) => !a.tally_sent), `four positions within ${elapsed} ms of a push wait for the next one`);
	});

	test('10d. the live record: each tally event carries only the positions stated since the last; the record read at the start plus every change equals the record read at the end', async () => {
		const id = await createOpen({ title: 'Live record' });
		await sleep(250); // the open's own push (and the whole record it carries) is out
		const watch = org.iom;
		const mark = watch.messages.length;
		await watch.ok('sub.add', { topic: topicOf(id) });
		const start = await get(id, watch);
		const record = new Map(start.positions.map((p) => [p.org, p]));
		// ten organisations, some twice, with long reasons: the record grows, each event does not
		const long = (l, k) => `${l} position ${k}: ${'the text as drafted needs a clearer timeline; '.repeat(8)}`;
		for (const l of MEMBERS) await position(l, id, 'agree', long(l, 1));
		await Promise.all(['undp', 'unhcr', 'unicef'].map((l) => position(l, id, 'reservations', long(l, 2))));
		await position('unodc', id, 'object', long('unodc', 3));
		await watch.waitEvent(tallyOf(id, (t) => t.counts?.object === 1 && t.counts?.reservations === 3), 10_000, { from: mark });
		await sleep(300); // any trailing coalesced push
		const evs = watch.messages.slice(mark).filter((m) => m && tallyOf(id)(m));
		assert.ok(evs.length >= 2, `${evs.length} tally events`);
		for (const e of evs) {
			assert.ok(Array.isArray(e.data.changed), `a position's event carries changed, not the whole record: ${JSON.stringify(Object.keys(e.data))}`);
			assert.ok(!('positions' in e.data), 'no whole record in a position\'s event');
			for (const p of e.data.changed) record.set(p.org, p);
		}
		const frames = watch.frames.filter((f) => f.includes('"consensus.tally"') && f.includes(`"proposal:${id}"`));
		const biggest = Math.max(...frames.map((f) => Buffer.byteLength(f)));
		const end = await get(id, watch);
		const fullSize = Buffer.byteLength(JSON.stringify(end.positions));
		assert.ok(biggest < fullSize, `an event (${biggest} bytes at most) is smaller than the record (${fullSize} bytes)`);
		const byOrg = (a) => [...a].sort((x, y) => x.org.localeCompare(y.org));
		assert.deepEqual(byOrg(record.values()), byOrg(end.positions), 'the record rebuilt from the events is the record read at the end');
		// the final tally after the close carries the whole record again
		const closeMark = watch.messages.length;
		await rco.ok('consensus.close', { proposal: id });
		const fin = (await watch.waitEvent(tallyOf(id, (t) => t.status === 'closed'), 10_000, { from: closeMark })).data;
		assert.deepEqual(byOrg(fin.positions), byOrg(end.positions), 'the closing event carries the whole record');
	});

	test('12. extend and reopen: validation, permissions, state checks', async () => {
		const id = await createOpen({ title: 'Extend and reopen' });
		assertError(await rco.request('consensus.extend', { proposal: id, closes_at: Date.now() - 1000 }), 'bad_request', 'extend into the past', /closes_at/);
		assertError(await rco.request('consensus.extend', { proposal: id }), 'bad_request', 'extend without closes_at', /closes_at/);
		const future = Date.now() + 3_600_000;
		assertError(await undp.request('consensus.extend', { proposal: id, closes_at: future }), 'forbidden', 'undp extend');
		const ext = await rco.ok('consensus.extend', { proposal: id, closes_at: future, reason: 'More time for consultations' });
		assert.equal(ext.proposal.closes_at, future);
		assert.equal(ext.proposal.status, 'open');
		assertError(await rco.request('consensus.reopen', { proposal: id, reason: 'x' }), 'conflict', 'reopen an open proposal');
		assertError(await undp.request('consensus.close', { proposal: id }), 'forbidden', 'undp close');
		const undpDraft = await create();
		assertError(await undp.request('consensus.open', { proposal: undpDraft }), 'forbidden', 'undp open');

		await position('undp', id, 'object', 'Needs more work');
		await allPosition(id, MEMBERS.filter((l) => l !== 'undp'));
		const c1 = await rco.ok('consensus.close', { proposal: id });
		assert.equal(c1.proposal.outcome, 'no_consensus');
		assertError(await rco.request('consensus.extend', { proposal: id, closes_at: Date.now() + 3_600_000 }), 'conflict', 'extend a closed proposal');
		assertError(await rco.request('consensus.reopen', { proposal: id }), 'bad_request', 'reopen without reason', /reason/);
		assertError(await undp.request('consensus.reopen', { proposal: id, reason: 'x' }), 'forbidden', 'undp reopen');

		const marks = await subscribe(id, [rco]);
		const re = await rco.ok('consensus.reopen', { proposal: id, reason: 'UNDP asked to revisit' });
		assert.equal(re.proposal.status, 'open');
		assert.equal(re.proposal.outcome, null, 'reopen clears the outcome');
		assert.equal(re.positions.length, 10, 'positions kept');
		assert.equal(re.positions.find((p) => p.org === 'UNDP')?.position, 'object');
		await position('undp', id, 'agree');
		const t = (await rco.waitEvent(tallyOf(id, (x) => x.status === 'open' && x.counts?.agree === 10), 10_000, { from: marks.get(rco) })).data;
		assert.equal(t.consensus_reached, true);
		const c2 = await rco.ok('consensus.close', { proposal: id });
		assert.equal(c2.proposal.outcome, 'consensus', 'outcome recomputed on the second close');
		closedIds.reopened = id;
	});

	test('13. record export: CSV row per organisation after the close; 409 before; 403 for partners, 404 for unknown ids', async () => {
		const id = await createOpen({ title: 'Record export' });
		const quoted = 'Needs "costing", first';
		await position('unhcr', id, 'reservations', quoted);
		await allPosition(id, MEMBERS.filter((l) => l !== 'unhcr'));
		const url = (fmt, pid = id) => `/api/consensus/record?proposal=${pid}&format=${fmt}`;
		const auth = (c) => ({ headers: { Authorization: `Bearer ${c.token}` } });

		const open409 = await httpRequest(server, url('csv'), auth(undp));
		assert.equal(open409.status, 409, `record of an open proposal: ${open409.status} ${open409.body.slice(0, 200)}`);
		await rco.ok('consensus.close', { proposal: id });

		const res = await httpRequest(server, url('csv'), auth(undp));
		assert.equal(res.status, 200, `record csv: ${res.status} ${res.body.slice(0, 300)}`);
		assert.match(res.headers['content-type'] || '', /^text\/csv/);
		const rows = parseCsv(res.body);
		assert.deepEqual(rows[0].map((h) => h.trim()), CSV_COLUMNS, `CSV header ${JSON.stringify(rows[0])}`);
		const body = rows.slice(1).filter((r) => !(r.length === 1 && r[0] === ''));
		assert.equal(body.length, 10, `one row per organisation: ${JSON.stringify(body)}`);
		const byOrg = Object.fromEntries(body.map((r) => [r[0], Object.fromEntries(CSV_COLUMNS.map((k, i) => [k, r[i]]))]));
		assert.deepEqual(Object.keys(byOrg).sort(), CODES);
		assert.deepEqual({ position: byOrg.UNHCR.position, reason: byOrg.UNHCR.reason, cast_by: byOrg.UNHCR.cast_by }, { position: 'reservations', reason: quoted, cast_by: 'unhcr' });
		for (const l of MEMBERS.filter((x) => x !== 'unhcr')) {
			assert.equal(byOrg[l.toUpperCase()].position, 'agree');
			assert.equal(byOrg[l.toUpperCase()].cast_by, l);
		}

		const rj = await httpRequest(server, url('json'), auth(rco));
		assert.equal(rj.status, 200, `record json: ${rj.status} ${rj.body.slice(0, 300)}`);
		const rec = JSON.parse(rj.body);
		assert.equal(rec.proposal?.id, id);
		assert.equal(rec.proposal?.outcome, 'consensus');
		assert.equal(rec.positions?.length, 10);
		assert.ok('consultation' in rec, `record has consultation: ${Object.keys(rec)}`);
		assert.ok(Array.isArray(rec.log), `record has a log: ${Object.keys(rec)}`);
		const actions = rec.log.map((e) => e.action);
		for (const a of ['create', 'open', 'close']) assert.ok(actions.includes(a), `log has ${a}: ${JSON.stringify(actions)}`);
		assert.equal(actions.filter((a) => a === 'position').length, 10, `log has every position: ${JSON.stringify(actions)}`);

		// the reopened proposal's log records the reopen reason
		if (closedIds.reopened) {
			const rr = await httpRequest(server, url('json', closedIds.reopened), auth(rco));
			assert.equal(rr.status, 200);
			const log = JSON.parse(rr.body).log;
			const reo = log.filter((e) => e.action === 'reopen');
			assert.equal(reo.length, 1, `one reopen entry: ${JSON.stringify(log)}`);
			assert.equal(reo[0].reason, 'UNDP asked to revisit');
			assert.equal(log.filter((e) => e.action === 'close').length, 2);
			assert.ok(log.some((e) => e.action === 'extend'), 'extend logged');
		}

		for (const [who, c] of [
			['mol', mol],
			['cso', cso],
		]) {
			// the core refuses partners routes not open to them, before any lookup
			const r = await httpRequest(server, url('csv'), auth(c));
			assert.equal(r.status, 403, `${who} record: ${r.status} ${r.body.slice(0, 200)}`);
			const missing = await httpRequest(server, url('csv', NONEXISTENT), auth(c));
			assert.equal(missing.body, r.body, 'the same answer for a missing proposal');
		}
		const unknown = await httpRequest(server, url('csv', NONEXISTENT), auth(undp));
		assert.equal(unknown.status, 404, `unknown proposal: ${unknown.status}`);
		const anon = await httpRequest(server, url('csv'));
		assert.equal(anon.status, 401, `without a token: ${anon.status} ${anon.body.slice(0, 200)}`);
		assert.ok(!anon.body.includes('UNHCR'), 'no record without a token');
		closedIds.record = id;
	});

	test('13b. record export CSV: reasons starting with TAB, CR, or blanks before = + - @ are neutralised (OWASP)', async () => {
		const id = await createOpen({ title: 'Record export, formula-looking reasons' });
		const tricky = { unhcr: '\t=cmd|\' /C calc\'!A0', undp: '  =cmd', unfpa: '\r+1', unodc: ' @SUM(1)' };
		for (const [l, reason] of Object.entries(tricky)) await position(l, id, 'reservations', reason);
		await allPosition(id, MEMBERS.filter((l) => !(l in tricky)));
		await rco.ok('consensus.close', { proposal: id });

		const res = await httpRequest(server, `/api/consensus/record?proposal=${id}&format=csv`, { headers: { Authorization: `Bearer ${undp.token}` } });
		assert.equal(res.status, 200, `record csv: ${res.status} ${res.body.slice(0, 300)}`);
		const rows = parseCsv(res.body).slice(1).filter((r) => !(r.length === 1 && r[0] === ''));
		assert.equal(rows.length, 10, `one row per organisation: ${JSON.stringify(rows)}`);
		const reasonOf = Object.fromEntries(rows.map((r) => [r[0], r[2]]));
		for (const [l, reason] of Object.entries(tricky))
			assert.equal(reasonOf[l.toUpperCase()], `'${reason}`, `${l}'s reason ${JSON.stringify(reason)} carries the quote prefix`);
		assert.ok(res.body.includes(`"'\t=cmd|' /C calc'!A0"`), 'TAB field quoted with the prefix in the raw text');
		assert.ok(res.body.includes(`"'  =cmd"`), 'blank-led field quoted with the prefix in the raw text');
		const FORMULA = /^[\t\r]|^[ \t\r\n]*[=+\-@]/;
		for (const r of rows) for (const v of r) assert.ok(!FORMULA.test(v), `CSV field ${JSON.stringify(v)} starts like a formula`);
	});

	test('14. decision register: members see every closed proposal; partners only adopted joint statements', async () => {
		// an adopted joint statement, with an outcome statement and a review date
		const st = await createOpen({ title: 'Joint statement on Migrants Day', kind: 'statement' });
		await allPosition(st);
		assertError(await rco.request('consensus.close', { proposal: st, review_date: '31/12/2027' }), 'bad_request', 'bad review_date', /review_date/);
		const cst = await rco.ok('consensus.close', { proposal: st, outcome: 'The network stands with migrants.', review_date: '2027-12-31' });
		assert.equal(cst.proposal.outcome, 'consensus');
		assert.equal(cst.proposal.review_date, '2027-12-31');
		// a statement without consensus, and a decision with consensus
		const st2 = await createOpen({ title: 'Statement without consensus', kind: 'statement' });
		await allPosition(st2, MEMBERS.filter((l) => l !== 'unodc'));
		assert.equal((await rco.ok('consensus.close', { proposal: st2 })).proposal.outcome, 'no_consensus');
		const open = await createOpen({ title: 'Still open' });
		const draft = await create({ title: 'Still draft', kind: 'statement' });

		const reg = (await undp.ok('consensus.decisions', {})).decisions;
		const closed = (await rco.ok('consensus.list', { status: 'closed' })).proposals;
		assert.ok(closed.length >= 8, `several closed proposals: ${closed.length}`);
		assert.deepEqual(sorted(reg.map(idOf)), sorted(closed.map((p) => p.id)), 'the register lists the closed proposals');
		for (const x of [st, st2, closedIds.allAgree, closedIds.objection, closedIds.stateMatter].filter(Boolean))
			assert.ok(reg.map(idOf).includes(x), `register includes ${x}`);
		for (const x of [open, draft]) assert.ok(!reg.map(idOf).includes(x), `register excludes open/draft ${x}`);
		const entry = reg.find((d) => idOf(d) === st);
		assert.equal(JSON.stringify(entry).includes('2027-12-31'), true, `register entry has the review date: ${JSON.stringify(entry)}`);
		// newest first (by closing time or by id)
		const ids = reg.map(idOf);
		const closedAt = reg.map((d) => d.closed_at ?? d.proposal?.closed_at);
		const byClosed = closedAt.every((v, i) => i === 0 || closedAt[i - 1] >= v);
		const byId = ids.every((v, i) => i === 0 || ids[i - 1] > v);
		assert.ok(byClosed || byId, `newest first: ids ${ids} closed_at ${closedAt}`);

		for (const [who, c] of [
			['cso', cso],
			['mfa', mfa],
			['mol', mol],
		]) {
			const r = await c.request('consensus.decisions', {});
			assert.equal(r.ok, true, `${who} decisions: ${JSON.stringify(r)}`);
			const d = r.data.decisions;
			assert.ok(d.map(idOf).includes(st), `${who} sees the adopted joint statement ${st}: ${JSON.stringify(d.map(idOf))}`);
			for (const x of d) {
				const p = x.proposal && typeof x.proposal === 'object' ? x.proposal : x;
				assert.equal(p.kind, 'statement', `${who} sees only statements: ${JSON.stringify(x)}`);
				assert.equal(p.outcome, 'consensus', `${who} sees only adopted statements: ${JSON.stringify(x)}`);
			}
			for (const x of [st2, closedIds.allAgree, closedIds.stateMatter].filter(Boolean))
				assert.ok(!d.map(idOf).includes(x), `${who} does not see ${x} in the register`);
		}

		// partners' view of consensus.list: only the state counterpart's state matters
		const ml = await mol.request('consensus.list', {});
		if (ml.ok) {
			for (const p of ml.data.proposals) {
				assert.equal(p.state_matter, true, `mol lists only state matters: ${JSON.stringify(p)}`);
				assert.notEqual(p.status, 'draft', `mol lists no drafts: ${JSON.stringify(p)}`);
			}
			if (closedIds.stateMatter)
				assert.ok(ml.data.proposals.some((p) => p.id === closedIds.stateMatter), `mol lists its closed state matter ${closedIds.stateMatter}: ${JSON.stringify(ml.data.proposals.map((p) => [p.id, p.status, p.state_matter]))}`);
		} else assert.fail(`mol consensus.list: ${JSON.stringify(ml)}`);
		const cl = await cso.request('consensus.list', {});
		assert.ok(cl.ok ? cl.data.proposals.length === 0 : ['not_found', 'forbidden'].includes(cl.error?.code), `cso list: ${JSON.stringify(cl).slice(0, 300)}`);
	});

	test('15. voters are frozen at open; a member organisation withdrawn later neither votes nor blocks', async () => {
		const before = await createOpen({ title: 'Opened before the new member' });
		await iom.ok('members.org.save', { code: 'LATEORG', name: 'Late organisation', kind: 'other', standing: 'member' });
		const late = await invitePerson('LATEORG', 'late.fp', 'focal_point');
		const lc = await as(late, INVITED_PASSWORD);
		const r = await lc.request('consensus.position', { proposal: before, position: 'agree' });
		assertError(r, 'forbidden', 'position of an organisation that joined after the open');

		const after = await createOpen({ title: 'Opened with the new member' });
		const opened = await get(after);
		assert.deepEqual(sorted(opened.proposal.voters), sorted([...CODES, 'LATEORG']), 'voters frozen at the open include LATEORG');
		const marks = await subscribe(after, [rco]);
		await iom.ok('members.org.save', { code: 'LATEORG', name: 'Late organisation', kind: 'other', standing: 'member', active: false });
		// subscribers learn it at once, without waiting for a position
		const w = (await rco.waitEvent(tallyOf(after, (x) => !x.pending.includes('LATEORG')), 10_000, { from: marks.get(rco) })).data;
		assert.deepEqual(sorted(w.pending), CODES, `the withdrawn organisation is no longer pending: ${JSON.stringify(w)}`);
		await allPosition(after);
		const t = (await rco.waitEvent(tallyOf(after, (x) => x.counts?.agree === 10), 10_000, { from: marks.get(rco) })).data;
		assert.equal(t.consensus_reached, true, `withdrawn LATEORG does not block: ${JSON.stringify(t)}`);
		const c = await rco.ok('consensus.close', { proposal: after });
		assert.equal(c.proposal.outcome, 'consensus', `withdrawn LATEORG does not block the close: ${JSON.stringify(c.proposal)}`);
		// the first proposal: ten agree, consensus (LATEORG never was a voter)
		await allPosition(before);
		assert.equal((await rco.ok('consensus.close', { proposal: before })).proposal.outcome, 'consensus');
	});

	test('16. the live tally carries each organisation\'s position, reason and the consultation to members, never to the state counterpart', async () => {
		const id = await createOpen({ title: 'Live record', state_matter: true });
		const marks = await subscribe(id, [rco, undp, mol]);
		await position('unhcr', id, 'object', 'LIVE-REASON-obj budget lines');
		await position('undp', id, 'reservations', 'LIVE-REASON-res timing');
		await mol.ok('consensus.consult', { proposal: id, view: 'LIVE-VIEW-1 the ministry supports it' });
		const want = (t) => t.positions?.length === 2 && t.consultation;
		for (const c of [rco, undp]) {
			const t = (await c.waitEvent(tallyOf(id, want), 10_000, { from: marks.get(c) })).data;
			assert.deepEqual(t.positions.map((p) => [p.org, p.position, p.reason, p.cast_by]), [
				['UNDP', 'reservations', 'LIVE-REASON-res timing', 'undp'],
				['UNHCR', 'object', 'LIVE-REASON-obj budget lines', 'unhcr'],
			]);
			for (const p of t.positions) assert.equal(typeof p.cast_at, 'number');
			assert.equal(t.consultation.org, 'MOL');
			assert.equal(t.consultation.view, 'LIVE-VIEW-1 the ministry supports it');
			assert.equal(t.consultation.given_by, 'mol');
		}
		// a position changed: the next tally carries the new entry, its reason in place of the old one
		await position('unhcr', id, 'agree');
		const t2 = (await rco.waitEvent(tallyOf(id, (t) => t.changed?.some((p) => p.org === 'UNHCR' && p.position === 'agree')), 10_000, { from: marks.get(rco) })).data;
		assert.deepEqual(Object.keys(t2.changed.find((p) => p.org === 'UNHCR')).sort(), ['cast_at', 'cast_by', 'org', 'position', 'reason']);
		assert.equal(t2.changed.find((p) => p.org === 'UNHCR').reason, '');
		// the state counterpart revises its view; members see the new one live and in get
		await mol.ok('consensus.consult', { proposal: id, view: 'LIVE-VIEW-2 revised' });
		await rco.waitEvent(tallyOf(id, (t) => t.consultation?.view === 'LIVE-VIEW-2 revised'), 10_000, { from: marks.get(rco) });
		assert.equal((await get(id, undp)).consultation.view, 'LIVE-VIEW-2 revised');
		const mg = await get(id, mol);
		assert.equal(mg.consultation.view, 'LIVE-VIEW-2 revised', 'MOL sees the view it gave');
		assert.ok(!('positions' in mg) && !('tally' in mg), `MOL sees no positions: ${JSON.stringify(mg)}`);
		// MOL got status events only: no position, reason or tally reached it
		await rco.ok('consensus.close', { proposal: id, reason: 'time is up' });
		await mol.waitEvent((e) => e.event === 'consensus.status' && e.topic === topicOf(id) && e.data.status === 'closed', 10_000, { from: marks.get(mol) });
		const molText = mol.frames.slice(marks.get(mol)).join('\n');
		assert.ok(!molText.includes('LIVE-REASON'), 'a reason reached the state counterpart');
		assert.ok(!mol.messages.slice(marks.get(mol)).some((m) => m?.event === 'consensus.tally'), 'a tally reached the state counterpart');
		// the close: what was missing, as data; MOL's view of the closed proposal has none of it
		const closed = await get(id);
		assert.equal(closed.proposal.close_reason, 'time is up');
		assert.deepEqual(closed.proposal.close_facts.objected, []);
		assert.deepEqual(closed.proposal.close_facts.missing, CODES.filter((c) => c !== 'UNDP' && c !== 'UNHCR'));
		assert.equal(closed.proposal.close_facts.consultation_missing, false);
		const mc = await get(id, mol);
		assert.ok(!('close_facts' in mc.proposal), `MOL does not learn who was missing: ${JSON.stringify(mc.proposal)}`);
	});

	test('17. close_facts name the objecting organisations and a missing consultation', async () => {
		const id = await createOpen({ title: 'Objected state matter', state_matter: true });
		await allPosition(id, MEMBERS.filter((l) => l !== 'unicef'));
		await position('unicef', id, 'object', 'Not ready');
		const c = await rco.ok('consensus.close', { proposal: id });
		assert.deepEqual(c.proposal.close_facts, { missing: [], objected: ['UNICEF'], consultation_missing: true, closing_time: false });
		assert.equal(c.proposal.close_reason, null);
		// the record export carries them as data too
		const r = await httpRequest(server, `/api/consensus/record?proposal=${id}&format=json`, { headers: { Authorization: `Bearer ${undp.token}` } });
		assert.equal(r.status, 200);
		assert.deepEqual(JSON.parse(r.body).proposal.close_facts.objected, ['UNICEF']);
		// a reopen clears them
		const re = await rco.ok('consensus.reopen', { proposal: id, reason: 'new text' });
		assert.equal(re.proposal.close_facts, null);
	});

	test('18. consensus.edit: a draft, by its author or a co-chair; conflict once open; subscribers see the edit', async () => {
		// a secretariat person who is not a co-chair drafts
		const inv = await iom.ok('members.invite', { org: 'IOM', name: 'Secretariat only', function: 'staff', roles: ['secretariat'] });
		const s = await connect(server);
		clients.push(s);
		assert.equal((await s.request('auth.accept_invite', { token: inv.token, login: 'sec.only', password: INVITED_PASSWORD })).ok, true);
		await s.close();
		const sec = await as('sec.only', INVITED_PASSWORD);
		const id = (await sec.ok('consensus.create', { title: 'Draft to edit', text: 'First text', kind: 'decision' })).proposal.id;
		const marks = await subscribe(id, [undp]);

		const e1 = await sec.ok('consensus.edit', { proposal: id, title: 'Edited title', text: 'Second text', state_matter: true, hide_tally: true });
		assert.equal(e1.proposal.title, 'Edited title');
		assert.equal(e1.proposal.text, 'Second text');
		assert.equal(e1.proposal.state_matter, true);
		assert.equal(e1.proposal.hide_tally, true);
		assert.equal(e1.proposal.kind, 'decision', 'a field left out keeps its value');
		const ev = await undp.waitEvent((e) => e.event === 'consensus.edited' && e.topic === topicOf(id), 5000, { from: marks.get(undp) });
		assert.equal(ev.data.proposal.title, 'Edited title');

		// a co-chair may edit it too; closes_at set, then cleared with null
		const when = Date.now() + 7 * 86_400_000;
		assert.equal((await rco.ok('consensus.edit', { proposal: id, kind: 'statement', closes_at: when })).proposal.closes_at, when);
		const e3 = await rco.ok('consensus.edit', { proposal: id, closes_at: null });
		assert.equal(e3.proposal.closes_at, null);
		assert.equal(e3.proposal.kind, 'statement');

		// another member, a partner: refused; bad input: a clear error and nothing changed
		assertError(await undp.request('consensus.edit', { proposal: id, title: 'Hijack' }), 'forbidden', 'a member who did not draft it');
		assertError(await mol.request('consensus.edit', { proposal: id, title: 'Hijack' }), 'forbidden', 'a partner', /not open to partners/);
		assertError(await rco.request('consensus.edit', { proposal: id, kind: 'poll' }), 'bad_request', 'unknown kind', /kind/);
		assertError(await rco.request('consensus.edit', { proposal: id, title: '' }), 'bad_request', 'empty title', /title/);
		assertError(await rco.request('consensus.edit', { proposal: id, closes_at: 5 }), 'bad_request', 'closes_at in the past', /closes_at/);
		assertError(await rco.request('consensus.edit', { proposal: id, hide_tally: 'yes' }), 'bad_request', 'hide_tally', /hide_tally/);
		assertError(await rco.request('consensus.edit', { proposal: NONEXISTENT, title: 'x' }), 'not_found', 'missing proposal');
		assert.equal((await get(id)).proposal.title, 'Edited title');

		// once open, its text is what organisations respond to
		await rco.ok('consensus.open', { proposal: id });
		assertError(await sec.request('consensus.edit', { proposal: id, title: 'Too late' }), 'conflict', 'edit after the open', /draft/);
		assertError(await rco.request('consensus.edit', { proposal: id, title: 'Too late' }), 'conflict', 'edit after the open (co-chair)');
		const log = await sqlite(server.config.database.path, `SELECT count(*) FROM consensus_log WHERE proposal_id=${id} AND action='edit'`);
		assert.equal(log.trim(), '3', 'each edit is in the log');
	});
});

describe('consensus: tally_max_per_sec 0 sends one tally per position', { timeout: 120_000 }, () => {
	let server;
	let org;
	let watch;
	before(async () => {
		server = await startServer({ plugins: { ...PLUGINS, consensus: { tally_max_per_sec: 0 } } });
		org = await openOrgClients(server);
		watch = await connectAs(server, 'unicef');
	});
	after(async () => {
		await closeAll(Object.values(org || {}), watch);
		if (server) await server.dispose();
	});

	test('10b. a burst of ten positions yields at least ten tallies, the last one the final state', async () => {
		const id = (await org.rco.ok('consensus.create', { title: 'Uncoalesced', text: 'x', kind: 'decision' })).proposal.id;
		await org.rco.ok('consensus.open', { proposal: id });
		const mark = watch.messages.length;
		await watch.ok('sub.add', { topic: topicOf(id) });
		const acks = await Promise.all(MEMBERS.map((l) => org[l].ok('consensus.position', { proposal: id, position: 'agree' })));
		assert.deepEqual(acks.map((a) => a.tally_sent), MEMBERS.map(() => true), 'without coalescing every tally goes out before its ack');
		await watch.waitEvent(tallyOf(id, (t) => t.responded.length === 10), 5000, { from: mark });
		await sleep(300);
		const evs = tallies(watch, id, mark);
		assert.ok(evs.length >= 10, `${evs.length} tally events for 10 positions with tally_max_per_sec 0`);
		const last = evs[evs.length - 1].data;
		assert.deepEqual(sorted(last.responded), CODES);
		assert.equal(last.counts.agree, 10);
		assert.equal(last.consensus_reached, true);
		const lens = evs.map((e) => e.data.responded.length);
		for (let i = 1; i < lens.length; i++) assert.ok(lens[i] >= lens[i - 1], `responded never shrinks: ${lens}`);
	});
});

describe('consensus: kill -9 and restart', { timeout: 120_000 }, () => {
	let server;
	let org;
	const extra = [];
	before(async () => {
		server = await startServer({ plugins: PLUGINS });
		org = await openOrgClients(server);
	});
	after(async () => {
		await closeAll(Object.values(org || {}), extra);
		if (server) await server.dispose();
	});

	test('11. no acknowledged position is lost; duplicates are still recognised; closing timers survive', async () => {
		const rco = org.rco;
		const mk = async (title, openExtra = {}) => {
			const id = (await rco.ok('consensus.create', { title, text: 'x', kind: 'decision' })).proposal.id;
			await rco.ok('consensus.open', { proposal: id, ...openExtra });
			return id;
		};
		const id = await mk('Survives kill -9');
		const dueWhileDown = await mk('Due while the server is down', { closes_at: Date.now() + 1000 });
		const dueAfter = await mk('Due after the restart', { closes_at: Date.now() + 2500 });
		const acks = await Promise.all(
			MEMBERS.map((l) => org[l].request('consensus.position', { proposal: id, position: 'agree' }, { id: `kill-${l}`, idem: `kill-${l}-key` })),
		);
		for (const [i, a] of acks.entries()) assert.equal(a.ok, true, `${MEMBERS[i]}: ${JSON.stringify(a)}`);
		const killedAt = Date.now();
		await server.kill9();
		await sleep(Math.max(0, 1500 - (Date.now() - killedAt)));
		await server.restart();

		const c = await connectAs(server, 'rco');
		extra.push(c);
		const g = await c.ok('consensus.get', { proposal: id });
		assert.equal(g.proposal.status, 'open');
		assert.deepEqual(sorted(g.positions.map((p) => p.org)), CODES, `all ten positions after kill -9: ${JSON.stringify(g.positions)}`);
		assert.ok(g.positions.every((p) => p.position === 'agree'));
		assert.equal(g.tally.counts.agree, 10);
		assert.equal(g.tally.consensus_reached, true);

		// re-sending an acknowledged request after the restart is a duplicate
		const u = await connectAs(server, 'undp');
		extra.push(u);
		const dup = await u.request('consensus.position', { proposal: id, position: 'agree' }, { id: 'kill-undp', idem: 'kill-undp-key' });
		assert.equal(dup.ok, true, `resend after restart: ${JSON.stringify(dup)}`);
		assert.equal(dup.data.duplicate, true, `resend after restart: ${JSON.stringify(dup)}`);
		const rows = await sqlite(server.config.database.path, `SELECT count(*) FROM consensus_log WHERE proposal_id=${id} AND action='position';`);
		assert.equal(rows.trim(), '10', `ten 'position' log rows (found ${rows.trim()})`);

		// closing times: one passed while the server was down, one after the restart
		const deadline = Date.now() + 5000;
		let a;
		let b;
		for (;;) {
			a = (await c.ok('consensus.get', { proposal: dueWhileDown })).proposal;
			b = (await c.ok('consensus.get', { proposal: dueAfter })).proposal;
			if ((a.status === 'closed' && b.status === 'closed') || Date.now() > deadline) break;
			await sleep(200);
		}
		assert.equal(a.status, 'closed', `proposal due while the server was down is closed after the restart: ${JSON.stringify(a)}`);
		assert.equal(a.closed_by, null);
		assert.equal(a.close_facts?.closing_time, true);
		assert.equal(b.status, 'closed', `proposal due after the restart is closed at its time: ${JSON.stringify(b)}`);
		assert.equal(b.closed_by, null);
		assert.equal(b.close_facts?.closing_time, true);

		const closed = await c.ok('consensus.close', { proposal: id });
		assert.equal(closed.proposal.outcome, 'consensus');
	});
});

describe('consensus: plugin config', { timeout: 60_000 }, () => {
	for (const [what, cfg] of [
		['an unknown key', { bogus: 1 }],
		['tally_max_per_sec above 1000', { tally_max_per_sec: 1001 }],
		['tally_max_per_sec negative', { tally_max_per_sec: -1 }],
	]) {
		test(`${what} stops start-up`, async () => {
			let server = null;
			let err = null;
			try {
				server = await startServer({ plugins: { ...PLUGINS, consensus: cfg } });
			} catch (e) {
				err = e;
			}
			if (server) await server.dispose();
			assert.ok(err, `accord serve started with consensus config ${JSON.stringify(cfg)}`);
			// refused by `accord init` (which loads the plugins) or by `accord serve`
			assert.match(err.message, /--demo failed|exited .*before listening/, err.message.slice(0, 500));
			assert.match(err.message, /consensus/, `the error names the plugin: ${err.message.slice(-500)}`);
		});
	}
	test('tally_max_per_sec 1000 is accepted', async () => {
		const server = await startServer({ plugins: { ...PLUGINS, consensus: { tally_max_per_sec: 1000 } } });
		await server.dispose();
	});
});
