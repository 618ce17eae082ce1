// The proposal page as the network uses it in a session (issue 15, section
// 2), one browser per organisation: the co-chair (RCO) sees each
// organisation's position and reason as they come, and who is still to
// respond and whether they are present; a member finds its own position
// filled in after a reload and changes it; the Ministry of Labour (the
// state counterpart) gives and revises its consultation view, which members
// see; closing early asks first and names what is missing; comments reach
// the other pages live; a draft is edited before it opens; the Russian page
// shows no English sentence made by the server.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, DEMO_PASSWORD } from '../integration/lib/harness.js';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.ACCORD_SCREENSHOT_DIR || path.resolve('screenshots');

describe('proposal page', { timeout: 280_000 }, () => {
	let server, browser;
	const contexts = [];
	const pages = {}; // login -> page, one browser context each

	before(async () => {
		fs.mkdirSync(SHOTS, { recursive: true });
		server = await startServer({ plugins: { membership: {}, consensus: {}, groups: {}, actions: {}, portal: {}, test: {} } });
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
				'--disable-background-networking', '--disable-component-update', '--disable-sync'],
		});
		for (const login of ['rco', 'undp', 'unhcr', 'mol']) pages[login] = await pageAs(login);
	});
	after(async () => {
		for (const c of contexts) await c.close().catch(() => {});
		if (browser) await browser.close();
		if (server) await server.dispose();
	});

	async function pageAs(login, locale = 'en-GB') {
		const ctx = await browser.newContext({ locale, viewport: { width: 1100, height: 850 } });
		contexts.push(ctx);
		const page = await ctx.newPage();
		page.on('pageerror', (e) => { throw new Error(`page error in ${login}'s page: ${e.message}`); });
		page.on('dialog', (d) => { throw new Error(`window.${d.type()} in ${login}'s page: ${d.message()}`); });
		await page.goto(`${server.url}#/login`);
		const ru = locale.startsWith('ru');
		await page.getByLabel(ru ? 'Логин' : 'Login').fill(login);
		await page.getByLabel(ru ? 'Пароль' : 'Password').fill(DEMO_PASSWORD);
		await page.getByRole('button', { name: ru ? 'Войти' : 'Log in' }).click();
		await page.locator('.who').waitFor();
		return page;
	}

	// Setting up a proposal is not what these tests are about: the co-chair's
	// page asks the server directly.
	const openProposal = (title, extra = {}) => pages.rco.evaluate(async ([t, x]) => {
		const c = window.accord;
		const d = await c.request('consensus.create', { title: t, text: `${t}: the text.`, kind: 'decision', ...x });
		await c.request('consensus.open', { proposal: d.data.proposal.id });
		return d.data.proposal.id;
	}, [title, extra]);

	async function show(page, id) {
		await page.goto(`${server.url}#/proposal/${id}`);
		await page.getByRole('heading', { level: 1 }).waitFor();
	}
	const row = (page, org) => page.locator(`#orgs tr[data-org="${org}"]`);
	async function statePosition(page, label, reason) {
		await page.getByLabel(label, { exact: true }).check();
		await page.getByLabel('Reason', { exact: true }).fill(reason || '');
		await page.getByRole('button', { name: 'State position' }).click();
		await page.getByText(/^Recorded:/).waitFor();
	}

	test('positions and reasons appear live on the co-chair\'s page; a reload keeps one\'s own position filled in', async () => {
		const { rco, undp, unhcr } = pages;
		const id = await openProposal('Regional consultation on the Global Compact');
		for (const p of [rco, undp, unhcr]) await show(p, id);

		await statePosition(unhcr, 'Object', 'The budget lines for 2027 are not agreed.');
		await row(rco, 'UNHCR').filter({ hasText: 'Object' }).filter({ hasText: 'The budget lines for 2027 are not agreed.' }).filter({ hasText: 'unhcr' }).waitFor({ timeout: 3000 });
		await statePosition(undp, 'Agree with reservations', 'Dates to be confirmed with the ministry.');
		await row(rco, 'UNDP').filter({ hasText: 'Agree with reservations' }).filter({ hasText: 'Dates to be confirmed with the ministry.' }).waitFor({ timeout: 3000 });
		// still to respond: RCO has a page open, UNICEF has nobody logged in
		await row(rco, 'RCO').filter({ hasText: 'still to respond' }).filter({ hasText: 'present now' }).waitFor();
		await row(rco, 'UNICEF').filter({ hasText: 'still to respond' }).filter({ hasText: 'not present' }).waitFor();
		await rco.screenshot({ path: path.join(SHOTS, 'proposal-positions.png'), fullPage: true });

		// UNDP reloads: its position and reason are there, and it changes them
		await undp.reload();
		await undp.getByRole('heading', { level: 1 }).waitFor();
		await assert.doesNotReject(async () => {
			await undp.getByLabel('Agree with reservations', { exact: true }).and(undp.locator(':checked')).waitFor({ timeout: 3000 });
		}, 'the reloaded page shows the position held');
		assert.equal(await undp.getByLabel('Reason', { exact: true }).inputValue(), 'Dates to be confirmed with the ministry.');
		await statePosition(undp, 'Agree', '');
		await row(rco, 'UNDP').filter({ hasText: 'Agree' }).filter({ hasNotText: 'reservations' }).waitFor({ timeout: 3000 });
		assert.ok(!(await row(rco, 'UNDP').innerText()).includes('Dates to be confirmed'), 'the old reason is gone');
	});

	test('the Ministry of Labour gives and revises its view; members see it; closing asks first and names what is missing', async () => {
		const { rco, undp, mol } = pages;
		const id = await openProposal('Labour migration agreement with the ministry', { state_matter: true });
		for (const p of [rco, undp, mol]) await show(p, id);
		assert.equal(await mol.locator('#orgs').count(), 0, 'the state counterpart sees no positions');

		// closing with everything missing: the dialog names the organisations and the consultation
		await rco.getByRole('button', { name: 'Close', exact: true }).click();
		const dlg = rco.getByRole('dialog', { name: 'Close before everything is in?' });
		await dlg.waitFor();
		await dlg.getByText(/Still to respond: .*UNDP.*UNHCR/).waitFor();
		await dlg.getByText('The Ministry of Labour has not given its consultation view.').waitFor();
		await rco.screenshot({ path: path.join(SHOTS, 'proposal-close-confirm.png') });
		await dlg.getByRole('button', { name: 'Cancel' }).click();
		await dlg.waitFor({ state: 'detached' });
		assert.equal(await rco.locator('h1 .badge.open').count(), 1, 'cancelling keeps it open');

		// MOL gives its view; members see it live
		await mol.getByLabel('Consultation view').fill('The ministry supports the agreement.');
		await mol.getByRole('button', { name: 'Give consultation view' }).click();
		await mol.getByText('Consultation view recorded.').waitFor();
		await undp.locator('#consultation', { hasText: 'The ministry supports the agreement.' }).getByText(/given by mol/).waitFor({ timeout: 3000 });
		// after a reload MOL finds its view and revises it
		await mol.reload();
		await mol.getByRole('heading', { level: 1 }).waitFor();
		const view = mol.getByLabel('Revise your consultation view');
		assert.equal(await view.inputValue(), 'The ministry supports the agreement.');
		await view.fill('The ministry supports the agreement, subject to the quota annex.');
		await mol.getByRole('button', { name: 'Save revised view' }).click();
		await mol.locator('#consultation blockquote', { hasText: 'subject to the quota annex' }).waitFor();
		for (const p of [undp, rco]) await p.locator('#consultation', { hasText: 'subject to the quota annex' }).waitFor({ timeout: 3000 });

		// now only responses are missing: the dialog says which, and closing anyway closes
		await rco.getByRole('button', { name: 'Close', exact: true }).click();
		await dlg.waitFor();
		assert.equal(await dlg.getByText(/consultation/).count(), 0, 'the consultation is in');
		await dlg.getByText(/Still to respond: .*UNICEF/).waitFor();
		await dlg.getByRole('button', { name: 'Close anyway' }).click();
		for (const p of [rco, undp]) await p.locator('.outcome.no_consensus').waitFor({ timeout: 3000 });
		await rco.getByText(/^Closed by rco/).waitFor();
		await rco.getByText(/^Had not responded: .*UNICEF/).waitFor();
		// the view stays visible to MOL after the close, no longer editable
		await mol.locator('#consultation blockquote', { hasText: 'subject to the quota annex' }).waitFor({ timeout: 3000 });
		assert.equal(await mol.getByRole('button', { name: 'Save revised view' }).count(), 0);
	});

	test('comments appear live in another organisation\'s page', async () => {
		const { rco, undp, unhcr } = pages;
		const id = await openProposal('Joint advocacy note');
		for (const p of [rco, undp, unhcr]) await show(p, id);
		await undp.getByLabel('Add a comment').fill('Could we add a line on remittances?');
		await undp.getByRole('button', { name: 'Post comment' }).click();
		for (const p of [rco, unhcr]) await p.locator('#comments li', { hasText: 'Could we add a line on remittances?' }).getByText('undp (UNDP)').waitFor({ timeout: 3000 });
		await unhcr.getByLabel('Add a comment').fill('Yes, and on return migration.');
		await unhcr.getByRole('button', { name: 'Post comment' }).click();
		await undp.locator('#comments li', { hasText: 'Yes, and on return migration.' }).waitFor({ timeout: 3000 });
		assert.equal(await undp.locator('#comments li', { hasText: 'Could we add a line on remittances?' }).count(), 1, 'the own comment shows once');
	});

	test('a draft is edited before it opens', async () => {
		const { rco, undp } = pages;
		await rco.goto(`${server.url}#/`);
		await rco.getByLabel('Title').fill('Workplan 2027 (first draft)');
		await rco.getByLabel('Text').fill('The network adopts the workplan.');
		await rco.getByRole('button', { name: 'Create draft' }).click();
		await rco.waitForURL(/#\/proposal\/\d+$/);
		const id = rco.url().match(/proposal\/(\d+)/)[1];
		await show(undp, id);
		assert.equal(await undp.getByRole('heading', { name: 'Edit the draft' }).count(), 0, 'a member who did not draft it cannot edit it');

		const form = rco.locator('#edit-draft');
		await form.getByLabel('Title').fill('Workplan 2027');
		await form.getByLabel('Text').fill('The network adopts the workplan 2027 with its annex.');
		await form.getByLabel('Kind').selectOption('statement');
		await form.getByRole('button', { name: 'Save changes' }).click();
		await rco.getByRole('heading', { level: 1, name: /^Workplan 2027 Draft$/ }).waitFor();
		await rco.getByText('Draft saved.').waitFor();
		// the member's open page follows
		await undp.getByRole('heading', { level: 1, name: /^Workplan 2027 Draft$/ }).waitFor({ timeout: 3000 });
		await undp.getByText('The network adopts the workplan 2027 with its annex.').waitFor();

		await rco.getByRole('button', { name: 'Open now' }).click();
		await rco.locator('h1 .badge.open').waitFor();
		assert.equal(await rco.locator('#edit-draft').count(), 0, 'no editing once open');
	});

	test('the Russian page shows no English sentence from the server', async () => {
		const id = await openProposal('Consultation on the national action plan', { state_matter: true });
		const ru = await pageAs('unhcr', 'ru-RU');
		await show(ru, id);
		await ru.getByLabel('Возражаем', { exact: true }).check();
		await ru.getByLabel('Обоснование', { exact: true }).fill('Срок слишком короткий.');
		await ru.getByRole('button', { name: 'Заявить позицию' }).click();
		await ru.getByText(/^Записано: Возражаем; заявил\(а\) unhcr от имени UNHCR/).waitFor();
		await row(ru, 'UNHCR').filter({ hasText: 'Возражаем' }).waitFor({ timeout: 3000 });
		await pages.rco.evaluate((i) => window.accord.request('consensus.close', { proposal: i }), id);
		await ru.locator('.outcome.no_consensus').waitFor({ timeout: 3000 });
		await ru.getByText(/^Не ответили: /).waitFor();
		await ru.getByText(/^Возразили: UNHCR/).waitFor();
		await ru.getByText('Министерство труда не дало своё заключение.').waitFor();
		const text = await ru.locator('main').innerText();
		for (const english of ['cast by', 'on behalf of', 'closing time', 'responded', 'objected', 'Closed by', 'consultation', 'Recorded'])
			assert.ok(!text.includes(english), `English "${english}" on the Russian page:\n${text}`);
		await ru.screenshot({ path: path.join(SHOTS, 'proposal-closed-ru.png'), fullPage: true });
	});
});
