// HTTP uploads are decided on their headers (issue 16, item 2): a POST to an
// upload route without a good bearer token, to a route closed to partners,
// or larger than limits.max_upload_bytes is answered before its body is
// read, so a flood of anonymous 20 MiB bodies does not fill the server's
// memory; uploads over limits.max_concurrent_uploads or
// limits.max_upload_total_bytes get 503 with Retry-After; an accepted body
// goes to a temporary file and the documents still arrive whole.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startServer, connectAs, closeAll, httpRequest, getMetric, sleep, DEMO_PASSWORD } from './lib/harness.js';

const MiB = 1 << 20;
const ZEROS = Buffer.alloc(MiB);

/** VmRSS and VmHWM (peak) of a process, in bytes. */
function memoryOf(pid) {
	const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
	const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)[1]) * 1024;
	return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/**
 * A POST over a raw socket, its body streamed in 1 MiB pieces with
 * backpressure.  It stops sending as soon as an answer arrives, and may
 * stop after `send` bytes until resume() is called.  `answer` resolves to
 * {status, headers, body, sentAtAnswer}: how much of the body the client
 * had handed to its socket when the first byte of the answer came.
 */
function upload(server, urlPath, { token, length, body, send = length } = {}) {
	const sock = net.connect(server.port, '127.0.0.1');
	let sent = 0, sentAtAnswer = null, answered = false, wake = null;
	const poke = () => { const w = wake; wake = null; if (w) w(); };
	const answer = new Promise((resolve, reject) => {
		let buf = Buffer.alloc(0), head = null;
		sock.on('data', (d) => {
			if (sentAtAnswer === null) sentAtAnswer = sent;
			buf = Buffer.concat([buf, d]);
			if (!head) {
				const i = buf.indexOf('\r\n\r\n');
				if (i < 0) return;
				const lines = buf.subarray(0, i).toString('latin1').split('\r\n');
				const headers = {};
				for (const l of lines.slice(1)) {
					const c = l.indexOf(':');
					headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
				}
				head = { status: Number(lines[0].split(' ')[1]), headers };
				buf = buf.subarray(i + 4);
			}
			if (buf.length >= Number(head.headers['content-length'] || 0)) {
				answered = true;
				poke();
				resolve({ ...head, body: buf.toString('utf8'), sentAtAnswer });
				sock.destroy();
			}
		});
		// Writing on after the server half-closed may fail: the answer
		// is what counts.
		sock.on('error', (e) => { if (!answered) reject(e); poke(); });
		sock.on('close', () => { if (!answered) reject(new Error(`POST ${urlPath}: closed without an answer (sent ${sent} bytes)`)); poke(); });
		sock.on('drain', poke);
	});
	let resume;
	const resumed = new Promise((r) => { resume = r; });
	(async () => {
		const auth = token ? `Authorization: Bearer ${token}\r\n` : '';
		sock.write(`POST ${urlPath} HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}Content-Length: ${length}\r\n\r\n`);
		let stalled = false;
		while (!answered && !sock.destroyed && sent < length) {
			if (sent >= send && !stalled) {
				stalled = true;
				await resumed;
				continue;
			}
			const n = Math.min(MiB, length - sent, stalled ? length : send - sent);
			const piece = body ? body.subarray(sent, sent + n) : ZEROS.subarray(0, n);
			sent += n;
			if (!sock.write(piece)) await new Promise((r) => { wake = r; });
		}
	})().catch(() => {});
	return { answer, resume, sock };
}

async function login(server, who) {
	const c = await connectAs(server, who);
	const r = await c.request('auth.login', { login: who, password: DEMO_PASSWORD });
	assert.equal(r.ok, true, JSON.stringify(r));
	return { c, token: r.data.token };
}

