// Health reflects whether commits succeed (issue 16, item 6).
//
// The database lives on a small tmpfs mounted for the test (needs root; the
// test is skipped otherwise).  Filling the file system makes every write
// fail: clients get `unavailable` with a message that says why ("the
// database cannot be written: disk full"), never `internal`, and /healthz
// answers 503 with that reason.  Freeing the space lets writes commit again,
// and /healthz answers 200 again.  See docs/operations.md ("Health").
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, connect, connectAs, closeAll, httpRequest, DEMO_PASSWORD } from './lib/harness.js';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Writes to file until the file system is full (ENOSPC). */
function fillDisk(file) {
	const fd = fs.openSync(file, 'w');
	const chunk = Buffer.alloc(64 * 1024, 0x61);
	try {
		for (;;) fs.writeSync(fd, chunk);
	} catch (e) {
		if (e.code !== 'ENOSPC') throw e;
	} finally {
		fs.closeSync(fd);
	}
}

describe('disk full: health and replies say why', { timeout: 120_000, skip: isRoot ? false : 'needs root to mount a tmpfs' }, () => {
	let server;
	let mnt;
	const clients = [];
	before(async () => {
		mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'accord-full-'));
		execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt]);
		server = await startServer({ dbDir: mnt, metricsToken: false });
	});
	after(async () => {
		await closeAll(clients);
		if (server) await server.dispose();
		if (mnt) {
			try {
				execFileSync('umount', [mnt]);
				fs.rmdirSync(mnt);
			} catch {
				/* left for the OS */
			}
		}
	});

	test('a full disk: writes answer unavailable "disk full", /healthz 503 with the reason; both recover', async () => {
		const c = await connectAs(server, 'undp');
		clients.push(c);
		const h0 = await httpRequest(server, '/healthz');
		assert.equal(h0.status, 200, h0.body);
		await c.ok('test.put', { key: 'before', value: 'x' });

		const filler = path.join(mnt, 'filler');
		fillDisk(filler);
		const big = 'v'.repeat(60 * 1024); // more than any free page in the database
		for (let i = 0; i < 3; i++) {
			const r = await c.request('test.put', { key: `full-${i}`, value: big });
			assert.equal(r.ok, false, `a write on a full disk cannot succeed: ${JSON.stringify(r).slice(0, 300)}`);
			assert.equal(r.error.code, 'unavailable', `expected unavailable, got ${JSON.stringify(r.error)}`);
			assert.match(r.error.message, /disk full/, `the message says why: ${r.error.message}`);
		}
		// a login stores a session: it fails the same way
		const late = await connect(server);
		clients.push(late);
		const lr = await late.request('auth.login', { login: 'unicef', password: DEMO_PASSWORD });
		assert.equal(lr.ok, false, JSON.stringify(lr));
		assert.equal(lr.error.code, 'unavailable', JSON.stringify(lr.error));
		assert.match(lr.error.message, /disk full/, JSON.stringify(lr.error));
		const h1 = await httpRequest(server, '/healthz');
		assert.equal(h1.status, 503, `/healthz while nothing can be written: ${h1.body}`);
		const b1 = JSON.parse(h1.body);
		assert.equal(b1.status, 'unavailable');
		assert.match(b1.reason, /disk full/, h1.body);
		// reads still work
		assert.equal((await c.ok('test.get', { key: 'before' })).value, 'x');

		fs.unlinkSync(filler);
		const h2 = await httpRequest(server, '/healthz');
		assert.equal(h2.status, 200, `/healthz after space was freed: ${h2.body}`);
		await c.ok('test.put', { key: 'after', value: big });
		assert.equal((await late.request('auth.login', { login: 'unicef', password: DEMO_PASSWORD })).ok, true, 'logins work again');
		assert.equal((await c.ok('test.get', { key: 'after' })).value.length, big.length);
		for (let i = 0; i < 3; i++) {
			const r = await c.request('test.get', { key: `full-${i}` });
			assert.equal(r.error?.code, 'not_found', `the refused write was not stored: ${JSON.stringify(r).slice(0, 200)}`);
		}
	});
});
