// Languages and phones (issue 15, section 6): a person picks Kazakh, the
// state language, and every browser they log in from afterwards opens in
// Kazakh; the Kazakh dashboard shows no English; on a phone the header is
// compact, a voter finds the position form first, every control is at
// least 44 px high and nothing overflows sideways.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startBrowserRig, SHOTS } from './lib.js';

describe('languages and phones', { timeout: 200_000 }, () => {
	let rig;
	before(async () => { rig = await startBrowserRig(); });
	after(async () => { await rig?.close(); });

	test('Kazakh chosen once is kept for the account on another device', async () => {
		const { pageAs } = rig;
		const first = await pageAs('unhcr');
		await first.getByRole('heading', { name: 'Open proposals' }).waitFor();
		await first.getByLabel('Language').selectOption('kk');
		await first.getByRole('heading', { name: 'Ашық ұсыныстар' }).waitFor();

		// another device, a browser set to English
		const second = await pageAs('unhcr', { locale: 'en-GB' });
		await second.getByRole('heading', { name: 'Ашық ұсыныстар' }).waitFor();
		assert.equal(await second.evaluate(() => document.documentElement.lang), 'kk');
		const text = await second.locator('main').innerText();
		for (const english of ['Open proposals', 'Working groups', 'Who is here', 'Nothing here yet', 'Decision register'])
			assert.ok(!text.includes(english), `no English on the Kazakh dashboard: "${english}" in ${text}`);
		assert.ok(await second.getByRole('link', { name: 'Шешімдер тізілімі' }).count() > 0);
		await second.screenshot({ path: path.join(SHOTS, 'dashboard-kk.png'), fullPage: true });
		// back to English for the other tests' sake, from the second device
		await second.getByLabel('Тіл').selectOption('en');
		await second.getByRole('heading', { name: 'Open proposals' }).waitFor();
	});

	test('on a phone: compact header, the position form first, 44 px targets, no sideways scrolling', async () => {
		const { pageAs, server } = rig;
		const chair = await pageAs('rco');
		const id = await chair.evaluate(async () => {
			const c = window.accord;
			const d = await c.request('consensus.create', { title: 'Phone session', text: 'A text to decide on the phone.', kind: 'decision' });
			await c.request('consensus.open', { proposal: d.data.proposal.id });
			return d.data.proposal.id;
		});
		const phone = await pageAs('unfpa', { viewport: { width: 390, height: 844 } });
		await phone.goto(`${server.url}#/proposal/${id}`);
		const form = phone.getByRole('button', { name: 'State position' });
		await form.waitFor();
		const header = await phone.locator('header').boundingBox();
		assert.ok(header.height <= 160, `a compact header: ${header.height}px`);
		// the position form is above the tally and the text of the record
		const formTop = (await form.boundingBox()).y;
		const tallyTop = (await phone.getByRole('heading', { name: 'Live tally' }).boundingBox()).y;
		assert.ok(formTop < tallyTop, `the voter's form (${formTop}) comes before the tally (${tallyTop})`);
		const small = await phone.evaluate(() => [...document.querySelectorAll('button, select, input:not([type=checkbox]):not([type=radio]), nav a')]
			.filter((el) => el.getClientRects().length && el.getBoundingClientRect().height < 43.5)
			.map((el) => `${el.tagName} "${(el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 30)}" ${el.getBoundingClientRect().height}px`));
		assert.deepEqual(small, [], 'touch targets under 44 px');
		assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no sideways overflow');
		await phone.getByLabel('Agree', { exact: true }).check();
		await phone.getByRole('button', { name: 'State position' }).click();
		await phone.getByText(/Recorded: Agree/).waitFor();
		await phone.screenshot({ path: path.join(SHOTS, 'phone-position.png'), fullPage: true });
	});
});