describe('uploads decided on their headers', { timeout: 180_000 }, () => {
	let server;
	const dirs = [];
	const users = {};
	before(async () => {
		const groupsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'accord-files-'));
		const portalDir = fs.mkdtempSync(path.join(os.tmpdir(), 'accord-portal-'));
		dirs.push(groupsDir, portalDir);
		server = await startServer({
			plugins: { membership: {}, consensus: {}, groups: { files_dir: groupsDir }, actions: {}, portal: { files_dir: portalDir } },
		});
		for (const who of ['iom', 'undp', 'mol', 'cso']) users[who] = await login(server, who);
	});
	after(async () => {
		await closeAll(...Object.values(users).map((u) => u.c));
		if (server) await server.dispose();
		for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
	});

	test('40 anonymous 20 MiB bodies: each answered 401 before its body is sent, memory stays flat', async (t) => {
		const pid = server.proc.pid;
		// The logins' password hashing (argon2id) already set a high peak:
		// start the peak afresh (Linux >= 4.0), and sample RSS meanwhile too.
		fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
		const before = memoryOf(pid);
		let sampled = before.rss;
		const sampler = setInterval(() => { sampled = Math.max(sampled, memoryOf(pid).rss); }, 20);
		const LEN = 20 * MiB;
		const routes = ['/api/groups/files?group=1&title=x&name=x.bin', '/api/portal/input?name=x.bin'];
		const answers = [];
		for (let round = 0; round < 4; round++)
			answers.push(...await Promise.all(Array.from({ length: 10 }, (_, i) =>
				upload(server, routes[i % 2], { length: LEN }).answer)));
		clearInterval(sampler);
		const afterFlood = memoryOf(pid);
		afterFlood.hwm = Math.max(afterFlood.hwm, sampled);
		const sent = answers.reduce((n, a) => n + a.sentAtAnswer, 0);
		const grew = afterFlood.hwm - before.rss;
		const report = `peak RSS grew by ${(grew / MiB).toFixed(1)} MiB for ${answers.length} bodies of ${LEN / MiB} MiB offered, ` +
			`${(sent / MiB).toFixed(1)} MiB of them sent before the answers (RSS ${(before.rss / MiB).toFixed(1)} -> ${(afterFlood.rss / MiB).toFixed(1)} MiB, peak ${(afterFlood.hwm / MiB).toFixed(1)} MiB)`;
		t.diagnostic(report);
		assert.ok(grew < 64 * MiB, `the server's ${report}`);
		for (const a of answers) {
			assert.equal(a.status, 401, a.body);
			assert.equal(JSON.parse(a.body).error, 'unauthenticated');
			assert.ok(a.sentAtAnswer < LEN, `answered before the body was sent (had sent ${a.sentAtAnswer} of ${LEN})`);
		}
		assert.equal(await getMetric(server, 'accord_http_uploads_active'), 0, 'no upload holds a place');
	});

	test('refusals on the headers: bad token 401, partner on a member route 403, too large 413, unknown route 404', async () => {
		const LEN = 20 * MiB;
		const bogus = crypto.randomBytes(32).toString('base64url');
		const cases = [
			['/api/groups/files?group=1&title=x&name=x.bin', { token: bogus, length: LEN }, 401],
			['/api/consensus/record', { token: users.mol.token, length: LEN }, 403],
			['/api/groups/files?group=1&title=x&name=x.bin', { token: users.iom.token, length: 2 * LEN }, 413],
			['/api/nothing/here', { token: users.iom.token, length: LEN }, 404],
		];
		for (const [url, opts, status] of cases) {
			const a = await upload(server, url, opts).answer;
			assert.equal(a.status, status, `${url}: ${a.body}`);
			assert.ok(a.sentAtAnswer < opts.length, `${url}: answered before the body was sent (had sent ${a.sentAtAnswer})`);
			assert.equal(a.headers.connection, 'close', 'a connection with an unread body is not reused');
		}
		// A small anonymous POST sent whole still gets its 401 (and JSON).
		const small = await httpRequest(server, '/api/portal/input?name=x.txt', { method: 'POST', headers: { 'content-length': 1 }, body: 'x' });
		assert.equal(small.status, 401);
		assert.equal(JSON.parse(small.body).error, 'unauthenticated');
	});

	test('authenticated uploads still arrive whole: a group document (upload and download) and a portal input', async (t) => {
		const g = await users.iom.c.request('groups.create', { name: 'Uploads', kind: 'permanent', leads: ['IOM'], members: ['UNDP', 'MOL'] });
		assert.equal(g.ok, true, JSON.stringify(g));
		const group = g.data.group.id;
		const doc = crypto.randomBytes(5 * MiB + 123);
		const pid = server.proc.pid;
		fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
		const before = memoryOf(pid);
		const up = await upload(server, `/api/groups/files?group=${group}&title=Big&name=big.bin&visibility=internal`, { token: users.iom.token, length: doc.length, body: doc }).answer;
		assert.equal(up.status, 200, up.body);
		const grew = memoryOf(pid).hwm - before.rss;
		t.diagnostic(`a ${(doc.length / MiB).toFixed(1)} MiB upload: peak RSS grew by ${(grew / MiB).toFixed(1)} MiB`);
		assert.ok(grew < doc.length / 2, `the body went to a file, not memory: peak RSS grew by ${(grew / MiB).toFixed(1)} MiB`);
		const item = JSON.parse(up.body).item;
		assert.equal(item.file_size, doc.length);
		const down = await fetch(`${server.url}/api/groups/files?item=${item.id}`, { headers: { Authorization: `Bearer ${users.undp.token}` } });
		assert.equal(down.status, 200);
		assert.ok(Buffer.from(await down.arrayBuffer()).equals(doc), 'the download is the upload, byte for byte');

		const paper = crypto.randomBytes(MiB + 7);
		const inp = await upload(server, '/api/portal/input?name=paper.bin&text=Our%20paper', { token: users.cso.token, length: paper.length, body: paper }).answer;
		assert.equal(inp.status, 200, inp.body);
		const input = JSON.parse(inp.body).input;
		assert.equal(input.file_name, 'paper.bin');
		const got = await fetch(`${server.url}/api/portal/input?id=${input.id}`, { headers: { Authorization: `Bearer ${users.undp.token}` } });
		assert.equal(got.status, 200);
		assert.ok(Buffer.from(await got.arrayBuffer()).equals(paper), 'the portal input is the upload, byte for byte');
		// Members do not send portal input: decided by the plugin after the
		// body, as before.
		const byMember = await httpRequest(server, '/api/portal/input?name=x.txt', {
			method: 'POST', headers: { authorization: `Bearer ${users.undp.token}`, 'content-length': 1 }, body: 'x',
		});
		assert.equal(byMember.status, 403);
		assert.equal(await getMetric(server, 'accord_http_uploads_active'), 0);
		assert.equal(await getMetric(server, 'accord_http_upload_bytes'), 0);
	});
});

