// Membership plugin (`members.*`, plugin `membership`): organisations, people,
// invitations, deactivation, export (HTTP + CLI), audit log, presence, live
// role and standing changes, input validation.  See docs/protocol.md,
// "Membership plugin".
//
// The tests in the main `describe` share one server and run in order; each
// creates the fixtures it needs under its own names, so that a failure in one
// does not cascade.  A partner connection (mol) is open during the whole
// scenario and must never receive a `members.*` frame; the last test checks it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { startServer, connect, connectAs, closeAll, httpRequest, runAccord, sleep, DEMO_PASSWORD } from './lib/harness.js';
import { parseCsv } from './lib/csv.js';

const PLUGINS = { membership: {}, test: {} };
const INVITED_PASSWORD = 'invited-pass-123';
const CSV_COLUMNS = [
	'org_code',
	'org_name',
	'org_kind',
	'org_standing',
	'org_active',
	'login',
	'name',
	'function',
	'contact',
	'roles',
	'person_active',
];

// ------------------------------------------------------------ helpers



/** CSV text → array of objects keyed by the header row (asserted to be CSV_COLUMNS). */
function csvObjects(text) {
	const rows = parseCsv(text);
	assert.ok(rows.length >= 1, `CSV has a header row: ${JSON.stringify(text.slice(0, 200))}`);
	assert.deepEqual(
		rows[0].map((h) => h.trim()),
		CSV_COLUMNS,
		`CSV header row is ${JSON.stringify(rows[0])}`,
	);
	return rows.slice(1).map((r, n) => {
		assert.equal(r.length, CSV_COLUMNS.length, `CSV row ${n + 2} has ${r.length} fields: ${JSON.stringify(r)}`);
		return Object.fromEntries(CSV_COLUMNS.map((k, j) => [k, r[j]]));
	});
}

/** CSV boolean → JS boolean ('1'/'true' and '0'/'false'). */
function csvBool(v, what) {
	if (v === '1' || v === 'true') return true;
	if (v === '0' || v === 'false') return false;
	assert.fail(`${what}: ${JSON.stringify(v)} is not a CSV boolean (1/0/true/false)`);
}

/** A field a spreadsheet could run as a formula (OWASP): one starting with
 * = + - @ TAB or CR, or with = + - @ after leading blanks. */
const FORMULA = /^[\t\r]|^[ \t\r\n]*[=+\-@]/;
/** What a string looks like in the CSV export (formula-injection guard). */
const csvEscaped = (s) => (FORMULA.test(s) ? `'${s}` : s);

const sortedRoles = (v) => (Array.isArray(v) ? [...v] : String(v).split(',').filter(Boolean)).sort();

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

const isMembersFrame = (m) =>
	m && typeof m === 'object' && ((typeof m.event === 'string' && m.event.startsWith('members.')) || m.topic === 'network');

// ------------------------------------------------------------------ tests

