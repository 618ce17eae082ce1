// The secretariat's tasks from the browser (issue 15, section 3), done by
// IOM as a person would, each checked where it shows for someone else: an
// organisation added, edited, made a partner and withdrawn; a person invited
// (the link accepted in a fresh browser), given a role, sent a password
// reset link and deactivated; a working group created, its organisations,
// roles and plugins changed and archived; action items with an owner chosen
// from the group, a linked decision, notes and due dates; and the visibility
// control back to internal after each post or item.
//
// The tests share one server and run in order: each builds on the one
// before (the group of the group tests, the person of the people test).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, connectAs, closeAll, DEMO_PASSWORD } from '../integration/lib/harness.js';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.ACCORD_SCREENSHOT_DIR || path.resolve('screenshots');

describe('administration from the browser', { timeout: 280_000 }, () => {
	let server, browser;
	const contexts = [];
	const clients = [];
	let decisionTitle;

	before(async () => {
		fs.mkdirSync(SHOTS, { recursive: true });
		server = await startServer({ plugins: { membership: {}, consensus: {}, groups: {}, actions: {}, portal: {} } });
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
				'--disable-background-networking', '--disable-component-update', '--disable-sync'],
		});
		// A decision of the network for an action item to follow (not what
		// these tests are about, so made over the protocol).
		const rco = await connectAs(server, 'rco');
		clients.push(rco);
		decisionTitle = 'Referral pathways for returning migrants';
		const p = await rco.ok('consensus.create', { title: decisionTitle, text: 'The network agrees the pathways.', kind: 'decision' });
		await rco.ok('consensus.open', { proposal: p.proposal.id });
		await rco.ok('consensus.close', { proposal: p.proposal.id });
	});
	after(async () => {
		for (const c of contexts) await c.close().catch(() => {});
		if (browser) await browser.close();
		await closeAll(...clients);
		if (server) await server.dispose();
	});

	async function freshPage() {
		const ctx = await browser.newContext({ locale: 'en-GB', viewport: { width: 1100, height: 900 } });
		contexts.push(ctx);
		const page = await ctx.newPage();
		page.on('pageerror', (e) => { throw new Error(`page error: ${e.message}`); });
		return page;
	}
	async function logIn(page, login, password = DEMO_PASSWORD) {
		await page.goto(`${server.url}#/login`);
		await page.getByLabel('Login').fill(login);
		await page.getByLabel('Password').fill(password);
		await page.getByRole('button', { name: 'Log in' }).click();
	}
	async function pageAs(login, password) {
		const page = await freshPage();
		await logIn(page, login, password);
		await page.locator('.who').waitFor();
		return page;
	}
	const dialog = (page) => page.getByRole('dialog');
	let iom, undp;
	const notRepresented = (page) => page.getByText(/^Not represented:/);

	test('organisations: add, edit, change standing, withdraw (with confirmation)', async () => {
		iom = await pageAs('iom');
		undp = await pageAs('undp');
		await iom.getByRole('link', { name: 'Members list' }).click();
		const form = iom.locator('#org-form');
		for (const [code, name] of [['ILO', 'International Labor Org'], ['WHO', 'World Health Organization']]) {
			await form.getByLabel('Code').fill(code);
			await form.getByLabel('Name', { exact: true }).fill(name);
			await form.getByLabel('Kind').selectOption({ label: 'UN agency' });
			await form.getByRole('button', { name: 'Save organisation' }).click();
			await iom.locator(`tr[data-org=${code}]`, { hasText: name }).waitFor();
		}
		// Both are members nobody represents yet, as UNDP's dashboard says.
		await undp.reload();
		await notRepresented(undp).waitFor();
		assert.match(await notRepresented(undp).textContent(), /\bILO\b.*\bWHO\b/);

		await iom.getByRole('button', { name: 'Edit organisation ILO' }).click();
		await form.getByLabel('Name', { exact: true }).fill('International Labour Organization');
		await form.getByRole('button', { name: 'Save organisation' }).click();
		await iom.locator('tr[data-org=ILO]', { hasText: 'International Labour Organization' }).waitFor();

		// WHO becomes a partner: no longer a member to be represented.
		await iom.getByRole('button', { name: 'Edit organisation WHO' }).click();
		await form.getByLabel('Standing').selectOption({ label: 'Partner' });
		await form.getByRole('button', { name: 'Save organisation' }).click();
		await iom.locator('tr[data-org=WHO] td', { hasText: /^Partner$/ }).waitFor();

		// Withdrawing asks first; cancelling changes nothing.
		await iom.getByRole('button', { name: 'Withdraw WHO' }).click();
		await dialog(iom).getByText('Withdraw World Health Organization (WHO) from the network?').waitFor();
		await dialog(iom).getByRole('button', { name: 'Cancel' }).click();
		assert.equal(await iom.locator('tr[data-org=WHO]', { hasText: 'withdrawn' }).count(), 0);
		await iom.getByRole('button', { name: 'Withdraw WHO' }).click();
		await dialog(iom).getByRole('button', { name: 'Withdraw' }).click();
		await iom.locator('tr[data-org=WHO]', { hasText: 'withdrawn' }).waitFor();
		await iom.getByRole('button', { name: 'Reinstate WHO' }).waitFor();

		await undp.reload();
		await notRepresented(undp).waitFor();
		const missing = await notRepresented(undp).textContent();
		assert.match(missing, /\bILO\b/);
		assert.doesNotMatch(missing, /\bWHO\b/, 'a withdrawn partner is not a member to be represented');
	});

	test('people: invite (link accepted in a fresh browser), roles, password reset, deactivate', async () => {
		await iom.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
		const inv = iom.locator('#invite-form');
		await inv.getByLabel('Organisation').selectOption('ILO');
		await inv.getByLabel('Name', { exact: true }).fill('Ilona Focal');
		await inv.getByLabel('Function').selectOption({ label: 'Focal point' });
		await inv.getByRole('button', { name: 'Create invitation' }).click();
		const linkField = inv.getByLabel('Link to hand over');
		await linkField.waitFor();
		const link = await linkField.inputValue();
		assert.match(link, /#\/invite\/[A-Za-z0-9_-]{43}$/);
		await inv.getByRole('button', { name: 'Copy link' }).click();
		await inv.getByText('Copied.').waitFor();
		assert.equal(await iom.evaluate(() => navigator.clipboard.readText()), link, 'the link is on the clipboard');

		// The invited person, in a browser of their own.
		const ilona = await freshPage();
		await ilona.goto(link);
		assert.equal(await ilona.getByLabel('Invitation code').inputValue(), link.split('/').pop());
		await ilona.getByLabel('Login').fill('ilona');
		await ilona.getByLabel('Password').fill('ilona-first-pass');
		await ilona.getByRole('button', { name: 'Create my account' }).click();
		await ilona.getByText('Account created').waitFor();
		await ilona.getByRole('link', { name: 'Log in' }).click();
		await logIn(ilona, 'ilona', 'ilona-first-pass');
		await ilona.locator('.who', { hasText: 'Ilona Focal for ILO' }).waitFor();
		// UNDP sees ILO represented now, live.
		await undp.locator('li', { hasText: 'ILO' }).filter({ hasText: 'ilona' }).waitFor();
		// The members list followed the acceptance.
		const row = iom.locator('tr[data-person=ilona]');
		await row.waitFor();
		assert.match(await row.textContent(), /Focal point/);

		// A role: co-chair.
		assert.equal(await ilona.getByRole('link', { name: 'Working groups' }).count(), 0);
		await iom.getByRole('button', { name: 'Edit ilona' }).click();
		await iom.locator('#person-form').getByLabel('Co-chair').check();
		await iom.locator('#person-form').getByRole('button', { name: 'Save' }).click();
		await row.filter({ hasText: 'Co-chair' }).waitFor();
		await ilona.reload();
		await ilona.getByRole('link', { name: 'Working groups' }).waitFor();
		await ilona.getByRole('heading', { name: 'New proposal' }).waitFor();

		// A password reset link, used in another fresh browser.
		await iom.getByRole('button', { name: 'Reset the password of ilona' }).click();
		const resetField = iom.locator('#people').getByLabel('Link to hand over');
		await resetField.waitFor();
		const resetLink = await resetField.inputValue();
		assert.match(resetLink, /#\/reset\/[A-Za-z0-9_-]{43}$/);
		const other = await freshPage();
		await other.goto(resetLink);
		await other.getByLabel('New password (at least 10 characters)').fill('ilona-second-pass');
		await other.getByLabel('New password again').fill('ilona-second-pass');
		await other.getByRole('button', { name: 'Set password' }).click();
		await other.getByText('Password set for ilona').waitFor();
		await logIn(other, 'ilona', 'ilona-first-pass');
		await other.getByText('Wrong login or password.').waitFor();
		await logIn(other, 'ilona', 'ilona-second-pass');
		await other.locator('.who', { hasText: 'Ilona Focal' }).waitFor();

		// Deactivation asks first, then ends every session.
		await iom.getByRole('button', { name: 'Deactivate ilona' }).click();
		await dialog(iom).getByText('Deactivate Ilona Focal (ilona)?').waitFor();
		await dialog(iom).getByRole('button', { name: 'Deactivate' }).click();
		await row.filter({ hasText: 'deactivated' }).waitFor();
		// her page open on the other computer goes back to the login
		await other.getByRole('heading', { name: 'Log in' }).waitFor({ timeout: 15_000 });
		assert.equal(await other.locator('.who').count(), 0);
		const later = await freshPage();
		await logIn(later, 'ilona', 'ilona-second-pass');
		await later.getByText('Wrong login or password.').waitFor();
		// UNDP's dashboard: ILO is not represented any more.
		await undp.reload();
		await notRepresented(undp).waitFor();
		assert.match(await notRepresented(undp).textContent(), /\bILO\b/);
	});

	const groupName = 'Return and reintegration (ad hoc)';
	let groupUrl, unicef, mol;

	test('working groups: create an ad hoc group; it appears for its members and its partner', async () => {
		await iom.getByRole('link', { name: 'Working groups' }).click();
		const form = iom.locator('#group-create');
		await form.getByLabel('Name').fill(groupName);
		await form.getByLabel('Mandate').fill('Coordinate support to returning migrants until mid-2027.');
		assert.equal(await form.getByLabel('End date', { exact: true }).isVisible(), false, 'no end date for a permanent group');
		await form.getByLabel('Ad hoc (until an end date)').check();
		await form.getByLabel('End date', { exact: true }).fill('2027-06-30');
		await form.getByRole('group', { name: 'Lead organisations' }).getByLabel('UNDP', { exact: true }).check();
		await form.getByRole('group', { name: 'Member organisations' }).getByLabel('UNICEF', { exact: true }).check();
		await form.getByRole('group', { name: 'Partners (see shared items only)' }).getByLabel('MOL', { exact: true }).check();
		await form.getByRole('button', { name: 'Create group' }).click();
		await iom.waitForURL(/#\/group\/\d+$/);
		groupUrl = iom.url();
		await iom.locator('#group-head', { hasText: 'ad hoc, until 2027-06-30' }).waitFor();
		const orgsText = await iom.locator('#group-orgs').textContent();
		for (const part of ['UNDP (lead)', 'UNICEF', 'MOL [partner]']) assert.ok(orgsText.includes(part), `${part} in ${orgsText}`);

		unicef = await pageAs('unicef');
		await unicef.getByRole('link', { name: groupName }).click();
		await unicef.locator('#group-head', { hasText: groupName }).waitFor();
		assert.equal(await unicef.locator('#group-settings').count(), 0, 'a member organisation does not manage the group');
		mol = await pageAs('mol');
		await mol.getByRole('link', { name: groupName }).waitFor();
		// Not in the group: UNHCR does not see it.
		const unhcr = await pageAs('unhcr');
		await unhcr.getByRole('heading', { name: 'Working groups' }).waitFor();
		assert.equal(await unhcr.getByRole('link', { name: groupName }).count(), 0);
	});

	test('working groups: organisations, roles, plugins and details change live in members\' rooms', async () => {
		const settings = iom.locator('#group-settings');
		await settings.getByLabel('Add an organisation').selectOption('UNHCR');
		await settings.getByRole('button', { name: 'Add', exact: true }).click();
		await unicef.locator('#group-orgs', { hasText: 'UNHCR' }).waitFor();

		await settings.getByLabel('Role of UNICEF').selectOption({ label: 'Lead' });
		await unicef.locator('#group-orgs', { hasText: 'UNICEF (lead)' }).waitFor();
		await unicef.reload(); // a lead organisation manages the group
		await unicef.locator('#group-settings').waitFor();

		await settings.getByRole('button', { name: 'Remove UNHCR' }).click();
		await dialog(iom).getByRole('button', { name: 'Remove' }).click();
		await unicef.locator('#group-orgs:not(:has-text("UNHCR"))').waitFor();

		await settings.getByLabel('Mandate').fill('Coordinate support to returning migrants until the end of 2027.');
		await settings.getByLabel('End date', { exact: true }).fill('2027-12-31');
		await settings.getByRole('button', { name: 'Save' }).click();
		await unicef.locator('#group-head', { hasText: 'until 2027-12-31' }).waitFor();
		await unicef.locator('#group-head', { hasText: 'until the end of 2027' }).waitFor();

		await settings.getByRole('checkbox', { name: /actions/ }).check();
		await unicef.getByRole('heading', { name: 'Action items' }).waitFor();
		await iom.screenshot({ path: path.join(SHOTS, 'group-settings.png'), fullPage: true });
	});

	test('action items: owner from the group, linked decision, notes, due date', async () => {
		const comp = iom.locator('[data-plugin=actions]');
		await comp.getByRole('heading', { name: 'Action items' }).waitFor();
		const add = comp.locator('form.act-add');
		const owner = add.getByLabel('Owner organisation');
		const owners = await owner.locator('option').allTextContents();
		assert.deepEqual(owners.sort(), ['UNDP', 'UNICEF'], 'the group\'s member organisations, not its partner or others');
		await add.getByLabel('Action', { exact: true }).fill('Draft the referral guide');
		await owner.selectOption('UNICEF');
		await add.getByLabel('Due date').fill('2027-03-01');
		await add.getByLabel('Decision it follows (optional)').selectOption({ label: decisionTitle });
		await add.getByRole('button', { name: 'Add action' }).click();

		const item = unicef.locator('[data-plugin=actions] li[data-item]', { hasText: 'Draft the referral guide' });
		await item.filter({ hasText: 'UNICEF, 2027-03-01' }).waitFor();
		await item.getByRole('link', { name: `Follows: ${decisionTitle}` }).waitFor();

		const mine = comp.locator('li[data-item]', { hasText: 'Draft the referral guide' });
		await mine.getByText('Notes and changes (0)').click();
		await mine.getByLabel('Progress note').fill('Outline agreed with the Ministry.');
		await mine.getByLabel('Due date').fill('2027-04-15');
		await mine.getByRole('button', { name: 'Save' }).click();
		await item.filter({ hasText: 'UNICEF, 2027-04-15' }).waitFor();
		await item.getByText('Notes and changes (1)').click();
		await item.getByText('Outline agreed with the Ministry.').waitFor();
	});

	test('posts and items: the visibility control returns to internal after each', async () => {
		const post = iom.locator('form', { has: iom.getByLabel('New post') });
		await post.getByLabel('New post').fill('Shared: the meeting with the Ministry is on Monday.');
		await post.getByLabel('Visible to').selectOption('shared');
		await post.getByRole('button', { name: 'Post' }).click();
		await iom.locator('.posts li', { hasText: 'the meeting with the Ministry is on Monday' }).waitFor();
		assert.equal(await post.getByLabel('Visible to').inputValue(), 'internal');

		const itemForm = iom.locator('form', { has: iom.getByLabel('Link') });
		await itemForm.getByLabel('Title').fill('Ministry contact list');
		await itemForm.getByLabel('Visible to').selectOption('shared');
		await itemForm.getByRole('button', { name: 'Add item' }).click();
		await iom.locator('.items li', { hasText: 'Ministry contact list' }).waitFor();
		assert.equal(await itemForm.getByLabel('Visible to').inputValue(), 'internal');

		// Sent internal without touching the control: MOL sees the shared ones only.
		await post.getByLabel('New post').fill('Internal: our line before Monday.');
		await post.getByRole('button', { name: 'Post' }).click();
		await iom.locator('.posts li', { hasText: 'our line before Monday' }).waitFor();
		await mol.goto(groupUrl);
		await mol.locator('.posts li', { hasText: 'the meeting with the Ministry is on Monday' }).waitFor();
		await mol.locator('.items li', { hasText: 'Ministry contact list' }).waitFor();
		assert.equal(await mol.locator('.posts li', { hasText: 'our line before Monday' }).count(), 0);
	});

	test('working groups: disable a plugin, archive (with confirmation)', async () => {
		const settings = iom.locator('#group-settings');
		await settings.getByRole('checkbox', { name: /actions/ }).uncheck();
		await unicef.locator('[data-plugin=actions]').waitFor({ state: 'detached' });

		await settings.getByRole('button', { name: 'Archive the group' }).click();
		await dialog(iom).getByText(`Archive ${groupName}?`).waitFor();
		await dialog(iom).getByRole('button', { name: 'Archive the group' }).click();
		await iom.locator('#group-head', { hasText: 'archived (read-only)' }).waitFor();
		assert.equal(await iom.locator('#group-settings').count(), 0);
		await unicef.locator('#group-head', { hasText: 'archived (read-only)' }).waitFor();
		assert.equal(await unicef.getByLabel('New post').count(), 0, 'no post form in an archived group');
	});
});
