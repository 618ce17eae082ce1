// The workplan's annual report with everything of its period (issue 21):
// every decision and joint statement of the network closed in the period
// (accord.decisions' list), linked to the plan or not, and none closed
// outside it; the meetings held in the period with their attendance by
// organisation (accord.meetings, from the meetings plugin: an organisation
// absent shows as missing, the quorum as the meeting's rule says); the
// sections in the three exports; and, released to MOL through the portal,
// nothing of a meeting's notes, internal items or apologies, nor of the
// positions' reasons (a canary).  The report without the meetings plugin
// is in workplan.test.js.  See docs/protocol.md, "Workplan plugin".
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { startServer, connectAs, closeAll, httpRequest, sleep, env, MEMBERS } from './lib/harness.js';
import { parseCsv } from './lib/csv.js';

function ok(r, what) {
	assert.equal(r.ok, true, `${what}: ${JSON.stringify(r)}`);
	return r.data;
}
function sqlite(dbPath, sql) {
	return new Promise((resolve, reject) => {
		execFile('sqlite3', ['-cmd', '.timeout 5000', dbPath, sql], { timeout: 20_000 }, (e, stdout, stderr) => {
			if (e) reject(new Error(`sqlite3 failed: ${e.message}\n${stderr}`));
			else resolve(stdout.trim());
		});
	});
}

const Y = new Date().getUTCFullYear();
const DAY = 86_400_000;
const SECRET = `secretq${Math.random().toString(36).slice(2, 8)}`;
const secrets = [];
const S = (what) => {
	const s = `${what} ${SECRET}${secrets.length}z`;
	secrets.push(s);
	return s;
};

