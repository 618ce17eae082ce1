// Workplan plugin (`workplan.*`, plugin `workplan`): the reference lists
// (GCM objectives, SDG targets) loaded from config/reference/ and edited by
// the secretariat; a plan drafted by the secretariat with areas tagged with
// GCM objectives and SDG targets and items with lead organisations and
// typed indicators, adopted by a consensus decision; quarterly progress of
// the lead organisations and late reports; follow-up actions on decisions
// and the secretariat's board; the views; the annual report, its exports
// and its release to a partner through the portal; bad input refused with
// nothing written (the append-only log tells).  See docs/protocol.md,
// "Workplan plugin".
//
// One server; the tests run in order and build on each other (the plan
// drafted in one is adopted in the next).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, connectAs, closeAll, httpRequest, env, MEMBERS } from './lib/harness.js';
import { parseCsv } from './lib/csv.js';

function ok(r, what) {
	assert.equal(r.ok, true, `${what}: ${JSON.stringify(r)}`);
	return r.data;
}
function err(r, code, what, message) {
	assert.equal(r.ok, false, `${what}: expected ${code}, got ${JSON.stringify(r)}`);
	assert.equal(r.error.code, code, `${what}: expected ${code}, got ${JSON.stringify(r)}`);
	if (message) assert.match(r.error.message, message, what);
	return r.error;
}

// The plan covers last year and this one, so that last year's quarters are
// over (late when unreported) and this year's first quarter has begun.
const Y = new Date().getUTCFullYear() - 1;
const PERIOD = { period_start: `${Y}-01-01`, period_end: `${Y + 1}-12-31` };