describe('membership', { timeout: 600_000 }, () => {
	let server;
	let iom; // secretariat
	let undp; // member, subscribed to `network` for the whole run
	let mol; // partner, watching for leaks for the whole run
	const clients = [];
	const tokens = []; // every invitation token handed out
	let uniq = 0;
	const code = (p) => `${p}${++uniq}`.toUpperCase();
	const loginName = (p) => `${p}${++uniq}`;

	const open = async (opts) => {
		const c = await connect(server, opts);
		clients.push(c);
		return c;
	};
	const as = async (login, password = DEMO_PASSWORD) => {
		const c = await open();
		await c.login(login, password);
		return c;
	};

	async function saveOrg(data) {
		const d = await iom.ok('members.org.save', data);
		return d.org;
	}
	async function savePerson(data) {
		const d = await iom.ok('members.person.save', data);
		return d.person;
	}
	async function invite(data) {
		const d = await iom.ok('members.invite', data);
		tokens.push(d.token);
		return d;
	}
	/** Invites `login` into `org` and accepts on a fresh connection; returns the invitation. */
	async function invitePerson(org, login, extra = {}) {
		const inv = await invite({ org, name: `Person ${login}`, function: 'staff', ...extra });
		const c = await open();
		const r = await c.request('auth.accept_invite', { token: inv.token, login, password: INVITED_PASSWORD });
		assert.equal(r.ok, true, `auth.accept_invite as ${login} into ${org}: ${JSON.stringify(r)}`);
		await c.close();
		return inv;
	}
	async function people(args = {}) {
		return (await iom.ok('members.people', args)).people;
	}
	async function orgs(args = {}) {
		return (await iom.ok('members.orgs', args)).orgs;
	}
	const changed = (what, id, action) => (e) =>
		e.event === 'members.changed' && e.topic === 'network' && e.data?.what === what && e.data?.id === id && e.data?.action === action;

	before(async () => {
		server = await startServer({ plugins: PLUGINS });
		iom = await as('iom');
		undp = await as('undp');
		const s = await undp.request('sub.add', { topic: 'network' });
		assert.equal(s.ok, true, `undp sub.add network: ${JSON.stringify(s)}`);
		assert.equal(s.data.topic, 'network');
		mol = await as('mol');
		// a partner trying to subscribe to `network` must not become subscribed
		await mol.request('sub.add', { topic: 'network' });
	});
	after(async () => {
		await closeAll(clients);
		if (server) await server.dispose();
	});

	test('the membership plugin is loaded', async () => {
		const info = await iom.ok('sys.info', {});
		assert.ok(
			info.plugins.some((p) => p.name === 'membership'),
			`sys.info plugins ${JSON.stringify(info.plugins)} include membership`,
		);
	});

	test('members.* requires authentication', async () => {
		const c = await open();
		for (const type of ['members.orgs', 'members.people', 'members.presence', 'members.audit']) {
			assertError(await c.request(type, {}), 'unauthenticated', `${type} before login`);
		}
	});

	test('1. secretariat adds an organisation and a person; members see members.changed live; lists show them', async () => {
		const orgCode = code('NEWORG');
		const login = loginName('alice.k');
		const mark = undp.messages.length;

		const org = await saveOrg({ code: orgCode, name: 'Academy of Migration Studies', kind: 'academia', standing: 'member' });
		assert.deepEqual(
			org,
			{ code: orgCode, name: 'Academy of Migration Studies', kind: 'academia', standing: 'member', active: true, state_counterpart: false },
			'members.org.save returns the org',
		);
		const ev1 = await undp.waitEvent(changed('org', orgCode, 'saved'), 10_000, { from: mark });
		assert.deepEqual(ev1.data, { what: 'org', id: orgCode, action: 'saved' });
		assert.equal(typeof ev1.seq, 'number');

		const person = await savePerson({
			login,
			name: 'Alice Karimova',
			org: orgCode,
			function: 'alternate',
			contact: 'alice@example.org',
		});
		assert.equal(person.login, login);
		assert.equal(person.name, 'Alice Karimova');
		assert.equal(person.org, orgCode);
		assert.equal(person.function, 'alternate');
		assert.equal(person.contact, 'alice@example.org');
		assert.deepEqual(person.roles, []);
		assert.equal(person.active, true);
		const ev2 = await undp.waitEvent(changed('person', login, 'saved'), 10_000, { from: mark });
		assert.deepEqual(ev2.data, { what: 'person', id: login, action: 'saved' });
		assert.ok(ev2.seq > ev1.seq, `seq increases: ${ev1.seq} then ${ev2.seq}`);

		// the lists, as seen by a plain member
		const ol = (await undp.ok('members.orgs', {})).orgs;
		const o = ol.find((x) => x.code === orgCode);
		assert.deepEqual(o, org, `members.orgs lists ${orgCode}: ${JSON.stringify(ol)}`);
		// members first, then partners, each by code
		const standings = ol.map((x) => x.standing);
		assert.deepEqual(standings, [...standings].sort((a, b) => (a === b ? 0 : a === 'member' ? -1 : 1)), `members first: ${standings}`);
		for (const st of ['member', 'partner']) {
			const codes = ol.filter((x) => x.standing === st).map((x) => x.code);
			assert.deepEqual(codes, [...codes].sort(), `${st}s ordered by code`);
		}

		const pl = (await undp.ok('members.people', {})).people;
		const p = pl.find((x) => x.login === login);
		assert.ok(p, `members.people lists ${login}: ${JSON.stringify(pl.map((x) => x.login))}`);
		assert.deepEqual(p, {
			login,
			name: 'Alice Karimova',
			org: orgCode,
			function: 'alternate',
			contact: 'alice@example.org',
			roles: [],
			active: true,
			online: false,
		});
		const only = (await undp.ok('members.people', { org: orgCode })).people;
		assert.deepEqual(
			only.map((x) => x.login),
			[login],
			`members.people {org: ${orgCode}} lists only that org's people`,
		);

		// an update by code is announced too, and changes the record
		const mark2 = undp.messages.length;
		const upd = await saveOrg({ code: orgCode, name: 'Academy of Migration Studies (KZ)', kind: 'academia', standing: 'member' });
		assert.equal(upd.name, 'Academy of Migration Studies (KZ)');
		await undp.waitEvent(changed('org', orgCode, 'saved'), 10_000, { from: mark2 });
		const again = (await orgs()).filter((x) => x.code === orgCode);
		assert.equal(again.length, 1, 'saving by an existing code updates, not duplicates');
		assert.equal(again[0].name, 'Academy of Migration Studies (KZ)');
	});

	test('2. members and co-chairs cannot edit or read the audit; they can read orgs, people, presence', async () => {
		const orgCode = code('EDITORG');
		await saveOrg({ code: orgCode, name: 'Edit target', kind: 'other', standing: 'member' });
		const target = loginName('target');
		await savePerson({ login: target, name: 'Target Person', org: orgCode, function: 'staff' });

		const rco = await as('rco');
		for (const [who, c] of [
			['undp (member)', undp],
			['rco (co_chair)', rco],
		]) {
			const attempts = [
				['members.org.save', { code: orgCode, name: 'Hijacked', kind: 'other', standing: 'member' }],
				['members.org.save', { code: code('SNEAKY'), name: 'Sneaky', kind: 'other', standing: 'member' }],
				['members.person.save', { login: target, name: 'Hijacked', org: orgCode, function: 'staff' }],
				['members.person.save', { login: loginName('sneaky'), name: 'Sneaky', org: orgCode, function: 'staff' }],
				['members.person.deactivate', { login: target }],
				['members.invite', { org: 'UNDP', name: 'Sneaky Invite', function: 'staff' }],
				['members.audit', {}],
			];
			for (const [type, data] of attempts) {
				const r = await c.request(type, data);
				assertError(r, 'forbidden', `${who} ${type} ${JSON.stringify(data)}`);
			}
			for (const type of ['members.orgs', 'members.people', 'members.presence']) {
				const r = await c.request(type, {});
				assert.equal(r.ok, true, `${who} ${type}: ${JSON.stringify(r)}`);
			}
		}
		// nothing changed
		const o = (await orgs()).find((x) => x.code === orgCode);
		assert.equal(o.name, 'Edit target', 'org unchanged after forbidden saves');
		const all = await people({ include_inactive: true });
		const t = all.find((x) => x.login === target);
		assert.equal(t.name, 'Target Person', 'person unchanged after forbidden save');
		assert.equal(t.active, true, 'person still active after forbidden deactivate');
		assert.ok(!all.some((x) => x.login.startsWith('sneaky')), 'no person created by a forbidden save');
		assert.ok(!(await orgs({ include_withdrawn: true })).some((x) => x.code.startsWith('SNEAKY')), 'no org created by a forbidden save');
		await rco.close();
	});

	test('3. partners cannot list members nor subscribe to network (not_found, as for a nonexistent topic)', async () => {
		for (const type of ['members.orgs', 'members.people', 'members.presence']) {
			assertError(await mol.request(type, {}), 'forbidden', `mol ${type}`);
		}
		for (const [type, data] of [
			['members.org.save', { code: code('PARTNERORG'), name: 'x', kind: 'other', standing: 'member' }],
			['members.person.save', { login: loginName('partnerp'), name: 'x', org: 'MOL', function: 'staff' }],
			['members.person.deactivate', { login: 'undp' }],
			['members.invite', { org: 'MOL', name: 'x', function: 'staff' }],
			['members.audit', {}],
		]) {
			assertError(await mol.request(type, data), 'forbidden', `mol ${type}`);
		}
		const net = await mol.request('sub.add', { topic: 'network' });
		const zzz = await mol.request('sub.add', { topic: 'network:zzz' });
		assertError(net, 'not_found', 'mol sub.add network');
		assertError(zzz, 'not_found', 'mol sub.add network:zzz');
		assert.deepEqual(net.error, zzz.error, 'network answers partners exactly like a nonexistent topic');
		// network:zzz is indeed nonexistent (a member gets not_found too)
		assertError(await undp.request('sub.add', { topic: 'network:zzz' }), 'not_found', 'undp sub.add network:zzz');
		// and mol is not subscribed: sub.remove answers not_found
		assertError(await mol.request('sub.remove', { topic: 'network' }), 'not_found', 'mol sub.remove network');
	});

	test('4. invitations: accept, login, reuse, expiry, forged token, login taken, bad password', async () => {
		const before = Date.now();
		const inv = await invite({ org: 'UNDP', name: 'Ivan Invited', function: 'staff', contact: 'ivan@example.org' });
		assert.match(inv.token, /^[A-Za-z0-9_-]{43}$/, `invitation token ${inv.token} is 43 base64url characters`);
		assert.equal(typeof inv.expires, 'number');
		const week = 168 * 3600 * 1000;
		assert.ok(
			inv.expires >= before + week - 60_000 && inv.expires <= Date.now() + week + 60_000,
			`default expiry ${inv.expires} is ~168 h from now (${before}), in ms`,
		);

		const login = loginName('ivan');
		const mark = undp.messages.length;
		const c = await open();
		const acc = await c.request('auth.accept_invite', { token: inv.token, login, password: INVITED_PASSWORD });
		assert.equal(acc.ok, true, `auth.accept_invite before login: ${JSON.stringify(acc)}`);
		assert.deepEqual(acc.data, { login, org: 'UNDP' });
		await undp.waitEvent(changed('person', login, 'joined'), 10_000, { from: mark });

		const li = await c.login(login, INVITED_PASSWORD);
		assert.equal(li.user.login, login);
		assert.equal(li.user.org, 'UNDP');
		assert.equal(li.user.standing, 'member');
		assert.deepEqual(li.user.roles, []);
		assert.equal(li.user.name, 'Ivan Invited');
		const me = (await iom.ok('members.people', { org: 'UNDP' })).people.find((p) => p.login === login);
		assert.ok(me, `${login} listed under UNDP`);
		assert.equal(me.function, 'staff');
		assert.equal(me.contact, 'ivan@example.org');
		assert.equal(me.active, true);

		// reuse
		const fresh = await open();
		const reuse = await fresh.request('auth.accept_invite', { token: inv.token, login: loginName('ivan.again'), password: INVITED_PASSWORD });
		assertError(reuse, 'conflict', 'accepting a used invitation');

		// expiry: push the row's expires_at into the past directly in the database
		const exp = await invite({ org: 'UNDP', name: 'Expired Erin', function: 'staff', ttl_hours: 1 });
		const out = await sqlite(
			server.config.database.path,
			"UPDATE members_invites SET expires_at = 0 WHERE name = 'Expired Erin' AND used_at IS NULL; SELECT changes();",
		);
		assert.equal(out.trim(), '1', `one invitation row updated (sqlite3 said ${JSON.stringify(out)})`);
		const expired = await fresh.request('auth.accept_invite', { token: exp.token, login: loginName('erin'), password: INVITED_PASSWORD });
		assertError(expired, 'conflict', 'accepting an expired invitation', /expir/i);
		assert.notEqual(expired.error.message, reuse.error.message, 'used and expired invitations have different messages');

		// forged / malformed tokens
		for (const token of ['A'.repeat(43), 'garbage', 'not a token at all!', '']) {
			const r = await fresh.request('auth.accept_invite', { token, login: loginName('forger'), password: INVITED_PASSWORD });
			assertError(r, 'not_found', `auth.accept_invite with token ${JSON.stringify(token)}`);
		}

		// login already taken, bad login, bad password: the invitation stays usable
		const inv2 = await invite({ org: 'UNDP', name: 'Taken Tanya', function: 'alternate' });
		const taken = await fresh.request('auth.accept_invite', { token: inv2.token, login: 'undp', password: INVITED_PASSWORD });
		assertError(taken, 'conflict', 'auth.accept_invite with login "undp"');
		assert.notEqual(taken.error.message, reuse.error.message, 'login taken and used invitation have different messages');
		assert.notEqual(taken.error.message, expired.error.message, 'login taken and expired invitation have different messages');
		// taken by a person who exists but has no password yet
		const nopw = loginName('nopw');
		await savePerson({ login: nopw, name: 'No Password', org: 'UNDP', function: 'staff' });
		assertError(
			await fresh.request('auth.accept_invite', { token: inv2.token, login: nopw, password: INVITED_PASSWORD }),
			'conflict',
			`auth.accept_invite with login ${nopw} (person without password)`,
		);
		for (const password of ['short', '123456789', 'x'.repeat(1025)]) {
			assertError(
				await fresh.request('auth.accept_invite', { token: inv2.token, login: loginName('tanya'), password }),
				'bad_request',
				`auth.accept_invite with a ${password.length}-character password`,
				/password/i,
			);
		}
		for (const bad of ['Bad Login', '1abc', 'x', 'UPPER', 'a'.repeat(33)]) {
			assertError(
				await fresh.request('auth.accept_invite', { token: inv2.token, login: bad, password: INVITED_PASSWORD }),
				'bad_request',
				`auth.accept_invite with login ${JSON.stringify(bad)}`,
				/login/i,
			);
		}
		const tanya = loginName('tanya');
		const ok2 = await fresh.request('auth.accept_invite', { token: inv2.token, login: tanya, password: 'x'.repeat(10) });
		assert.equal(ok2.ok, true, `the invitation is still usable after refused attempts: ${JSON.stringify(ok2)}`);
		assert.deepEqual(ok2.data, { login: tanya, org: 'UNDP' });
		await fresh.login(tanya, 'x'.repeat(10));
		assert.equal(fresh.user.org, 'UNDP');
	});

	test('4b. invitation input: ttl_hours range, roles carried over, withdrawn or unknown org refused', async () => {
		for (const ttl of [0, 721, -1, 'x', 1.5]) {
			const r = await iom.request('members.invite', { org: 'UNDP', name: 'TTL test', function: 'staff', ttl_hours: ttl });
			assertError(r, 'bad_request', `members.invite ttl_hours ${JSON.stringify(ttl)}`, /ttl_hours/);
		}
		const t0 = Date.now();
		const one = await invite({ org: 'UNDP', name: 'TTL one', function: 'staff', ttl_hours: 1 });
		assert.ok(Math.abs(one.expires - (t0 + 3600_000)) < 120_000, `ttl_hours 1 expires ${one.expires} ~ 1 h from ${t0}`);
		const max = await invite({ org: 'UNDP', name: 'TTL max', function: 'staff', ttl_hours: 720 });
		assert.ok(Math.abs(max.expires - (t0 + 720 * 3600_000)) < 120_000, `ttl_hours 720 expires ${max.expires}`);

		// roles in the invitation end up on the account
		const login = loginName('chairinv');
		await invitePerson('UNICEF', login, { roles: ['co_chair'], function: 'alternate' });
		const c = await as(login, INVITED_PASSWORD);
		assert.deepEqual(c.user.roles, ['co_chair']);
		assert.equal(c.user.org, 'UNICEF');
		const cr = await c.request('test.chair_only', {});
		assert.equal(cr.ok, true, `invited co-chair passes test.chair_only: ${JSON.stringify(cr)}`);
		await c.close();

		// only into an active organisation
		const wd = code('WDINV');
		await saveOrg({ code: wd, name: 'Withdrawn for invites', kind: 'other', standing: 'member', active: false });
		const r1 = await iom.request('members.invite', { org: wd, name: 'Nope', function: 'staff' });
		assert.equal(r1.ok, false, `members.invite into withdrawn ${wd}: ${JSON.stringify(r1)}`);
		const r2 = await iom.request('members.invite', { org: 'NOSUCHORG', name: 'Nope', function: 'staff' });
		assert.equal(r2.ok, false, `members.invite into unknown org: ${JSON.stringify(r2)}`);
	});

	test('5. deactivation closes open connections (1008), blocks login and resume', async () => {
		const orgCode = code('DEACTORG');
		await saveOrg({ code: orgCode, name: 'Deactivation org', kind: 'donor', standing: 'member' });
		const login = loginName('dora');
		await invitePerson(orgCode, login);
		const d1 = await as(login, INVITED_PASSWORD);
		const d2 = await open();
		const res = await d2.request('auth.resume', { token: d1.token });
		assert.equal(res.ok, true, `resume on a second connection: ${JSON.stringify(res)}`);

		const mark = undp.messages.length;
		const t0 = Date.now();
		const r = await iom.request('members.person.deactivate', { login });
		assert.equal(r.ok, true, `members.person.deactivate ${login}: ${JSON.stringify(r)}`);
		assert.deepEqual(r.data, {});
		const [c1, c2] = await Promise.all([d1.waitClose(5000), d2.waitClose(5000)]);
		const elapsed = Date.now() - t0;
		assert.equal(c1.code, 1008, `first connection closed with ${JSON.stringify(c1)}`);
		assert.equal(c2.code, 1008, `second connection closed with ${JSON.stringify(c2)}`);
		assert.match(c1.reason, /deactivated/i, `close reason ${JSON.stringify(c1.reason)}`);
		assert.ok(elapsed < 3000, `connections closed ${elapsed} ms after the deactivate request`);
		await undp.waitEvent(changed('person', login, 'deactivated'), 10_000, { from: mark });

		const c = await open();
		assertError(await c.request('auth.login', { login, password: INVITED_PASSWORD }), 'unauthenticated', `auth.login as deactivated ${login}`);
		assertError(await c.request('auth.resume', { token: d1.token }), 'unauthenticated', `auth.resume with deactivated ${login}'s token`);

		// lists: gone by default, present and inactive with include_inactive
		assert.ok(!(await people()).some((p) => p.login === login), 'deactivated person not in members.people by default');
		const all = await people({ include_inactive: true });
		const p = all.find((x) => x.login === login);
		assert.ok(p, 'deactivated person listed with include_inactive');
		assert.equal(p.active, false);
		assert.equal(p.online, false);

		assertError(await iom.request('members.person.deactivate', { login: 'nobody.such' }), 'not_found', 'deactivate an unknown login');
	});

	// export fixtures, created once by 6a: an org without people, quoting, formula-looking fields
	const exp = {};
	async function exportCsv(token = iom.token) {
		const res = await httpRequest(server, '/api/membership/export?format=csv', { headers: { Authorization: `Bearer ${token}` } });
		assert.equal(res.status, 200, `export csv: ${res.status} ${res.body.slice(0, 300)}`);
		return res;
	}

	test('6a. export CSV: header, and rows match members.people / members.orgs', async () => {
		exp.empty = code('EMPTYORG');
		await saveOrg({ code: exp.empty, name: 'Empty, "Quoted" Org', kind: 'private_sector', standing: 'member' });
		exp.formula = loginName('formula');
		await savePerson({ login: exp.formula, name: '=HYPERLINK("http://x")', org: 'UNFPA', function: 'staff', contact: '+7 701 555 0101' });
		exp.at = loginName('atsign');
		await savePerson({ login: exp.at, name: '@handle', org: 'UNFPA', function: 'staff', contact: '-minus' });

		const res = await exportCsv();
		assert.match(res.headers['content-type'] || '', /^text\/csv/, `content-type ${res.headers['content-type']}`);
		const rows = csvObjects(res.body);
		const ol = await orgs();
		const olAll = await orgs({ include_withdrawn: true });
		const pl = await people();
		const plAll = await people({ include_inactive: true });

		// every listed person appears once, with their org and fields
		for (const p of pl) {
			const mine = rows.filter((r) => r.login === p.login);
			assert.equal(mine.length, 1, `${p.login} has exactly one CSV row (found ${mine.length})`);
			const r = mine[0];
			assert.equal(r.org_code, p.org, `${p.login}: CSV org_code ${r.org_code}, members.people org ${p.org}`);
			assert.equal(r.name, csvEscaped(p.name), `${p.login}: name`);
			assert.equal(r.function, p.function, `${p.login}: function`);
			assert.equal(r.contact, csvEscaped(p.contact), `${p.login}: contact`);
			assert.deepEqual(sortedRoles(r.roles), sortedRoles(p.roles), `${p.login}: roles ${r.roles}`);
			assert.equal(csvBool(r.person_active, `${p.login} person_active`), true);
		}
		// every CSV row is a known org (and a known person, if any)
		for (const r of rows) {
			const o = olAll.find((x) => x.code === r.org_code);
			assert.ok(o, `CSV org_code ${r.org_code} is a known org`);
			assert.equal(r.org_name, csvEscaped(o.name), `${r.org_code}: org_name`);
			assert.equal(r.org_kind, o.kind, `${r.org_code}: org_kind`);
			assert.equal(r.org_standing, o.standing, `${r.org_code}: org_standing`);
			assert.equal(csvBool(r.org_active, `${r.org_code} org_active`), o.active, `${r.org_code}: org_active`);
			if (r.login !== '') {
				const p = plAll.find((x) => x.login === r.login);
				assert.ok(p, `CSV login ${r.login} is a known person`);
				assert.equal(p.org, r.org_code, `CSV login ${r.login} under its org`);
				assert.equal(csvBool(r.person_active, `${r.login} person_active`), p.active, `${r.login}: person_active`);
			} else {
				assert.ok(!plAll.some((p) => p.org === r.org_code), `org-only row for ${r.org_code}, which has people`);
			}
		}
		// every listed org appears
		for (const o of ol) assert.ok(rows.some((r) => r.org_code === o.code), `org ${o.code} appears in the CSV`);
	});

	test('6b. export CSV: an organisation without people has one row with empty person fields', async () => {
		const rows = csvObjects((await exportCsv()).body);
		const emptyRows = rows.filter((r) => r.org_code === exp.empty);
		assert.equal(emptyRows.length, 1, `org without people has one row: ${JSON.stringify(emptyRows)}`);
		const r = emptyRows[0];
		const personFields = Object.fromEntries(['login', 'name', 'function', 'contact', 'roles', 'person_active'].map((k) => [k, r[k]]));
		assert.deepEqual(
			personFields,
			{ login: '', name: '', function: '', contact: '', roles: '', person_active: '' },
			`person fields of the org-only row ${JSON.stringify(r)}`,
		);
	});

	test('6c. export CSV: RFC 4180 quoting and formula-injection prefix', async () => {
		const res = await exportCsv();
		const rows = csvObjects(res.body);
		const er = rows.find((r) => r.org_code === exp.empty);
		assert.equal(er?.org_name, 'Empty, "Quoted" Org', 'comma and quotes survive RFC 4180 quoting');
		assert.ok(res.body.includes('"Empty, ""Quoted"" Org"'), 'the field is quoted with doubled quotes in the raw text');
		const fr = rows.find((r) => r.login === exp.formula);
		assert.equal(fr?.name, `'=HYPERLINK("http://x")`);
		assert.equal(fr?.contact, "'+7 701 555 0101");
		const ar = rows.find((r) => r.login === exp.at);
		assert.equal(ar?.name, "'@handle");
		assert.equal(ar?.contact, "'-minus");
		for (const r of rows)
			for (const [k, v] of Object.entries(r)) assert.ok(!FORMULA.test(v), `CSV field ${k}=${JSON.stringify(v)} starts like a formula`);
	});

	test('6c2. export CSV: a TAB or CR first, or blanks before = + - @, is neutralised too (OWASP)', async () => {
		const tricky = {
			tab: '\t=cmd|\' /C calc\'!A0',
			spaces: '  =cmd',
			cr: '\r+1',
			spaceAt: ' @SUM(1)',
		};
		exp.tabName = loginName('tabname');
		await savePerson({ login: exp.tabName, name: tricky.tab, org: 'UNFPA', function: 'staff', contact: tricky.spaces });
		exp.spaceName = loginName('spacename');
		await savePerson({ login: exp.spaceName, name: tricky.spaces, org: 'UNFPA', function: 'staff', contact: tricky.cr });
		exp.blankOrg = code('BLANKORG');
		await saveOrg({ code: exp.blankOrg, name: tricky.spaceAt, kind: 'private_sector', standing: 'member' });

		const res = await exportCsv();
		const rows = csvObjects(res.body);
		const tr = rows.find((r) => r.login === exp.tabName);
		assert.equal(tr?.name, `'${tricky.tab}`, 'a name starting with TAB gets the quote prefix');
		assert.equal(tr?.contact, `'${tricky.spaces}`, 'a contact with spaces before = gets the quote prefix');
		const sr = rows.find((r) => r.login === exp.spaceName);
		assert.equal(sr?.name, `'${tricky.spaces}`, 'a name with spaces before = gets the quote prefix');
		assert.equal(sr?.contact, `'${tricky.cr}`, 'a contact starting with CR gets the quote prefix');
		const or = rows.find((r) => r.org_code === exp.blankOrg);
		assert.equal(or?.org_name, `'${tricky.spaceAt}`, 'an org name with a space before @ gets the quote prefix');
		// the raw text: the prefix sits inside the quotes, before the blanks
		assert.ok(res.body.includes(`"'\t=cmd|' /C calc'!A0"`), 'TAB field quoted with the prefix in the raw text');
		assert.ok(res.body.includes(`"'  =cmd"`), 'blank-led field quoted with the prefix in the raw text');
		for (const r of rows)
			for (const [k, v] of Object.entries(r)) assert.ok(!FORMULA.test(v), `CSV field ${k}=${JSON.stringify(v)} starts like a formula`);
	});

	test('6d. export JSON lists the same people and orgs', async () => {
		const csvRows = csvObjects((await exportCsv()).body);
		const rj = await httpRequest(server, '/api/membership/export?format=json', { headers: { Authorization: `Bearer ${iom.token}` } });
		assert.equal(rj.status, 200, `export json: ${rj.status} ${rj.body.slice(0, 300)}`);
		assert.match(rj.headers['content-type'] || '', /^application\/json/);
		const json = JSON.parse(rj.body);
		const logins = new Set();
		const codes = new Set();
		(function walk(v) {
			if (Array.isArray(v)) v.forEach(walk);
			else if (v && typeof v === 'object') {
				if (typeof v.login === 'string') logins.add(v.login);
				if (typeof v.code === 'string') codes.add(v.code);
				if (typeof v.org_code === 'string') codes.add(v.org_code);
				Object.values(v).forEach(walk);
			}
		})(json);
		const csvLogins = new Set(csvRows.map((r) => r.login).filter(Boolean));
		assert.deepEqual([...logins].sort(), [...csvLogins].sort(), 'JSON export lists the same people as the CSV');
		for (const o of await orgs()) assert.ok(codes.has(o.code), `org ${o.code} in the JSON export`);
		exp.json = json;
	});

	test('6e. export HTTP access: member 200, no or bad token 401, partner 403', async () => {
		const res = await exportCsv();
		const ru = await httpRequest(server, '/api/membership/export?format=csv', { headers: { Authorization: `Bearer ${undp.token}` } });
		assert.equal(ru.status, 200, `member export: ${ru.status} ${ru.body.slice(0, 200)}`);
		assert.equal(ru.body, res.body, 'member and secretariat get the same export');
		for (const fmt of ['csv', 'json']) {
			const none = await httpRequest(server, `/api/membership/export?format=${fmt}`);
			assert.equal(none.status, 401, `${fmt}, no token: ${none.status} ${none.body.slice(0, 200)}`);
			const forged = await httpRequest(server, `/api/membership/export?format=${fmt}`, { headers: { Authorization: `Bearer ${'A'.repeat(43)}` } });
			assert.equal(forged.status, 401, `${fmt}, forged token: ${forged.status} ${forged.body.slice(0, 200)}`);
			const pr = await httpRequest(server, `/api/membership/export?format=${fmt}`, { headers: { Authorization: `Bearer ${mol.token}` } });
			assert.equal(pr.status, 403, `${fmt}, partner token: ${pr.status} ${pr.body.slice(0, 200)}`);
			assert.ok(!pr.body.includes('undp'), 'the 403 body carries no member data');
		}
	});

	test('6f. accord members export (CLI, server running) equals the HTTP export', async () => {
		const res = await exportCsv();
		const cli = await runAccord(['members', 'export', '--config', server.cfgPath, '--format', 'csv']);
		assert.equal(cli.code, 0, `accord members export --format csv: code ${cli.code}\n${cli.stderr}`);
		assert.equal(cli.stdout, res.body, 'CLI CSV equals HTTP CSV');
		const rj = await httpRequest(server, '/api/membership/export?format=json', { headers: { Authorization: `Bearer ${iom.token}` } });
		assert.equal(rj.status, 200);
		const cliJ = await runAccord(['members', 'export', '--config', server.cfgPath, '--format', 'json']);
		assert.equal(cliJ.code, 0, `accord members export --format json: code ${cliJ.code}\n${cliJ.stderr}`);
		assert.deepEqual(JSON.parse(cliJ.stdout), JSON.parse(rj.body), 'CLI JSON equals HTTP JSON');
	});

	test('7. audit: entries for each change with actor and before/after; invitation tokens never recorded', async () => {
		const orgCode = code('AUDORG');
		await saveOrg({ code: orgCode, name: 'Audit org', kind: 'donor', standing: 'member' });
		await saveOrg({ code: orgCode, name: 'Audit org renamed', kind: 'donor', standing: 'member' });
		const created = loginName('audp');
		await savePerson({ login: created, name: 'Audit Person', org: orgCode, function: 'staff' });
		await savePerson({ login: created, name: 'Audit Person', org: orgCode, function: 'focal_point' });
		const joined = loginName('audj');
		const inv = await invitePerson(orgCode, joined, { name: 'Audit Joiner' });
		const dj = await iom.request('members.person.deactivate', { login: joined });
		assert.equal(dj.ok, true, JSON.stringify(dj));

		const { entries } = await iom.ok('members.audit', { limit: 1000 });
		assert.ok(Array.isArray(entries) && entries.length > 0);
		for (let i = 0; i < entries.length; i++) {
			const e = entries[i];
			assert.equal(typeof e.id, 'number', JSON.stringify(e));
			assert.equal(typeof e.at, 'number', JSON.stringify(e));
			assert.equal(typeof e.actor, 'string', JSON.stringify(e));
			assert.ok(e.actor.length > 0, `actor non-empty: ${JSON.stringify(e)}`);
			assert.equal(typeof e.action, 'string');
			assert.ok(
				['org.create', 'org.update', 'person.create', 'person.update', 'person.deactivate', 'invite', 'invite.accept', 'seed'].includes(e.action),
				`known action: ${JSON.stringify(e)}`,
			);
			assert.ok('before' in e && 'after' in e, `before/after present: ${JSON.stringify(e)}`);
			if (i > 0) {
				assert.ok(e.id < entries[i - 1].id, `newest first: id ${entries[i - 1].id} then ${e.id}`);
				assert.ok(e.at <= entries[i - 1].at, `newest first: at ${entries[i - 1].at} then ${e.at}`);
			}
		}
		const now = Date.now();
		const find = (action, object) => entries.filter((e) => e.action === action && e.object === object);

		const oc = find('org.create', orgCode);
		assert.equal(oc.length, 1, `one org.create for ${orgCode}: ${JSON.stringify(entries.slice(0, 10))}`);
		assert.equal(oc[0].actor, 'iom');
		assert.equal(oc[0].before, null);
		assert.equal(oc[0].after?.code, orgCode);
		assert.equal(oc[0].after?.name, 'Audit org');
		assert.ok(Math.abs(oc[0].at - now) < 300_000, `audit "at" ${oc[0].at} is ms since the epoch (now ${now})`);

		const ou = find('org.update', orgCode);
		assert.equal(ou.length, 1, `one org.update for ${orgCode}`);
		assert.equal(ou[0].actor, 'iom');
		assert.equal(ou[0].before?.name, 'Audit org');
		assert.equal(ou[0].after?.name, 'Audit org renamed');

		const pc = find('person.create', created);
		assert.equal(pc.length, 1, `one person.create for ${created}`);
		assert.equal(pc[0].actor, 'iom');
		assert.equal(pc[0].before, null);
		assert.equal(pc[0].after?.login, created);
		assert.equal(pc[0].after?.org, orgCode);

		const pu = find('person.update', created);
		assert.equal(pu.length, 1, `one person.update for ${created}`);
		assert.equal(pu[0].before?.function, 'staff');
		assert.equal(pu[0].after?.function, 'focal_point');

		const iv = entries.filter((e) => e.action === 'invite' && e.after && e.after.name === 'Audit Joiner');
		assert.equal(iv.length, 1, `one invite entry for Audit Joiner: ${JSON.stringify(entries.filter((e) => e.action === 'invite'))}`);
		assert.equal(iv[0].actor, 'iom');
		assert.equal(iv[0].after.org, orgCode);

		const ia = find('invite.accept', joined);
		assert.equal(ia.length, 1, `one invite.accept for ${joined}`);
		assert.ok(ia[0].actor.length > 0);
		assert.equal(ia[0].after?.login, joined);
		assert.equal(ia[0].after?.org, orgCode);

		const pd = find('person.deactivate', joined);
		assert.equal(pd.length, 1, `one person.deactivate for ${joined}`);
		assert.equal(pd[0].actor, 'iom');
		assert.ok(pd[0].before && pd[0].after, `deactivate has before and after: ${JSON.stringify(pd[0])}`);
		assert.ok(Boolean(pd[0].before.active), `before.active is true: ${JSON.stringify(pd[0].before)}`);
		assert.ok(!pd[0].after.active, `after.active is false: ${JSON.stringify(pd[0].after)}`);

		// the earlier tests' changes are there too
		for (const action of ['org.create', 'person.create', 'invite', 'invite.accept', 'person.deactivate'])
			assert.ok(entries.filter((e) => e.action === action).length >= 2, `several ${action} entries over the run`);

		// tokens: never in the audit log, nor anywhere in the database files
		assert.ok(tokens.includes(inv.token));
		const text = JSON.stringify(entries);
		for (const t of tokens) assert.ok(!text.includes(t), `invitation token ${t} appears in the audit log`);
		const dbPath = server.config.database.path;
		const invRows = await sqlite(dbPath, 'SELECT * FROM members_invites;');
		for (const t of tokens) {
			assert.ok(!invRows.includes(t), `invitation token ${t} stored in members_invites`);
			for (const f of [dbPath, `${dbPath}-wal`]) {
				if (fs.existsSync(f)) assert.ok(!fs.readFileSync(f).includes(Buffer.from(t)), `invitation token ${t} found in ${f}`);
			}
		}

		// paging with before, and limit bounds
		const p1 = (await iom.ok('members.audit', { limit: 2 })).entries;
		assert.equal(p1.length, 2);
		assert.deepEqual(p1, entries.slice(0, 2));
		const p2 = (await iom.ok('members.audit', { limit: 2, before: p1[1].id })).entries;
		assert.deepEqual(p2, entries.slice(2, 4), 'before pages to older entries');
		for (const limit of [0, 1001, 'x'])
			assertError(await iom.request('members.audit', { limit }), 'bad_request', `members.audit limit ${JSON.stringify(limit)}`, /limit/);
	});

	test('8. presence: login/close events on network; members_missing and all_members_represented', async () => {
		const mark = undp.messages.length;
		const onlineEv = (login, online) => (e) =>
			e.event === 'members.presence' && e.topic === 'network' && e.data?.changed?.login === login && e.data?.changed?.online === online;

		const u1 = await as('unhcr');
		const on = await undp.waitEvent(onlineEv('unhcr', true), 10_000, { from: mark });
		assert.deepEqual(on.data.changed, { login: 'unhcr', org: 'UNHCR', online: true });
		assert.ok(on.data.online?.UNHCR?.includes('unhcr'), `event shows UNHCR online: ${JSON.stringify(on.data)}`);
		assert.ok(!on.data.members_missing.includes('UNHCR'), `UNHCR not missing: ${JSON.stringify(on.data.members_missing)}`);
		assert.equal(on.data.all_members_represented, false);

		const pr = await undp.ok('members.presence', {});
		assert.ok(pr.online.UNHCR?.includes('unhcr'), `members.presence: ${JSON.stringify(pr)}`);
		assert.ok(pr.online.UNDP?.includes('undp'));
		assert.ok(pr.online.IOM?.includes('iom'));
		const ol = await orgs();
		const activeMembers = ol.filter((o) => o.standing === 'member' && o.active).map((o) => o.code);
		const expectMissing = activeMembers.filter((c) => !(pr.online[c] && pr.online[c].length > 0)).sort();
		assert.deepEqual([...pr.members_missing].sort(), expectMissing, 'members_missing = active member orgs with nobody online');
		for (const org of Object.keys(pr.online)) assert.ok(!pr.members_missing.includes(org), `${org} online but listed missing`);
		for (const p of ['MOL', 'MFA', 'CSO']) assert.ok(!pr.members_missing.includes(p), `partner ${p} never in members_missing`);
		assert.ok(pr.members_missing.includes('UNESCO'), 'UNESCO (nobody online) is missing');
		assert.equal(pr.all_members_represented, false);
		const listed = (await undp.ok('members.people', { org: 'UNHCR' })).people.find((p) => p.login === 'unhcr');
		assert.equal(listed.online, true, 'members.people shows unhcr online');

		// a second connection of the same person: no event; closing it: no event
		const m2 = undp.messages.length;
		const u2 = await as('unhcr');
		await u2.close();
		await sleep(1000);
		const extra = undp.messages.slice(m2).filter((m) => m && m.event === 'members.presence' && m.data?.changed?.login === 'unhcr');
		assert.deepEqual(extra, [], 'no presence event for a second connection opening/closing');

		// the last connection closes: offline
		const m3 = undp.messages.length;
		await u1.close();
		const off = await undp.waitEvent(onlineEv('unhcr', false), 10_000, { from: m3 });
		assert.deepEqual(off.data.changed, { login: 'unhcr', org: 'UNHCR', online: false });
		assert.ok(!off.data.online?.UNHCR?.length, `UNHCR no longer online: ${JSON.stringify(off.data.online)}`);
		assert.ok(off.data.members_missing.includes('UNHCR'), 'UNHCR missing again');
		const pr2 = await undp.ok('members.presence', {});
		assert.ok(pr2.members_missing.includes('UNHCR'));
		assert.equal(pr2.all_members_represented, false);
	});

	test('9. a role change applies to the open connection at once', async () => {
		const undpRecord = { login: 'undp', name: 'UNDP focal point', org: 'UNDP', function: 'focal_point' };
		assertError(await undp.request('test.chair_only', {}), 'forbidden', 'undp test.chair_only before the change');

		const saved = await savePerson({ ...undpRecord, roles: ['co_chair'] });
		assert.deepEqual(saved.roles, ['co_chair']);
		const r = await undp.request('test.chair_only', {});
		assert.equal(r.ok, true, `undp test.chair_only on the same connection after gaining co_chair: ${JSON.stringify(r)}`);
		// co_chair still cannot edit the membership
		assertError(
			await undp.request('members.org.save', { code: 'UNDP', name: 'x', kind: 'un_agency', standing: 'member' }),
			'forbidden',
			'co-chair undp org.save',
		);
		// roles omitted: unchanged
		const kept = await savePerson({ ...undpRecord, contact: 'undp@example.org' });
		assert.deepEqual(kept.roles, ['co_chair'], 'roles omitted leaves them unchanged');
		assert.equal((await undp.request('test.chair_only', {})).ok, true);
		// secretariat, live: the audit opens up
		await savePerson({ ...undpRecord, roles: ['secretariat'] });
		const au = await undp.request('members.audit', { limit: 1 });
		assert.equal(au.ok, true, `undp members.audit after gaining secretariat: ${JSON.stringify(au)}`);
		assertError(await undp.request('test.chair_only', {}), 'forbidden', 'undp test.chair_only after co_chair was removed');
		// back to none
		await savePerson({ ...undpRecord, roles: [] });
		assertError(await undp.request('members.audit', {}), 'forbidden', 'undp members.audit after losing secretariat');
		assertError(await undp.request('test.chair_only', {}), 'forbidden', 'undp test.chair_only after roles []');
		const fresh = await as('undp');
		assert.deepEqual(fresh.user.roles, [], 'a new login sees the current roles');
		await fresh.close();
	});

	test('9b. a change of standing applies to open connections: network revoked, lists forbidden', async () => {
		const orgCode = code('STANDORG');
		await saveOrg({ code: orgCode, name: 'Standing org', kind: 'other', standing: 'member' });
		const login = loginName('stan');
		await invitePerson(orgCode, login);
		const s = await as(login, INVITED_PASSWORD);
		assert.equal((await s.request('sub.add', { topic: 'network' })).ok, true);
		assert.equal((await s.request('members.orgs', {})).ok, true);

		// Several independent observations; collected so that one report lists them all.
		const problems = [];
		const mark = s.messages.length;
		await saveOrg({ code: orgCode, name: 'Standing org', kind: 'other', standing: 'partner' });
		const isRevoked = (m) => m && m.event === 'sub.revoked' && m.data?.topic === 'network';
		const rev = await s.waitEvent(isRevoked, 3000, { from: mark }).catch(() => null);
		if (!rev) problems.push('no sub.revoked {topic: "network"} within 3 s of the standing change (member → partner) being committed');
		else if (rev.topic !== 'network') problems.push(`sub.revoked has topic ${JSON.stringify(rev.topic)}`);

		const lo = await s.request('members.orgs', {});
		if (lo.ok !== false || lo.error?.code !== 'forbidden') problems.push(`members.orgs after becoming partner: ${JSON.stringify(lo)}`);
		const sa = await s.request('sub.add', { topic: 'network' });
		if (sa.ok !== false || sa.error?.code !== 'not_found') problems.push(`sub.add network after becoming partner: ${JSON.stringify(sa)}`);

		// another change is announced on network: it must not reach the new partner
		const probe = code('PROBE');
		const um = undp.messages.length;
		await saveOrg({ code: probe, name: 'Probe', kind: 'other', standing: 'member' });
		await undp.waitEvent(changed('org', probe, 'saved'), 10_000, { from: um });
		await sleep(300);
		const after = s.messages.slice(mark);
		const leaked = after.filter((m) => isMembersFrame(m) && !isRevoked(m));
		if (leaked.length)
			problems.push(`network events delivered to ${login} after its org became a partner: ${JSON.stringify(leaked)}`);
		if (!rev) {
			const late = after.find(isRevoked);
			if (late) problems.push(`(sub.revoked did arrive later, only after the next network event was published: ${JSON.stringify(late)})`);
		}

		// back to member: lists allowed again
		await saveOrg({ code: orgCode, name: 'Standing org', kind: 'other', standing: 'member' });
		const back = await s.request('members.orgs', {});
		if (back.ok !== true) problems.push(`members.orgs after becoming a member again: ${JSON.stringify(back)}`);
		await s.close();
		assert.deepEqual(problems, [], `standing change on a live connection:\n- ${problems.join('\n- ')}`);
	});

	test('10. bad input answers bad_request naming the field', async () => {
		const good = { code: code('GOOD'), name: 'Good', kind: 'other', standing: 'member' };
		const orgCases = [
			[{ ...good, code: 'bad code' }, /code/],
			[{ ...good, code: 'lower' }, /code/],
			[{ ...good, code: 'A' }, /code/],
			[{ ...good, code: 'A'.repeat(17) }, /code/],
			[{ ...good, kind: 'spaceship' }, /kind/],
			[{ ...good, standing: 'observer' }, /standing/],
			[{ ...good, active: 'yes' }, /active/],
			[{ ...good, active: 1 }, /active/],
			[{ ...good, state_counterpart: 'no' }, /state_counterpart/],
			[{ code: good.code, kind: 'other', standing: 'member' }, /name/],
		];
		for (const [data, re] of orgCases) {
			assertError(await iom.request('members.org.save', data), 'bad_request', `members.org.save ${JSON.stringify(data)}`, re);
		}
		const ol = await orgs({ include_withdrawn: true });
		assert.ok(!ol.some((o) => o.code === good.code || /bad|lower/i.test(o.code)), 'no org created by bad input');

		const gp = { login: loginName('goodp'), name: 'Good Person', org: 'UNDP', function: 'staff' };
		const personCases = [
			[{ ...gp, org: 'NOSUCHORG' }, /org/],
			[{ ...gp, login: 'Bad Login' }, /login/],
			[{ ...gp, login: '9lives' }, /login/],
			[{ ...gp, function: 'boss' }, /function/],
			[{ ...gp, roles: ['king'] }, /roles/],
			[{ ...gp, roles: 'co_chair' }, /roles/],
		];
		for (const [data, re] of personCases) {
			assertError(await iom.request('members.person.save', data), 'bad_request', `members.person.save ${JSON.stringify(data)}`, re);
		}
		assert.ok(!(await people({ include_inactive: true })).some((p) => p.login === gp.login), 'no person created by bad input');
	});

	test('10b. withdrawing an org and the single state counterpart', async () => {
		const wd = code('WDORG');
		await saveOrg({ code: wd, name: 'To withdraw', kind: 'other', standing: 'member' });
		const w = await saveOrg({ code: wd, name: 'To withdraw', kind: 'other', standing: 'member', active: false });
		assert.equal(w.active, false);
		assert.ok(!(await orgs()).some((o) => o.code === wd), 'withdrawn org hidden by default');
		const all = (await orgs({ include_withdrawn: true })).find((o) => o.code === wd);
		assert.equal(all?.active, false, 'withdrawn org listed with include_withdrawn');
		assert.ok(!(await iom.ok('members.presence', {})).members_missing.includes(wd), 'withdrawn org not in members_missing');

		const sc = code('SCORG');
		const before = await orgs();
		assert.deepEqual(before.filter((o) => o.state_counterpart).map((o) => o.code), ['MOL'], 'the demo has MOL as state counterpart');
		await saveOrg({ code: sc, name: 'New counterpart', kind: 'government', standing: 'partner', state_counterpart: true });
		const after1 = await orgs();
		assert.deepEqual(after1.filter((o) => o.state_counterpart).map((o) => o.code), [sc], 'setting a state counterpart clears the others');
		const mol0 = before.find((o) => o.code === 'MOL');
		await saveOrg({ code: 'MOL', name: mol0.name, kind: mol0.kind, standing: mol0.standing, state_counterpart: true });
		const after2 = await orgs();
		assert.deepEqual(after2.filter((o) => o.state_counterpart).map((o) => o.code), ['MOL']);
	});

	test('the partner saw no members.* frame during the whole scenario', async () => {
		assert.ok(mol.isOpen, `mol connection still open: ${JSON.stringify(mol.closed)}`);
		const leaked = mol.messages.filter(isMembersFrame);
		assert.deepEqual(leaked, [], `frames leaked to the partner: ${JSON.stringify(leaked).slice(0, 2000)}`);
		// and the member watcher did see plenty
		assert.ok(undp.events.filter((e) => e.event === 'members.changed').length >= 5);
		assert.ok(undp.events.filter((e) => e.event === 'members.presence').length >= 2);
	});
});
