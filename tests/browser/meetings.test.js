// A full quarterly meeting from the browser (issue 20, "done when"):
// UNICEF asks for an extraordinary meeting and the secretariat accepts; the
// secretariat takes its calendar feed address, drafts the meeting and its
// agenda, convenes it and circulates the agenda; nine member organisations
// and the state counterpart check in from their own pages (one context
// each), UNDP's focal point designates a colleague, while UNESCO is absent, which the live attendance shows, and the
// quorum rule set to nine is met; in session a decision and a joint
// statement are put to the members and taken; UNESCO states its positions
// afterwards on the proposals' pages; the outcomes come back to the items;
// the minutes are assembled, edited, circulated, commented by UNICEF,
// approved by the members' consensus and released to the Ministry of
// Labour, which reads them in its portal.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startBrowserRig, SHOTS } from './lib.js';

const PLUGINS = { membership: {}, consensus: {}, groups: {}, portal: {}, meetings: {} };
const PRESENT = ['rco', 'undp', 'unhcr', 'unicef', 'unfpa', 'unic', 'unrcca', 'unodc'];

describe('a quarterly meeting, from the browser', { timeout: 240_000 }, () => {
	let rig;
	const pages = {};

	before(async () => {
		rig = await startBrowserRig({ plugins: PLUGINS });
		for (const l of ['iom', ...PRESENT, 'mol']) pages[l] = await rig.pageAs(l);
	});
	after(async () => {
		if (rig) await rig.close();
	});

	// Requests a page makes as its own person (window.accord is the page's client).
	const ask = (page, type, data) => page.evaluate(async ([ty, d]) => (await window.accord.request(ty, d)), [type, data]);

	test('convened, held with a decision and a joint statement, minutes approved and released to MOL', async () => {
		const { iom, mol } = pages;
		const url = rig.server.url;

		// UNICEF asks for an extraordinary meeting; the secretariat answers.
		await pages.unicef.goto(`${url}#/meetings`);
		await pages.unicef.getByLabel('Why an extraordinary meeting').fill('Situation at the southern border');
		await pages.unicef.getByRole('button', { name: 'Request an extraordinary meeting' }).click();
		await pages.unicef.getByText('Your request is recorded').waitFor();
		// The secretariat drafts the meeting and its agenda.
		await iom.goto(`${url}#/meetings`);
		const req = iom.locator('#extraordinary li', { hasText: 'Situation at the southern border' });
		await req.getByRole('button', { name: 'Accept' }).click();
		await req.locator('.badge', { hasText: 'accepted' }).waitFor();
		await iom.getByRole('button', { name: 'Make a new address' }).click();
		assert.match(await iom.locator('#feed-address input').inputValue(), /\/api\/meetings\/feed\.ics\?token=[\w-]{43}$/);
		const form = iom.locator('#meeting-create');
		await form.getByLabel('Title').fill('Network meeting, second quarter');
		const when = new Date(Date.now() + 14 * 86400_000);
		when.setSeconds(0, 0);
		const local = new Date(when.getTime() - when.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
		await form.getByLabel('Starts (your time)').fill(local);
		await form.getByLabel('Place').fill('UN House, Astana');
		await form.getByLabel('Held with the UNCT meeting').check();
		await form.getByRole('button', { name: 'Create the draft' }).click();
		await iom.getByRole('heading', { name: /Network meeting, second quarter/ }).waitFor();
		const id = Number(iom.url().match(/#\/meeting\/(\d+)/)[1]);
		const add = async (title, kind, body, shared) => {
			const ed = iom.locator('#agenda-add');
			await ed.getByLabel('Title').fill(title);
			await ed.getByLabel('Kind').selectOption(kind);
			await ed.getByLabel('Text').fill(body);
			if (shared) {
				await ed.getByLabel('Shared with invited partners').check();
				await ed.getByLabel('Linked document: its name').fill('Draft statement');
				await ed.getByLabel('Linked document: its link').fill('https://docs.example.org/statement.pdf');
			}
			await ed.getByRole('button', { name: 'Add to the agenda' }).click();
			await iom.locator('#agenda li', { hasText: title }).waitFor();
		};
		await add('Adoption of the 2027 workplan', 'decision', 'The network adopts the 2027 workplan as circulated.', false);
		await add('Joint statement on fair recruitment', 'statement', 'The network calls for fair recruitment of migrant workers.', true);
		await iom.getByRole('button', { name: 'Convene' }).click();
		await iom.locator('h1 .badge', { hasText: 'convened' }).waitFor();
		await iom.getByRole('button', { name: 'Circulate the agenda' }).click();
		await iom.getByText('Agenda circulated: version 1').waitFor();

		// Nine members and the state counterpart check in from their own pages, at once.
		await Promise.all([...PRESENT, 'mol'].map(async (l) => {
			const p = pages[l];
			await p.goto(`${url}#/meeting/${id}`);
			await p.getByRole('button', { name: 'Check in' }).click();
			await p.locator('#meeting-info').waitFor();
		}));
		// UNDP's focal point designates a colleague as its delegate
		assert.equal((await ask(iom, 'members.person.save', { login: 'undp.deputy', name: 'UNDP deputy', org: 'UNDP', function: 'staff' })).ok, true);
		await pages.undp.getByLabel('Designate a delegate of your organisation').fill('undp.deputy');
		await pages.undp.getByRole('button', { name: 'Designate', exact: true }).click();
		await pages.undp.locator('#delegates', { hasText: 'UNDP/undp.deputy' }).waitFor();
		await iom.getByRole('button', { name: 'Check in' }).click();
		await iom.locator('#missing', { hasText: 'Missing: UNESCO' }).waitFor({ timeout: 5000 });
		await iom.locator('#quorum', { hasText: 'No quorum.' }).waitFor();
		// the meeting's rule: nine of the ten required organisations make the quorum
		await iom.getByLabel(/^Quorum: required organisations present/).fill('9');
		await iom.getByRole('button', { name: 'Set the quorum' }).click();
		await iom.locator('#quorum', { hasText: 'Quorum met. 9 of 10 required organisations present (rule: 9).' }).waitFor({ timeout: 5000 });
		assert.equal(await mol.locator('#attendance').count(), 0, 'the state counterpart sees no attendance record');

		// In session: the decision item is put to the members.
		await iom.getByRole('button', { name: 'Open the session' }).click();
		const decision = iom.locator('#agenda li', { hasText: 'Adoption of the 2027 workplan' });
		await decision.getByRole('button', { name: 'Open' }).click();
		await iom.locator('#current-item', { hasText: 'Adoption of the 2027 workplan' }).waitFor();
		await decision.getByRole('button', { name: 'Take the decision' }).click();
		await decision.locator('.proposal-link').waitFor();
		const d = await ask(iom, 'meetings.get', { meeting: id });
		const p1 = d.data.agenda.find((i) => i.kind === 'decision').proposal;
		for (const r of await Promise.all(['iom', ...PRESENT].map((l) => ask(pages[l], 'consensus.position', { proposal: p1, position: 'agree' })))) assert.equal(r.ok, true);
		await iom.locator('#live-tally', { hasText: 'agree: 9' }).waitFor({ timeout: 5000 });
		await iom.locator('#live-tally', { hasText: 'Still to respond: UNESCO' }).waitFor();
		await iom.screenshot({ path: path.join(SHOTS, 'meeting-session.png'), fullPage: true });
		await decision.getByRole('button', { name: 'Close' }).click();

		// The joint statement: shared, so MOL sees it as the current item.
		const statement = iom.locator('#agenda li', { hasText: 'Joint statement on fair recruitment' });
		await statement.getByRole('button', { name: 'Open' }).click();
		await mol.reload();
		await mol.locator('#agenda li', { hasText: 'Joint statement on fair recruitment' }).waitFor();
		assert.equal(await mol.locator('#agenda li', { hasText: 'Adoption of the 2027 workplan' }).count(), 0, 'MOL sees only the shared item');
		assert.equal(await mol.locator('#agenda li a.doc', { hasText: 'Draft statement' }).getAttribute('href'), 'https://docs.example.org/statement.pdf');
		await statement.getByRole('button', { name: 'Take the decision' }).click();
		await statement.locator('.proposal-link').waitFor();
		const s = await ask(iom, 'meetings.get', { meeting: id });
		const p2 = s.data.agenda.find((i) => i.kind === 'statement').proposal;
		for (const r of await Promise.all(['iom', ...PRESENT].map((l) => ask(pages[l], 'consensus.position', { proposal: p2, position: l === 'unhcr' ? 'reservations' : 'agree', reason: l === 'unhcr' ? 'Wording on returns to be softened' : '' })))) assert.equal(r.ok, true);
		await statement.getByRole('button', { name: 'Close' }).click();
		await iom.getByRole('button', { name: 'Close the meeting' }).click();
		await iom.locator('h1 .badge', { hasText: 'closed' }).waitFor();

		// UNESCO was absent: it states its positions afterwards, in writing.
		const unesco = await rig.pageAs('unesco');
		for (const p of [p1, p2]) {
			await unesco.goto(`${url}#/proposal/${p}`);
			await unesco.getByRole('heading', { level: 1 }).waitFor();
			await unesco.getByLabel('Agree', { exact: true }).check();
			await unesco.getByRole('button', { name: 'State position' }).click();
			await unesco.getByText(/^Recorded:/).waitFor();
		}
		for (const p of [p1, p2]) assert.equal((await ask(pages.rco, 'consensus.close', { proposal: p })).data.proposal.outcome, 'consensus');
		await decision.locator('[data-outcome=consensus]').waitFor({ timeout: 5000 });
		await statement.locator('[data-outcome=consensus]').waitFor({ timeout: 5000 });

		// The minutes: assembled, edited, circulated, commented, approved.
		await iom.getByRole('button', { name: 'Assemble the minutes from the record' }).click();
		const actions = iom.locator('[data-section=actions]');
		await actions.getByLabel('Text of the minutes').fill('IOM to publish the joint statement by 30 June.');
		await iom.getByRole('button', { name: 'Save as a new version' }).click();
		await iom.locator('#minutes-status', { hasText: 'Version 2' }).waitFor();
		await iom.getByRole('button', { name: 'Circulate for comments' }).click();
		await iom.locator('#minutes-status', { hasText: 'circulated for comments' }).waitFor();
		const unicef = pages.unicef;
		await unicef.goto(`${url}#/meeting/${id}`);
		const ua = unicef.locator('[data-section=actions]');
		await ua.getByLabel('Comment on this section').fill('Please name UNICEF as co-owner.');
		await ua.getByRole('button', { name: 'Send the comment' }).click();
		await ua.getByText('UNICEF: Please name UNICEF as co-owner.').waitFor();
		await iom.locator('[data-section=actions]', { hasText: 'UNICEF: Please name UNICEF as co-owner.' }).waitFor({ timeout: 5000 });
		await iom.getByRole('button', { name: 'Put to approval' }).click();
		await iom.locator('#approval-link').waitFor();
		const approval = (await ask(iom, 'meetings.minutes', { meeting: id })).data.minutes.approval_proposal;
		await Promise.all(['iom', ...PRESENT].map((l) => ask(pages[l], 'consensus.position', { proposal: approval, position: 'agree' })));
		await ask(unesco, 'consensus.position', { proposal: approval, position: 'agree' });
		await ask(pages.rco, 'consensus.close', { proposal: approval });
		await iom.locator('#minutes-status', { hasText: 'approved' }).waitFor({ timeout: 5000 });
		await iom.screenshot({ path: path.join(SHOTS, 'meeting-minutes.png'), fullPage: true });
		await iom.goto(`${url}#/meeting/${id}/print`);
		await iom.locator('#minutes-print', { hasText: 'UNHCR: reservations (Wording on returns to be softened)' }).waitFor();
		await iom.screenshot({ path: path.join(SHOTS, 'meeting-print.png'), fullPage: true });

		// Released to the Ministry of Labour, on the basis of the approval.
		const rel = await ask(iom, 'portal.release', { item: `minutes:${id}`, to: ['MOL'], basis: approval });
		assert.equal(rel.ok, true, JSON.stringify(rel));
		const seen = await ask(mol, 'portal.item', { item: `minutes:${id}` });
		assert.equal(seen.ok, true);
		assert.deepEqual(seen.data.release.content.sections.filter((x) => x.key.startsWith('item:')).map((x) => x.title), ['2. Joint statement on fair recruitment']);
		await mol.goto(`${url}#/portal`);
		await mol.getByText(/Network meeting, second quarter/).first().waitFor({ timeout: 5000 });

		// On a phone: the meeting page fits the screen's width.
		const phone = pages.undp;
		await phone.setViewportSize({ width: 390, height: 844 });
		await phone.goto(`${url}#/meeting/${id}`);
		await phone.locator('#minutes').waitFor();
		const widths = await phone.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
		assert.ok(widths[0] <= widths[1] + 1, `no sideways scrolling on a phone: ${widths}`);
		await phone.screenshot({ path: path.join(SHOTS, 'meeting-phone.png'), fullPage: false });
	});
});
