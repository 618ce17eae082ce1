// The network's week, in browsers (issue 15, sections 2 and 4): a member's
// dashboard shows live what awaits its organisation, with a badge that
// follows; the decision register is searched, filtered and exported; a
// co-chair releases a proposal that did not reach consensus only after
// confirming, the partner sees it marked so (title, not id; each text
// once; no empty cards); withdrawing asks for a reason and removes it live.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startBrowserRig, SHOTS } from './lib.js';

describe('dashboard, register and releases', { timeout: 240_000 }, () => {
	let rig;
	before(async () => { rig = await startBrowserRig(); });
	after(async () => { await rig?.close(); });

	test('the dashboard shows live what awaits my organisation; the register finds and exports the decision', async () => {
		const { server, pageAs } = rig;
		const undp = await pageAs('undp');
		await undp.getByRole('heading', { name: 'Open proposals' }).waitFor();
		assert.equal(await undp.locator('#awaiting-list').isVisible(), false, 'nothing awaits UNDP yet');

		// The co-chair drafts and opens a proposal in its own browser.
		const chair = await pageAs('rco');
		const title = 'Joint statement on International Migrants Day';
		await chair.getByLabel('Title').fill(title);
		await chair.getByLabel('Text').fill('The network calls for safe and regular pathways.');
		await chair.getByLabel('Kind').selectOption('statement');
		await chair.getByRole('button', { name: 'Create draft' }).click();
		await chair.waitForURL(/#\/proposal\/\d+$/);
		const id = Number(chair.url().match(/proposal\/(\d+)/)[1]);
		await chair.getByRole('button', { name: 'Open now' }).click();

		// UNDP's dashboard, untouched: the proposal appears under "Awaiting
		// your organisation" and the badge counts it, without a reload.
		await undp.locator('#awaiting-list').getByRole('link', { name: title }).waitFor({ timeout: 5000 });
		await undp.locator('#awaiting', { hasText: '1' }).waitFor();
		await undp.screenshot({ path: path.join(SHOTS, 'dashboard-awaiting.png'), fullPage: true });

		// UNDP responds; the badge goes and the proposal moves to "Open".
		await undp.locator('#awaiting-list').getByRole('link', { name: title }).click();
		await undp.getByLabel('Object', { exact: true }).check();
		await undp.getByLabel('Reason').fill('The text omits the return dimension.');
		await undp.getByRole('button', { name: 'State position' }).click();
		await undp.getByText(/Recorded: Object/).waitFor();
		await undp.getByRole('link', { name: /Dashboard/ }).click();
		await undp.locator('#open-list').getByRole('link', { name: title }).waitFor();
		assert.equal(await undp.locator('#awaiting').isVisible(), false, 'the badge is gone');

		// The co-chair closes it (no consensus: UNDP objects).
		await chair.getByLabel('Outcome statement').fill('No joint statement this year.');
		await chair.getByRole('button', { name: 'Close', exact: true }).click();
		await chair.getByRole('button', { name: 'Close anyway' }).click(); // the others have not responded
		await chair.locator('.outcome.no_consensus').waitFor();

		// The register: from the navigation, searched, filtered, exported.
		await undp.getByRole('link', { name: 'Decision register', exact: true }).click();
		await undp.getByRole('heading', { name: 'Decision register' }).waitFor();
		const row = undp.locator(`tr[data-decision="${id}"]`);
		await row.waitFor();
		await undp.getByLabel('Search').fill('migrants day');
		await row.waitFor();
		await undp.getByLabel('Outcome').selectOption('consensus');
		await row.waitFor({ state: 'detached' });
		await undp.getByLabel('Outcome').selectOption('no_consensus');
		await row.waitFor();
		await undp.getByLabel('Search').fill('no such words anywhere');
		await row.waitFor({ state: 'detached' });
		await undp.getByLabel('Search').fill('');
		assert.match(await row.innerText(), /No consensus/);
		const [download] = await Promise.all([undp.waitForEvent('download'), row.getByRole('button', { name: `Record of ${title} as CSV` }).click()]);
		const csv = fs.readFileSync(await download.path(), 'utf8');
		assert.match(csv, /UNDP,object,The text omits the return dimension\./, `the record as CSV: ${csv}`);
		await undp.screenshot({ path: path.join(SHOTS, 'register.png'), fullPage: true });
		// the record itself: the proposal page, from the register
		await row.getByRole('link', { name: title }).click();
		await undp.waitForURL(new RegExp(`#/proposal/${id}$`));
	});

	test('a release without consensus needs a confirmation, reaches MOL marked so, and a withdrawal with a reason removes it live', async () => {
		const { pageAs, server } = rig;
		const chair = await pageAs('rco');
		const id = await chair.evaluate(async () => {
			const c = window.accord;
			const d = await c.request('consensus.create', { title: 'Labour mobility statement', text: 'Draft text of the statement.', kind: 'statement' });
			await c.request('consensus.open', { proposal: d.data.proposal.id });
			await c.request('consensus.close', { proposal: d.data.proposal.id, outcome: 'Not adopted.' });
			return d.data.proposal.id;
		});
		const mol = await pageAs('mol');
		await mol.getByRole('heading', { name: 'Released to you' }).waitFor();
		// no card that only says "nothing here" beside content that belongs in it
		assert.equal(await mol.getByRole('heading', { name: 'Joint statements of the network' }).count(), 0);

		await chair.goto(`${server.url}#/proposal/${id}`);
		await chair.getByRole('heading', { name: 'Release to partners' }).waitFor();
		await chair.getByLabel('Or these partner organisations').fill('MOL');
		await chair.getByRole('button', { name: 'Release' }).click();
		const confirm = chair.getByLabel(/I confirm the release/);
		await confirm.waitFor();
		assert.equal(await mol.locator('#released').getByText('Labour mobility statement').count(), 0, 'nothing left before the confirmation');
		await confirm.check();
		await chair.getByRole('button', { name: 'Release' }).click();
		await chair.getByText('Released, marked "without consensus".').waitFor();

		const item = mol.locator('#released li', { hasText: 'Labour mobility statement' });
		await item.waitFor({ timeout: 5000 });
		await item.getByText('Released without consensus').waitFor();
		const text = await mol.locator('main').innerText();
		assert.ok(!/proposal:\d+/.test(text), `no internal ids on the portal: ${text}`);
		assert.equal(text.split('Draft text of the statement.').length - 1, 1, 'each text once');
		assert.equal(await mol.locator('#input-form select option', { hasText: 'Labour mobility statement' }).count(), 1, 'the input form names it by title');

		// Withdraw: a reason, then an explicit click; MOL's page loses it live.
		await chair.getByRole('link', { name: 'Releases' }).click();
		const rel = chair.locator('#releases li', { hasText: 'Labour mobility statement' });
		await rel.getByRole('button', { name: 'Withdraw' }).click();
		await rel.getByRole('button', { name: 'Withdraw now' }).click();
		assert.equal(await item.count(), 1, 'an empty reason withdraws nothing');
		await rel.getByLabel(/Why is "Labour mobility statement" withdrawn\?/).fill('Released too early.');
		await rel.getByRole('button', { name: 'Withdraw now' }).click();
		await item.waitFor({ state: 'detached', timeout: 5000 });
		await rel.getByText(/withdrawn by rco: Released too early\./).waitFor();
	});
});
