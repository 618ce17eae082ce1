// Online backup under load, and restore: `accord backup` while the server
// serves writes; `accord restore` refused while a server runs, refused for a
// file that is not a sound Accord database, and otherwise bringing back
// exactly what the backup held.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, connectAs, runAccord, sleep } from './lib/harness.js';

describe('backup and restore', { timeout: 120_000 }, () => {
	let server;
	before(async () => {
		server = await startServer({ limits: { rate_per_sec: 100000, rate_burst: 100000, flood_close_after: 1000000 } });
	});
	after(async () => {
		if (server) await server.dispose();
	});

	test('a backup taken under load restores exactly what it held', async () => {
		const c = await connectAs(server, 'undp');
		const ackedAt = new Map(); // key -> time acknowledged
		let n = 0, stop = false;
		const load = (async () => {
			while (!stop) {
				const key = `b${n++}`;
				const r = await c.request('test.put', { key, value: key });
				assert.equal(r.ok, true, JSON.stringify(r));
				ackedAt.set(key, Date.now());
			}
		})();
		await sleep(300);
		const dest = path.join(server.dir, 'backup.db');
		const started = Date.now();
		const b = await server.cli('backup', dest);
		const finished = Date.now();
		assert.equal(b.code, 0, b.stderr);
		await sleep(300);
		stop = true;
		await load;
		c.close();

		const sqlite = (db, sql) => execFileSync('sqlite3', [db, sql], { encoding: 'utf8', maxBuffer: 1 << 26 }).trim();
		assert.equal(sqlite(dest, 'PRAGMA integrity_check'), 'ok');
		const inBackup = new Set(sqlite(dest, 'SELECT key FROM test_kv').split('\n').filter(Boolean));
		const before = [...ackedAt].filter(([, t]) => t < started).map(([k]) => k);
		const after = [...ackedAt].filter(([, t]) => t > finished).map(([k]) => k);
		assert.ok(before.length > 10 && after.length > 10, `load before (${before.length}) and after (${after.length}) the backup`);
		assert.deepEqual(before.filter((k) => !inBackup.has(k)), [], 'writes acknowledged before the backup are in it');
		assert.deepEqual(after.filter((k) => inBackup.has(k)), [], 'writes acknowledged after the backup are not in it');

		// Restore is refused while the server runs...
		const busy = await server.cli('restore', dest);
		assert.notEqual(busy.code, 0);
		assert.match(busy.stderr, /in use by a running server/);
		// ...and so is a second server on the same database.
		const second = await runAccord(['serve', '--config', server.cfgPath, '--port', '0'], { timeoutMs: 5000 });
		assert.notEqual(second.code, 0);
		assert.match(second.stderr, /in use by another running server/);

		await server.stop('SIGTERM');
		const junk = path.join(server.dir, 'junk.db');
		fs.writeFileSync(junk, 'this is not a database');
		const bad = await server.cli('restore', junk);
		assert.notEqual(bad.code, 0);
		assert.match(bad.stderr, /not a sound Accord database/);

		const ok = await server.cli('restore', dest);
		assert.equal(ok.code, 0, ok.stderr);
		await server.restart();
		const d = await connectAs(server, 'undp');
		const k1 = before[before.length - 1];
		const g1 = await d.request('test.get', { key: k1 });
		assert.equal(g1.ok, true, `${k1} from before the backup: ${JSON.stringify(g1)}`);
		const k2 = after[after.length - 1];
		const g2 = await d.request('test.get', { key: k2 });
		assert.equal(g2.ok, false, `${k2} from after the backup must be gone`);
		assert.equal(g2.error.code, 'not_found');
		d.close();
		const count = await server.cli('test-kv-count');
		assert.equal(count.stdout.trim(), `count: ${inBackup.size}`);
	});
});
