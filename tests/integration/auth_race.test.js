// Logout against a resume in flight (issue 16, item 3).  Connection A logs
// out while connection B sends auth.resume with the same token at the same
// moment.  Whatever order the server's jobs run in, once both have answered
// B is not authenticated: a request that needs a login answers
// unauthenticated (or B was closed as "session revoked").  Before the fix a
// resume queued before the revocation committed authenticated B with the
// revoked token for the token's whole lifetime.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect, connectAs, closeAll } from './lib/harness.js';

const TRIES = 40;

/** Yields to the event loop n times, to shift one send against the other. */
async function ticks(n) {
	for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

describe('logout against a resume in flight', { timeout: 180_000 }, () => {
	let server;
	const clients = [];
	before(async () => {
		server = await startServer();
	});
	after(async () => {
		await closeAll(clients);
		if (server) await server.dispose();
	});

	test(`a revoked token never authenticates a resume sent at the same moment (${TRIES} tries)`, async (t) => {
		const leaked = [];
		const seen = { resumeOk: 0, resumeRefused: 0, closed: 0 };
		for (let i = 0; i < TRIES; i++) {
			const a = await connectAs(server, 'unicef');
			const b = await connect(server);
			clients.push(a, b);
			// Alternate which frame leaves first and by how much, so that
			// both orders of the two jobs on the server are tried.
			// The resume first with no gap is the order that lost the race.
			const resumeFirst = i % 4 !== 3;
			const gap = i % 4 === 2 ? 1 : 0;
			let resume, logout;
			if (resumeFirst) {
				resume = b.request('auth.resume', { token: a.token }).catch((e) => ({ closed: e.message }));
				await ticks(gap);
				logout = a.request('auth.logout', {});
			} else {
				logout = a.request('auth.logout', {});
				await ticks(gap);
				resume = b.request('auth.resume', { token: a.token }).catch((e) => ({ closed: e.message }));
			}
			const [r, out] = await Promise.all([resume, logout]);
			assert.equal(out.ok, true, `try ${i}: logout: ${JSON.stringify(out)}`);
			if (r.closed) seen.closed++;
			else if (r.ok) seen.resumeOk++;
			else seen.resumeRefused++;
			// Both have answered: B must not act for unicef any more.
			let s;
			try {
				s = b.isOpen ? await b.request('sys.info', {}) : { closed: true };
			} catch (e) {
				s = { closed: e.message };
			}
			if (s.ok) leaked.push({ try: i, resumeFirst, gap, resume: r });
			else if (!s.closed)
				assert.equal(s.error.code, 'unauthenticated', `try ${i}: ${JSON.stringify(s)}`);
			await a.close();
			await b.close();
		}
		t.diagnostic(`resume answered ok ${seen.resumeOk}, refused ${seen.resumeRefused}, connection closed ${seen.closed}`);
		assert.deepEqual(leaked, [], `B stayed authenticated with the revoked token in ${leaked.length} of ${TRIES} tries`);
	});
});
