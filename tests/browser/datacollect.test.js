// A working group collects disaggregated figures from the browser (the
// datacollect plugin): IOM, the lead of a migration data group, defines a
// quarterly form with arrivals by sex and age group and opens it; UNHCR's
// focal point fills in the grid, saves, reloads the page and finds the
// values again; the lead watches completeness update live as UNICEF
// submits, sees the aggregates and the chart, downloads the CSV, and
// releases the aggregate to partners, which MOL then reads in the portal
// without any organisation's own figures.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startBrowserRig, SHOTS } from './lib.js';
import { connectAs, closeAll } from '../integration/lib/harness.js';

const PLUGINS = { membership: {}, consensus: {}, groups: {}, portal: {}, datacollect: {} };

function quarterNow() {
	const d = new Date();
	return `${d.getUTCFullYear()}-Q${Math.ceil((d.getUTCMonth() + 1) / 3)}`;
}

describe('data collection in a working group, from the browser', { timeout: 300_000 }, () => {
	let rig, G;
	const clients = [];
	const P = quarterNow();

	before(async () => {
		rig = await startBrowserRig({ plugins: PLUGINS });
		// The group itself is not what this test is about: made over the protocol.
		const iom = await connectAs(rig.server, 'iom');
		clients.push(iom);
		G = (await iom.ok('groups.create', { name: 'Migration data', mandate: 'Collect and share migration data', kind: 'permanent', leads: ['IOM'], members: ['UNHCR', 'UNICEF', 'MOL'] })).group.id;
		await iom.ok('groups.plugins.enable', { group: G, plugin: 'datacollect' });
	});
	after(async () => {
		await closeAll(...clients);
		if (rig) await rig.close();
	});

	test('a lead defines a form, UNHCR submits and finds it after a reload, the lead sees completeness and releases', async () => {
		const lead = await rig.pageAs('iom');
		await lead.goto(`${rig.server.url}#/group/${G}`);
		const room = lead.locator('[data-plugin=datacollect]');
		await room.getByRole('heading', { name: 'Data collection' }).waitFor();
		await room.getByText('No forms yet.').waitFor();

		// The form: arrivals by sex and age group, and a choice.
		await room.getByText('New form').click();
		await room.getByLabel('Form title').fill('Arrivals by quarter');
		await room.getByLabel('Collected by').selectOption('quarter');
		const f1 = room.locator('fieldset.dc-field').nth(0);
		await f1.getByLabel('Key (a-z, 0-9, _)').fill('arrivals');
		await f1.getByLabel('Label').fill('Arrivals');
		await f1.getByLabel('Unit').fill('persons');
		await f1.getByLabel('Minimum').fill('0');
		await f1.getByLabel('Whole numbers only').check();
		await f1.getByLabel('By sex').check();
		await f1.getByLabel('By age group').check();
		await room.getByRole('button', { name: 'Add a field' }).click();
		const f2 = room.locator('fieldset.dc-field').nth(1);
		await f2.getByLabel('Key (a-z, 0-9, _)').fill('route');
		await f2.getByLabel('Label').fill('Main route');
		await f2.getByLabel('Type').selectOption('choice');
		await f2.getByLabel('Options').fill('land, air');
		await room.getByRole('button', { name: 'Create form' }).click();
		await room.getByText('Form created as a draft').waitFor();
		const item = room.locator('li[data-form]', { hasText: 'Arrivals by quarter' });
		await item.getByRole('button', { name: 'Open', exact: true }).click();
		await item.locator('.badge', { hasText: 'open' }).waitFor();

		// UNHCR's focal point fills in the grid and saves.
		const unhcr = await rig.pageAs('unhcr');
		await unhcr.goto(`${rig.server.url}#/group/${G}`);
		const uroom = unhcr.locator('[data-plugin=datacollect]');
		const uitem = uroom.locator('li[data-form]', { hasText: 'Arrivals by quarter' });
		await uitem.getByRole('button', { name: 'Fill in' }).click();
		const entry = uroom.locator('section.dc-entry');
		await entry.getByRole('heading', { name: `Arrivals by quarter: your organisation's submission for ${P}` }).waitFor();
		const cells = { 'female, 0-17': 4, 'female, 18-59': 12, 'male, 18-59': 9, 'other or unknown, 60+': 1 };
		for (const [cell, v] of Object.entries(cells)) await entry.getByLabel(`Arrivals: ${cell}`).fill(String(v));
		await entry.getByLabel('Main route').selectOption('land');
		// A value the server refuses is named with its cell.
		await entry.getByLabel('Arrivals: male, 0-17').fill('-2');
		await entry.getByLabel('Arrivals: male, 0-17').evaluate((el) => el.removeAttribute('min'));
		await entry.getByRole('button', { name: 'Save' }).click();
		await entry.getByText('fields.arrivals[male,0-17]: must be a whole number ≥ 0').waitFor();
		await entry.getByLabel('Arrivals: male, 0-17').fill('');
		await entry.getByRole('button', { name: 'Save' }).click();
		await entry.getByText('Saved (revision 1).').waitFor();

		// After a reload the values are still there.
		await unhcr.reload();
		await uroom.locator('li[data-form]', { hasText: 'Arrivals by quarter' }).getByRole('button', { name: 'Fill in' }).click();
		for (const [cell, v] of Object.entries(cells))
			assert.equal(await entry.getByLabel(`Arrivals: ${cell}`).inputValue(), String(v), cell);
		assert.equal(await entry.getByLabel('Main route').inputValue(), 'land');
		assert.equal(await entry.getByLabel('Arrivals: male, 0-17').inputValue(), '');
		await unhcr.screenshot({ path: path.join(SHOTS, 'datacollect-entry.png'), fullPage: true });

		// The lead's results: completeness, updated live when UNICEF submits.
		await item.getByRole('button', { name: 'Results' }).click();
		const results = room.locator('section.dc-results');
		await results.getByText('1 of 3 organisations submitted').waitFor();
		assert.match(await results.locator('tr[data-org=UNHCR]').textContent(), /submitted \(revision 1\)/);
		assert.match(await results.locator('tr[data-org=UNICEF]').textContent(), /not submitted/);
		const unicef = await connectAs(rig.server, 'unicef');
		clients.push(unicef);
		await unicef.ok('datacollect.submit', { group: G, form: (await unicef.ok('datacollect.forms', { group: G })).forms[0].id, period: P, revision: 0, values: { arrivals: { 'female,18-59': 3, 'male,18-59': 2 }, route: 'air' } });
		await results.getByText('2 of 3 organisations submitted').waitFor();
		// Aggregates: female 18-59 is 12 + 3; the chart is drawn.
		const total = results.locator('table.dc-total[data-field=arrivals]');
		await total.getByRole('cell', { name: '31', exact: true }).waitFor(); // 4+12+9+1 + 3+2
		assert.ok(await results.locator('svg.dc-chart').count() >= 1, 'a chart');
		await results.locator('table.dc-cells').getByRole('cell', { name: '15', exact: true }).waitFor();
		await lead.screenshot({ path: path.join(SHOTS, 'datacollect-results.png'), fullPage: true });

		// The CSV download.
		const [download] = await Promise.all([lead.waitForEvent('download'), results.getByRole('button', { name: 'Download aggregates (CSV)' }).click()]);
		const csv = fs.readFileSync(await download.path(), 'utf8');
		assert.match(csv, /^field,label,unit,cell,n,sum,min,max,mean\r\n/);
		assert.match(csv, /arrivals,Arrivals,persons,total,2,31,5,26,15\.5\r\n/);

		// The release: partners get the aggregate, with small cells suppressed.
		await results.getByRole('button', { name: 'Release the aggregate to partners' }).click();
		await results.getByText('Released to partners through the portal.').waitFor();
		const mol = await connectAs(rig.server, 'mol');
		clients.push(mol);
		const feed = (await mol.ok('portal.feed', {})).releases;
		const rel = feed.find((r) => r.kind === 'aggregate');
		assert.ok(rel, `MOL sees the aggregate: ${JSON.stringify(feed)}`);
		assert.equal(rel.content.title, 'Arrivals by quarter');
		assert.deepEqual(rel.content.fields.arrivals.total, { suppressed: true }, 'two organisations: suppressed');
		assert.ok(!JSON.stringify(rel).includes('UNHCR'), 'no organisation named');

		// MOL's portal shows the released figures, suppressed ones said so,
		// and loses them at once when the release is withdrawn.
		const molPage = await rig.pageAs('mol');
		await molPage.goto(`${rig.server.url}#/portal`);
		const card = molPage.locator('#dc-released');
		await card.getByRole('heading', { name: `Arrivals by quarter, ${P}` }).waitFor();
		await card.locator('p[data-field=arrivals]', { hasText: 'suppressed: fewer than 3 organisations' }).waitFor();
		await card.getByText('Aggregated over 2 reporting organisations').waitFor();
		const tds = await card.locator('table.dc-cells td').allTextContents();
		assert.equal(tds.length, 9, 'the grid of cells');
		assert.deepEqual([...new Set(tds)], ['<3'], 'two organisations: no figure shown');
		assert.equal(await card.locator('table.dc-cells td abbr').first().getAttribute('title'), 'suppressed: fewer than 3 organisations');
		assert.ok(!(await card.textContent()).includes('UNHCR'), 'no organisation named');
		await molPage.screenshot({ path: path.join(SHOTS, 'datacollect-portal.png'), fullPage: true });
		const iom = clients[0];
		const releases = (await iom.ok('portal.releases', {})).releases;
		await iom.ok('portal.withdraw', { release: releases.find((r) => r.kind === 'aggregate').id, reason: 'to be revised' });
		await card.waitFor({ state: 'hidden' });
	});

	test('two people of UNHCR edit at once: the stale save is refused and the current values shown', async () => {
		const form = (await clients[0].ok('datacollect.forms', { group: G })).forms[0];
		const open = async () => {
			const page = await rig.pageAs('unhcr');
			await page.goto(`${rig.server.url}#/group/${G}`);
			await page.locator('[data-plugin=datacollect] li[data-form]', { hasText: form.title }).getByRole('button', { name: 'Fill in' }).click();
			const entry = page.locator('[data-plugin=datacollect] section.dc-entry');
			await entry.getByLabel('Arrivals: female, 18-59').waitFor();
			assert.equal(await entry.getByLabel('Arrivals: female, 18-59').inputValue(), '12');
			return entry;
		};
		const a = await open();
		const b = await open(); // UNHCR's alternate, in another browser
		await a.getByLabel('Arrivals: female, 18-59').fill('13');
		await a.getByRole('button', { name: 'Save' }).click();
		await a.getByText('Saved (revision 2).').waitFor();
		await b.getByLabel('Arrivals: male, 18-59').fill('10');
		await b.getByRole('button', { name: 'Save' }).click();
		await b.getByText(/revision 1 is not the latest: UNHCR's submission for .* is at revision 2, saved by unhcr/).waitFor();
		await b.getByText('Someone of your organisation saved in the meantime').waitFor();
		assert.equal(await b.getByLabel('Arrivals: female, 18-59').inputValue(), '13', 'the other person\'s value is shown');
		assert.equal(await b.getByLabel('Arrivals: male, 18-59').inputValue(), '9', 'the stored value, not the unsaved one');
		await b.getByLabel('Arrivals: male, 18-59').fill('10');
		await b.getByRole('button', { name: 'Save' }).click();
		await b.getByText('Saved (revision 3).').waitFor();
		const s = (await clients[0].ok('datacollect.submission', { group: G, form: form.id, period: P, org: 'UNHCR' })).submission;
		assert.equal(s.values.arrivals['female,18-59'], 13);
		assert.equal(s.values.arrivals['male,18-59'], 10);
	});
});
