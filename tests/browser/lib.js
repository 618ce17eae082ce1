// Shared set-up of the browser tests: a real server with the shipped
// plugins, Debian's Chromium, and one browser context per person (as one
// person per organisation would sit at their own computer).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, DEMO_PASSWORD } from '../integration/lib/harness.js';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const SHOTS = process.env.ACCORD_SCREENSHOT_DIR || path.resolve('screenshots');
export const ALL_PLUGINS = { membership: {}, consensus: {}, groups: {}, actions: {}, portal: {}, test: {} };

export async function startBrowserRig({ plugins = ALL_PLUGINS, extraConfig } = {}) {
	fs.mkdirSync(SHOTS, { recursive: true });
	const server = await startServer({ plugins, extraConfig });
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	const contexts = [];
	// Every asset a page loads (scripts, styles, images, fonts, the icon)
	// must be there: a missing one fails the file at close.
	const missing = new Map(); // url -> what failed
	const assetKinds = new Set(['stylesheet', 'script', 'image', 'font', 'manifest', 'other']);
	const labels = {
		en: { login: 'Login', password: 'Password', submit: 'Log in' },
		ru: { login: 'Логин', password: 'Пароль', submit: 'Войти' },
	};
	return {
		server,
		browser,
		// A new browser context logged in as login (null: the login page).
		async pageAs(login, { locale = 'en-GB', viewport = { width: 1100, height: 850 }, password = DEMO_PASSWORD } = {}) {
			const ctx = await browser.newContext({ locale, viewport, acceptDownloads: true });
			contexts.push(ctx);
			const page = await ctx.newPage();
			page.on('response', (r) => {
				if (r.status() >= 400 && assetKinds.has(r.request().resourceType()) && r.url().startsWith(server.url))
					missing.set(r.url(), `${r.status()} ${r.url()} (${login}'s page)`);
			});
			// what the browser fetches by itself (the icon) shows only here
			page.on('console', (m) => {
				const url = m.location()?.url || '';
				if (m.type() === 'error' && /^Failed to load resource/.test(m.text()) && !missing.has(url))
					missing.set(url, `${m.text()} ${url} (${login}'s page)`);
			});
			page.on('pageerror', (e) => { throw new Error(`page error in ${login}'s page: ${e.message}`); });
			// the client asks in its own accessible dialogs, never window.confirm
			page.on('dialog', (d) => { throw new Error(`window.${d.type()} in ${login}'s page: ${d.message()}`); });
			await page.goto(`${server.url}#/login`);
			if (login) {
				const l = labels[locale.slice(0, 2)] || labels.en;
				await page.getByLabel(l.login).fill(login);
				await page.getByLabel(l.password).fill(password);
				await page.getByRole('button', { name: l.submit }).click();
				await page.locator('.who').waitFor({ state: 'attached' });
			}
			return page;
		},
		async close() {
			for (const c of contexts) await c.close().catch(() => {});
			await browser.close().catch(() => {});
			await server.dispose();
			assert.deepEqual([...missing.values()], [], 'assets the pages asked for and did not get');
		},
	};
}
