// The group plugin `datacollect` (`datacollect.*`), built from outside the
// tree like actions: a lead's form and its life (draft, open, closed;
// fields fixed once submitted to), who may do what (a non-member of the
// group, a partner, another organisation's submission: not_found as for a
// missing object), values checked by type naming the field and the cell,
// the revision that keeps two people of one organisation from overwriting
// each other, completeness and live events, aggregates checked against the
// values read from the database file, CSV/JSON export, and the aggregate
// released to a partner through the portal with small cells suppressed,
// then withdrawn.  See docs/protocol.md, "The datacollect plugin".
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, connect, closeAll, httpRequest, env, runAccord } from './lib/harness.js';

const PLUGINS = { membership: {}, consensus: {}, groups: {}, portal: {}, datacollect: {} };
const NONEXISTENT = 987654321;

function assertError(r, code, what, re) {
	assert.equal(r.ok, false, `${what}: expected ${code}, got ${JSON.stringify(r)}`);
	assert.equal(r.error?.code, code, `${what}: expected ${code}, got ${JSON.stringify(r)}`);
	if (re) assert.match(r.error.message, re, `${what}: message ${JSON.stringify(r.error.message)} should match ${re}`);
}
function assertSameNotFound(hidden, missing, what) {
	assertError(hidden, 'not_found', `${what} (hidden)`);
	assertError(missing, 'not_found', `${what} (missing)`);
	assert.deepEqual(hidden.error, missing.error, `${what}: hidden and missing answer alike`);
}

// A form of each type; arrivals is disaggregated by sex and age group.
const FIELDS = [
	{ key: 'arrivals', label: 'Arrivals', type: 'number', unit: 'persons', min: 0, integer: true, by_sex: true, by_age: true },
	{ key: 'returns', label: 'Returns', type: 'number', unit: 'persons', min: 0, integer: true, by_sex: true },
	{ key: 'budget', label: 'Budget spent', type: 'number', unit: 'USD', min: 0 },
	{ key: 'route', label: 'Main route', type: 'choice', options: ['land', 'air', 'sea'] },
	{ key: 'comment', label: 'Comment', type: 'text', max_length: 200 },
	{ key: 'as_of', label: 'Data as of', type: 'date' },
];
const SEXES = ['female', 'male', 'other'];
const AGES = ['0-17', '18-59', '60+'];
const cellsOf = (base) => Object.fromEntries(SEXES.flatMap((s, i) => AGES.map((a, k) => [`${s},${a}`, base + i * 3 + k])));

