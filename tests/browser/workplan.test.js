// The network's workplan from the browser (issue 21, "done when"): the
// secretariat (IOM) drafts a plan with two areas and four items tagged with
// GCM objectives, the members adopt it by consensus, two lead organisations
// report progress for a quarter, a decision gets two follow-up actions and
// the overdue one shows on the secretariat's board, the annual report is
// assembled, printed (Chromium's PDF of the print view, its sections
// checked in the PDF's own text with poppler's pdftotext, with every decision and statement of its period and the meetings
// held with their attendance), the plan closed, and the report released to
// MOL, who reads it in the partners' portal.  On the way the secretariat
// edits an area and deletes an indicator of the draft from the page.
// What is not about the browser (the other members' positions, the second
// area and items, one progress report, the follow-ups) goes over the
// protocol, to keep the test short.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startBrowserRig, SHOTS } from './lib.js';
import { connectAs, closeAll, env, MEMBERS } from '../integration/lib/harness.js';

const Y = new Date().getUTCFullYear() - 1;

describe('the workplan, from the browser', { timeout: 180_000 }, () => {
	let rig;
	const clients = [];
	const ws = {};

	before(async () => {
		const plugins = {
			membership: {},
			consensus: {},
			groups: {},
			portal: {},
			meetings: {},
			workplan: { reference_dir: path.join(env().sourceDir, 'config', 'reference'), report_due_days: 0 },
		};
		rig = await startBrowserRig({ plugins });
		for (const l of [...MEMBERS, 'mol']) {
			ws[l] = await connectAs(rig.server, l);
			clients.push(ws[l]);
		}
	});
	after(async () => {
		await closeAll(...clients);
		if (rig) await rig.close();
	});

	test('draft, adopt, report progress, follow up, assemble, print and release the annual report', async () => {
		const iom = await rig.pageAs('iom');
		const url = rig.server.url;

		// 1. The secretariat drafts the plan.
		await iom.goto(`${url}#/workplan`);
		const draft = iom.locator('form', { has: iom.getByRole('heading', { name: 'Draft a plan' }) });
		await draft.getByLabel('Title').fill(`Workplan ${Y}–${Y + 1}`);
		await draft.getByLabel('From', { exact: true }).fill(`${Y}-01-01`);
		await draft.getByLabel('To', { exact: true }).fill(`${Y + 1}-12-31`);
		await draft.getByLabel('UNSDCF outcome').fill('Outcome 3');
		await draft.getByRole('button', { name: 'Save' }).click();
		await iom.waitForURL(/#\/workplan\/\d+$/);
		const planId = Number(iom.url().match(/(\d+)$/)[1]);

		// 2. Two areas (one from the page), four items tagged through their areas.
		const areaForm = iom.locator('form', { has: iom.getByRole('heading', { name: 'Add an area' }) });
		await areaForm.getByLabel('Title').fill('Data and evidence');
		await areaForm.getByLabel('GCM objectives (numbers, comma separated)').fill('1, 3');
		await areaForm.getByLabel('SDG targets (codes, comma separated)').fill('17.18');
		await areaForm.getByRole('button', { name: 'Save' }).click();
		await iom.getByRole('heading', { name: 'Data and evidence' }).waitFor();
		const areaB = (await ws.iom.ok('workplan.area.add', { plan: planId, title: 'Protection', gcm: [7, 10], sdg: ['5.2', '16.2'] })).area.id;
		const plan = (await ws.iom.ok('workplan.plan.get', { plan: planId })).plan;
		const areaA = plan.areas[0].id;

		const itemForm = iom.locator('form', { has: iom.getByRole('heading', { name: 'Add an item' }) });
		await itemForm.getByLabel('Area').selectOption(String(areaA));
		await itemForm.getByLabel('Title').fill('Migration data portal');
		await itemForm.getByLabel('Lead organisations (codes)').fill('IOM');
		await itemForm.getByLabel('Contributing organisations (codes)').fill('UNDP, UNFPA');
		await itemForm.getByLabel('Indicator').fill('Datasets published');
		await itemForm.getByLabel('Unit').fill('datasets');
		await itemForm.getByLabel('Type of value').selectOption('integer');
		await itemForm.getByLabel('Target').fill('10');
		await itemForm.getByRole('button', { name: 'Save' }).click();
		await iom.getByRole('cell', { name: 'Migration data portal' }).waitFor();
		const add = (area, title, lead, unit, target) => ws.iom.ok('workplan.item.add', { area, title, lead_orgs: [lead], start: `${Y}-01-01`, end: `${Y + 1}-12-31`, indicators: [{ name: title, unit, type: 'integer', baseline: 0, target }] });
		await add(areaA, 'Census module on migration', 'UNFPA', 'regions', 14);
		await add(areaB, 'Referral of trafficking victims', 'UNODC', 'officials', 200);
		const childItem = (await add(areaB, 'Child protection at borders', 'UNICEF', 'posts', 5)).item;

		// The draft's areas and indicators are edited from the page: area A renamed, a spare indicator deleted.
		const spare = (await ws.iom.ok('workplan.indicator.add', { item: childItem.id, name: 'Spare indicator', unit: 'x', type: 'integer', target: 1 })).indicator.id;
		await iom.reload();
		const areaEdit = iom.locator(`section[data-area="${areaA}"] > details.wp-area-edit`);
		await areaEdit.locator('> summary').click();
		await areaEdit.getByLabel('Title').fill('Data, evidence and research');
		await areaEdit.getByRole('button', { name: 'Save' }).click();
		await iom.getByRole('heading', { name: 'Data, evidence and research' }).waitFor();
		const indEdit = iom.locator(`tr[data-item="${childItem.id}"] details.wp-ind-edit`);
		await indEdit.locator('> summary').click();
		await indEdit.locator(`[data-indicator="${spare}"]`).getByRole('button', { name: 'Delete the indicator' }).click();
		await iom.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
		await iom.locator(`[data-indicator="${spare}"]`).waitFor({ state: 'detached' });
		assert.deepEqual((await ws.iom.ok('workplan.plan.get', { plan: planId })).plan.items.find((i) => i.id === childItem.id).indicators.map((n) => n.name), ['Child protection at borders']);
		// An item added by mistake is deleted from its row, once confirmed.
		const mistake = (await add(areaB, 'Entered twice', 'UNODC', 'x', 1)).item;
		await iom.reload();
		await iom.locator(`tr[data-item="${mistake.id}"]`).getByRole('button', { name: 'Delete the item' }).click();
		await iom.getByRole('dialog').getByText('Delete the item “Entered twice” with its indicators?').waitFor();
		await iom.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
		await iom.locator(`tr[data-item="${mistake.id}"]`).waitFor({ state: 'detached' });
		assert.ok(!(await ws.iom.ok('workplan.plan.get', { plan: planId })).plan.items.some((i) => i.id === mistake.id), 'the item is gone from the database');

		// 3. The members adopt it by consensus; the secretariat records the adoption.
		const p = (await ws.rco.ok('consensus.create', { title: 'Adopt the workplan', text: 'The network adopts its workplan.', kind: 'decision' })).proposal;
		await ws.rco.ok('consensus.open', { proposal: p.id });
		for (const l of MEMBERS) await ws[l].ok('consensus.position', { proposal: p.id, position: 'agree' });
		assert.equal((await ws.rco.ok('consensus.close', { proposal: p.id })).proposal.outcome, 'consensus');
		await iom.reload();
		const adopt = iom.locator('form', { has: iom.getByRole('heading', { name: 'Adopt the plan' }) });
		await adopt.getByLabel('Proposal number').fill(String(p.id));
		await adopt.getByRole('button', { name: 'Save' }).click();
		await iom.getByText(`adopted by decision #${p.id}`).waitFor();

		// 4. Two lead organisations report progress for the first quarter: UNICEF from its page.
		const unicef = await rig.pageAs('unicef');
		await unicef.goto(`${url}#/workplan/${planId}`);
		const row = unicef.locator(`tr[data-item="${childItem.id}"]`);
		await row.getByText('Report progress').click();
		await row.getByLabel('Quarter (e.g. 2027-Q1)').fill(`${Y}-Q1`);
		await row.getByLabel('Child protection at borders (posts)').fill('3');
		await row.getByLabel('What was done').fill('Two child desks opened at border posts.');
		await row.getByRole('button', { name: 'Send' }).click();
		await row.getByText('Child protection at borders: 3 / 5 posts').waitFor(); // the page shows the new value
		const portalItem = (await ws.iom.ok('workplan.plan.get', { plan: planId })).plan.items.find((i) => i.title === 'Migration data portal');
		await ws.iom.ok('workplan.progress.report', { item: portalItem.id, period: `${Y}-Q1`, narrative: 'Portal live with 4 datasets.', values: [{ indicator: portalItem.indicators[0].id, value: 4 }] });
		await iom.reload();
		await iom.getByLabel('Show by').selectOption('org');
		await iom.locator('#wp-chart svg rect').first().waitFor();
		assert.equal(await iom.locator(`tr[data-item="${childItem.id}"] td`).last().textContent(), '60 %', '3 of 5 posts, from a baseline of 0');
		await iom.screenshot({ path: path.join(SHOTS, 'workplan-plan.png'), fullPage: true });

		// 5. A decision gets two follow-up actions; the overdue one shows on the board.
		await ws.iom.ok('workplan.followup.add', { decision: p.id, title: 'Circulate the adopted plan', owner_org: 'UNHCR', due_date: `${Y}-02-01` });
		await ws.rco.ok('workplan.followup.add', { decision: p.id, title: 'Brief the heads of agencies', owner_org: 'UNICEF', due_date: `${Y + 5}-01-01` });
		await iom.goto(`${url}#/workplan`);
		const board = iom.locator('#wp-board');
		await board.getByText('open 1 · overdue 1 · done 0 · dropped 0').waitFor();
		await board.locator('#wp-board-overdue').getByText('Circulate the adopted plan').waitFor();
		await iom.screenshot({ path: path.join(SHOTS, 'workplan-board.png'), fullPage: true });

		// A joint statement the plan does not refer to, and a meeting held (UNHCR absent), both this year.
		const st = (await ws.rco.ok('consensus.create', { title: 'Joint statement on labour migration', text: 'The network states.', kind: 'statement' })).proposal;
		await ws.rco.ok('consensus.open', { proposal: st.id });
		for (const l of MEMBERS) await ws[l].ok('consensus.position', { proposal: st.id, position: 'agree' });
		await ws.rco.ok('consensus.close', { proposal: st.id });
		const m = (await ws.iom.ok('meetings.create', { kind: 'regular', title: 'Quarterly network meeting', starts_at: Date.now() + 86_400_000, location: 'Astana' })).meeting.id;
		await ws.iom.ok('meetings.convene', { meeting: m });
		await ws.iom.ok('meetings.start', { meeting: m });
		for (const l of ['iom', 'rco', 'undp']) await ws[l].ok('meetings.checkin', { meeting: m });
		await ws.iom.ok('meetings.close', { meeting: m });

		// 6. The annual report (last year and this one): assembled, edited, printed.
		await iom.goto(`${url}#/workplan/${planId}`);
		const rep = iom.locator('form', { has: iom.getByRole('heading', { name: 'Assemble the annual report' }) });
		await rep.getByLabel('To', { exact: true }).fill(`${Y + 1}-12-31`);
		await rep.getByRole('button', { name: 'Save' }).click();
		await iom.waitForURL(/#\/workplan\/report\/\d+$/);
		const reportId = Number(iom.url().match(/(\d+)$/)[1]);
		const edit = iom.locator('form', { has: iom.getByRole('heading', { name: 'Edit the report' }) });
		await edit.getByLabel('Introduction').fill('The network reviewed its workplan at the Annual Network Meeting.');
		await edit.getByRole('button', { name: 'Save' }).click();
		await edit.getByText('Saved.').waitFor();
		await iom.locator('#wp-report-decisions').getByText('Joint statement on labour migration').waitFor();
		await iom.locator('#wp-report-meetings').getByText('Quarterly network meeting').waitFor();

		const printCtx = await rig.browser.newContext({ extraHTTPHeaders: { Authorization: `Bearer ${ws.iom.token}` } });
		const print = await printCtx.newPage();
		const res = await print.goto(`${url}/api/workplan/report?report=${reportId}&format=html`);
		assert.equal(res.status(), 200);
		await print.emulateMedia({ media: 'print' });
		for (const id of ['introduction', 'plan', 'indicators', 'progress', 'decisions', 'meetings', 'followup', 'members', 'conclusions'])
			assert.ok(await print.locator(`section#${id}`).isVisible(), `section ${id} is printed`);
		assert.match(await print.locator('#introduction').textContent(), /Annual Network Meeting/);
		assert.match(await print.locator('#progress').textContent(), /Two child desks opened/);
		assert.equal(await print.locator('#members tbody tr').count(), 13);
		const decisions = await print.locator('#decisions').textContent();
		assert.match(decisions, /Decisions and statements/);
		assert.match(decisions, /statementJoint statement on labour migration/, 'the statement of the period, not linked to the plan');
		assert.match(decisions, /Adopt the workplan.*linked/, 'the adoption, linked');
		const meetings = await print.locator('#meetings').textContent();
		assert.match(meetings, /Meetings held/);
		assert.match(meetings, /Quarterly network meeting3 \/ 10: IOM, RCO, UNDP/);
		assert.match(meetings, /UNHCR/, 'the absent organisation is missing');
		assert.equal(await print.evaluate(() => document.styleSheets.length), 1, 'the print stylesheet loaded');
		await print.screenshot({ path: path.join(SHOTS, 'workplan-report-print.png'), fullPage: true });
		const pdf = await print.pdf({ format: 'A4', path: path.join(SHOTS, 'workplan-report.pdf') });
		assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
		const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
		assert.ok(pages >= 2, `the report prints on ${pages} pages`);
		// The PDF's own text (poppler's pdftotext): its sections and what they say.
		const text = execFileSync('pdftotext', ['-layout', path.join(SHOTS, 'workplan-report.pdf'), '-'], { encoding: 'utf8' });
		for (const heading of ['Introduction', 'Workplan', 'Indicators', 'Progress reports', 'Decisions and statements', 'Meetings held', 'Follow-up of decisions', 'Members of the network', 'Conclusions'])
			assert.match(text, new RegExp(`^\\s*${heading}\\s*$`, 'm'), `the PDF has the section ${heading}`);
		// (table cells wrap in the PDF: a row's first words are on its first line)
		assert.match(text, /statement\s+Joint statement on\s/, 'the PDF lists the statement of the period');
		assert.match(text, /regular\s+Quarterly\s+3 \/ 10: IOM, RCO,/, 'the PDF lists the meeting held and who attended');
		assert.match(text, /Two child desks opened at border posts/, 'the PDF has the progress narrative');
		await printCtx.close();

		// The plan is closed from its page once its period is over: nothing of it changes any more.
		await iom.goto(`${url}#/workplan/${planId}`);
		await iom.locator('#wp-close-plan').click();
		await iom.getByRole('dialog').getByRole('button', { name: 'Close the plan' }).click();
		await iom.getByText('This plan is closed: it no longer changes.', { exact: false }).waitFor();
		assert.equal((await ws.iom.ok('workplan.plan.get', { plan: planId })).plan.status, 'closed');

		// 7. Released to MOL through the portal, and only to MOL.
		await ws.iom.ok('portal.release', { item: `report:${reportId}`, to: ['MOL'], basis: p.id });
		const mol = await rig.pageAs('mol');
		await mol.goto(`${url}#/portal`);
		await mol.locator('#released').getByText(`Annual report ${Y}`).waitFor();
		await mol.screenshot({ path: path.join(SHOTS, 'workplan-mol-portal.png'), fullPage: true });
	});
});
