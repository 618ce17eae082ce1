// The web client in Debian's headless Chromium (playwright-core): two members
// and a co-chair run a live session to a decision in three pages; the tally
// updates in every page; a partner's page shows no internal text; a dropped
// connection recovers; the Russian interface shows Russian text; a release
// reaches the partner portal live and the partner's input reaches members.
// Screenshots of the main screens go to $ACCORD_SCREENSHOT_DIR.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, connectAs, DEMO_PASSWORD } from '../integration/lib/harness.js';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.ACCORD_SCREENSHOT_DIR || path.resolve('screenshots');

describe('web client', { timeout: 280_000 }, () => {
	let server, browser;
	const contexts = [];

	before(async () => {
		fs.mkdirSync(SHOTS, { recursive: true });
		server = await startServer({ plugins: { membership: {}, consensus: {}, groups: {}, actions: {}, portal: {}, test: {} } });
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
				'--disable-background-networking', '--disable-component-update', '--disable-sync'],
		});
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
		await page.goto(`${server.url}#/login`);
		if (login) {
			await page.getByLabel(locale.startsWith('ru') ? 'Логин' : 'Login').fill(login);
			await page.getByLabel(locale.startsWith('ru') ? 'Пароль' : 'Password').fill(DEMO_PASSWORD);
			await page.getByRole('button', { name: locale.startsWith('ru') ? 'Войти' : 'Log in' }).click();
			await page.locator('.who').waitFor();
		}
		return page;
	}

	// What a screen reader and a keyboard need, checked in the page itself:
	// every control has an accessible name, images have alt text, text has
	// WCAG AA contrast (4.5:1, 3:1 for large text) against its background,
	// and nothing overflows sideways (on a phone).
	async function audit(page, what) {
		const problems = await page.evaluate(() => {
			const out = [];
			const lum = (c) => {
				const m = c.match(/rgba?\(([^)]+)\)/);
				if (!m) return null;
				const [r, g, b, a = 1] = m[1].split(',').map(Number);
				if (a < 1) return null;
				const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
				return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
			};
			const bgOf = (el) => {
				for (let e = el; e; e = e.parentElement) {
					const c = getComputedStyle(e).backgroundColor;
					if (lum(c) != null) return lum(c);
				}
				return 1; // white canvas
			};
			for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea, button, a[href]')) {
				const name = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') ||
					(el.id && document.querySelector(`label[for="${el.id}"]`)?.textContent.trim()) ||
					el.closest('label')?.textContent.trim() || (['BUTTON', 'A'].includes(el.tagName) && el.textContent.trim());
				if (!name) out.push(`no accessible name: <${el.tagName.toLowerCase()} ${el.outerHTML.slice(0, 80)}`);
			}
			for (const img of document.querySelectorAll('img')) if (!img.hasAttribute('alt')) out.push(`img without alt: ${img.src}`);
			for (const el of document.querySelectorAll('body *')) {
				const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
				if (!own || !el.getClientRects().length) continue;
				const cs = getComputedStyle(el);
				const fg = lum(cs.color), bg = bgOf(el);
				if (fg == null) continue;
				const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
				const large = parseFloat(cs.fontSize) >= 24 || (parseFloat(cs.fontSize) >= 18.66 && Number(cs.fontWeight) >= 700);
				if (ratio < (large ? 3 : 4.5)) out.push(`contrast ${ratio.toFixed(2)}: "${el.textContent.trim().slice(0, 40)}"`);
			}
			if (document.documentElement.scrollWidth > window.innerWidth + 1)
				out.push(`overflows sideways: ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
			return out;
		});
		assert.deepEqual(problems, [], `${what}: accessibility problems`);
	}

	const count = (page, pos) => page.locator(`#tally li[data-position=${pos}] strong`);

	test('three pages run a live session to a decision', async () => {
		const chair = await pageAs('rco');
		const undp = await pageAs('undp');
		const unhcr = await pageAs('unhcr');
		await chair.screenshot({ path: path.join(SHOTS, 'dashboard.png'), fullPage: true });

		// The co-chair drafts and opens a proposal from the dashboard.
		const title = 'Joint workplan 2027 INTERNAL-MARKER-7f3a';
		await chair.getByLabel('Title').fill(title);
		await chair.getByLabel('Text').fill('The network adopts the joint workplan for 2027.');
		await chair.getByRole('button', { name: 'Create draft' }).click();
		await chair.waitForURL(/#\/proposal\/\d+$/);
		const id = chair.url().match(/proposal\/(\d+)/)[1];
		await chair.getByRole('button', { name: 'Open now' }).click();
		await chair.locator('.badge.open').first().waitFor();

		for (const p of [undp, unhcr]) {
			await p.goto(`${server.url}#/proposal/${id}`);
			await p.getByText('Position of').waitFor();
		}
		// who is present: the three organisations, live
		await chair.locator('#present', { hasText: 'RCO, UNDP, UNHCR' }).waitFor({ timeout: 3000 });

		// UNDP agrees: every page shows it within a second.
		await undp.getByLabel('Agree', { exact: true }).check();
		await undp.getByRole('button', { name: 'State position' }).click();
		await undp.getByText(/cast by undp on behalf of UNDP/).waitFor();
		for (const p of [chair, undp, unhcr]) await assert.doesNotReject(count(p, 'agree').filter({ hasText: '1' }).waitFor({ timeout: 1000 }));

		// An objection needs a reason; with one, every page shows it.
		await unhcr.getByLabel('Object', { exact: true }).check();
		await unhcr.getByRole('button', { name: 'State position' }).click();
		await unhcr.getByText('A reason is required').waitFor();
		await unhcr.getByLabel('Reason').fill('The budget lines for 2027 are not agreed.');
		await unhcr.getByRole('button', { name: 'State position' }).click();
		for (const p of [chair, undp, unhcr]) await count(p, 'object').filter({ hasText: '1' }).waitFor({ timeout: 1000 });
		await chair.getByText('An organisation objects: no consensus.').waitFor();
		await chair.screenshot({ path: path.join(SHOTS, 'live-session.png'), fullPage: true });

		// A dropped connection recovers by itself and keeps receiving.
		await undp.evaluate(() => window.accord.ws.close());
		await undp.locator('#status.online').waitFor({ timeout: 10_000 });
		await chair.getByLabel('Agree', { exact: true }).check();
		await chair.getByRole('button', { name: 'State position' }).click();
		await count(undp, 'agree').filter({ hasText: '2' }).waitFor({ timeout: 3000 });

		// The co-chair closes: the outcome shows everywhere.
		await chair.getByLabel('Outcome statement').fill('The workplan goes back to the working group.');
		await chair.getByRole('button', { name: 'Close', exact: true }).click();
		// organisations are still to respond: the page asks first
		await chair.getByRole('dialog').getByRole('button', { name: 'Close anyway' }).click();
		for (const p of [chair, undp, unhcr]) await p.locator('.outcome.no_consensus').waitFor({ timeout: 3000 });
		await undp.screenshot({ path: path.join(SHOTS, 'decision.png'), fullPage: true });

		// A partner's page shows the portal and none of the internal text.
		const mol = await pageAs('mol');
		await mol.getByRole('heading', { name: 'Partner portal' }).waitFor();
		await mol.waitForTimeout(500);
		const text = await mol.locator('body').innerText();
		assert.ok(!text.includes('INTERNAL-MARKER-7f3a'), 'the partner page shows internal text');
		assert.equal(await mol.getByRole('link', { name: 'Dashboard' }).count(), 0);
		await mol.screenshot({ path: path.join(SHOTS, 'partner-portal.png'), fullPage: true });
		// even asking for the proposal by its address answers like a missing one
		await mol.goto(`${server.url}#/proposal/${id}`);
		await mol.getByText(/no such proposal/).waitFor();
	});

	// Issue 15's report, as people met it: UNODC agreed on A in one browser,
	// then logged in again in a new browser and agreed on B; the page said
	// "Recorded" and the server counted nothing (its key was the request id,
	// which restarts with each page).  Then a reply lost with the connection:
	// the page sends the request again with its key and shows the position
	// already held, not a new "Recorded".
	test('positions from a new browser, a reload and a lost reply are all counted once', async () => {
		const chair = await pageAs('rco');
		const mk = (title) => chair.evaluate(async (t) => {
			const c = window.accord;
			const d = await c.request('consensus.create', { title: t, text: `${t}.`, kind: 'statement' });
			await c.request('consensus.open', { proposal: d.data.proposal.id });
			return d.data.proposal.id;
		}, title);
		const tallyOf = (id) => chair.evaluate(async (i) => (await window.accord.request('consensus.get', { proposal: i })).data.tally, id);
		const agree = async (page, id, expect = /Recorded: Agree, cast by unodc on behalf of UNODC/) => {
			await page.goto(`${server.url}#/proposal/${id}`);
			await page.getByText('Position of').waitFor();
			await page.getByLabel('Agree', { exact: true }).check();
			await page.getByRole('button', { name: 'State position' }).click();
			await page.getByText(expect).waitFor({ timeout: 5000 });
		};

		const a = await mk('Joint statement A');
		await agree(await pageAs('unodc'), a);
		assert.equal((await tallyOf(a)).counts.agree, 1);
		await chair.evaluate((i) => window.accord.request('consensus.close', { proposal: i }), a);

		const b = await mk('Joint statement B');
		const second = await pageAs('unodc'); // a new browser: request ids from 1 again
		await agree(second, b);
		assert.deepEqual((await tallyOf(b)).responded, ['UNODC'], 'the position on B is counted');

		// a reload, then a position on a third proposal
		const c3 = await mk('Joint statement C');
		await second.reload();
		await second.locator('.who').waitFor();
		await agree(second, c3);
		assert.equal((await tallyOf(c3)).counts.agree, 1);

		// A lost reply: the first reply to a position never reaches the
		// page and the connection drops; the page resumes, sends the
		// position again with the same key, and shows what the server
		// holds.
		const d4 = await mk('Joint statement D');
		let drop = true;
		const sent = [];
		await second.routeWebSocket(/\/ws$/, (ws) => {
			const srv = ws.connectToServer();
			ws.onMessage((m) => { sent.push(String(m)); srv.send(m); });
			srv.onMessage((m) => {
				const msg = JSON.parse(String(m));
				if (drop && msg.ok && msg.data?.proposal === d4 && msg.data?.position) {
					drop = false;
					ws.close();
					return;
				}
				ws.send(m);
			});
		});
		await second.reload(); // the route applies to new connections
		await second.locator('.who').waitFor();
		await agree(second, d4, /Already recorded before: UNODC holds “Agree”, cast by unodc/);
		const positions = sent.map((m) => JSON.parse(m)).filter((m) => m.type === 'consensus.position');
		assert.equal(positions.length, 2, `the position was sent twice: ${JSON.stringify(positions)}`);
		assert.equal(positions[0].idem, positions[1].idem, 'with the same key');
		assert.ok(positions[0].idem.length >= 16);
		const t4 = await tallyOf(d4);
		assert.equal(t4.counts.agree, 1, `counted once: ${JSON.stringify(t4)}`);
		await second.unrouteAll({ behavior: 'ignoreErrors' });
	});

	test('a second tab shares the session; logging out in one ends it in the other', async () => {
		const first = await pageAs('unicef');
		// a link opened in a new tab of the same browser: no login page
		const tab = await first.context().newPage();
		tab.on('pageerror', (e) => { throw new Error(`page error in unicef's second tab: ${e.message}`); });
		await tab.goto(`${server.url}#/decisions`);
		await tab.locator('.who').waitFor({ timeout: 5000 });
		assert.match(await tab.locator('.who').innerText(), /UNICEF/);
		assert.equal(await tab.getByLabel('Password').count(), 0, 'the second tab is not asked to log in');
		// a reload of either keeps it
		await tab.reload();
		await tab.locator('.who').waitFor({ timeout: 5000 });
		// logging out in the first tab: the server closes the second tab's
		// connection, whose token no longer resumes, and it shows the login
		await first.getByRole('button', { name: 'Log out' }).click();
		await first.getByLabel('Password').waitFor({ timeout: 5000 });
		await tab.getByLabel('Password').waitFor({ timeout: 10_000 });
		assert.equal(await tab.locator('.who').count(), 0, 'the second tab no longer shows who is logged in');
		await tab.reload();
		await tab.getByLabel('Password').waitFor({ timeout: 5000 });
	});

	test('the Russian interface shows Russian text', async () => {
		const page = await pageAs(null, 'ru-RU');
		await page.getByRole('heading', { name: 'Вход' }).waitFor();
		const p = await pageAs('iom', 'ru-RU');
		await p.getByRole('heading', { name: 'Рабочие группы' }).waitFor();
		await p.screenshot({ path: path.join(SHOTS, 'dashboard-ru.png'), fullPage: true });
	});

	test('the secretariat sees the members list', async () => {
		const p = await pageAs('iom');
		await p.getByRole('link', { name: 'Members list' }).click();
		await p.getByRole('heading', { name: 'Organisations' }).waitFor();
		await p.getByRole('cell', { name: 'UNHCR', exact: true }).first().waitFor();
		await p.screenshot({ path: path.join(SHOTS, 'members.png'), fullPage: true });
	});

	test('a working group room with posts, visibility and the actions component', async () => {
		const iom = await pageAs('iom');
		// set up the group through the protocol, as the secretariat would
		const setup = await iom.evaluate(async () => {
			const c = window.accord;
			const g = await c.request('groups.create', { name: 'Labour migration data', mandate: 'Share data on labour migration.', kind: 'permanent', leads: ['IOM'], members: ['UNDP', 'MOL'] });
			await c.request('groups.plugins.enable', { group: g.data.group.id, plugin: 'actions' });
			return g.data.group.id;
		});
		await iom.goto(`${server.url}#/group/${setup}`);
		await iom.getByRole('heading', { name: 'Labour migration data' }).waitFor();
		const undp = await pageAs('undp');
		await undp.goto(`${server.url}#/group/${setup}`);
		await undp.getByRole('heading', { name: 'Posts' }).waitFor();
		const mol = await pageAs('mol');
		await mol.goto(`${server.url}#/group/${setup}`);
		await mol.getByRole('heading', { name: 'Posts' }).waitFor();

		await iom.getByLabel('New post').fill('Internal draft figures ROOM-INTERNAL-9c1');
		await iom.getByRole('button', { name: 'Post' }).click();
		await undp.getByText('ROOM-INTERNAL-9c1').waitFor({ timeout: 2000 });
		await iom.getByLabel('New post').fill('Shared call for data from partners');
		await iom.getByLabel('Visible to').first().selectOption('shared');
		await iom.getByRole('button', { name: 'Post' }).click();
		await mol.getByText('Shared call for data from partners').waitFor({ timeout: 2000 });
		assert.ok(!(await mol.locator('body').innerText()).includes('ROOM-INTERNAL-9c1'), 'a partner saw an internal post');

		// the actions component of the group
		const comp = iom.locator('.component[data-plugin=actions]');
		await comp.getByRole('heading', { name: 'Action items' }).waitFor();
		await comp.getByLabel('Action').fill('Collect 2026 remittance data');
		await comp.getByLabel('Owner organisation').selectOption('UNDP');
		await comp.getByLabel('Due date').fill('2020-01-31');
		await comp.getByRole('button', { name: 'Add action' }).click();
		await undp.locator('.component[data-plugin=actions] li', { hasText: 'Collect 2026 remittance data' }).getByText('overdue').waitFor({ timeout: 3000 });
		await iom.screenshot({ path: path.join(SHOTS, 'group-room.png'), fullPage: true });
		// the dashboard flags the overdue action
		await undp.goto(`${server.url}#/`);
		await undp.getByText('overdue action items: 1').waitFor({ timeout: 3000 });
	});

	test('a release reaches the partner portal live; the partner sends input back', async () => {
		const rco = await connectAs(server, 'rco');
		const mk = async (title, text) => {
			const c = await rco.request('consensus.create', { title, text, kind: 'statement' });
			await rco.request('consensus.open', { proposal: c.data.proposal.id });
			await rco.request('consensus.close', { proposal: c.data.proposal.id, outcome_statement: text });
			return c.data.proposal.id;
		};
		const pub = await mk('Joint statement on labour migration', 'The network supports fair recruitment.');
		await mk('PORTAL-INTERNAL-5e2 draft', 'PORTAL-INTERNAL-5e2 not for partners');
		await rco.close();

		const mol = await pageAs('mol');
		const mfa = await pageAs('mfa');
		await mol.getByRole('heading', { name: 'Released to you' }).waitFor();
		await mfa.getByRole('heading', { name: 'Released to you' }).waitFor();
		const iom = await pageAs('iom');
		await iom.goto(`${server.url}#/proposal/${pub}`);
		await iom.getByRole('heading', { name: 'Release to partners' }).waitFor();
		await iom.getByLabel('Or these partner organisations').fill('MOL');
		await iom.getByRole('button', { name: 'Release', exact: true }).click();
		// nobody took a position: it did not reach consensus, so it asks first
		await iom.getByLabel(/I confirm the release/).check();
		await iom.getByRole('button', { name: 'Release', exact: true }).click();
		await iom.getByText('Released, marked "without consensus".').waitFor();

		// MOL's open page shows it within a second or two, MFA's does not.
		await mol.locator('#released li', { hasText: 'Joint statement on labour migration' }).waitFor({ timeout: 3000 });
		await mfa.waitForTimeout(500);
		assert.equal(await mfa.locator('#released li', { hasText: 'Joint statement' }).count(), 0, 'MFA got a release meant for MOL');
		for (const p of [mol, mfa]) assert.ok(!(await p.locator('body').innerText()).includes('PORTAL-INTERNAL-5e2'), 'internal text on a partner page');
		await mol.screenshot({ path: path.join(SHOTS, 'partner-portal-released.png'), fullPage: true });

		// MOL answers about the released statement; members see it marked MOL.
		await mol.getByLabel('About').selectOption({ label: 'Joint statement on labour migration' });
		await mol.getByLabel('Your comment').fill('MOL supports the statement.');
		await mol.getByRole('button', { name: 'Send' }).click();
		await mol.locator('#my-input li', { hasText: 'MOL supports the statement.' }).waitFor({ timeout: 3000 });
		await iom.goto(`${server.url}#/releases`);
		await iom.locator('#inputs li', { hasText: 'MOL supports the statement.' }).getByText('MOL', { exact: true }).waitFor({ timeout: 3000 });
		await iom.screenshot({ path: path.join(SHOTS, 'releases.png'), fullPage: true });

		// Withdrawn from the Releases page: gone from MOL's open page.
		const rel = iom.locator('#releases li', { hasText: 'Joint statement' });
		await rel.getByRole('button', { name: 'Withdraw' }).click();
		await rel.getByLabel(/withdrawn\?/).fill('Not agreed by the network.');
		await rel.getByRole('button', { name: 'Withdraw now' }).click();
		await mol.locator('#released li', { hasText: 'Joint statement' }).waitFor({ state: 'detached', timeout: 3000 });
	});

	test('main screens pass the accessibility audit, on a desktop and on a phone', async () => {
		const rco = await connectAs(server, 'rco');
		const prop = (await rco.request('consensus.create', { title: 'Audit proposal', text: 'Text', kind: 'decision' })).data.proposal.id;
		await rco.request('consensus.open', { proposal: prop });
		const group = (await rco.request('groups.list', {})).data.groups[0]?.id;
		await rco.close();
		// One page per person, taken from screen to screen as a person does
		// (a login per screen cost a minute of CI for nothing more).
		const pages = new Map();
		const pageOf = async (login) => {
			if (!pages.has(login)) pages.set(login, await pageAs(login));
			return pages.get(login);
		};
		for (const viewport of [{ width: 1100, height: 850 }, { width: 390, height: 844 }]) {
			for (const [login, hash, ready] of [
				[null, '#/login', 'Log in'], ['iom', '#/', 'Working groups'], ['iom', `#/proposal/${prop}`, 'Live tally'],
				['iom', '#/members', 'Organisations'], ['iom', '#/releases', 'Released items'], ['mol', '#/portal', 'Released to you'],
				...(group ? [['iom', `#/group/${group}`, 'Posts']] : []),
			]) {
				const page = await pageOf(login);
				await page.setViewportSize(viewport);
				await page.goto(`${server.url}${hash}`);
				await page.getByRole('heading', { name: ready }).first().waitFor();
				await page.waitForTimeout(300);
				await audit(page, `${hash} as ${login || 'nobody'} at ${viewport.width}px`);
				// keyboard: Tab moves focus onto a control
				await page.keyboard.press('Tab');
				assert.notEqual(await page.evaluate(() => document.activeElement?.tagName), 'BODY', `${hash}: Tab reaches a control`);
			}
		}
		const phone = await pageOf('iom');
		await phone.setViewportSize({ width: 390, height: 844 });
		await phone.goto(`${server.url}#/proposal/${prop}`);
		await phone.getByRole('heading', { name: 'Live tally' }).waitFor();
		await phone.screenshot({ path: path.join(SHOTS, 'phone-live-session.png'), fullPage: true });
	});
});
