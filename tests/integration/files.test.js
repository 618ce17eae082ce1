// Documents of working groups: uploads kept by the server, downloads only
// for those who may see the item, the size cap, and files surviving a
// restart.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, connectAs, DEMO_PASSWORD } from './lib/harness.js';

describe('group documents', { timeout: 120_000 }, () => {
	let server, iom, group, tokens = {};
	const filesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'accord-files-'));
	before(async () => {
		server = await startServer({
			plugins: { membership: {}, groups: { files_dir: filesDir }, test: {} },
			limits: { max_upload_bytes: 65536 },
		});
	});
	after(async () => {
		if (server) await server.dispose();
		fs.rmSync(filesDir, { recursive: true, force: true });
	});

	const token = async (login) => {
		if (!tokens[login]) {
			const c = await connectAs(server, login);
			tokens[login] = (await c.request('auth.login', { login, password: DEMO_PASSWORD })).data.token;
		}
		return tokens[login];
	};
	const upload = async (login, q, body) =>
		fetch(`${server.url}/api/groups/files?${new URLSearchParams(q)}`, {
			method: 'POST', headers: { Authorization: `Bearer ${await token(login)}` }, body,
		});
	const download = async (login, item) =>
		fetch(`${server.url}/api/groups/files?item=${item}`, { headers: login ? { Authorization: `Bearer ${await token(login)}` } : {} });

	test('upload, visibility, cap, restart', async () => {
		iom = await connectAs(server, 'iom');
		const g = await iom.request('groups.create', { name: 'Data', kind: 'permanent', leads: ['IOM'], members: ['UNDP', 'MOL'] });
		assert.equal(g.ok, true, JSON.stringify(g));
		group = g.data.group.id;
		const sub = await connectAs(server, 'undp');
		await sub.request('sub.add', { topic: `group:${group}` });

		const secret = 'INTERNAL-DOC-5b2 figures';
		const r1 = await upload('iom', { group, title: 'Draft figures', name: 'figures.csv', visibility: 'internal' }, secret);
		assert.equal(r1.status, 200);
		const item = (await r1.json()).item;
		assert.equal(item.file_name, 'figures.csv');
		assert.equal(item.file_size, secret.length);
		const ev = await sub.waitEvent((e) => e.event === 'groups.item' && e.data.id === item.id, 5000);
		assert.equal(ev.data.file_name, 'figures.csv');

		const d1 = await download('undp', item.id);
		assert.equal(d1.status, 200);
		assert.equal(await d1.text(), secret);
		// a partner of the group, someone outside it, nobody: all 404 or 401
		const dm = await download('mol', item.id);
		assert.equal(dm.status, 404);
		assert.ok(!(await dm.text()).includes('INTERNAL-DOC'));
		const missing = await download('mol', 999999);
		assert.equal(missing.status, 404);
		assert.equal((await download('unicef', item.id)).status, 404);
		assert.equal((await download(null, item.id)).status, 401);

		const r2 = await upload('mol', { group, title: 'Ministry data', name: 'mol.txt' }, 'shared by MOL');
		assert.equal(r2.status, 200, await r2.clone().text());
		const shared = (await r2.json()).item;
		assert.equal(shared.visibility, 'shared');
		assert.equal((await download('iom', shared.id)).status, 200);
		assert.equal((await upload('mol', { group, title: 'x', name: 'x', visibility: 'internal' }, 'x')).status, 400);
		assert.equal((await upload('unicef', { group, title: 'x', name: 'x' }, 'x')).status, 404);
		assert.equal((await upload('iom', { group, title: 'x', name: '../etc/passwd' }, 'x')).status, 400);
		assert.equal((await upload('iom', { group, title: 'big', name: 'big.bin' }, Buffer.alloc(70000))).status, 413);

		await server.restart();
		tokens = {};
		const d2 = await download('undp', item.id);
		assert.equal(d2.status, 200);
		assert.equal(await d2.text(), secret);
		assert.ok(fs.readdirSync(filesDir).includes(`item-${item.id}`), 'the file is kept in files_dir');
	});
});
