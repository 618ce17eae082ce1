// Each plugin's statements touch only its own tables (issue 17).
//
// The storage layer runs every statement of a plugin as that plugin and
// SQLite's authorizer refuses, when the statement is prepared, any table
// whose name does not start with the plugin's prefix ("test_" for the test
// plugin): reading or writing another plugin's tables or the core's
// (accounts, sessions), PRAGMA, ATTACH, temporary tables, transaction
// control.  What a plugin needs of another it asks through a service; the
// test plugin reads the voting organisations through accord.members, whose
// provider (membership) runs its statements as itself.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { startServer, connectAs, closeAll } from './lib/harness.js';

const PLUGINS = { membership: {}, consensus: {}, test: {} };

function sqlite(dbPath, sql) {
	return new Promise((resolve, reject) => {
		execFile('sqlite3', ['-cmd', '.timeout 5000', dbPath, sql], { timeout: 20_000 }, (err, stdout, stderr) => {
			if (err) reject(new Error(`sqlite3 ${JSON.stringify(sql)} failed: ${err.message}\n${stderr}`));
			else resolve(String(stdout).trim());
		});
	});
}

describe('a plugin touches only its own tables', { timeout: 120_000 }, () => {
	let server, iom;
	before(async () => {
		server = await startServer({ plugins: PLUGINS });
		iom = await connectAs(server, 'iom');
	});
	after(async () => {
		await closeAll(iom);
		await server?.dispose();
	});

	async function refused(sql, needle) {
		const before = server.stderr.length;
		const r = await iom.request('test.sql', { sql });
		assert.equal(r.ok, false, `${sql}: expected a refusal, got ${JSON.stringify(r)}`);
		assert.equal(r.error.code, 'internal', `${sql}: ${JSON.stringify(r)}`);
		// the log names the plugin and what it tried
		const deadline = Date.now() + 2000;
		while (!server.stderr.slice(before).includes(needle) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
		assert.ok(server.stderr.slice(before).includes(needle), `${sql}: log lacks ${JSON.stringify(needle)}:\n${server.stderr.slice(before)}`);
	}

	test('its own tables: read and write', async () => {
		await iom.ok('test.put', { key: 'k1', value: 'v1' });
		const r = await iom.ok('test.sql', { sql: "SELECT value FROM test_kv WHERE key = 'k1'" });
		assert.deepEqual(r.rows, [{ value: 'v1' }]);
		// SQLite's catalogue and table-valued functions are readable
		const c = await iom.ok('test.sql', { sql: "SELECT count(*) AS n FROM sqlite_master WHERE name = 'test_kv'" });
		assert.deepEqual(c.rows, [{ n: 1 }]);
		const j = await iom.ok('test.sql', { sql: "SELECT value FROM json_each('[1,2]')" });
		assert.equal(j.rows.length, 2);
	});

	test("another plugin's tables and the core's are refused, reads and writes", async () => {
		await refused('SELECT code FROM members_orgs', 'plugin test: statement refused: it would read table members_orgs');
		await refused("UPDATE consensus_proposals SET title = 'x'", 'it would write table consensus_proposals');
		await refused("UPDATE accounts SET active = 0 WHERE login = 'rco'", 'it would write table accounts');
		await refused('SELECT token_hash FROM sessions', 'it would read table sessions');
		await refused('DELETE FROM request_keys', 'it would write table request_keys');
		// hidden in a subquery, a join, a view or a trigger of its own
		await refused('SELECT k.key FROM test_kv k JOIN members_people p ON p.login = k.key', 'table members_people');
		await refused('SELECT (SELECT count(*) FROM accounts) AS n', 'table accounts');
		// a view or trigger of its own is checked where it is used, as the
		// plugin that uses it
		await iom.ok('test.sql', { sql: 'CREATE VIEW test_v AS SELECT * FROM members_orgs' });
		await refused('SELECT * FROM test_v', 'table members_orgs');
		await iom.ok('test.sql', { sql: "CREATE TRIGGER test_t AFTER INSERT ON test_kv BEGIN UPDATE accounts SET active = 0; END" });
		const put = await iom.request('test.put', { key: 'k2', value: 'v2' });
		assert.equal(put.ok, false, JSON.stringify(put));
		assert.ok(/it would write table accounts/.test(server.stderr), server.stderr.slice(-2000));
		await iom.ok('test.sql', { sql: 'DROP TRIGGER test_t' });
		await iom.ok('test.sql', { sql: 'DROP VIEW test_v' });
		await iom.ok('test.put', { key: 'k2', value: 'v2' });
		await refused('CREATE TRIGGER test_t2 AFTER INSERT ON members_orgs BEGIN SELECT 1; END', 'table members_orgs');
		await refused('CREATE TABLE members_extra(x)', 'members_extra');
		await refused('DROP TABLE members_audit', 'members_audit');
		// what only the core may do
		await refused('PRAGMA writable_schema = 1', 'is the core\'s');
		await refused("ATTACH DATABASE ':memory:' AS other", 'is the core\'s');
		await refused('CREATE TEMP TABLE scratch(x)', 'database "temp" is not its own');
		await refused('COMMIT', 'is the core\'s');
		// nothing was changed
		assert.equal(await sqlite(server.config.database.path, "SELECT active FROM accounts WHERE login = 'rco'"), '1');
		assert.equal(await sqlite(server.config.database.path, "SELECT count(*) FROM sqlite_master WHERE name IN ('test_v', 'test_t', 'test_t2', 'members_extra')"), '0');
		assert.equal(await sqlite(server.config.database.path, "SELECT count(*) FROM sqlite_master WHERE name = 'members_audit'"), '1');
	});

	test('a statement membership prepared is not handed to another plugin that sends the same text', async () => {
		// membership prepares and caches this statement when the service runs
		const m = await iom.ok('test.members', {});
		assert.equal(m.orgs.length, 10, JSON.stringify(m));
		await refused("SELECT code FROM members_orgs WHERE active=1 AND standing='member' ORDER BY code", 'table members_orgs');
	});

	test('through the service accord.members, the same data is there', async () => {
		const m = await iom.ok('test.members', {});
		const want = (await sqlite(server.config.database.path, "SELECT group_concat(code, ',') FROM (SELECT code FROM members_orgs WHERE active=1 AND standing='member' ORDER BY code)")).split(',');
		assert.deepEqual(m.orgs, want);
		// sys.info says who offers and who needs which service
		const info = await iom.ok('sys.info', {});
		const byName = Object.fromEntries(info.plugins.map((p) => [p.name, p]));
		assert.deepEqual(byName.membership.provides, [{ name: 'accord.members', version: 1 }]);
		assert.deepEqual(byName.consensus.requires.map((r) => `${r.name}@${r.version}${r.optional ? '?' : ''}`), ['accord.members@1', 'accord.groups@1?', 'accord.notify@1?']);
		assert.deepEqual(byName.consensus.provides, [{ name: 'accord.decisions', version: 1 }]);
	});
});

describe('accord.members watch: consensus follows the members list', { timeout: 120_000 }, () => {
	let server, rco, iom, mol, mfa;
	before(async () => {
		server = await startServer({ plugins: PLUGINS });
		[rco, iom, mol, mfa] = await Promise.all(['rco', 'iom', 'mol', 'mfa'].map((l) => connectAs(server, l)));
	});
	after(async () => {
		await closeAll(rco, iom, mol, mfa);
		await server?.dispose();
	});

	/** Polls get until it answers as wanted (the refresh is one storage round trip after the change). */
	async function until(c, id, wantOk, what) {
		const deadline = Date.now() + 3000;
		let r;
		for (;;) {
			r = await c.request('consensus.get', { proposal: id });
			if (r.ok === wantOk || Date.now() > deadline) break;
			await new Promise((res) => setTimeout(res, 25));
		}
		assert.equal(r.ok, wantOk, `${what}: ${JSON.stringify(r)}`);
		if (!wantOk) assert.equal(r.error.code, 'not_found', `${what}: a hidden proposal answers like a missing one`);
	}

	test('a new state counterpart sees state matters at once; the former one no longer does', async () => {
		const d = await rco.ok('consensus.create', { title: 'Labour migration agreement', text: 'Consult the ministry', kind: 'decision', state_matter: true });
		const id = d.proposal.id;
		await rco.ok('consensus.open', { proposal: id });
		await until(mol, id, true, 'MOL, the state counterpart, sees the open state matter');
		await until(mfa, id, false, 'MFA, a partner, does not');
		const orgs = (await iom.ok('members.orgs', {})).orgs;
		const mfaOrg = orgs.find((o) => o.code === 'MFA');
		const molOrg = orgs.find((o) => o.code === 'MOL');
		await iom.ok('members.org.save', { code: 'MFA', name: mfaOrg.name, kind: mfaOrg.kind, standing: mfaOrg.standing, state_counterpart: true });
		await until(mfa, id, true, 'MFA, now the state counterpart, sees it');
		await until(mol, id, false, 'MOL, no longer the state counterpart, does not');
		await iom.ok('members.org.save', { code: 'MOL', name: molOrg.name, kind: molOrg.kind, standing: molOrg.standing, state_counterpart: true });
		await until(mol, id, true, 'MOL again');
		await until(mfa, id, false, 'MFA no longer');
	});

	test('a network without a state counterpart still decides (the service answers not_found for it)', async () => {
		const molOrg = (await iom.ok('members.orgs', {})).orgs.find((o) => o.code === 'MOL');
		await iom.ok('members.org.save', { code: 'MOL', name: molOrg.name, kind: molOrg.kind, standing: molOrg.standing, state_counterpart: false });
		try {
			const d = await rco.ok('consensus.create', { title: 'No counterpart', text: 'Internal matter', kind: 'decision' });
			await rco.ok('consensus.open', { proposal: d.proposal.id });
			const r = await rco.ok('consensus.position', { proposal: d.proposal.id, position: 'agree' });
			assert.ok(r, 'a position is recorded');
		} finally {
			await iom.ok('members.org.save', { code: 'MOL', name: molOrg.name, kind: molOrg.kind, standing: molOrg.standing, state_counterpart: true });
		}
	});
});

describe('start-up refuses a plugin whose required service has no provider', { timeout: 60_000 }, () => {
	test('consensus without membership names the missing service', async () => {
		await assert.rejects(startServer({ plugins: { consensus: {}, test: {} } }),
			/plugin consensus requires service accord\.members version 1, which no enabled plugin provides/);
	});
});
