// The notify plugin's web component in Debian's headless Chromium: one
// focal point on two devices (two browser contexts) sees the unread count
// beside "Inbox" rise live when a proposal opens, opens the entry on one
// device (it goes to the proposal) and the count falls on the other; the
// notification settings refuse a bad address and keep a good one and a
// daily-summary choice across a reload.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowserRig } from './lib.js';
import { connectAs, closeAll } from '../integration/lib/harness.js';

describe('notify in the browser', { timeout: 120_000 }, () => {
	let rig, rco;
	before(async () => {
		rig = await startBrowserRig({ plugins: { membership: {}, consensus: {}, notify: { public_url: 'https://accord.test' } } });
		rco = await connectAs(rig.server, 'rco');
	});
	after(async () => {
		await closeAll(rco);
		await rig?.close();
	});

	test('the unread count is live on two devices, and read on one is read on the other', async () => {
		const desk = await rig.pageAs('unicef');
		const phone = await rig.pageAs('unicef', { viewport: { width: 390, height: 800 } });
		const badge = (p) => p.getByTestId('inbox-unread');
		const id = (await rco.ok('consensus.create', { title: 'Browser inbox proposal', text: 'x', kind: 'decision' })).proposal.id;
		await rco.ok('consensus.open', { proposal: id });
		for (const p of [desk, phone]) await assert.doesNotReject(badge(p).filter({ hasText: '1' }).waitFor({ timeout: 10_000 }));
		await desk.getByRole('link', { name: /^Inbox/ }).click();
		const entry = desk.getByRole('link', { name: "Your organisation's position is awaited: Browser inbox proposal" });
		await entry.click();
		await desk.waitForURL(new RegExp(`#/proposal/${id}$`));
		await badge(phone).waitFor({ state: 'hidden', timeout: 10_000 });
		assert.equal(await badge(phone).textContent(), '');
	});

	test('settings: a bad address refused, a good one and a daily summary kept', async () => {
		const page = await rig.pageAs('undp');
		await page.goto(`${rig.server.url}#/notifications`);
		await page.getByLabel('E-mail address').fill('not an address');
		await page.getByRole('button', { name: 'Save' }).click();
		await page.getByRole('alert').filter({ hasText: 'email: an e-mail address' }).waitFor();
		await page.getByLabel('E-mail address').fill('fp@undp.test');
		await page.getByLabel('The outcome of a proposal').selectOption('digest');
		await page.getByRole('button', { name: 'Save' }).click();
		await page.getByText('Saved.').waitFor();
		await page.reload();
		await page.getByLabel('E-mail address').waitFor();
		assert.equal(await page.getByLabel('E-mail address').inputValue(), 'fp@undp.test');
		assert.equal(await page.getByLabel('The outcome of a proposal').inputValue(), 'digest');
	});
});