describe('upload caps', { timeout: 120_000 }, () => {
	let server, iom, group;
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accord-files-'));
	before(async () => {
		server = await startServer({
			plugins: { membership: {}, groups: { files_dir: dir } },
			limits: { max_upload_bytes: MiB, max_concurrent_uploads: 2, max_upload_total_bytes: 1.5 * MiB },
		});
		iom = await login(server, 'iom');
		const g = await iom.c.request('groups.create', { name: 'Caps', kind: 'permanent', leads: ['IOM'], members: ['UNDP'] });
		assert.equal(g.ok, true, JSON.stringify(g));
		group = g.data.group.id;
	});
	after(async () => {
		await closeAll(iom?.c);
		if (server) await server.dispose();
		fs.rmSync(dir, { recursive: true, force: true });
	});

	const url = (name) => `/api/groups/files?group=${group}&title=${name}&name=${name}.bin`;
	// Waits until the server counts n uploads in progress.
	async function active(n) {
		for (let i = 0; i < 200; i++) {
			if ((await getMetric(server, 'accord_http_uploads_active')) === n) return;
			await sleep(25);
		}
		assert.fail(`accord_http_uploads_active never reached ${n}`);
	}

	test('uploads over max_concurrent_uploads or max_upload_total_bytes get 503 with Retry-After', async () => {
		const a = upload(server, url('a'), { token: iom.token, length: MiB, send: 64 * 1024 });
		await active(1);
		const b = await upload(server, url('b'), { token: iom.token, length: MiB }).answer;
		assert.equal(b.status, 503, b.body);
		assert.ok(Number(b.headers['retry-after']) > 0, `Retry-After: ${b.headers['retry-after']}`);
		assert.match(JSON.parse(b.body).message, /max_upload_total_bytes/);

		const c = upload(server, url('c'), { token: iom.token, length: 256 * 1024, send: 1024 });
		await active(2);
		const d = await upload(server, url('d'), { token: iom.token, length: 1024 }).answer;
		assert.equal(d.status, 503, d.body);
		assert.ok(Number(d.headers['retry-after']) > 0);
		assert.match(JSON.parse(d.body).message, /max_concurrent_uploads/);

		a.resume();
		c.resume();
		assert.equal((await a.answer).status, 200);
		assert.equal((await c.answer).status, 200);
		await active(0);
		const e = await upload(server, url('e'), { token: iom.token, length: MiB }).answer;
		assert.equal(e.status, 200, 'the places are given back after the uploads');
		assert.equal(await getMetric(server, 'accord_http_upload_bytes'), 0);
	});

	test('a client that goes away mid-upload gives its place back', async () => {
		const a = upload(server, url('gone'), { token: iom.token, length: MiB, send: 64 * 1024 });
		await active(1);
		a.answer.catch(() => {});
		a.sock.destroy();
		await active(0);
		assert.equal(await getMetric(server, 'accord_http_upload_bytes'), 0);
	});
});
