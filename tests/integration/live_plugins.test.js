// Plugins installed, upgraded and removed while the server runs (issue 19):
// `accord plugins install|upgrade|remove|list` over the admin socket, with
// a live consensus session going on.  The fixture is tests/plugins/
// live_plugin.c, built in variants into $ACCORD_PLUGIN_DIR/live/<variant>/.
//
// What is checked from outside: no client is disconnected; every position
// acknowledged is in the database file; every request to the plugin gets
// exactly one reply, from v1 or v2 (never none, both or garbled); a request
// in flight across the upgrade finishes on the old code; subscriptions to
// the plugin's topic survive the upgrade; failures (a migration, an init,
// a removal refused while another plugin uses the plugin, the socket's
// permissions, a SIGKILL half-way) leave the old state serving.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, connectAs, closeAll, sleep, env, runAccord, MEMBERS, httpRequest } from './lib/harness.js';

const PLUGINS = { membership: {}, consensus: {}, groups: {}, test: {} };
const fixture = (variant, name = 'livefix') => path.join(env().pluginDir, 'live', variant, `${name}.so`);
const sqlite = (db, sql) => execFileSync('sqlite3', [db, sql], { encoding: 'utf8' }).trim();

function assertError(reply, code, what, re) {
	assert.equal(reply.ok, false, `${what}: expected an error, got ${JSON.stringify(reply)}`);
	assert.equal(reply.error.code, code, `${what}: ${JSON.stringify(reply)}`);
	if (re) assert.match(reply.error.message, re, what);
}

async function plugins(server, ...args) {
	const r = await server.cli('plugins', ...args);
	return { ...r, out: r.stdout + r.stderr };
}