describe('workplan', { timeout: 60_000 }, () => {
	let server, iom, rco, undp, unhcr, unicef, mol;
	const clients = [];
	let agreed, rejected, open;
	let plan, areaA, areaB;
	const items = [];

	async function proposal(title, positions) {
		const p = ok(await rco.request('consensus.create', { title, text: `${title}.`, kind: 'decision' }), 'create').proposal;
		if (!positions) return p;
		ok(await rco.request('consensus.open', { proposal: p.id }), 'open');
		for (const c of clients.filter((x) => x.user.org !== 'MOL'))
			ok(await c.request('consensus.position', { proposal: p.id, position: positions(c), reason: 'stated' }), `${c.user.login} position`);
		return ok(await rco.request('consensus.close', { proposal: p.id }), 'close').proposal;
	}
	const logCount = async () => ok(await iom.request('workplan.log', { limit: 1000 }), 'log').entries.length;

	before(async () => {
		const { sourceDir } = env();
		server = await startServer({
			plugins: {
				membership: {},
				consensus: {},
				groups: {},
				portal: {},
				workplan: { reference_dir: path.join(sourceDir, 'config', 'reference'), report_due_days: 0 },
			},
		});
		for (const l of MEMBERS) clients.push(await connectAs(server, l));
		clients.push(await connectAs(server, 'mol'));
		const by = (l) => clients.find((c) => c.user.login === l);
		[iom, rco, undp, unhcr, unicef, mol] = ['iom', 'rco', 'undp', 'unhcr', 'unicef', 'mol'].map(by);
		agreed = await proposal('Adopt the workplan', () => 'agree');
		assert.equal(agreed.outcome, 'consensus');
		rejected = await proposal('Adopt another plan', (c) => (c === undp ? 'object' : 'agree'));
		assert.equal(rejected.outcome, 'no_consensus');
		open = await proposal('Still a draft');
	});
	after(async () => {
		await closeAll(...clients);
		await server?.stop();
	});

	test('the reference lists are loaded from config/reference and edited by the secretariat only', async () => {
		const ref = ok(await undp.request('workplan.reference', {}), 'reference');
		assert.equal(ref.gcm.length, 23);
		assert.deepEqual(ref.gcm[0], { number: 1, title: 'Collect and utilize accurate and disaggregated data as a basis for evidence-based policies' });
		assert.equal(ref.gcm[22].title, 'Strengthen international cooperation and global partnerships for safe, orderly and regular migration');
		const codes = ref.sdg.map((s) => s.code);
		for (const c of ['5.2', '8.7', '8.8', '10.7', '10.c', '16.2', '16.9', '17.18', '10', '17']) assert.ok(codes.includes(c), c);
		assert.equal(ref.sdg.find((s) => s.code === '10').is_goal, true);
		assert.match(ref.sdg.find((s) => s.code === '10.7').title, /^Facilitate orderly, safe, regular and responsible migration/);

		err(await undp.request('workplan.reference.save', { list: 'sdg', code: '16.3', title: 'x' }), 'forbidden', 'member edits');
		err(await mol.request('workplan.reference', {}), 'forbidden', 'partner reads');
		err(await iom.request('workplan.reference.save', { list: 'sdg', code: '99.1', title: 'x' }), 'bad_request', 'bad code', /^code: expected an SDG goal/);
		err(await iom.request('workplan.reference.save', { list: 'gcm', title: 'x' }), 'bad_request', 'no number', /^number: required$/);
		const before = await logCount();
		ok(await iom.request('workplan.reference.save', { list: 'sdg', code: '16.3', title: 'Promote the rule of law at the national and international levels and ensure equal access to justice for all' }), 'add 16.3');
		assert.equal(await logCount(), before + 1, 'the edit is logged');
		const again = ok(await undp.request('workplan.reference', {}), 'reference again');
		assert.equal(again.sdg.find((s) => s.code === '16.3').goal, 16);
	});

	test('the secretariat drafts a plan; bad input is refused and nothing is written', async () => {
		ok(await undp.request('sub.add', { topic: 'workplan' }), 'a member follows the workplan');
		err(await mol.request('sub.add', { topic: 'workplan' }), 'not_found', 'a partner cannot');
		const mark = undp.messages.length;
		err(await undp.request('workplan.plan.create', { title: 'P', ...PERIOD }), 'forbidden', 'member drafts');
		err(await mol.request('workplan.plan.create', { title: 'P', ...PERIOD }), 'forbidden', 'partner drafts');
		err(await iom.request('workplan.plan.create', { title: 'P', period_start: `${Y}-12-31`, period_end: `${Y}-01-01` }), 'bad_request', 'reversed', /^period_end: before period_start$/);
		plan = ok(await iom.request('workplan.plan.create', { title: `Workplan ${Y}–${Y + 1}`, ...PERIOD, unsdcf_ref: 'UNSDCF Outcome 3' }), 'create').plan;
		assert.equal(plan.status, 'draft');
		const ev = await undp.waitEvent((e) => e.event === 'workplan.changed', 5000, { from: mark });
		assert.deepEqual(Object.keys(ev.data).sort(), ['at', 'by'], 'the event says who and when, nothing of what');
		assert.equal(ev.data.by, 'iom');

		const n = await logCount();
		err(await iom.request('workplan.area.add', { plan: plan.id, title: 'Data', gcm: [1, 24] }), 'bad_request', 'gcm 24', /^gcm\[1\]: the GCM has no objective 24/);
		err(await iom.request('workplan.area.add', { plan: plan.id, title: 'Data', sdg: ['10.9'] }), 'bad_request', 'sdg 10.9', /^sdg\[0\]: "10.9" is not an SDG goal or target/);
		err(await iom.request('workplan.area.add', { plan: plan.id, title: 'Data', gcm: ['1'] }), 'bad_request', 'gcm as text', /^gcm\[0\]: expected an integer/);
		err(await iom.request('workplan.area.add', { plan: 987654, title: 'Data' }), 'not_found', 'no plan');
		assert.equal(await logCount(), n, 'nothing was logged');
		assert.equal(ok(await iom.request('workplan.plan.get', { plan: plan.id }), 'get').plan.areas.length, 0, 'nothing was written');

		areaA = ok(await iom.request('workplan.area.add', { plan: plan.id, title: 'Data and evidence', gcm: [1, 3], sdg: ['17.18'], unsdcf_ref: 'Outcome 3.1' }), 'area A').area;
		areaB = ok(await iom.request('workplan.area.add', { plan: plan.id, title: 'Protection', gcm: [7, 10], sdg: ['5.2', '8.7', '16.2'] }), 'area B').area;
		assert.deepEqual(areaA.gcm, [1, 3]);
		assert.deepEqual(areaB.sdg, ['5.2', '8.7', '16.2']);

		const item = (over) => ({ area: areaA.id, title: 'Item', lead_orgs: ['IOM'], start: `${Y}-01-01`, end: `${Y + 1}-06-30`, ...over });
		err(await iom.request('workplan.item.add', item({ lead_orgs: ['MOL'] })), 'bad_request', 'partner leads', /^lead_orgs\[0\]: "MOL" is a partner/);
		err(await iom.request('workplan.item.add', item({ contributing_orgs: ['NOPE'] })), 'bad_request', 'unknown org', /^contributing_orgs\[0\]: "NOPE" is not an organisation/);
		err(await iom.request('workplan.item.add', item({ end: `${Y + 2}-01-01` })), 'bad_request', 'end outside', /^end: .* is outside the plan's period/);
		err(await iom.request('workplan.item.add', item({ status: 'paused' })), 'bad_request', 'status', /^status: expected one of planned, ongoing, done, delayed, dropped$/);
		err(await iom.request('workplan.item.add', item({ group: 987654 })), 'bad_request', 'group', /^group: no such working group$/);
		err(
			await iom.request('workplan.item.add', item({ indicators: [{ name: 'Trained', unit: 'people', type: 'integer', baseline: 2.5, target: 100 }] })),
			'bad_request',
			'baseline of the wrong type',
			/^indicators\[0\]\.baseline: expected an integer/,
		);
		err(await iom.request('workplan.item.add', item({ indicators: [{ name: 'Share', unit: '%', type: 'percent', target: 120 }] })), 'bad_request', 'percent', /^indicators\[0\]\.target: expected a percentage/);
		err(await iom.request('workplan.item.add', item({ indicators: [{ name: 'X', unit: 'u', type: 'integer' }] })), 'bad_request', 'no target', /^indicators\[0\]\.target: required$/);
		assert.equal(ok(await iom.request('workplan.plan.get', { plan: plan.id }), 'get').plan.items.length, 0, 'no item was written');

		items.push(ok(await iom.request('workplan.item.add', item({ title: 'Migration data portal', lead_orgs: ['IOM'], contributing_orgs: ['UNDP', 'UNFPA'], status: 'ongoing', resources_note: 'internal: funded by X', indicators: [{ name: 'Datasets published', unit: 'datasets', type: 'integer', baseline: 0, target: 10, means: 'portal statistics' }] })), 'item 1').item);
		items.push(ok(await iom.request('workplan.item.add', item({ title: 'Census module on migration', lead_orgs: ['UNFPA'], indicators: [{ name: 'Regions covered', unit: '%', type: 'percent', baseline: 0, target: 100 }] })), 'item 2').item);
		items.push(ok(await iom.request('workplan.item.add', item({ area: areaB.id, title: 'Referral of trafficking victims', lead_orgs: ['UNODC', 'IOM'], indicators: [{ name: 'Officials trained', unit: 'people', type: 'integer', baseline: 0, target: 200 }] })), 'item 3').item);
		items.push(ok(await iom.request('workplan.item.add', item({ area: areaB.id, title: 'Child protection at borders', lead_orgs: ['UNICEF'], contributing_orgs: ['UNHCR'], indicators: [{ name: 'Border posts with child desks', unit: 'posts', type: 'number', baseline: 1, target: 5 }] })), 'item 4').item);
		// While a draft, the secretariat edits what the plan says of an item, checked as when added.
		const unfpa = clients.find((c) => c.user.login === 'unfpa');
		err(await unfpa.request('workplan.item.update', { item: items[1].id, title: 'Mine' }), 'forbidden', 'a lead edits plan fields', /^only the secretariat changes what the plan says/);
		err(await iom.request('workplan.item.update', { item: items[1].id, end: `${Y + 2}-01-01` }), 'bad_request', 'end outside', /^end: .* is outside the plan's period/);
		err(await iom.request('workplan.item.update', { item: items[1].id, start: `${Y + 1}-12-31`, end: `${Y + 1}-01-01` }), 'bad_request', 'reversed', /^end: before start$/);
		err(await iom.request('workplan.item.update', { item: items[1].id, lead_orgs: ['MOL'] }), 'bad_request', 'partner lead', /^lead_orgs\[0\]: "MOL" is a partner/);
		const edited = ok(await iom.request('workplan.item.update', { item: items[1].id, title: 'Census module on migration (pilot)', contributing_orgs: ['UNDP'], end: `${Y + 1}-12-31` }), 'edit item');
		assert.equal(edited.item.title, 'Census module on migration (pilot)');
		const again = ok(await iom.request('workplan.plan.get', { plan: plan.id }), 'get').plan.items.find((i) => i.id === items[1].id);
		assert.deepEqual([again.title, again.contributing_orgs, again.lead_orgs, again.start, again.end], ['Census module on migration (pilot)', ['UNDP'], ['UNFPA'], `${Y}-01-01`, `${Y + 1}-12-31`]);

		// The draft's period must still hold every item; its title changes freely.
		err(await undp.request('workplan.plan.update', { plan: plan.id, title: 'x' }), 'forbidden', 'member edits the plan');
		err(await iom.request('workplan.plan.update', { plan: plan.id, period_end: `${Y + 1}-03-31` }), 'bad_request', 'period too short', new RegExp(`^period_end: item ${items[0].id} runs from ${Y}-01-01 to ${Y + 1}-06-30, outside ${Y}-01-01 to ${Y + 1}-03-31$`));
		err(await iom.request('workplan.plan.update', { plan: plan.id, period_start: `${Y + 2}-01-01` }), 'bad_request', 'start after end', /^period_end: before period_start$/);
		const renamed = ok(await iom.request('workplan.plan.update', { plan: plan.id, title: `Workplan of the network ${Y}–${Y + 1}`, unsdcf_ref: 'UNSDCF Outcome 3.1' }), 'rename').plan;
		assert.equal(renamed.unsdcf_ref, 'UNSDCF Outcome 3.1');
		assert.equal(renamed.period_end, PERIOD.period_end);
		assert.equal(items[0].indicators[0].type, 'integer');
		assert.deepEqual(items[2].lead_orgs, ['UNODC', 'IOM']);
	});

	test('a plan is adopted only by a closed consensus decision; then its areas and items are fixed', async () => {
		err(await undp.request('workplan.plan.adopt', { plan: plan.id, proposal: agreed.id }), 'forbidden', 'member adopts');
		err(await iom.request('workplan.plan.adopt', { plan: plan.id, proposal: open.id }), 'bad_request', 'not closed', /^proposal: no such closed proposal/);
		err(await iom.request('workplan.plan.adopt', { plan: plan.id, proposal: 987654 }), 'bad_request', 'missing', /^proposal: no such closed proposal/);
		err(await iom.request('workplan.plan.adopt', { plan: plan.id, proposal: rejected.id }), 'conflict', 'no consensus', /closed without consensus/);
		const adopted = ok(await iom.request('workplan.plan.adopt', { plan: plan.id, proposal: agreed.id }), 'adopt').plan;
		assert.equal(adopted.status, 'adopted');
		assert.equal(adopted.adopted_by, agreed.id);
		err(await iom.request('workplan.plan.adopt', { plan: plan.id, proposal: agreed.id }), 'conflict', 'twice');
		err(await iom.request('workplan.area.add', { plan: plan.id, title: 'Late area' }), 'conflict', 'area after adoption', /the plan is adopted/);
		err(await iom.request('workplan.plan.update', { plan: plan.id, title: 'Renamed after adoption' }), 'conflict', 'edit after adoption', /the plan is adopted/);
		err(await iom.request('workplan.item.update', { item: items[1].id, title: 'Renamed after adoption' }), 'conflict', 'item edit after adoption', /the plan is adopted/);
		// An item's status still moves: the secretariat or a lead organisation.
		err(await undp.request('workplan.item.update', { item: items[1].id, status: 'ongoing' }), 'forbidden', 'not a lead');
		ok(await unicef.request('workplan.item.update', { item: items[3].id, status: 'delayed' }), 'lead updates');
		const links = ok(await undp.request('workplan.links', { decision: agreed.id }), 'links');
		assert.deepEqual(links.adopted_plans.map((p) => p.plan), [plan.id]);
	});

	test('lead organisations report progress per quarter; wrong values and periods are refused; late reports', async () => {
		const q1 = `${Y}-Q1`;
		const ind = (i) => items[i].indicators[0].id;
		err(await undp.request('workplan.progress.report', { item: items[0].id, period: q1, narrative: 'n' }), 'forbidden', 'not a lead', /lead organisations/);
		err(await iom.request('workplan.progress.report', { item: items[0].id, period: `${Y - 1}-Q4`, narrative: 'n' }), 'bad_request', 'before the plan', /^period: .* is outside the plan's period/);
		err(await iom.request('workplan.progress.report', { item: items[0].id, period: `${Y + 2}-Q1`, narrative: 'n' }), 'bad_request', 'after the plan', /outside the plan's period/);
		err(await iom.request('workplan.progress.report', { item: items[0].id, period: `${Y}-Q5`, narrative: 'n' }), 'bad_request', 'Q5', /^period: expected a quarter/);
		err(await iom.request('workplan.progress.report', { item: items[0].id, period: q1, narrative: 'n', values: [{ indicator: ind(0), value: '3' }] }), 'bad_request', 'text value', /^values\[0\]\.value: expected an integer \(indicator "Datasets published", datasets\)$/);
		err(await iom.request('workplan.progress.report', { item: items[0].id, period: q1, narrative: 'n', values: [{ indicator: ind(0), value: 2.5 }] }), 'bad_request', 'real for integer');
		err(await iom.request('workplan.progress.report', { item: items[0].id, period: q1, narrative: 'n', values: [{ indicator: ind(1), value: 3 }] }), 'bad_request', 'other item indicator', /not an indicator of this item/);
		assert.equal(ok(await iom.request('workplan.progress', { plan: plan.id }), 'progress').reports.length, 0, 'nothing written');

		const r1 = ok(await iom.request('workplan.progress.report', { item: items[0].id, period: q1, narrative: 'Portal live with 3 datasets.', values: [{ indicator: ind(0), value: 3 }] }), 'IOM reports').report;
		assert.deepEqual(r1.values, [{ indicator: ind(0), value: 3 }]);
		assert.equal(r1.revision, 1);
		const r1b = ok(await iom.request('workplan.progress.report', { item: items[0].id, period: q1, narrative: 'Portal live with 4 datasets.', values: [{ indicator: ind(0), value: 4 }] }), 'IOM again').report;
		assert.equal(r1b.revision, 2);
		ok(await unicef.request('workplan.progress.report', { item: items[3].id, period: q1, narrative: 'Two desks opened.', values: [{ indicator: ind(3), value: 3.0 }] }), 'UNICEF reports');

		const got = ok(await undp.request('workplan.plan.get', { plan: plan.id }), 'get').plan;
		const i0 = got.items.find((i) => i.id === items[0].id);
		assert.deepEqual(i0.indicators[0].latest, { value: 4, period: q1, org: 'IOM' });
		assert.equal(i0.indicators[0].progress_pct, 40);
		assert.equal(i0.progress_pct, 40);

		err(await undp.request('workplan.late', { plan: plan.id }), 'forbidden', 'member sees late list');
		const late = ok(await iom.request('workplan.late', { plan: plan.id }), 'late').late;
		const has = (item, org, period) => late.some((l) => l.item === item && l.org === org && l.period === period);
		assert.ok(has(items[1].id, 'UNFPA', q1), 'UNFPA is late for Q1');
		assert.ok(has(items[2].id, 'UNODC', q1) && has(items[2].id, 'IOM', q1), 'both leads of item 3');
		assert.ok(!has(items[0].id, 'IOM', q1), 'IOM reported Q1');
		assert.ok(has(items[0].id, 'IOM', `${Y}-Q4`), 'IOM is late for Q4');
		assert.equal(late.find((l) => l.period === q1).due, `${Y}-03-31`);
	});

	let f1, f2;
	test('follow-up actions on a decision; the board shows open, overdue and done by organisation and decision', async () => {
		const base = { decision: agreed.id, owner_org: 'UNHCR' };
		err(await undp.request('workplan.followup.add', { ...base, title: 'x', due_date: '2030-01-01' }), 'forbidden', 'plain member');
		err(await iom.request('workplan.followup.add', { ...base, decision: open.id, title: 'x', due_date: '2030-01-01' }), 'bad_request', 'open proposal', /^decision: no such closed proposal$/);
		err(await iom.request('workplan.followup.add', { ...base, owner_org: 'MOL', title: 'x', due_date: '2030-01-01' }), 'bad_request', 'partner owner', /^owner_org\[0\]: "MOL" is a partner/);
		err(await iom.request('workplan.followup.add', { ...base, title: 'x', due_date: '2030-02-30' }), 'bad_request', 'bad date', /^due_date: expected a date/);
		f1 = ok(await iom.request('workplan.followup.add', { ...base, title: 'Circulate the adopted plan to counterparts', due_date: `${Y}-02-01`, item: items[0].id, note: 'started' }), 'f1').followup;
		f2 = ok(await rco.request('workplan.followup.add', { ...base, owner_org: 'UNICEF', title: 'Brief the heads of agencies', due_date: `${Y + 5}-01-01` }), 'f2').followup;
		assert.equal(f1.overdue, true);
		assert.equal(f2.overdue, false);
		assert.equal(f1.notes[0].text, 'started');
		assert.equal(f1.decision_title, 'Adopt the workplan');

		err(await undp.request('workplan.board', {}), 'forbidden', 'member board');
		let board = ok(await iom.request('workplan.board', {}), 'board');
		assert.deepEqual(board.counts, { open: 1, overdue: 1, done: 0, dropped: 0 });
		assert.deepEqual(board.by_org.UNHCR, { open: 0, overdue: 1, done: 0, dropped: 0 });
		assert.deepEqual(board.overdue.map((f) => f.id), [f1.id]);
		assert.equal(board.by_decision[0].decision, agreed.id);

		err(await undp.request('workplan.followup.update', { followup: f2.id, status: 'done' }), 'forbidden', 'not the owner');
		err(await iom.request('workplan.followup.update', { followup: 987654, status: 'done' }), 'not_found', 'missing');
		const done = ok(await unicef.request('workplan.followup.update', { followup: f2.id, status: 'done', note: 'briefed on 3 May' }), 'owner updates').followup;
		assert.equal(done.status, 'done');
		board = ok(await iom.request('workplan.board', {}), 'board again');
		assert.deepEqual(board.counts, { open: 0, overdue: 1, done: 1, dropped: 0 });

		// Both ways: the decision knows its follow-ups and items, the item its follow-ups and decisions.
		ok(await iom.request('workplan.item.link', { item: items[2].id, decision: agreed.id }), 'link');
		const byDecision = ok(await undp.request('workplan.links', { decision: agreed.id }), 'links of the decision');
		assert.deepEqual(byDecision.followups.map((f) => f.id).sort(), [f1.id, f2.id].sort());
		assert.deepEqual(byDecision.items.map((i) => i.id), [items[0].id, items[2].id]);
		const byItem = ok(await undp.request('workplan.links', { item: items[0].id }), 'links of the item');
		assert.deepEqual(byItem.followups.map((f) => f.id), [f1.id]);
		const byItem3 = ok(await undp.request('workplan.links', { item: items[2].id }), 'links of item 3');
		assert.deepEqual(byItem3.decisions.map((d) => d.decision), [agreed.id]);
		const list = ok(await undp.request('workplan.followups', { org: 'UNHCR' }), 'followups by org').followups;
		assert.deepEqual(list.map((f) => f.id), [f1.id]);
	});

	test("a working group's decision: its follow-ups stay in the group, and it is not linked to the network's plan", async () => {
		const g = ok(await iom.request('groups.create', { name: 'Returns group', mandate: 'Return and reintegration', kind: 'permanent', leads: ['UNDP'], members: ['UNHCR'] }), 'group').group.id;
		const gp = ok(await undp.request('consensus.create', { title: 'Group-internal decision', text: 'Internal to the group.', kind: 'decision', scope: `group:${g}` }), 'group proposal').proposal;
		ok(await undp.request('consensus.open', { proposal: gp.id }), 'open');
		ok(await undp.request('consensus.close', { proposal: gp.id }), 'close');
		err(await iom.request('workplan.item.link', { item: items[1].id, decision: gp.id }), 'bad_request', 'group decision on a network item', /^decision: a working group's decision is not linked/);
		const fg = ok(await iom.request('workplan.followup.add', { decision: gp.id, title: 'Group follow-up', owner_org: 'UNHCR', due_date: '2999-01-01', item: items[1].id }), 'group follow-up').followup;
		assert.equal(fg.group, g);
		// UNFPA is not in the group: it sees neither the follow-up nor what it links.
		const unfpa = clients.find((c) => c.user.login === 'unfpa');
		assert.ok(!ok(await unfpa.request('workplan.followups', {}), 'unfpa list').followups.some((f) => f.id === fg.id));
		const hidden = ok(await unfpa.request('workplan.links', { decision: gp.id }), 'unfpa links');
		assert.deepEqual([hidden.followups, hidden.items], [[], []]);
		assert.deepEqual(ok(await unfpa.request('workplan.links', { item: items[1].id }), 'unfpa item links').followups, []);
		const missing = err(await unfpa.request('workplan.followup.update', { followup: 987654, note: 'x' }), 'not_found', 'missing');
		const notMine = err(await unfpa.request('workplan.followup.update', { followup: fg.id, note: 'x' }), 'not_found', 'hidden');
		assert.equal(notMine.message, missing.message, 'hidden answers as missing');
		// UNDP (the group's lead) and UNHCR (the owner) see it.
		const seen = ok(await undp.request('workplan.links', { decision: gp.id }), 'undp links');
		assert.deepEqual([seen.followups.map((f) => f.id), seen.items.map((i) => i.id)], [[fg.id], [items[1].id]]);
		ok(await unhcr.request('workplan.followup.update', { followup: fg.id, status: 'in_progress' }), 'owner updates');
	});

	test('views by GCM objective, SDG target, organisation, working group and status', async () => {
		const gcm = ok(await undp.request('workplan.view', { plan: plan.id, by: 'gcm' }), 'by gcm').groups;
		assert.deepEqual(gcm.map((g) => g.key), ['1', '3', '7', '10']);
		assert.equal(gcm[0].items.length, 2);
		assert.match(gcm[0].title, /^Collect and utilize accurate/);
		assert.equal(gcm[0].progress_pct, 40, 'only item 1 has a value: 40 %');
		const sdg = ok(await undp.request('workplan.view', { plan: plan.id, by: 'sdg' }), 'by sdg').groups;
		assert.deepEqual(sdg.map((g) => g.key), ['5.2', '8.7', '16.2', '17.18']);
		const org = ok(await undp.request('workplan.view', { plan: plan.id, by: 'org' }), 'by org').groups;
		const iomRow = org.find((g) => g.key === 'IOM');
		assert.deepEqual(iomRow.items.map((i) => i.role), ['lead', 'lead']);
		assert.equal(org.find((g) => g.key === 'UNDP').items[0].role, 'contributing');
		const status = ok(await undp.request('workplan.view', { plan: plan.id, by: 'status' }), 'by status').groups;
		assert.deepEqual(status.map((g) => g.key).sort(), ['delayed', 'ongoing', 'planned']);
		const group = ok(await undp.request('workplan.view', { plan: plan.id, by: 'group' }), 'by group').groups;
		assert.deepEqual(group.map((g) => g.key), ['none']);
		err(await undp.request('workplan.view', { plan: plan.id, by: 'colour' }), 'bad_request', 'bad view');
		err(await undp.request('workplan.view', { plan: 987654, by: 'gcm' }), 'not_found', 'no plan');
	});

	test('the annual report: assembled, edited, exported (HTML, JSON, CSV, members list) and released to MOL only through the portal', async () => {
		err(await undp.request('workplan.report.create', { plan: plan.id, title: 'R', period_start: `${Y}-01-01`, period_end: `${Y}-12-31` }), 'forbidden', 'member assembles');
		const report = ok(await iom.request('workplan.report.create', { plan: plan.id, title: `Annual report ${Y}`, period_start: `${Y}-01-01`, period_end: `${Y}-12-31` }), 'create').report;
		const c = report.content;
		assert.equal(c.plan.items.length, 4);
		assert.equal(c.decisions[0].id, agreed.id);
		assert.equal(c.decisions[0].outcome, 'consensus');
		assert.deepEqual(c.followups.counts, { open: 0, overdue: 1, done: 1, dropped: 0 });
		assert.equal(report.members.orgs.length, 13);
		assert.match(report.members.at, /^\d{4}-\d{2}-\d{2}$/);
		assert.ok(!JSON.stringify(c).includes('internal: funded by X'), 'no resources note in the report');
		const edited = ok(await iom.request('workplan.report.update', { report: report.id, intro: 'The network met four times.', conclusions: 'On track <mostly>.' }), 'edit').report;
		assert.equal(edited.intro, 'The network met four times.');
		err(await iom.request('workplan.report.update', { report: 987654, intro: 'x' }), 'not_found', 'missing report');

		const auth = { Authorization: `Bearer ${iom.token}` };
		const html = await httpRequest(server, `/api/workplan/report?report=${report.id}&format=html`, { headers: auth });
		assert.equal(html.status, 200);
		assert.match(html.headers['content-type'], /^text\/html/);
		for (const id of ['introduction', 'plan', 'indicators', 'progress', 'decisions', 'meetings', 'followup', 'members', 'conclusions'])
			assert.ok(html.body.includes(`<section id="${id}">`), `section ${id}`);
		// this server has no meetings plugin: the report says so, nothing fails
		assert.equal(c.meetings, null);
		assert.ok(html.body.includes('Meetings are not recorded on this server (the meetings plugin is not enabled).'));
		assert.equal(parseCsv((await httpRequest(server, `/api/workplan/report?report=${report.id}&format=meetings`, { headers: auth })).body).length, 1, 'the meetings CSV: its header only');
		assert.ok(html.body.includes('On track &lt;mostly&gt;.'), 'escaped');
		assert.ok(html.body.includes('/plugins/workplan/report.css'), 'print stylesheet');
		const json = await httpRequest(server, `/api/workplan/report?report=${report.id}&format=json`, { headers: auth });
		assert.equal(JSON.parse(json.body).report.id, report.id);
		const csv = parseCsv((await httpRequest(server, `/api/workplan/report?report=${report.id}&format=csv`, { headers: auth })).body);
		assert.deepEqual(csv[0], ['item', 'item_title', 'status', 'lead_orgs', 'indicator', 'unit', 'baseline', 'target', 'latest', 'quarter', 'reached_pct']);
		assert.equal(csv.length, 5);
		const mcsv = parseCsv((await httpRequest(server, `/api/workplan/report?report=${report.id}&format=members`, { headers: auth })).body);
		assert.equal(mcsv.length, 14);
		assert.equal((await httpRequest(server, `/api/workplan/report?report=${report.id}&format=html`)).status, 401, 'no token');
		assert.equal((await httpRequest(server, `/api/workplan/report?report=${report.id}&format=html`, { headers: { Authorization: `Bearer ${mol.token}` } })).status, 403, 'partner');
		assert.equal((await httpRequest(server, `/api/workplan/report?report=987654&format=json`, { headers: auth })).status, 404, 'missing');
		assert.equal((await httpRequest(server, `/api/workplan/report?report=${report.id}&format=pdf`, { headers: auth })).status, 400, 'bad format');

		// Partners: nothing until the portal releases it, then exactly that.
		err(await mol.request('workplan.report.get', { report: report.id }), 'forbidden', 'partner asks the plugin');
		const missing = err(await mol.request('portal.item', { item: 'report:987654' }), 'not_found', 'missing');
		const hidden = err(await mol.request('portal.item', { item: `report:${report.id}` }), 'not_found', 'hidden');
		assert.equal(hidden.message, missing.message);
		ok(await iom.request('portal.release', { item: `report:${report.id}`, to: ['MOL'], basis: agreed.id }), 'release report');
		ok(await iom.request('portal.release', { item: `workplan:${plan.id}`, to: ['MOL'] }), 'release plan');
		const seen = ok(await mol.request('portal.item', { item: `report:${report.id}` }), 'MOL reads').release.content;
		assert.equal(seen.title, `Annual report ${Y}`);
		assert.equal(seen.content.late, undefined, 'no late list for partners');
		const seenPlan = ok(await mol.request('portal.item', { item: `workplan:${plan.id}` }), 'MOL reads the plan').release.content;
		assert.equal(seenPlan.items.length, 4);
		assert.ok(!JSON.stringify(seenPlan).includes('internal: funded by X'), 'no resources note');
		assert.ok(!JSON.stringify(seenPlan).includes('Portal live'), 'no progress narratives');
	});

	test('every change is in the append-only log', async () => {
		const entries = ok(await iom.request('workplan.log', { object: `plan:${plan.id}` }), 'log').entries;
		assert.deepEqual(entries.map((e) => e.action).reverse(), ['plan.create', 'plan.update', 'plan.adopt']);
		assert.equal(entries[0].actor, 'iom');
		err(await undp.request('workplan.log', {}), 'forbidden', 'member reads the log');
	});
});

describe('workplan: reference lists at start, and the configuration', { timeout: 60_000 }, () => {
	let server;
	after(async () => {
		await server?.dispose();
	});

	test('lists missing at init are loaded at the first start that finds them; a bad configuration stops the start', async () => {
		const fs = await import('node:fs/promises');
		const plugins = { membership: {}, workplan: { reference_dir: '/nonexistent-workplan-reference' } };
		server = await startServer({ plugins });
		let iom = await connectAs(server, 'iom');
		assert.deepEqual(ok(await iom.request('workplan.reference', {}), 'reference').gcm, []);
		// logged by the start's load job, which ran before that request
		assert.match(server.stderr, /cannot load the reference lists from \/nonexistent-workplan-reference/);
		await closeAll(iom);

		// The default folder (config/reference under the server's working folder, here the tree).
		const write = (cfg) => fs.writeFile(server.cfgPath, JSON.stringify(cfg, null, 2));
		await write({ ...server.config, plugins: { ...server.config.plugins, enabled: { membership: {}, workplan: {} } } });
		await server.restart();
		iom = await connectAs(server, 'iom');
		const ref = ok(await iom.request('workplan.reference', {}), 'reference after restart');
		assert.equal(ref.gcm.length, 23);
		assert.equal(ref.sdg.find((s) => s.code === '8.8').goal, 8);
		await closeAll(iom);
		await server.stop();

		for (const [section, message] of [
			[{ colour: 'blue' }, /plugins\.enabled\.workplan\.colour: unknown key/],
			[{ report_due_days: -1 }, /plugins\.enabled\.workplan\.report_due_days: expected an integer from 0 to 365/],
			[{ reference_dir: '' }, /plugins\.enabled\.workplan\.reference_dir: expected a directory path/],
		]) {
			await write({ ...server.config, plugins: { ...server.config.plugins, enabled: { membership: {}, workplan: section } } });
			const r = await server.cli('init');
			assert.notEqual(r.code, 0, JSON.stringify(section));
			assert.match(r.stderr, message);
		}
	});
});
