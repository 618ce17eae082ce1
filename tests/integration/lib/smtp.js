// The SMTP server of the notify tests: Debian's aiosmtpd on loopback
// (smtp_sink.py), and Python's own e-mail parser for what it received
// (mime_parse.py).  Used by notify.test.js and canary.test.js.
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from './harness.js';

const LIB = path.dirname(fileURLToPath(import.meta.url));
const PY = '/usr/bin/python3';

export function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.once('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

/** The SMTP server: start, stop (down), mode ('ok' | 'refuse' | 'slow N'), messages(). */
export class Sink {
	/** tls: {cert, key, user, password}: STARTTLS required, AUTH after it. */
	constructor(port, tls = null) {
		this.port = port;
		this.tls = tls;
		this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accord-smtp-'));
		this.proc = null;
	}
	async start() {
		const extra = this.tls ? [this.tls.cert, this.tls.key, this.tls.user, this.tls.password] : [];
		const p = spawn(PY, [path.join(LIB, 'smtp_sink.py'), this.dir, String(this.port), ...extra], { stdio: ['pipe', 'pipe', 'pipe'] });
		this.proc = p;
		let err = '';
		p.stderr.on('data', (d) => (err += d));
		await new Promise((resolve, reject) => {
			const t = setTimeout(() => reject(new Error(`smtp sink did not start: ${err}`)), 10_000);
			p.stdout.on('data', (d) => {
				if (String(d).includes('READY')) {
					clearTimeout(t);
					resolve();
				}
			});
			p.once('exit', () => reject(new Error(`smtp sink exited: ${err}`)));
		});
	}
	async stop() {
		if (!this.proc) return;
		const p = this.proc;
		this.proc = null;
		const gone = new Promise((r) => p.once('exit', r));
		p.kill('SIGKILL');
		await gone;
	}
	mode(m) {
		fs.writeFileSync(path.join(this.dir, 'mode'), m);
	}
	messages() {
		return new Promise((resolve, reject) =>
			execFile(PY, [path.join(LIB, 'mime_parse.py'), this.dir], { maxBuffer: 64 << 20 }, (e, out, err) =>
				e ? reject(new Error(`${e.message}: ${err}`)) : resolve(JSON.parse(out)),
			),
		);
	}
	/** Waits until pred(messages) holds; returns the messages. */
	async until(pred, what, ms = 15_000) {
		const end = Date.now() + ms;
		for (;;) {
			const m = await this.messages();
			if (pred(m)) return m;
			if (Date.now() > end) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(m.map((x) => [x.rcpt_tos, x.headers.subject]))}`);
			await sleep(100);
		}
	}
	dispose() {
		fs.rmSync(this.dir, { recursive: true, force: true });
	}
}


/** The plugin section of a notify plugin that sends to sink port (plain SMTP on loopback). */
export function notifyConfig(port, extra = {}) {
	return {
		public_url: 'https://accord.test',
		from: 'accord@accord.test',
		network_name: 'Test Network',
		smtp: { host: '127.0.0.1', port, security: 'plain', timeout_s: 10 },
		retry_initial_s: 1,
		retry_max_s: 2,
		poll_ms: 100,
		...extra,
	};
}

/** Filters: a message to addr; the text of a MIME part of a parsed message. */
export const to = (addr) => (m) => m.rcpt_tos.includes(addr);
export const text = (m, type) => m.parts.find((p) => p.type === type)?.text;

/** The test addresses of the demo network's focal points. */
export const ADDR = { unicef: 'fp@unicef.test', undp: 'fp@undp.test', mol: 'fp@mol.test', mfa: 'fp@mfa.test' };

/** Logs iom, rco, unicef, undp, mol and mfa in (connectAs); each with an address in ADDR sets it. */
export async function withAddresses(server, connectAs) {
	const c = {};
	for (const l of ['iom', 'rco', 'unicef', 'undp', 'mol', 'mfa']) {
		c[l] = await connectAs(server, l);
		if (ADDR[l]) await c[l].ok('notify.prefs.set', { email: ADDR[l] });
	}
	return c;
}
