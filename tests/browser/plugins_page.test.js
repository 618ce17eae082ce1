// The secretariat looks at the plugins the server runs (issue 19): the
// plugins page lists each plugin with its version, where it comes from,
// its signer, the services it needs and offers, its message types, topics
// and groups; a plugin installed live while the page is open shows after a
// reload; a plain member has no such page.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startBrowserRig, SHOTS } from './lib.js';
import { env } from '../integration/lib/harness.js';

describe('the plugins page', { timeout: 120_000 }, () => {
	let rig;
	before(async () => {
		// the fixture installed live is unsigned (built outside the plugins folder)
		rig = await startBrowserRig({ extraConfig: { plugins: { allow_unsigned: true } } });
	});
	after(async () => {
		if (rig) await rig.close();
	});

	test('the secretariat sees every plugin and what it may do; a plugin installed live appears', async () => {
		const iom = await rig.pageAs('iom');
		await iom.getByRole('link', { name: 'Plugins' }).click();
		const row = (name) => iom.locator(`tr[data-plugin=${name}]`);
		await row('consensus').waitFor();
		const consensus = await row('consensus').textContent();
		assert.match(consensus, /configuration/);
		assert.match(consensus, /built with this server/);
		assert.match(consensus, /consensus\.create/);
		assert.match(consensus, /accord\.members v1/, 'the service it needs');
		assert.match(await row('membership').textContent(), /accord\.members v1/, 'the service it offers');
		assert.match(await row('actions').textContent(), /^(?!.*not a group plugin)/s, 'a group plugin');

		// Installed live by the operator while the page is open.
		const r = await rig.server.cli('plugins', 'install', path.join(env().pluginDir, 'live', 'v1', 'livefix.so'));
		assert.equal(r.code, 0, r.stdout + r.stderr);
		await iom.reload();
		await row('livefix').waitFor();
		const live = await row('livefix').textContent();
		assert.match(live, /1\.0\.0/);
		assert.match(live, /installed live/);
		assert.match(live, /unverified/);
		assert.match(live, /livefix\.echo/);
		assert.match(live, /livefix\.version v1/);
		await iom.screenshot({ path: path.join(SHOTS, 'plugins-page.png'), fullPage: true });

		// A plain member: no link, and the page says why.
		const undp = await rig.pageAs('undp');
		assert.equal(await undp.getByRole('link', { name: 'Plugins' }).count(), 0);
		await undp.goto(`${rig.server.url}#/plugins`);
		await undp.getByText('only co-chairs, the secretariat and group leads see the plugins').waitFor();
	});
});