describe('datacollect', { timeout: 180_000 }, () => {
	let server;
	const clients = [];
	let iom, undp, unhcr, unhcr2, unicef, unfpa, unesco, mol, cso;
	let G; // leads UNDP; members UNHCR, UNICEF, UNFPA; partner MOL
	let F; // the form
	const P = '2026-Q3';
	const as = async (login) => {
		const c = await connect(server);
		clients.push(c);
		await c.login(login);
		return c;
	};
	const sqlite = (sql) => execFileSync('sqlite3', ['-cmd', '.timeout 5000', '-json', server.config.database.path, sql], { encoding: 'utf8' }).trim();

	before(async () => {
		server = await startServer({ plugins: PLUGINS });
		iom = await as('iom');
		undp = await as('undp');
		unhcr = await as('unhcr');
		unhcr2 = await as('unhcr'); // a second person of UNHCR editing at the same time
		unicef = await as('unicef');
		unfpa = await as('unfpa');
		unesco = await as('unesco');
		mol = await as('mol');
		cso = await as('cso');
		const g = await iom.ok('groups.create', { name: 'Migration data', mandate: 'Collect and share migration data', kind: 'permanent', leads: ['UNDP'], members: ['UNHCR', 'UNICEF', 'UNFPA', 'MOL'] });
		G = g.group.id;
	});
	after(async () => {
		await closeAll(...clients);
		if (server) await server.dispose();
	});

	test('1. not enabled: not_found exactly as for a missing group; enabled by the lead', async () => {
		assertSameNotFound(await undp.request('datacollect.forms', { group: G }), await undp.request('datacollect.forms', { group: NONEXISTENT }), 'forms before enable');
		await undp.ok('groups.plugins.enable', { group: G, plugin: 'datacollect' });
		const list = await undp.ok('datacollect.forms', { group: G });
		assert.deepEqual(list.forms, []);
		assert.equal(list.lead, true);
		assert.equal((await unhcr.ok('datacollect.forms', { group: G })).lead, false);
	});

	test('2. form lifecycle: draft hidden from members, bad fields refused, open, fields fixed once submitted', async () => {
		assertError(await undp.request('datacollect.create', { group: G, title: 'Q', period_kind: 'quarter', fields: [{ key: 'Bad Key', label: 'x', type: 'number' }] }), 'bad_request', 'bad key', /^fields\[0\]\.key: /);
		assertError(await undp.request('datacollect.create', { group: G, title: 'Q', period_kind: 'quarter', fields: [{ key: 'x', label: 'x', type: 'text', unit: 'kg' }] }), 'bad_request', 'unit on text', /^fields\[0\]\.unit: only number fields/);
		assertError(await undp.request('datacollect.create', { group: G, title: 'Q', period_kind: 'quarter', fields: [{ key: 'x', label: 'x', type: 'choice' }] }), 'bad_request', 'choice without options', /^fields\[0\]\.options: /);
		assertError(await undp.request('datacollect.create', { group: G, title: 'Q', period_kind: 'weekly', fields: [] }), 'bad_request', 'period kind', /^period_kind: expected one of month, quarter, year/);
		assertError(await unhcr.request('datacollect.create', { group: G, title: 'Q', period_kind: 'quarter', fields: FIELDS }), 'forbidden', 'a member is not a lead');

		const f = (await undp.ok('datacollect.create', { group: G, title: 'Arrivals and returns', period_kind: 'quarter', fields: FIELDS })).form;
		F = f.id;
		assert.equal(f.state, 'draft');
		assert.equal(f.fields[4].max_length, 200);
		assert.equal(f.fields[2].by_sex, false);
		assertSameNotFound(await unhcr.request('datacollect.form', { group: G, form: F }), await unhcr.request('datacollect.form', { group: G, form: NONEXISTENT }), 'a draft, to a member');
		assert.equal((await unhcr.ok('datacollect.forms', { group: G })).forms.length, 0, 'a member does not list drafts');
		assertError(await unhcr.request('datacollect.submit', { group: G, form: F, period: P, values: {}, revision: 0 }), 'not_found', 'submit to a draft');

		assertError(await undp.request('datacollect.state', { group: G, form: F, state: 'closed' }), 'conflict', 'close a draft', /only an open form/);
		const sub = await unicef.ok('sub.add', { topic: `datacollect:${G}` });
		assert.ok(sub);
		const from = unicef.messages.length;
		assert.equal((await undp.ok('datacollect.state', { group: G, form: F, state: 'open' })).form.state, 'open');
		await unicef.waitEvent((e) => e.event === 'datacollect.form' && e.data.form.id === F && e.data.form.state === 'open', 10_000, { from });
		assert.equal((await unhcr.ok('datacollect.forms', { group: G })).forms[0].id, F);
		// Fields may still change while nothing was submitted.
		const moved = await undp.ok('datacollect.update', { group: G, form: F, fields: FIELDS, title: 'Arrivals and returns by quarter' });
		assert.equal(moved.form.title, 'Arrivals and returns by quarter');
	});

	test('3. permissions: non-member, partner, another organisation\'s submission', async () => {
		// UNESCO is not in the group.
		assertSameNotFound(await unesco.request('datacollect.form', { group: G, form: F }), await unesco.request('datacollect.form', { group: NONEXISTENT, form: F }), 'non-member');
		assertSameNotFound(await unesco.request('sub.add', { topic: `datacollect:${G}` }), await unesco.request('sub.add', { topic: `datacollect:${NONEXISTENT}` }), 'non-member topic');
		// MOL is a partner of the group; CSO a partner outside it.
		for (const [who, c] of [['mol', mol], ['cso', cso]]) {
			for (const [type, data] of [['datacollect.forms', {}], ['datacollect.form', { form: F }], ['datacollect.submission', { form: F, period: P }],
				['datacollect.aggregate', { form: F, period: P }], ['datacollect.submit', { form: F, period: P, values: {}, revision: 0 }]])
				assertSameNotFound(await c.request(type, { group: G, ...data }), await c.request(type, { group: NONEXISTENT, ...data }), `${who} ${type}`);
			assertError(await c.request('sub.add', { topic: `datacollect:${G}` }), 'not_found', `${who} topic`);
		}
		// A member may not read another organisation's submission, submitted or not.
		assertSameNotFound(await unicef.request('datacollect.submission', { group: G, form: F, period: P, org: 'UNHCR' }), await unicef.request('datacollect.submission', { group: G, form: F, period: P, org: 'NOSUCH' }), 'another org');
		assertError(await unicef.request('datacollect.aggregate', { group: G, form: F, period: P }), 'forbidden', 'aggregate by a member');
		assertError(await unicef.request('datacollect.completeness', { group: G, form: F, period: P }), 'forbidden', 'completeness by a member');
		// The export route: closed to partners, not_found for a group the caller cannot reach.
		const q = `group=${G}&form=${F}&period=${P}`;
		assert.equal((await httpRequest(server, `/api/datacollect/export?${q}`, { headers: { authorization: `Bearer ${mol.token}` } })).status, 403);
		assert.equal((await httpRequest(server, `/api/datacollect/export?${q}`, { headers: { authorization: `Bearer ${unesco.token}` } })).status, 404);
		assert.equal((await httpRequest(server, `/api/datacollect/export?${q}`, { headers: { authorization: `Bearer ${unicef.token}` } })).status, 403);
	});

	test('4. values checked by type, naming the field and the cell', async () => {
		const bad = async (values, re, period = P) => assertError(await unhcr.request('datacollect.submit', { group: G, form: F, period, values, revision: 0 }), 'bad_request', JSON.stringify(values), re);
		await bad({ arrivals: { 'female,18-59': -1 } }, /^fields\.arrivals\[female,18-59\]: must be a whole number ≥ 0$/);
		await bad({ arrivals: { 'female,18-59': 1.5 } }, /^fields\.arrivals\[female,18-59\]: must be a whole number ≥ 0$/);
		await bad({ arrivals: { 'female,18-59': 'ten' } }, /^fields\.arrivals\[female,18-59\]: must be a whole number/);
		await bad({ arrivals: { 'female,99': 1 } }, /^fields\.arrivals\[female,99\]: not a cell of this field/);
		await bad({ arrivals: 5 }, /^fields\.arrivals: expected an object of cells/);
		await bad({ returns: { 'female,0-17': 1 } }, /^fields\.returns\[female,0-17\]: not a cell/);
		await bad({ budget: -3 }, /^fields\.budget: must be a number ≥ 0$/);
		await bad({ route: 'rail' }, /^fields\.route: expected one of land, air, sea$/);
		await bad({ comment: 'x'.repeat(201) }, /^fields\.comment: at most 200 bytes$/);
		await bad({ as_of: '2026-02-30' }, /^fields\.as_of: expected a date, YYYY-MM-DD$/);
		await bad({ colour: 'red' }, /^fields\.colour: not a field of this form$/);
		await bad({}, /^period: this form is collected by quarter, e.g. 2026-Q3$/, '2026-07');
		assertError(await unhcr.request('datacollect.submit', { group: G, form: F, period: 'Q3', values: {}, revision: 0 }), 'bad_request', 'period syntax', /^period: expected a period/);
		assertError(await unhcr.request('datacollect.submit', { group: G, form: F, period: P, values: {} }), 'bad_request', 'no revision', /^revision: required/);
	});

	test('5. revisions: two people of one organisation editing at once lose nothing silently', async () => {
		const first = await unhcr.ok('datacollect.submission', { group: G, form: F, period: P });
		assert.equal(first.submission.revision, 0);
		const again = await unhcr2.ok('datacollect.submission', { group: G, form: F, period: P });
		assert.equal(again.submission.revision, 0);
		const s1 = await unhcr.ok('datacollect.submit', { group: G, form: F, period: P, revision: 0, values: { arrivals: cellsOf(10), budget: 1000.5, route: 'land', comment: '=HYPERLINK("x")', as_of: '2026-09-30' } });
		assert.equal(s1.submission.revision, 1);
		assert.equal(s1.submission.values.arrivals['female,0-17'], 10);
		// The second person saves from revision 0: refused, told the current revision.
		const stale = await unhcr2.request('datacollect.submit', { group: G, form: F, period: P, revision: 0, values: { budget: 1 } });
		assertError(stale, 'conflict', 'stale save', /revision 0 is not the latest: UNHCR's submission for 2026-Q3 is at revision 1, saved by unhcr/);
		const now = await unhcr2.ok('datacollect.submission', { group: G, form: F, period: P });
		assert.equal(now.submission.revision, 1);
		assert.equal(now.submission.values.budget, 1000.5, 'the first save is intact');
		const s2 = await unhcr2.ok('datacollect.submit', { group: G, form: F, period: P, revision: 1, values: { ...now.submission.values, returns: { female: 4, male: 5, other: 1 } } });
		assert.equal(s2.submission.revision, 2);
		const db = JSON.parse(sqlite(`SELECT revision, vals FROM datacollect_submissions WHERE form_id=${F} AND org='UNHCR' AND period='${P}'`));
		assert.equal(db.length, 1, 'one submission per organisation and period');
		assert.equal(db[0].revision, 2);
		assert.deepEqual(JSON.parse(db[0].vals).returns, { female: 4, male: 5, other: 1 });
		// A retried save (same idem key) counts once.
		const r1 = await unicef.request('datacollect.submit', { group: G, form: F, period: P, revision: 0, values: { arrivals: cellsOf(1), budget: 200, route: 'air' } }, { idem: 'dc-unicef-1' });
		const r2 = await unicef.request('datacollect.submit', { group: G, form: F, period: P, revision: 0, values: { arrivals: cellsOf(1), budget: 200, route: 'air' } }, { idem: 'dc-unicef-1' });
		assert.equal(r1.ok, true, JSON.stringify(r1));
		assert.equal(r2.ok, true, JSON.stringify(r2));
		assert.equal(r2.data.duplicate, true);
		assert.equal((await unicef.ok('datacollect.submission', { group: G, form: F, period: P })).submission.revision, 1);
	});

	test('6. fields are fixed once submitted; the form closes; the lead sees completeness live', async () => {
		assertError(await undp.request('datacollect.update', { group: G, form: F, fields: FIELDS.slice(0, 2) }), 'conflict', 'fields after submissions', /cannot change: 2 submissions/);
		assertError(await undp.request('datacollect.update', { group: G, form: F, period_kind: 'month' }), 'conflict', 'period kind after submissions', /cannot change/);
		assert.equal((await undp.ok('datacollect.update', { group: G, form: F, title: 'Arrivals, returns' })).form.title, 'Arrivals, returns', 'the title may change');

		let c = await undp.ok('datacollect.completeness', { group: G, form: F, period: P });
		assert.equal(c.expected, 4, JSON.stringify(c)); // UNDP, UNHCR, UNICEF, UNFPA; not MOL (partner)
		assert.equal(c.submitted, 2);
		assert.deepEqual(c.orgs.filter((o) => !o.submitted).map((o) => o.org).sort(), ['UNDP', 'UNFPA']);
		assert.equal(c.orgs.find((o) => o.org === 'UNHCR').revision, 2);
		assert.equal(c.orgs.find((o) => o.org === 'UNHCR').name, 'UN Refugee Agency');

		await undp.ok('sub.add', { topic: `datacollect:${G}` });
		const from = undp.messages.length;
		await unfpa.ok('datacollect.submit', { group: G, form: F, period: P, revision: 0, values: { arrivals: { 'female,18-59': 7 }, budget: 50, route: 'land' } });
		const ev = await undp.waitEvent((e) => e.event === 'datacollect.submitted' && e.data.org === 'UNFPA', 10_000, { from });
		assert.equal(ev.data.period, P);
		assert.equal(ev.data.values, undefined, 'the event carries no values');
		c = await undp.ok('datacollect.completeness', { group: G, form: F, period: P });
		assert.equal(c.submitted, 3);

		// Closing stops submissions; opening again takes them.
		await undp.ok('datacollect.state', { group: G, form: F, state: 'closed' });
		assertError(await unfpa.request('datacollect.submit', { group: G, form: F, period: P, revision: 1, values: {} }), 'conflict', 'closed', /the form is closed/);
		assertError(await undp.request('datacollect.state', { group: G, form: F, state: 'draft' }), 'conflict', 'back to draft', /cannot become a draft/);
	});

	test('7. aggregates match the values in the database file', async () => {
		const a = await undp.ok('datacollect.aggregate', { group: G, form: F, period: P });
		const rows = JSON.parse(sqlite(`SELECT org, vals FROM datacollect_submissions WHERE form_id=${F} AND period='${P}'`));
		assert.equal(rows.length, 3);
		const vals = rows.map((r) => JSON.parse(r.vals));
		const arr = a.aggregate.fields.arrivals;
		for (const s of SEXES) for (const g of AGES) {
			const cell = `${s},${g}`;
			const xs = vals.map((v) => v.arrivals?.[cell]).filter((x) => typeof x === 'number');
			assert.equal(arr.cells[cell].n, xs.length, cell);
			assert.equal(arr.cells[cell].sum, xs.reduce((p, x) => p + x, 0), cell);
		}
		const totals = vals.map((v) => v.arrivals && Object.values(v.arrivals).reduce((p, x) => p + x, 0)).filter((x) => x !== undefined);
		assert.equal(arr.total.n, totals.length);
		assert.equal(arr.total.sum, totals.reduce((p, x) => p + x, 0));
		assert.equal(arr.total.min, Math.min(...totals));
		assert.equal(arr.total.max, Math.max(...totals));
		assert.ok(Math.abs(arr.total.mean - arr.total.sum / totals.length) < 1e-9);
		const females = vals.map((v) => v.arrivals && AGES.reduce((p, g) => p + (v.arrivals[`female,${g}`] || 0), 0)).filter((x) => x !== undefined);
		assert.equal(arr.by_sex.female.sum, females.reduce((p, x) => p + x, 0));
		const budgets = vals.map((v) => v.budget).filter((x) => typeof x === 'number');
		assert.equal(a.aggregate.fields.budget.total.sum, budgets.reduce((p, x) => p + x, 0));
		assert.equal(a.aggregate.fields.route.counts.land, vals.filter((v) => v.route === 'land').length);
		assert.equal(a.aggregate.fields.comment.n, 1);
		assert.equal(a.item, `aggregate:${F}-${P}`);
		// The release view: cells from fewer than 3 organisations are suppressed.
		const rv = a.release_view.fields;
		assert.deepEqual(rv.arrivals.cells['male,0-17'], { suppressed: true }, 'two organisations reported it');
		assert.deepEqual(rv.arrivals.cells['female,18-59'], { n: 3, sum: arr.cells['female,18-59'].sum }, 'three did');
		assert.equal(rv.returns.total.suppressed, true, 'only UNHCR reported returns');
		assert.equal(rv.comment, undefined, 'text never leaves');
		assert.equal(rv.arrivals.total.min, undefined, 'no min or max in what leaves');
	});

	test('8. CSV and JSON export, formulas neutralised', async () => {
		const q = `group=${G}&form=${F}&period=${P}`;
		const csv = await httpRequest(server, `/api/datacollect/export?${q}&format=csv`, { headers: { authorization: `Bearer ${undp.token}` } });
		assert.equal(csv.status, 200, csv.body);
		assert.match(csv.headers['content-type'], /text\/csv/);
		const lines = csv.body.split('\r\n');
		assert.equal(lines[0], 'field,label,unit,cell,n,sum,min,max,mean');
		const a = await undp.ok('datacollect.aggregate', { group: G, form: F, period: P });
		const total = a.aggregate.fields.arrivals.total;
		const row = lines.find((l) => l.startsWith('arrivals,Arrivals,persons,total,'));
		assert.ok(row, lines.slice(0, 4).join('\n'));
		const [n, sum, min, max, mean] = row.split(',').slice(4).map(Number);
		assert.deepEqual([n, sum, min, max], [total.n, total.sum, total.min, total.max], row);
		assert.ok(Math.abs(mean - total.mean) < 1e-9, row);
		assert.ok(lines.includes(`arrivals,Arrivals,persons,"female,18-59",3,${a.aggregate.fields.arrivals.cells['female,18-59'].sum},,,`), 'a cell row');
		const raw = await httpRequest(server, `/api/datacollect/export?${q}&format=csv&what=submissions`, { headers: { authorization: `Bearer ${undp.token}` } });
		assert.equal(raw.status, 200);
		assert.ok(raw.body.includes(`UNHCR,${P},comment,,"'=HYPERLINK(""x"")",,2,unhcr`), raw.body);
		const json = await httpRequest(server, `/api/datacollect/export?${q}&format=json`, { headers: { authorization: `Bearer ${undp.token}` } });
		assert.equal(json.status, 200);
		assert.deepEqual(JSON.parse(json.body).aggregate, a.aggregate);
		const bad = await httpRequest(server, `/api/datacollect/export?group=${G}&form=${F}&period=x`, { headers: { authorization: `Bearer ${undp.token}` } });
		assert.equal(bad.status, 400);
		assert.match(JSON.parse(bad.body).message, /^period: /);
	});

	test('9. released to a partner through the portal, suppressed cells, withdrawn', async () => {
		const item = `aggregate:${F}-${P}`;
		// Before a release, partners see nothing of it.
		assertError(await mol.request('portal.item', { item }), 'not_found', 'before release');
		assertError(await iom.request('portal.release', { item: `aggregate:${F}-2026-Q4x`, to: ['MOL'] }), 'not_found', 'bad period');
		assertError(await iom.request('portal.release', { item: `aggregate:${NONEXISTENT}-${P}`, to: ['MOL'] }), 'not_found', 'no form');
		const rel = (await iom.ok('portal.release', { item, to: ['MOL'], note: 'Q3 figures' })).release;
		const seen = (await mol.ok('portal.item', { item })).release;
		const content = seen.content;
		assert.equal(content.title, 'Arrivals, returns');
		assert.equal(content.period, P);
		assert.equal(content.orgs, 3);
		assert.equal(content.min_cell, 3);
		assert.equal(content.fields.returns.total.suppressed, true);
		assert.equal(content.fields.arrivals.cells['female,18-59'].n, 3);
		const text = JSON.stringify(seen);
		for (const secret of ['UNHCR', 'UNICEF', 'UNFPA', 'HYPERLINK', '1000.5'])
			assert.ok(!text.includes(secret), `the partner sees no per-organisation value (${secret}): ${text}`);
		assertError(await cso.request('portal.item', { item }), 'not_found', 'not released to CSO');
		// Still no submissions for the partner.
		assertError(await mol.request('datacollect.submission', { group: G, form: F, period: P, org: 'UNHCR' }), 'not_found', 'partner submission');
		await iom.ok('portal.withdraw', { release: rel.id, reason: 'wrong quarter' });
		assertError(await mol.request('portal.item', { item }), 'not_found', 'after withdrawal');
		assert.ok(!(await mol.ok('portal.feed', {})).releases.some((r) => r.item === item), 'gone from the feed');
	});
});

// The Makefile builds version 1 or 2 from outside the tree (pkg-config
// alone); version 2 adds a migration.  Here the upgrade is done by a
// restart (the live upgrade is the loader's): the migration runs once,
// what version 1 stored is intact, and the new field works.
describe('datacollect built from outside the tree, version 1 then 2', { timeout: 180_000 }, () => {
	let server, tmp;
	const clients = [];
	after(async () => {
		await closeAll(...clients);
		if (server) await server.dispose();
		if (tmp && !process.env.ACCORD_KEEP_TMP) await fsp.rm(tmp, { recursive: true, force: true });
	});

	test('10. make VERSION=1, then VERSION=2: the migration adds the note, nothing is lost', async () => {
		const { sourceDir, pluginDir } = env();
		tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'accord-dc-oot-'));
		const copy = path.join(tmp, 'datacollect');
		await fsp.cp(path.join(sourceDir, 'plugins', 'datacollect'), copy, { recursive: true, filter: (f) => !f.endsWith('.so') });
		const pkg = { ...process.env, PKG_CONFIG_PATH: path.join(sourceDir, 'build', 'pkgconfig') };
		const plugDir = path.join(tmp, 'plugins');
		const v2Dir = path.join(tmp, 'v2');
		await fsp.mkdir(plugDir);
		await fsp.mkdir(v2Dir);
		execFileSync('make', ['-s', '-C', copy, `OUT=${plugDir}`], { env: pkg, stdio: 'pipe' });
		execFileSync('make', ['-s', '-C', copy, 'VERSION=2', `OUT=${v2Dir}`], { env: pkg, stdio: 'pipe' });
		for (const p of ['membership.so', 'groups.so']) await fsp.copyFile(path.join(pluginDir, p), path.join(plugDir, p));
		// built with the server: trusted with their web folders as built
		for (const p of ['membership', 'groups']) await fsp.cp(path.join(pluginDir, 'web', p), path.join(plugDir, 'web', p), { recursive: true });
		// built outside: signed with the working group's key, which the server trusts
		const key = path.join(tmp, 'wg.key');
		const kg = await runAccord(['plugins', 'keygen', '--out', key, '--name', 'Data WG']);
		assert.equal(kg.code, 0, kg.stdout + kg.stderr);
		const sign = async () => {
			const sg = await runAccord(['plugins', 'sign', '--key', key, path.join(plugDir, 'datacollect.so')]);
			assert.equal(sg.code, 0, sg.stdout + sg.stderr);
		};
		await sign();
		const trusted = [{ name: 'Data WG', key: kg.stdout.match(/public key: (\S+)/)[1] }];

		server = await startServer({ plugins: { membership: {}, groups: {}, datacollect: {} }, extraConfig: { plugins: { dir: plugDir, trusted_keys: trusted } } });
		const login = async (who) => { const c = await connect(server); clients.push(c); await c.login(who); return c; };
		let undp = await login('undp');
		let unhcr = await login('unhcr');
		const info1 = await undp.ok('sys.info', {});
		assert.equal(info1.plugins.find((p) => p.name === 'datacollect')?.version, '1.0.0', JSON.stringify(info1.plugins));
		const iom = await login('iom');
		const g = (await iom.ok('groups.create', { name: 'Data', kind: 'permanent', leads: ['UNDP'], members: ['UNHCR'] })).group.id;
		await undp.ok('groups.plugins.enable', { group: g, plugin: 'datacollect' });
		const f = (await undp.ok('datacollect.create', { group: g, title: 'Returns', period_kind: 'year', fields: [{ key: 'returns', label: 'Returns', type: 'number', min: 0 }] })).form.id;
		await undp.ok('datacollect.state', { group: g, form: f, state: 'open' });
		await unhcr.ok('datacollect.submit', { group: g, form: f, period: '2026', revision: 0, values: { returns: 40 }, note: 'ignored by version 1' });
		const cols = () => JSON.parse(execFileSync('sqlite3', ['-json', server.config.database.path, 'PRAGMA table_info(datacollect_submissions)'], { encoding: 'utf8' })).map((c) => c.name);
		await closeAll(...clients.splice(0));
		await server.stop();
		assert.ok(!cols().includes('note'), 'version 1 has no note column');

		await fsp.copyFile(path.join(v2Dir, 'datacollect.so'), path.join(plugDir, 'datacollect.so'));
		await sign();
		await server.restart();
		assert.ok(cols().includes('note'), 'version 2 added the note column');
		undp = await login('undp');
		unhcr = await login('unhcr');
		const info2 = await undp.ok('sys.info', {});
		assert.equal(info2.plugins.find((p) => p.name === 'datacollect')?.version, '2.0.0');
		const old = (await unhcr.ok('datacollect.submission', { group: g, form: f, period: '2026' })).submission;
		assert.equal(old.revision, 1);
		assert.equal(old.values.returns, 40);
		assert.equal(old.note, null);
		const s = (await unhcr.ok('datacollect.submit', { group: g, form: f, period: '2026', revision: 1, values: { returns: 41 }, note: 'estimate from border points' })).submission;
		assert.equal(s.revision, 2);
		assert.equal(s.note, 'estimate from border points');
		assertError(await unhcr.request('datacollect.submit', { group: g, form: f, period: '2026', revision: 2, values: {}, note: 'x'.repeat(2001) }), 'bad_request', 'long note', /^note: at most 2000 bytes/);
	});
});
