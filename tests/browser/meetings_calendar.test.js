// The meetings calendar (issue 20, "Meetings list and calendar view"): the
// secretariat convenes a meeting for the 15th of next month, 10:00 in
// Almaty; a member (UNICEF) switches the meetings page to the calendar,
// moves to next month with the keyboard, sees the meeting on its day with
// its kind and status, goes one month further (it is gone) and back, and
// clicks through to the meeting's page.  On a phone's width the same month
// is a list of the days that have meetings.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startBrowserRig, SHOTS } from './lib.js';

const PLUGINS = { membership: {}, consensus: {}, groups: {}, meetings: {} };

describe('the meetings calendar', { timeout: 60_000 }, () => {
	let rig;
	before(async () => {
		rig = await startBrowserRig({ plugins: PLUGINS });
	});
	after(async () => {
		if (rig) await rig.close();
	});

	const ask = (page, type, data) => page.evaluate(async ([ty, d]) => (await window.accord.request(ty, d)), [type, data]);

	test('a convened meeting on its day, next month and back, through to its page', async () => {
		const url = rig.server.url;
		const iom = await rig.pageAs('iom');
		const now = new Date();
		const next = new Date(Date.UTC(now.getFullYear(), now.getMonth() + 1, 15));
		const y = next.getUTCFullYear();
		const m = next.getUTCMonth();
		// 10:00 in Almaty (UTC+5) is 05:00 UTC
		const created = await ask(iom, 'meetings.create', { kind: 'regular', title: 'Calendar quarterly meeting', starts_at: Date.UTC(y, m, 15, 5, 0), ends_at: Date.UTC(y, m, 15, 8, 0), tz: 'Asia/Almaty', location: 'UN House, Astana' });
		assert.equal(created.ok, true, JSON.stringify(created.error));
		const id = created.data.meeting.id;
		const convened = await ask(iom, 'meetings.convene', { meeting: id });
		assert.equal(convened.ok, true, JSON.stringify(convened.error));

		const page = await rig.pageAs('unicef');
		await page.goto(`${url}#/meetings`);
		await page.locator('#meetings li[data-meeting]').first().waitFor();
		const toggle = page.getByRole('group', { name: 'Show the meetings as' });
		await toggle.getByRole('button', { name: 'Calendar' }).click();
		assert.equal(await toggle.getByRole('button', { name: 'Calendar' }).getAttribute('aria-pressed'), 'true');
		assert.equal(await page.locator('#meetings').isVisible(), false);
		const month = page.locator('#calendar-month');
		const monthName = (yy, mm) => new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(Date.UTC(yy, mm, 15));
		await page.locator('table.calendar-grid').waitFor();
		assert.equal(await month.textContent(), monthName(now.getFullYear(), now.getMonth()));
		// Monday first, with column headers
		assert.equal(await page.locator('table.calendar-grid thead th').first().getAttribute('abbr'), 'Monday');
		assert.equal(await page.locator('table.calendar-grid thead th').count(), 7);

		// to next month from the keyboard
		await page.getByRole('button', { name: /Next month/ }).focus();
		await page.keyboard.press('Enter');
		await month.filter({ hasText: monthName(y, m) }).waitFor();
		const key = `${y}-${String(m + 1).padStart(2, '0')}-15`;
		const day = page.locator(`table.calendar-grid td[data-day="${key}"]`);
		const link = day.getByRole('link', { name: /Calendar quarterly meeting/ });
		await link.waitFor();
		assert.match(await link.textContent(), /^10:00 Calendar quarterly meeting$/);
		assert.match(await day.textContent(), /Quarterly meeting/);
		assert.equal(await day.locator('.badge').textContent(), 'convened');
		// its day's list is labelled with the full date
		assert.match(await day.locator('ul').getAttribute('aria-label'), /15/);
		await page.screenshot({ path: path.join(SHOTS, 'meetings-calendar.png'), fullPage: true });

		// one month further it is not there; back, it is
		await page.getByRole('button', { name: /Next month/ }).click();
		await month.filter({ hasText: monthName(m === 11 ? y + 1 : y, (m + 1) % 12) }).waitFor();
		await page.locator('table.calendar-grid').waitFor();
		assert.equal(await page.getByRole('link', { name: /Calendar quarterly meeting/ }).count(), 0);
		await page.getByRole('button', { name: /Previous month/ }).click();
		await month.filter({ hasText: monthName(y, m) }).waitFor();
		await link.waitFor();

		// through to the meeting's page
		await link.click();
		await page.getByRole('heading', { level: 1, name: /Calendar quarterly meeting/ }).waitFor();
		assert.match(page.url(), new RegExp(`#/meeting/${id}$`));

		// back on the meetings page the calendar is still the chosen view
		await page.goto(`${url}#/meetings`);
		await page.locator('table.calendar-grid').waitFor();

		// a phone: the days that have meetings, as a list
		const phone = await rig.pageAs('undp', { viewport: { width: 390, height: 800 } });
		await phone.goto(`${url}#/meetings`);
		await phone.getByRole('button', { name: 'Calendar' }).click();
		await phone.getByRole('button', { name: /Next month/ }).click();
		const pday = phone.locator(`.calendar-days li[data-day="${key}"]`);
		await pday.getByRole('link', { name: /Calendar quarterly meeting/ }).waitFor();
		assert.equal(await phone.locator('table.calendar-grid').isVisible(), false);
		assert.match(await pday.locator('h4').textContent(), /15/);
		await phone.screenshot({ path: path.join(SHOTS, 'meetings-calendar-phone.png'), fullPage: true });
	});
});