describe('workplan: the annual report of a period', { timeout: 90_000 }, () => {
	let server, db, iom, rco, undp, unhcr, mol;
	const clients = [];
	let plan, adoption, decision, statement, outside, groupDecision, meeting, report;

	async function closed(title, kind, { reason } = {}) {
		const p = ok(await rco.request('consensus.create', { title, text: S('Proposal text'), kind }), 'create').proposal;
		ok(await rco.request('consensus.open', { proposal: p.id }), 'open');
		for (const c of clients.filter((x) => x.user.org !== 'MOL'))
			ok(await c.request('consensus.position', { proposal: p.id, position: 'agree', reason: reason || 'stated' }), 'position');
		return ok(await rco.request('consensus.close', { proposal: p.id }), 'close').proposal;
	}

	before(async () => {
		const { sourceDir } = env();
		server = await startServer({
			plugins: {
				membership: {},
				consensus: {},
				groups: {},
				portal: {},
				meetings: {},
				workplan: { reference_dir: path.join(sourceDir, 'config', 'reference') },
			},
		});
		db = server.config.database.path;
		for (const l of [...MEMBERS, 'mol']) clients.push(await connectAs(server, l));
		const by = (l) => clients.find((c) => c.user.login === l);
		[iom, rco, undp, unhcr, mol] = ['iom', 'rco', 'undp', 'unhcr', 'mol'].map(by);
	});
	after(async () => {
		await closeAll(...clients);
		await server?.stop();
	});

	test('decisions: the adoption (closed last year, linked), one decision and one statement of the period, none from outside it', async () => {
		plan = ok(await iom.request('workplan.plan.create', { title: `Workplan ${Y}`, period_start: `${Y}-01-01`, period_end: `${Y}-12-31` }), 'plan').plan;
		adoption = await closed('Adopt the workplan', 'decision');
		ok(await iom.request('workplan.plan.adopt', { plan: plan.id, proposal: adoption.id }), 'adopt');
		outside = await closed('Closed before the period', 'decision');
		decision = await closed('Open the regional office', 'decision', { reason: S('Position reason') });
		statement = await closed('Joint statement on labour migration', 'statement');
		// a working group's decision stays in the group: not in the network's report
		const g = ok(await iom.request('groups.create', { name: 'Data group', kind: 'permanent', leads: ['UNDP'], members: ['UNHCR'] }), 'group').group.id;
		groupDecision = ok(await undp.request('consensus.create', { title: S('Group decision'), text: 'Group text', kind: 'decision', scope: `group:${g}` }), 'group proposal').proposal;
		ok(await undp.request('consensus.open', { proposal: groupDecision.id }), 'open');
		ok(await undp.request('consensus.close', { proposal: groupDecision.id }), 'close');
		// the adoption and one other were closed last year
		const lastYear = Date.UTC(Y - 1, 11, 31, 23, 0, 0);
		await sqlite(db, `UPDATE consensus_proposals SET closed_at=${lastYear} WHERE id IN (${adoption.id}, ${outside.id})`);
	});

	test('a meeting held in the period, one organisation absent (apologies), an internal item with a note', async () => {
		meeting = ok(await iom.request('meetings.create', { kind: 'regular', title: 'Quarterly meeting', starts_at: Date.now() + 30 * DAY, location: 'Astana' }), 'meeting').meeting.id;
		const items = ok(await iom.request('meetings.agenda.add', { meeting, title: S('Internal item'), body: S('Internal body'), kind: 'decision' }), 'item').agenda;
		ok(await iom.request('meetings.convene', { meeting }), 'convene');
		ok(await unhcr.request('meetings.apologies', { meeting, reason: S('Apologies reason') }), 'apologies');
		ok(await iom.request('meetings.start', { meeting }), 'start');
		for (const x of [iom, undp, rco]) ok(await x.request('meetings.checkin', { meeting }), 'checkin');
		ok(await rco.request('meetings.item.open', { item: items[0].id }), 'open the item');
		ok(await iom.request('meetings.note', { item: items[0].id, text: S('Internal note') }), 'note');
		ok(await iom.request('meetings.note', { item: items[0].id, text: S('Shared note'), visibility: 'shared' }), 'shared note');
		// the internal item decides: its proposal bears the item's title, closed in the period,
		// and stays out of the report
		const poll = ok(await iom.request('meetings.item.poll', { item: items[0].id, text: S('Decision text') }), 'poll');
		ok(await rco.request('consensus.close', { proposal: poll.proposal }), 'close the poll');
		ok(await iom.request('meetings.close', { meeting }), 'close');
		// a meeting convened but never held does not count
		const later = ok(await iom.request('meetings.create', { kind: 'regular', title: 'Not held', starts_at: Date.now() + 40 * DAY, location: 'Astana' }), 'meeting').meeting.id;
		ok(await iom.request('meetings.convene', { meeting: later }), 'convene');
	});

	test('the report lists them all, marks the linked ones, and the meeting with its attendance', async () => {
		report = ok(await iom.request('workplan.report.create', { plan: plan.id, title: `Annual report ${Y}`, period_start: `${Y}-01-01`, period_end: `${Y}-12-31` }), 'report').report;
		const c = report.content;
		const ids = c.decisions.map((d) => d.id);
		assert.deepEqual(ids, [decision.id, statement.id, adoption.id], 'the period first (by closing), then the linked ones; none from outside, none from an internal meeting item, none of a working group');
		assert.ok(!ids.includes(groupDecision.id));
		const [d, s, a] = c.decisions;
		assert.equal(d.kind, 'decision');
		assert.equal(s.kind, 'statement');
		assert.equal(d.linked, false);
		assert.equal(s.linked, false);
		assert.deepEqual(d.why, ['closed in the period']);
		assert.equal(a.linked, true);
		assert.deepEqual(a.why, ['adopted the plan']);
		assert.equal(d.outcome, 'consensus');
		assert.equal(d.positions, undefined, 'no positions');
		assert.equal(d.text, undefined, 'no text');

		assert.equal(c.meetings.length, 1, 'the meeting held, not the one only convened');
		const m = c.meetings[0];
		assert.equal(m.id, meeting);
		assert.equal(m.title, 'Quarterly meeting');
		assert.equal(m.status, 'closed');
		assert.equal(m.minutes_status, 'none');
		assert.deepEqual(m.represented, ['IOM', 'RCO', 'UNDP']);
		assert.ok(m.missing_required.includes('UNHCR'), 'the absent organisation is missing');
		assert.equal(m.attendance.find((o) => o.org === 'UNHCR').represented, false);
		assert.equal(m.attendance.find((o) => o.org === 'UNDP').represented, true);
		assert.deepEqual(Object.keys(m.attendance[0]).sort(), ['org', 'represented', 'required']);
		assert.equal(m.quorum.rule, 'all_required');
		assert.equal(m.quorum.met, false);
		assert.equal(m.quorum.present_required, 3);

		// a period with none of them: no decision, no meeting
		const empty = ok(await iom.request('workplan.report.create', { plan: plan.id, title: 'Earlier', period_start: `${Y - 3}-01-01`, period_end: `${Y - 3}-12-31` }), 'empty').report;
		assert.deepEqual(empty.content.decisions.map((x) => x.id), [adoption.id]);
		assert.deepEqual(empty.content.meetings, []);
	});

	test('the exports show both sections: HTML, JSON, CSV', async () => {
		const auth = { Authorization: `Bearer ${iom.token}` };
		const get = (format) => httpRequest(server, `/api/workplan/report?report=${report.id}&format=${format}`, { headers: auth });
		const html = (await get('html')).body;
		for (const id of ['decisions', 'meetings']) assert.ok(html.includes(`<section id="${id}">`), id);
		assert.ok(html.includes('<h2>Meetings held</h2>'));
		assert.ok(html.includes('Joint statement on labour migration'));
		assert.ok(html.includes('Quarterly meeting'));
		assert.match(html, /3 \/ 10: IOM, RCO, UNDP/);
		assert.equal(JSON.parse((await get('json')).body).report.content.meetings.length, 1);
		const dcsv = parseCsv((await get('decisions')).body);
		assert.deepEqual(dcsv[0], ['id', 'kind', 'title', 'closed', 'outcome', 'outcome_statement', 'linked', 'why']);
		assert.deepEqual(dcsv.slice(1).map((r) => [r[0], r[1], r[6]]), [
			[String(decision.id), 'decision', 'no'],
			[String(statement.id), 'statement', 'no'],
			[String(adoption.id), 'decision', 'yes'],
		]);
		assert.equal(dcsv[3][3], `${Y - 1}-12-31`);
		const mcsv = parseCsv((await get('meetings')).body);
		assert.deepEqual(mcsv[0], ['id', 'date', 'kind', 'title', 'represented', 'required', 'missing', 'quorum', 'minutes_approved']);
		assert.equal(mcsv.length, 2);
		assert.equal(mcsv[1][3], 'Quarterly meeting');
		assert.equal(mcsv[1][4], 'IOM RCO UNDP');
		assert.ok(mcsv[1][6].split(' ').includes('UNHCR'));
		assert.deepEqual(mcsv[1].slice(7), ['not met', 'no']);
		for (const text of [html, (await get('json')).body, (await get('csv')).body, (await get('decisions')).body, (await get('meetings')).body])
			assert.ok(!text.includes(SECRET), 'no note, internal item, apologies reason or position reason in the exports');
	});

	test('canary: the report released to MOL carries none of the notes, internal items, apologies or reasons', async () => {
		const from = mol.frames.length;
		ok(await iom.request('portal.release', { item: `report:${report.id}`, to: ['MOL'] }), 'release');
		const seen = ok(await mol.request('portal.item', { item: `report:${report.id}` }), 'MOL reads').release.content;
		assert.equal(seen.content.meetings[0].title, 'Quarterly meeting', 'the meeting is in what MOL sees');
		assert.ok(seen.content.decisions.some((d) => d.id === statement.id), 'the statement too');
		await sleep(300);
		const frames = mol.frames.slice(from).join('\n');
		assert.ok(frames.includes(`Annual report ${Y}`), 'MOL got the report (the check is not vacuous)');
		for (const s of secrets) assert.ok(!frames.includes(s), `MOL never sees "${s}"`);
		assert.ok(!frames.includes(SECRET));
	});
});
