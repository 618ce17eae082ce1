// Crash loop: under a steady load of durable writes, the server is killed
// with SIGKILL at random moments (ACCORD_CRASH_LOOPS times, default 100) and
// restarted.  Checked against the client's own log: nothing acknowledged is
// lost, nothing is stored that was never sent, and PRAGMA integrity_check
// says ok.  (Each key is written once, and the key is the primary key, so
// nothing can be stored twice.)
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startServer, connect, sleep } from './lib/harness.js';

const LOOPS = Number(process.env.ACCORD_CRASH_LOOPS || 100);
const IN_FLIGHT = 8;

describe('crash loop', { timeout: 600_000 }, () => {
	let server;
	before(async () => {
		server = await startServer({ limits: { rate_per_sec: 100000, rate_burst: 100000, flood_close_after: 1000000 } });
	});
	after(async () => {
		if (server) await server.dispose();
	});

	test(`${LOOPS} kill -9 under load lose no acknowledged write`, async () => {
		const sent = new Set();
		const acked = new Set();
		let next = 0;
		let token = null;
		const failures = [];

		for (let loop = 0; loop < LOOPS; loop++) {
			const c = await connect(server);
			const auth = token
				? await c.request('auth.resume', { token })
				: await c.request('auth.login', { login: 'undp', password: process.env.ACCORD_DEMO_PASSWORD || 'demo-pass-123' });
			assert.equal(auth.ok, true, `loop ${loop}: ${JSON.stringify(auth)}`);
			if (!token) token = auth.data.token;

			// Keep IN_FLIGHT writes going until the kill.
			let stop = false;
			const worker = async () => {
				while (!stop) {
					const key = `k${next++}`;
					sent.add(key);
					const r = await c.request('test.put', { key, value: `v-${key}` }).catch(() => null);
					if (r && r.ok) acked.add(key);
					else if (r && !r.ok && r.error?.code !== 'unavailable') failures.push(`put ${key}: ${JSON.stringify(r)}`);
					if (!r || !r.ok) return;
				}
			};
			const workers = Array.from({ length: IN_FLIGHT }, worker);
			await sleep(30 + Math.random() * 200);
			await server.kill9();
			stop = true;
			await Promise.race([Promise.allSettled(workers), sleep(2000)]);
			c.close();
			await server.restart();
		}
		await server.stop('SIGTERM');
		assert.deepEqual(failures, [], 'writes refused for another reason than the crash');

		const db = path.join(server.dir, 'accord.db');
		const sqlite = (sql) => execFileSync('sqlite3', [db, sql], { encoding: 'utf8', maxBuffer: 1 << 28 }).trim();
		assert.equal(sqlite('PRAGMA integrity_check'), 'ok');
		const rows = sqlite("SELECT key || '|' || value FROM test_kv").split('\n').filter(Boolean).map((l) => l.split('|'));
		const stored = new Set(rows.map(([k]) => k));
		const wrong = rows.filter(([k, v]) => v !== `v-${k}`);
		assert.deepEqual(wrong, [], 'stored values differ from what was sent');
		const lost = [...acked].filter((k) => !stored.has(k));
		const phantom = [...stored].filter((k) => !sent.has(k));
		assert.deepEqual(lost, [], `${lost.length} acknowledged writes lost`);
		assert.deepEqual(phantom, [], 'stored writes that were never sent');
		assert.ok(acked.size > LOOPS, `the load was real: ${acked.size} acknowledged writes over ${LOOPS} crashes`);
		console.log(`# crash loop: ${LOOPS} kills, ${sent.size} sent, ${acked.size} acknowledged, ${stored.size} stored`);
	});
});