describe('live plugins', () => {
	let server;
	const clients = [];

	before(async () => {
		// The fixtures are built outside the plugins folder: not among the plugins
		// built with the server, and unsigned (the refusal is tested at the end).
		server = await startServer({ plugins: PLUGINS, limits: { rate_per_sec: 5000, rate_burst: 5000 }, extraConfig: { plugins: { allow_unsigned: true } } });
	});
	after(async () => {
		await closeAll(clients);
		if (server) await server.dispose();
	});

	test('the admin socket is there, mode 0600, and refuses another account', async () => {
		const sock = path.join(path.dirname(server.config.database.path), 'accord.sock');
		const st = fs.statSync(sock);
		assert.ok(st.isSocket(), 'accord.sock beside the database');
		assert.equal(st.mode & 0o777, 0o600);
		// Another account (nobody) cannot even connect.
		if (process.getuid && process.getuid() === 0 && fs.existsSync('/usr/bin/setpriv')) {
			const { bin, sourceDir } = env();
			// a copy of the configuration nobody may read
			const cfg = path.join(os.tmpdir(), `live-plugins-${process.pid}.json`);
			fs.writeFileSync(cfg, JSON.stringify(server.config));
			fs.chmodSync(cfg, 0o644);
			let out = '';
			let code = 0;
			try {
				out = execFileSync(
					'/usr/bin/setpriv',
					['--reuid=65534', '--regid=65534', '--clear-groups', bin, 'plugins', 'list', '--config', cfg],
					{ cwd: sourceDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
				);
			} catch (e) {
				code = e.status;
				out = String(e.stderr) + String(e.stdout);
			}
			fs.rmSync(cfg);
			assert.equal(code, 1, out);
			assert.match(out, /refused: .* is for the server's account and root only/, out);
		}
		const r = await plugins(server, 'list');
		assert.equal(r.code, 0, r.out);
		assert.match(r.stdout, /consensus .*\(configuration\)/);
	});

	test('install, upgrade and remove during a live session: nothing dropped, nothing lost, one version per reply', async () => {
		const sec = await connectAs(server, 'rco');
		clients.push(sec);
		const voters = [];
		for (const login of MEMBERS.slice(0, 6)) {
			const c = await connectAs(server, login);
			clients.push(c);
			voters.push([login, c]);
		}
		const watchers = [];
		for (const login of MEMBERS.slice(6)) {
			const c = await connectAs(server, login);
			clients.push(c);
			watchers.push(c);
		}
		const created = await sec.ok('consensus.create', { title: 'Live session', text: 'Positions while plugins change', kind: 'decision' });
		const id = created.proposal.id;
		await sec.ok('consensus.open', { proposal: id });
		for (const c of [...watchers, ...voters.map(([, c]) => c)]) await c.ok('sub.add', { topic: `proposal:${id}` });

		// Positions stated continuously while the plugin changes.
		let acks = 0;
		let running = true;
		const positions = ['agree', 'reservations', 'agree'];
		const session = Promise.all(
			voters.map(async ([login, c], k) => {
				let i = k;
				while (running) {
					const pos = positions[i++ % positions.length];
					const data = { proposal: id, position: pos };
					if (pos === 'reservations') data.reason = `reason ${i}`;
					const r = await c.request('consensus.position', data);
					assert.equal(r.ok, true, `${login}: ${JSON.stringify(r)}`);
					acks++;
					await sleep(5);
				}
			}),
		);

		// Install v1 (unknown type before).
		const user = watchers[0];
		assertError(await user.request('livefix.echo', { n: 0 }), 'unknown_type', 'before install');
		let r = await plugins(server, 'install', fixture('v1'));
		assert.equal(r.code, 0, r.out);
		assert.match(r.stdout, /installed livefix 1\.0\.0/);
		assert.equal((await user.ok('livefix.echo', { n: 1 })).version, '1');
		const note1 = await user.ok('livefix.note', { text: 'first' });
		assert.equal(note1.version, '1');

		// Subscribers of its topic.
		const subs = watchers.slice(0, 3);
		for (const c of subs) await c.ok('sub.add', { topic: 'livefix:news' });
		await user.ok('livefix.poke', { n: 1 });
		for (const c of subs) await c.waitEvent((e) => e.topic === 'livefix:news' && e.data.version === '1');

		// A stream of requests to the plugin across the upgrade; and one
		// slow request in flight when it happens.
		const answers = [];
		let streaming = true;
		const stream = (async () => {
			let n = 0;
			while (streaming) {
				const reqs = [];
				for (let k = 0; k < 5; k++) {
					const m = ++n;
					reqs.push(user.request('livefix.echo', { n: m }).then((x) => answers.push([m, x])));
				}
				reqs.push(user.request('livefix.note', { text: `n${n}` }).then((x) => answers.push(['note', x])));
				await Promise.all(reqs);
				await sleep(2);
			}
		})();
		const slow = user.request('livefix.slow', { ms: 1500 });
		await sleep(100);
		r = await plugins(server, 'upgrade', fixture('v2'));
		assert.equal(r.code, 0, r.out);
		assert.match(r.stdout, /upgraded livefix from 1\.0\.0 to 2\.0\.0/);
		const closedOld = /plugin livefix 1\.0\.0: nothing of it is in flight any more; closing/;
		assert.doesNotMatch(server.stderr, closedOld, 'v1 is not closed while a request of it is in flight');
		const slowReply = await slow;
		assert.equal(slowReply.ok, true, JSON.stringify(slowReply));
		assert.equal(slowReply.data.version, '1', 'the request in flight finished on the old code');
		for (let i = 0; i < 50 && !closedOld.test(server.stderr); i++) await sleep(20);
		assert.match(server.stderr, closedOld, 'v1 closed once nothing of it was in flight');
		await sleep(200);
		streaming = false;
		await stream;

		// Every request answered once, by v1 or v2, v1 before v2.
		let sawV2 = false;
		for (const [m, x] of answers) {
			assert.equal(x.ok, true, `${m}: ${JSON.stringify(x)}`);
			assert.ok(['1', '2'].includes(x.data.version), JSON.stringify(x));
			if (m !== 'note') assert.equal(x.data.n, m);
		}
		const echoes = answers.filter(([m]) => m !== 'note').sort((a, b) => a[0] - b[0]);
		for (const [, x] of echoes) {
			if (x.data.version === '2') sawV2 = true;
			else assert.equal(sawV2, false, 'a v1 reply to a request sent after v2 answered');
		}
		assert.ok(sawV2, 'v2 answered after the upgrade');
		const ids = user.replies.map((x) => JSON.stringify(x.re));
		assert.equal(new Set(ids).size, ids.length, 'no request answered twice');

		// The migration ran; the notes acknowledged are all there.
		const db = server.config.database.path;
		const notes = answers.filter(([m]) => m === 'note').length + 1;
		assert.equal(Number(sqlite(db, 'SELECT count(*) FROM livefix_notes')), notes);
		assert.equal(Number(sqlite(db, "SELECT count(*) FROM livefix_notes WHERE made_by='v2'")) > 0, true);

		// Subscriptions survived: the same subscribers get v2's events.
		await user.ok('livefix.poke', { n: 2 });
		for (const c of subs) await c.waitEvent((e) => e.topic === 'livefix:news' && e.data.version === '2');

		// What it may do is visible.
		const list = await sec.ok('sys.plugins');
		const fix = list.plugins.find((p) => p.name === 'livefix');
		assert.equal(fix.version, '2.0.0');
		assert.equal(fix.source, 'installed');
		assert.equal(fix.signer, 'unverified', 'loaded under plugins.allow_unsigned');
		assert.equal(list.plugins.find((p) => p.name === 'consensus').signer, 'built with this server');
		assert.deepEqual([...fix.types].sort(), ['livefix.echo', 'livefix.note', 'livefix.poke', 'livefix.slow']);
		assert.deepEqual(fix.topics, ['livefix']);
		assert.deepEqual(fix.provides, [{ name: 'livefix.version', version: 1 }]);
		assertError(await voters[5][1].request('sys.plugins'), 'forbidden', 'a plain member');
		r = await plugins(server, 'list');
		assert.match(r.stdout, /livefix 2\.0\.0 \(installed\)/);
		assert.match(r.stdout, /types:.*livefix\.echo/);

		// Remove: refused while livedep uses its service.
		r = await plugins(server, 'install', fixture('dep', 'livedep'));
		assert.equal(r.code, 0, r.out);
		assert.equal((await user.ok('livedep.ask')).livefix, 2);
		r = await plugins(server, 'remove', 'livefix');
		assert.equal(r.code, 1);
		assert.match(r.stderr, /plugin livedep requires/);
		assert.equal((await user.ok('livefix.echo', { n: 7 })).version, '2');
		r = await plugins(server, 'remove', 'livedep');
		assert.equal(r.code, 0, r.out);
		r = await plugins(server, 'remove', 'livefix');
		assert.equal(r.code, 0, r.out);
		assert.match(r.stdout, /removed livefix 2\.0\.0 \(its tables and data are kept\)/);
		assertError(await user.request('livefix.echo', { n: 8 }), 'unknown_type', 'after remove', /unknown type "livefix\.echo"/);
		assert.equal(Number(sqlite(db, 'SELECT count(*) FROM livefix_notes')), notes, 'its data is kept');

		running = false;
		await session;
		// No client dropped; every acknowledged position is in the file.
		for (const c of clients) assert.equal(c.closed, null, `a client was disconnected: ${JSON.stringify(c.closed)}`);
		const logged = Number(sqlite(db, `SELECT count(*) FROM consensus_log WHERE proposal_id=${id} AND action='position'`));
		assert.equal(logged, acks, 'positions in the database = positions acknowledged');
		assert.ok(acks > 20, `the session went on (${acks} positions)`);
	});

	test('a failing migration or init leaves the old version serving', async () => {
		const c = await connectAs(server, 'undp');
		clients.push(c);
		let r = await plugins(server, 'install', fixture('v1'));
		assert.equal(r.code, 0, r.out);
		assert.match(r.stdout, /installed livefix 1\.0\.0/);

		r = await plugins(server, 'upgrade', fixture('badmig'));
		assert.equal(r.code, 1, r.out);
		assert.match(r.stderr, /livefix: migration 3 failed: no such table: livefix_missing; nothing changed: the old version keeps serving/);
		const tables = sqlite(server.config.database.path, "SELECT name FROM sqlite_master WHERE name LIKE 'livefix%'");
		assert.doesNotMatch(tables, /livefix_extra/, 'the failed migration was rolled back');
		assert.equal((await c.ok('livefix.echo', { n: 1 })).version, '1');
		assert.equal((await c.ok('livefix.note', { text: 'after a failed migration' })).version, '1');

		r = await plugins(server, 'upgrade', fixture('badinit'));
		assert.equal(r.code, 1, r.out);
		assert.match(r.stderr, /init failed.*the old version 1\.0\.0 keeps serving/);
		assert.equal((await c.ok('livefix.echo', { n: 2 })).version, '1');
		await c.ok('sub.add', { topic: 'livefix:news' });
		await c.ok('livefix.poke', { n: 3 });
		await c.waitEvent((e) => e.topic === 'livefix:news' && e.data.version === '1');

		// A first install whose init fails leaves nothing behind: its types
		// unknown, its topic nobody's, and a good version installs after it.
		r = await plugins(server, 'remove', 'livefix');
		assert.equal(r.code, 0, r.out);
		r = await plugins(server, 'install', fixture('badinit'));
		assert.equal(r.code, 1, r.out);
		assert.match(r.stderr, /init failed.*nothing changed \(everything it registered is gone again\)/);
		assertError(await c.request('livefix.echo', { n: 4 }), 'unknown_type', 'after a failed install');
		const fresh = await connectAs(server, 'unhcr');
		clients.push(fresh);
		assertError(await fresh.request('sub.add', { topic: 'livefix:news' }), 'not_found', 'its topic after a failed install');
		r = await plugins(server, 'install', fixture('v1'));
		assert.equal(r.code, 0, r.out);
		assert.equal((await c.ok('livefix.echo', { n: 5 })).version, '1');
		// The subscription made before the removal carries on with the
		// version installed again.
		await c.ok('livefix.poke', { n: 6 });
		await c.waitEvent((e) => e.topic === 'livefix:news' && e.data.n === 6);

		// Not for the configuration's plugins, nor unknown ones.
		r = await plugins(server, 'remove', 'consensus');
		assert.equal(r.code, 1);
		assert.match(r.stderr, /enabled by the configuration file/);
		r = await plugins(server, 'remove', 'nosuch');
		assert.equal(r.code, 1);
		assert.match(r.stderr, /plugin nosuch is not loaded/);
		r = await plugins(server, 'install', fixture('v1'));
		assert.equal(r.code, 1);
		assert.match(r.stderr, /already loaded/);
		assert.equal(c.closed, null);
	});

	test('a group plugin removed live: its groups see it disabled; a group lead sees the plugins', async () => {
		const iom = await connectAs(server, 'iom');
		const undp = await connectAs(server, 'undp');
		const unicef = await connectAs(server, 'unicef');
		clients.push(iom, undp, unicef);
		// UNDP leads a group; UNICEF leads none (and is no co-chair or secretariat).
		assertError(await undp.request('sys.plugins'), 'forbidden', 'before UNDP leads a group');
		const g = (await iom.ok('groups.create', { name: 'Live plugins group', mandate: 'Try plugins', kind: 'permanent', leads: ['UNDP'], members: ['UNHCR'] })).group;
		let r = await plugins(server, 'install', fixture('group', 'livegroup'));
		assert.equal(r.code, 0, r.out);
		await undp.ok('groups.plugins.enable', { group: g.id, plugin: 'livegroup' });
		assert.deepEqual((await undp.ok('groups.get', { group: g.id })).group.plugins, ['livegroup']);
		assert.equal((await undp.ok('livegroup.hello', { group: g.id })).group, g.id);
		const seen = (await undp.ok('sys.plugins')).plugins.find((p) => p.name === 'livegroup');
		assert.equal(seen.group, true);
		assert.deepEqual(seen.groups, [g.id], 'the groups that enabled it');
		assertError(await unicef.request('sys.plugins'), 'forbidden', 'a member leading no group');

		r = await plugins(server, 'remove', 'livegroup');
		assert.equal(r.code, 0, r.out);
		assert.deepEqual((await undp.ok('groups.get', { group: g.id })).group.plugins, [], 'its group sees it disabled');
		assertError(await undp.request('livegroup.hello', { group: g.id }), 'unknown_type', 'after remove');
		assertError(await undp.request('groups.plugins.enable', { group: g.id, plugin: 'livegroup' }), 'not_found', 'enable a removed plugin');
		// Installed again: enabled where it was.
		r = await plugins(server, 'install', fixture('group', 'livegroup'));
		assert.equal(r.code, 0, r.out);
		assert.deepEqual((await undp.ok('groups.get', { group: g.id })).group.plugins, ['livegroup']);
		assert.equal((await undp.ok('livegroup.hello', { group: g.id })).group, g.id);
		r = await plugins(server, 'remove', 'livegroup');
		assert.equal(r.code, 0, r.out);
	});

	test('what is installed survives a restart; a SIGKILL half-way restarts on the old state', async () => {
		// livefix 1.0.0 is installed (previous test).
		await server.restart();
		let c = await connectAs(server, 'undp');
		clients.push(c);
		assert.equal((await c.ok('livefix.echo', { n: 1 })).version, '1', 'installed plugins load at start');

		// Kill the server while the upgrade is on its way: a stream of
		// upgrades and a kill at a random point of the first.
		const pending = plugins(server, 'upgrade', fixture('v2'));
		await sleep(Math.floor(Math.random() * 30));
		await server.kill9();
		const r = await pending;
		await server.start();
		c = await connectAs(server, 'undp');
		clients.push(c);
		const v = (await c.ok('livefix.echo', { n: 2 })).version;
		const state = JSON.parse(fs.readFileSync(path.join(path.dirname(server.config.database.path), 'plugins', 'installed.json'), 'utf8'));
		// Either the upgrade was recorded before the kill (the CLI said so)
		// or the old state serves.
		if (r.code === 0) assert.equal(v, '2', r.out);
		else assert.equal(v, state.plugins[0].version[0], `${r.out}: serves what the state file says`);
		assert.ok(['1', '2'].includes(v));

		// The same for a first install killed half-way: the plugin is there
		// after the restart only if installed.json recorded it.
		const installing = plugins(server, 'install', fixture('group', 'livegroup'));
		await sleep(Math.floor(Math.random() * 30));
		await server.kill9();
		const ri = await installing;
		await server.start();
		c = await connectAs(server, 'undp');
		clients.push(c);
		const state2 = JSON.parse(fs.readFileSync(path.join(path.dirname(server.config.database.path), 'plugins', 'installed.json'), 'utf8'));
		const recorded = state2.plugins.some((p) => p.name === 'livegroup');
		if (ri.code === 0) assert.ok(recorded, 'an install the command confirmed is recorded');
		const hello = await c.request('livegroup.hello', { group: 1 });
		if (recorded) assert.notEqual(hello.ok === false && hello.error.code, 'unknown_type', JSON.stringify(hello));
		else assertError(hello, 'unknown_type', 'not installed: the old state');
		assert.equal((await c.ok('livefix.echo', { n: 3 })).version, v, 'livefix unchanged');

		// Without a server: said clearly.
		await server.stop();
		const none = await plugins(server, 'list');
		assert.equal(none.code, 1);
		assert.match(none.stderr, /no server is running/);
		await server.start();
	});
});

test('a plugin no trusted key signed is refused at install, and nothing changes', async () => {
	const server = await startServer({ plugins: { membership: {}, test: {} } });
	try {
		const r = await plugins(server, 'install', fixture('v1'));
		assert.equal(r.code, 1, r.out);
		assert.match(r.stderr, /plugin livefix: refused: /);
		const c = await connectAs(server, 'iom');
		assertError(await c.request('livefix.echo', { n: 1 }), 'unknown_type', 'refused');
		await c.close();
		const list = await plugins(server, 'list');
		assert.doesNotMatch(list.stdout, /livefix/);
	} finally {
		await server.dispose();
	}
});

// The issue's own case: the data-collection plugin, built from outside the
// tree and signed by a working group's key the server trusts, installed
// live, upgraded to its version 2 (a migration) and removed, while members
// keep working; what was submitted is kept.
let running = false;
test('datacollect from outside the tree: signed, installed, upgraded and removed live', { timeout: 180_000 }, async () => {
	const { sourceDir } = env();
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'accord-live-dc-'));
	const clients = [];
	let server;
	try {
		const copy = path.join(tmp, 'src');
		fs.cpSync(path.join(sourceDir, 'plugins', 'datacollect'), copy, { recursive: true, filter: (f) => !f.endsWith('.so') });
		const pkg = { ...process.env, PKG_CONFIG_PATH: path.join(sourceDir, 'build', 'pkgconfig') };
		const v1 = path.join(tmp, 'v1');
		const v2 = path.join(tmp, 'v2');
		fs.mkdirSync(v1);
		fs.mkdirSync(v2);
		execFileSync('make', ['-s', '-C', copy, `OUT=${v1}`], { env: pkg, stdio: 'pipe' });
		execFileSync('make', ['-s', '-C', copy, 'clean'], { env: pkg, stdio: 'pipe' });
		execFileSync('make', ['-s', '-C', copy, 'VERSION=2', `OUT=${v2}`], { env: pkg, stdio: 'pipe' });
		const key = path.join(tmp, 'wg.key');
		const kg = await runAccord(['plugins', 'keygen', '--out', key, '--name', 'Data WG']);
		assert.equal(kg.code, 0, kg.stdout + kg.stderr);
		for (const d of [v1, v2]) {
			// its web component beside it, signed with it (installed with it)
			fs.cpSync(path.join(sourceDir, 'plugins', 'datacollect', 'web'), path.join(d, 'web', 'datacollect'), { recursive: true });
			const sg = await runAccord(['plugins', 'sign', '--key', key, path.join(d, 'datacollect.so')]);
			assert.equal(sg.code, 0, sg.stdout + sg.stderr);
		}
		const trusted = [{ name: 'Data WG', key: kg.stdout.match(/public key: (\S+)/)[1] }];
		server = await startServer({ plugins: { membership: {}, consensus: {}, groups: {} }, extraConfig: { plugins: { trusted_keys: trusted } } });
		const login = async (who) => { const c = await connectAs(server, who); clients.push(c); return c; };
		const iom = await login('iom');
		const undp = await login('undp');
		const unhcr = await login('unhcr');
		const g = (await iom.ok('groups.create', { name: 'Data', kind: 'permanent', leads: ['UNDP'], members: ['UNHCR'] })).group.id;

		// A live consensus session around all of it: four organisations state
		// positions continuously, two more watch the tally.
		const rco = await login('rco');
		const id = (await rco.ok('consensus.create', { title: 'Session beside the install', text: 'Positions while datacollect changes', kind: 'decision' })).proposal.id;
		await rco.ok('consensus.open', { proposal: id });
		const voters = [];
		for (const l of ['unicef', 'unfpa', 'unodc', 'unesco']) voters.push([l, await login(l)]);
		const watchers = [await login('unic'), await login('unrcca')];
		for (const c of [...watchers, ...voters.map(([, c]) => c)]) await c.ok('sub.add', { topic: `proposal:${id}` });
		let acks = 0;
		running = true;
		const sessionErrors = [];
		const session = Promise.all(voters.map(async ([l, c], k) => {
			let i = k;
			while (running) {
				const x = await c.request('consensus.position', { proposal: id, position: i++ % 2 ? 'agree' : 'abstain' })
					.catch((e) => ({ ok: false, thrown: String(e) }));
				if (x.ok !== true) {
					if (running) sessionErrors.push(`${l}: ${JSON.stringify(x)}`);
					return;
				}
				acks++;
				await sleep(5);
			}
		}));

		let r = await plugins(server, 'install', path.join(v1, 'datacollect.so'));
		assert.equal(r.code, 0, r.out);
		const info = (await iom.ok('sys.plugins')).plugins.find((p) => p.name === 'datacollect');
		assert.equal(info.version, '1.0.0');
		assert.equal(info.signer, 'Data WG');
		// its web component is served from the installed version's folder
		assert.match(info.web, /^\/plugins-live\/datacollect-[0-9a-f]{16}$/);
		assert.equal((await httpRequest(server, `${info.web}/component.js`)).status, 200, `${info.web}/component.js`);
		await undp.ok('groups.plugins.enable', { group: g, plugin: 'datacollect' });
		const f = (await undp.ok('datacollect.create', { group: g, title: 'Returns', period_kind: 'year', fields: [{ key: 'returns', label: 'Returns', type: 'number', min: 0 }] })).form.id;
		await undp.ok('datacollect.state', { group: g, form: f, state: 'open' });
		await unhcr.ok('datacollect.submit', { group: g, form: f, period: '2026', revision: 0, values: { returns: 40 } });

		// Reads of the submission, one after another, across the upgrade: each
		// answered once, by version 1 (no note) or 2 (its note column), and
		// never by version 1 after version 2 has answered.
		const answers = [];
		let streaming = true;
		const stream = (async () => {
			while (streaming) { // 40 a second: under the default rate limit (50 a second)
				answers.push(await unhcr.request('datacollect.submission', { group: g, form: f, period: '2026' }));
				await sleep(25);
			}
		})();
		await sleep(150);
		r = await plugins(server, 'upgrade', path.join(v2, 'datacollect.so'));
		assert.equal(r.code, 0, r.out);
		assert.match(r.stdout, /upgraded datacollect from 1\.0\.0 to 2\.0\.0/);
		await sleep(150);
		streaming = false;
		await stream;
		let sawV2 = false;
		for (const x of answers) {
			assert.equal(x.ok, true, JSON.stringify(x));
			const v2 = 'note' in x.data.submission;
			if (v2) sawV2 = true;
			else assert.equal(sawV2, false, 'a version 1 answer after version 2 answered');
			assert.equal(x.data.submission.values.returns, 40);
		}
		assert.ok(sawV2 && answers.some((x) => !('note' in x.data.submission)), `both versions answered (${answers.length} reads)`);
		const ids = unhcr.replies.map((x) => JSON.stringify(x.re));
		assert.equal(new Set(ids).size, ids.length, 'no request answered twice');
		const old = (await unhcr.ok('datacollect.submission', { group: g, form: f, period: '2026' })).submission;
		assert.equal(old.values.returns, 40, 'what version 1 stored is intact');
		const s2 = (await unhcr.ok('datacollect.submit', { group: g, form: f, period: '2026', revision: old.revision, values: { returns: 41 }, note: 'estimate' })).submission;
		assert.equal(s2.note, 'estimate', 'version 2 answers, with its migration');
		// the web files served are version 2's; version 1's answer as missing ones do
		const web2 = (await iom.ok('sys.plugins')).plugins.find((p) => p.name === 'datacollect').web;
		assert.notEqual(web2, info.web);
		assert.equal((await httpRequest(server, `${web2}/component.js`)).status, 200, `${web2}/component.js`);
		const gone = await httpRequest(server, `${info.web}/component.js`);
		assert.equal(gone.status, 404, `${info.web}/component.js after the upgrade`);
		assert.equal(gone.body, '{"error":"not_found"}');

		r = await plugins(server, 'remove', 'datacollect');
		assert.equal(r.code, 0, r.out);
		assert.deepEqual((await undp.ok('groups.get', { group: g })).group.plugins, [], 'its group sees it disabled');
		assertError(await unhcr.request('datacollect.submission', { group: g, form: f, period: '2026' }), 'unknown_type', 'after remove');
		assert.equal((await httpRequest(server, `${web2}/component.js`)).status, 404, 'its web files after remove');

		running = false;
		await session;
		assert.deepEqual(sessionErrors, [], 'every position of the session was acknowledged');
		for (const c of clients) assert.equal(c.closed, null, 'nobody disconnected');
		const logged = Number(sqlite(server.config.database.path, `SELECT count(*) FROM consensus_log WHERE proposal_id=${id} AND action='position'`));
		assert.equal(logged, acks, 'positions in the database = positions acknowledged');
		assert.ok(acks > 20, `the session went on (${acks} positions)`);
	} finally {
		running = false; // the session stops before its clients close
		await closeAll(clients);
		if (server) await server.dispose();
		fs.rmSync(tmp, { recursive: true, force: true });
	}
});

test('plugins --help explains the commands', async () => {
	const r = await runAccord(['plugins', '--help']);
	assert.equal(r.code, 0);
	assert.match(r.stdout, /accord plugins install/);
});
