// Black-box test harness for the Accord server.
//
// Starts real `accord` processes on an ephemeral port with a throw-away
// database, and talks to them over WebSocket (package `ws`) and HTTP.
//
// Environment:
//   ACCORD_BIN         path to the `accord` binary
//   ACCORD_PLUGIN_DIR  directory with the built plugins (*.so), incl. test.so
//   ACCORD_SOURCE_DIR  repository root (for web/ and config/)
//   ACCORD_KEEP_TMP=1  keep the temporary server directories (debugging)
//   ACCORD_WRAPPER     optional command that `accord serve` runs under, split on
//                      spaces (e.g. "valgrind --error-exitcode=99 ..."); with it
//                      the start timeout is 120 s

import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';

export const DEMO_PASSWORD = 'demo-pass-123';
/** The bearer token of /metrics in the servers startServer() makes (config metrics.token). */
export const METRICS_TOKEN = 'it-metrics-token-0123456789abcdef';
export const ALLOWED_ORIGIN = 'http://allowed.example';
export const MEMBERS = ['rco', 'iom', 'undp', 'unhcr', 'unicef', 'unfpa', 'unic', 'unrcca', 'unodc', 'unesco'];
export const PARTNERS = ['mol', 'mfa', 'cso'];

const START_TIMEOUT_MS = 10_000;
const INIT_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const STDERR_CAP = 1 << 20;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- env

let envCache = null;
export function env() {
	if (envCache) return envCache;
	const missing = ['ACCORD_BIN', 'ACCORD_PLUGIN_DIR', 'ACCORD_SOURCE_DIR'].filter((k) => !process.env[k]);
	if (missing.length) {
		throw new Error(
			`integration tests need ${missing.join(', ')} in the environment, e.g.\n` +
				'  ACCORD_BIN=/work/main/build/accord ACCORD_PLUGIN_DIR=/work/main/build/plugins ' +
				'ACCORD_SOURCE_DIR=/work/main node --test',
		);
	}
	const bin = path.resolve(process.env.ACCORD_BIN);
	const pluginDir = path.resolve(process.env.ACCORD_PLUGIN_DIR);
	const sourceDir = path.resolve(process.env.ACCORD_SOURCE_DIR);
	try {
		fs.accessSync(bin, fs.constants.X_OK);
	} catch {
		throw new Error(`ACCORD_BIN=${bin} is not an executable file`);
	}
	if (!fs.existsSync(path.join(pluginDir, 'test.so')))
		throw new Error(`ACCORD_PLUGIN_DIR=${pluginDir} does not contain test.so (the test plugin)`);
	if (!fs.existsSync(sourceDir) || !fs.statSync(sourceDir).isDirectory())
		throw new Error(`ACCORD_SOURCE_DIR=${sourceDir} is not a directory`);
	envCache = { bin, pluginDir, sourceDir };
	return envCache;
}

// ------------------------------------------------- process bookkeeping

const liveProcs = new Set();
const tmpDirs = new Set();

function killAll() {
	for (const p of liveProcs) {
		try {
			p.kill('SIGKILL');
		} catch {
			/* already gone */
		}
	}
	liveProcs.clear();
	if (!process.env.ACCORD_KEEP_TMP) {
		for (const d of tmpDirs) {
			try {
				fs.rmSync(d, { recursive: true, force: true });
			} catch {
				/* ignore */
			}
		}
	}
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
	process.on(sig, () => {
		killAll();
		process.exit(128 + (os.constants.signals[sig] || 0));
	});
}

// ------------------------------------------------------------ helpers

function deepMerge(base, extra) {
	const out = { ...base };
	for (const [k, v] of Object.entries(extra || {})) {
		if (v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object' && !Array.isArray(out[k]))
			out[k] = deepMerge(out[k], v);
		else out[k] = v;
	}
	return out;
}

/**
 * Runs the accord binary with arguments; resolves {code, signal, stdout, stderr}.
 * input: written to its stdin, which is then closed (always closed, so a
 * command reading stdin, e.g. `accord passwd`, never waits for a person).
 */
export function runAccord(args, { extraEnv = {}, timeoutMs = INIT_TIMEOUT_MS, input = '' } = {}) {
	const { bin, sourceDir } = env();
	return new Promise((resolve) => {
		const child = execFile(
			bin,
			args,
			{
				cwd: sourceDir,
				env: { ...process.env, ...extraEnv },
				timeout: timeoutMs,
				killSignal: 'SIGKILL',
				maxBuffer: 16 << 20,
			},
			(err, stdout, stderr) => {
				resolve({
					code: err ? (typeof err.code === 'number' ? err.code : null) : 0,
					signal: err ? err.signal || null : null,
					stdout: String(stdout),
					stderr: String(stderr),
					error: err && typeof err.code !== 'number' && !err.signal ? err : null,
				});
			},
		);
		child.stdin.on('error', () => {}); /* exited before reading it */
		child.stdin.end(input);
	});
}

// -------------------------------------------------------------- server

class Server {
	constructor(dir, cfgPath, config) {
		this.dir = dir;
		this.cfgPath = cfgPath;
		this.config = config;
		this.proc = null;
		this.port = null;
		this.url = null;
		this.wsUrl = null;
		this._stderr = '';
		this._stdout = '';
		this.exitInfo = null;
		this._exitPromise = null;
	}

	/** Everything the current (or last) server process wrote to stderr. */
	get stderr() {
		return this._stderr;
	}
	get stdout() {
		return this._stdout;
	}
	get running() {
		return this.proc !== null && this.exitInfo === null;
	}

	async _spawn() {
		const { bin, sourceDir } = env();
		this._stderr = '';
		this._stdout = '';
		this.exitInfo = null;
		const wrapper = (process.env.ACCORD_WRAPPER || '').split(' ').filter(Boolean);
		const argv = [...wrapper.slice(1), bin, 'serve', '--config', this.cfgPath];
		const proc = spawn(wrapper.length ? wrapper[0] : bin, wrapper.length ? argv : argv.slice(1), {
			cwd: sourceDir,
			env: { ...process.env, ACCORD_DEMO_PASSWORD: DEMO_PASSWORD },
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		this.proc = proc;
		liveProcs.add(proc);
		this._exitPromise = new Promise((resolve) => {
			proc.once('exit', (code, signal) => {
				liveProcs.delete(proc);
				this.exitInfo = { code, signal };
				resolve(this.exitInfo);
			});
		});
		proc.stderr.setEncoding('utf8');
		proc.stderr.on('data', (d) => {
			this._stderr += d;
			if (this._stderr.length > STDERR_CAP) this._stderr = this._stderr.slice(-STDERR_CAP);
		});
		proc.stdout.setEncoding('utf8');

		const port = await new Promise((resolve, reject) => {
			let buf = '';
			let done = false;
			const finish = (err, val) => {
				if (done) return;
				done = true;
				clearTimeout(timer);
				if (err) reject(err);
				else resolve(val);
			};
			const timer = setTimeout(() => {
				try {
					proc.kill('SIGKILL');
				} catch {
					/* ignore */
				}
				finish(
					new Error(
						`accord serve did not print "accord: listening on http://ADDRESS:PORT/" within ` +
							`${START_TIMEOUT_MS} ms\n--- stdout ---\n${this._stdout}\n--- stderr ---\n${this._stderr}`,
					),
				);
			}, process.env.ACCORD_WRAPPER ? 120_000 : START_TIMEOUT_MS);
			proc.stdout.on('data', (d) => {
				this._stdout += d;
				if (this._stdout.length > STDERR_CAP) this._stdout = this._stdout.slice(-STDERR_CAP);
				buf += d;
				const m = /accord: listening on (https?):\/\/(\[[0-9a-fA-F:.]+\]|[0-9.]+):(\d+)\//.exec(buf);
				if (m) {
					this.scheme = m[1];
					this.listenHost = m[2];
					finish(null, Number(m[3]));
				}
			});
			proc.once('exit', (code, signal) => {
				// give the stderr pipe a moment to drain before reporting
				setTimeout(
					() =>
						finish(
							new Error(
								`accord serve exited (code ${code}, signal ${signal}) before listening` +
									`\n--- stdout ---\n${this._stdout}\n--- stderr ---\n${this._stderr}`,
							),
						),
					50,
				);
			});
			proc.once('error', (e) => finish(e));
		});
		this.port = port;
		// The address clients use: the printed one, or loopback for a wildcard.
		const bare = this.listenHost.replace(/^\[|\]$/g, '');
		this.host = bare === '0.0.0.0' ? '127.0.0.1' : bare === '::' ? '::1' : bare;
		const urlHost = this.host.includes(':') ? `[${this.host}]` : this.host;
		const tls = this.scheme === 'https';
		this.url = `${tls ? 'https' : 'http'}://${urlHost}:${port}`;
		this.wsUrl = `${tls ? 'wss' : 'ws'}://${urlHost}:${port}/ws`;
		return this;
	}

	/** Sends signal and waits for the process to exit: {code, signal}. */
	async stop(signal = 'SIGTERM', timeoutMs = STOP_TIMEOUT_MS) {
		if (!this.proc) return null;
		if (this.exitInfo) return this.exitInfo;
		this.proc.kill(signal);
		let timer;
		const res = await Promise.race([
			this._exitPromise,
			new Promise((r) => {
				timer = setTimeout(() => r(null), timeoutMs);
			}),
		]);
		clearTimeout(timer);
		if (res === null) {
			this.proc.kill('SIGKILL');
			await this._exitPromise;
			throw new Error(`accord did not exit within ${timeoutMs} ms of ${signal}; killed\n--- stderr ---\n${this._stderr}`);
		}
		return res;
	}

	/** Kills the server with SIGKILL and waits for it to be gone. */
	async kill9() {
		if (!this.proc || this.exitInfo) return this.exitInfo;
		this.proc.kill('SIGKILL');
		return this._exitPromise;
	}

	/** Waits for the current process to exit (without signalling it). */
	waitExit() {
		return this._exitPromise;
	}

	/** Starts `accord serve` (for a server made with start: false). */
	start() {
		return this._spawn();
	}

	/** Starts the server again on the same config and database (new port). */
	async restart() {
		if (this.running) await this.stop('SIGTERM');
		return this._spawn();
	}

	/** Stops the server (SIGKILL if needed) and removes its directory. */
	async dispose() {
		if (this.running) {
			try {
				await this.stop('SIGTERM', 5000);
			} catch {
				/* killed */
			}
		}
		if (!process.env.ACCORD_KEEP_TMP) {
			await fsp.rm(this.dir, { recursive: true, force: true });
			tmpDirs.delete(this.dir);
		}
	}

	/** Runs an `accord` CLI subcommand with this server's config. */
	cli(subcommand, ...args) {
		return runAccord([subcommand, '--config', this.cfgPath, ...args], {
			extraEnv: { ACCORD_DEMO_PASSWORD: DEMO_PASSWORD },
		});
	}
}

/**
 * Creates a fresh server directory + config, runs `accord init --demo`, and
 * starts `accord serve`.  Options:
 *   limits       overrides for the config's "limits" section
 *   plugins      config sections per plugin (default {test: {}})
 *   extraConfig  deep-merged into the config object
 *   demo         seed the demo network (default true)
 *   dbDir        directory for accord.db (default: the temp dir)
 *   metricsToken configure metrics.token = METRICS_TOKEN (default true; false
 *                leaves the metrics section to extraConfig)
 *   start        start `accord serve` (default true; false: only the
 *                directory, config and demo, then call server.start())
 */
export async function startServer({ limits = {}, plugins, extraConfig = {}, demo = true, dbDir, metricsToken = true, start = true } = {}) {
	const { pluginDir, sourceDir } = env();
	const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'accord-it-'));
	tmpDirs.add(dir);
	const config = deepMerge(
		{
			listen: { address: '127.0.0.1', port: 0 },
			database: { path: path.join(dbDir || dir, 'accord.db'), synchronous: 'full' },
			web_root: path.join(sourceDir, 'web'),
			plugins: { dir: pluginDir, enabled: plugins || { test: {} } },
			origins: [ALLOWED_ORIGIN],
			limits: { ...limits },
			log_level: 'info',
			...(metricsToken ? { metrics: { token: METRICS_TOKEN } } : {}),
		},
		extraConfig,
	);
	const cfgPath = path.join(dir, 'accord.json');
	await fsp.writeFile(cfgPath, JSON.stringify(config, null, 2));

	if (demo) {
		const r = await runAccord(['init', '--config', cfgPath, '--demo'], {
			extraEnv: { ACCORD_DEMO_PASSWORD: DEMO_PASSWORD },
		});
		if (r.code !== 0) {
			throw new Error(
				`accord init --config ${cfgPath} --demo failed (code ${r.code}, signal ${r.signal}${r.error ? `, ${r.error.message}` : ''})` +
					`\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`,
			);
		}
	}
	const server = new Server(dir, cfgPath, config);
	if (start) await server._spawn();
	return server;
}

// -------------------------------------------------------------- client

export class Client {
	constructor(ws) {
		this.ws = ws;
		this.frames = []; // raw frames received, as strings
		this.messages = []; // parsed frames (null where unparseable)
		this.events = []; // event frames
		this.replies = []; // reply frames
		this.closed = null; // {code, reason} once closed
		this.errors = [];
		this._nextId = 1;
		this._pending = new Map();
		this._waiters = new Set();
		this._closeWaiters = [];

		ws.on('message', (data, isBinary) => {
			const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data).toString('utf8');
			this.frames.push(isBinary ? `[binary] ${text}` : text);
			let msg = null;
			try {
				msg = JSON.parse(text);
			} catch {
				msg = null;
			}
			this.messages.push(msg);
			if (msg && typeof msg === 'object' && !Array.isArray(msg)) {
				if ('event' in msg) this.events.push(msg);
				if ('re' in msg) {
					this.replies.push(msg);
					const key = JSON.stringify(msg.re);
					const p = this._pending.get(key);
					if (p) {
						this._pending.delete(key);
						clearTimeout(p.timer);
						p.resolve(msg);
					}
				}
			}
			for (const w of [...this._waiters]) w.check(msg);
		});
		ws.on('error', (e) => this.errors.push(e));
		ws.on('close', (code, reason) => {
			this.closed = { code, reason: reason.toString('utf8') };
			for (const [, p] of this._pending) {
				clearTimeout(p.timer);
				p.reject(new Error(`connection closed (code ${code}) before the reply to ${p.desc}`));
			}
			this._pending.clear();
			for (const w of [...this._waiters]) w.onClose();
			for (const r of this._closeWaiters) r(this.closed);
			this._closeWaiters = [];
		});
	}

	get isOpen() {
		return this.ws.readyState === WebSocket.OPEN;
	}

	/** Sends a request; resolves with the full reply object (ok or not).
	 *  idem: the request's idempotency key (sent again only for a retry). */
	request(type, data, { timeoutMs = 20_000, id, idem } = {}) {
		const reqId = id ?? `r${this._nextId++}`;
		const frame = { id: reqId, type };
		if (data !== undefined) frame.data = data;
		if (idem !== undefined) frame.idem = idem;
		const key = JSON.stringify(reqId);
		const desc = `${type} (id ${key})`;
		return new Promise((resolve, reject) => {
			if (!this.isOpen) {
				reject(new Error(`connection not open (closed: ${JSON.stringify(this.closed)}) for ${desc}`));
				return;
			}
			const timer = setTimeout(() => {
				this._pending.delete(key);
				reject(new Error(`no reply to ${desc} within ${timeoutMs} ms`));
			}, timeoutMs);
			this._pending.set(key, { resolve, reject, timer, desc });
			this.ws.send(JSON.stringify(frame), (err) => {
				if (err && this._pending.has(key)) {
					this._pending.delete(key);
					clearTimeout(timer);
					reject(err);
				}
			});
		});
	}

	/** Like request(), but asserts ok:true and returns the reply's data. */
	async ok(type, data, opts) {
		const r = await this.request(type, data, opts);
		if (r.ok !== true)
			throw new Error(`${type} ${JSON.stringify(data)} expected ok, got ${JSON.stringify(r)}`);
		return r.data;
	}

	/** auth.login that must succeed; returns the reply's data. */
	async login(login, password = DEMO_PASSWORD) {
		const r = await this.request('auth.login', { login, password });
		if (r.ok !== true) throw new Error(`auth.login as ${login} failed: ${JSON.stringify(r)}`);
		this.token = r.data.token;
		this.user = r.data.user;
		return r.data;
	}

	/** Sends a raw frame (string → text frame, Buffer → binary frame). */
	sendRaw(payload) {
		return new Promise((resolve, reject) => {
			this.ws.send(payload, { binary: Buffer.isBuffer(payload) }, (err) => (err ? reject(err) : resolve()));
		});
	}

	/**
	 * Resolves with the first parsed frame matching predicate, among those
	 * received from index `from` of this.messages on (default: all, including
	 * frames already received) and future ones.  Use `const mark =
	 * client.messages.length` before sending to only look at later frames.
	 */
	waitMessage(predicate, timeoutMs = 10_000, what = 'message', { from = 0 } = {}) {
		for (let i = from; i < this.messages.length; i++) {
			const m = this.messages[i];
			if (m && predicate(m)) return Promise.resolve(m);
		}
		return new Promise((resolve, reject) => {
			const w = {
				check: (m) => {
					if (m && predicate(m)) {
						this._waiters.delete(w);
						clearTimeout(w.timer);
						resolve(m);
					}
				},
				onClose: () => {
					this._waiters.delete(w);
					clearTimeout(w.timer);
					reject(new Error(`connection closed (${JSON.stringify(this.closed)}) while waiting for ${what}`));
				},
			};
			if (this.closed) {
				reject(new Error(`connection closed (${JSON.stringify(this.closed)}) while waiting for ${what}`));
				return;
			}
			w.timer = setTimeout(() => {
				this._waiters.delete(w);
				reject(new Error(`no ${what} matching ${predicate} within ${timeoutMs} ms`));
			}, timeoutMs);
			this._waiters.add(w);
		});
	}

	/** Resolves with the first event frame (already received or future) matching predicate. */
	waitEvent(predicate = () => true, timeoutMs = 10_000, { from = 0 } = {}) {
		return this.waitMessage((m) => 'event' in m && predicate(m), timeoutMs, 'event', { from });
	}

	/** Resolves with the first reply received from messages index `from` on. */
	waitReply(from, timeoutMs = 10_000, predicate = () => true) {
		return this.waitMessage((m) => 're' in m && predicate(m), timeoutMs, 'reply', { from });
	}

	/** Resolves with {code, reason} once the connection is closed. */
	waitClose(timeoutMs = 10_000) {
		if (this.closed) return Promise.resolve(this.closed);
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`connection not closed within ${timeoutMs} ms`)), timeoutMs);
			this._closeWaiters.push((c) => {
				clearTimeout(timer);
				resolve(c);
			});
		});
	}

	/** Closes the connection (normal closure) and waits briefly for it. */
	async close() {
		if (this.closed) return this.closed;
		try {
			this.ws.close(1000);
		} catch {
			this.ws.terminate();
		}
		try {
			return await this.waitClose(3000);
		} catch {
			this.ws.terminate();
			return this.closed;
		}
	}
}

/**
 * Opens a WebSocket to the server.  Rejects when the handshake fails; the
 * error then carries .status (HTTP status) when the server answered.
 * origin: null sends no Origin header at all; headers: extra request headers
 * (e.g. {Host: 'evil.example'}).  localAddress binds the client socket to
 * another loopback source address (127.0.0.2, ...), so the server sees a
 * different client address.
 */
export function connect(server, { origin = ALLOWED_ORIGIN, protocol = 'accord.v1', path: urlPath = '/ws', timeoutMs = 10_000, headers, localAddress } = {}) {
	const opts = { maxPayload: 256 << 20, handshakeTimeout: timeoutMs, perMessageDeflate: false };
	if (headers) opts.headers = headers;
	if (origin !== null) opts.origin = origin;
	if (localAddress) opts.localAddress = localAddress; // e.g. 127.0.0.2: another client address
	const base = `${server.wsUrl.replace(/\/ws$/, '')}${urlPath}`;
	const ws = protocol === null ? new WebSocket(base, opts) : new WebSocket(base, protocol, opts);
	const client = new Client(ws);
	return new Promise((resolve, reject) => {
		let settled = false;
		const fail = (err) => {
			if (settled) return;
			settled = true;
			try {
				ws.terminate();
			} catch {
				/* ignore */
			}
			reject(err);
		};
		ws.once('open', () => {
			if (settled) return;
			settled = true;
			resolve(client);
		});
		ws.once('unexpected-response', (req, res) => {
			const err = new Error(`Unexpected server response: ${res.statusCode}`);
			err.status = res.statusCode;
			err.headers = res.headers;
			res.resume();
			req.destroy();
			fail(err);
		});
		ws.once('error', (e) => fail(e));
		ws.once('close', (code) => fail(new Error(`closed during handshake (code ${code})`)));
	});
}

/** connect() + login() in one go. */
export async function connectAs(server, login, opts) {
	const c = await connect(server, opts);
	await c.login(login);
	return c;
}

// ---------------------------------------------------------------- http

/** Plain HTTP request to the server: resolves {status, headers, body}. */
export function httpRequest(server, urlPath, { method = 'GET', headers = {}, body, timeoutMs = 10_000 } = {}) {
	return new Promise((resolve, reject) => {
		const req = http.request(
			{ host: server.host || '127.0.0.1', port: server.port, path: urlPath, method, headers, agent: false },
			(res) => {
				const chunks = [];
				res.on('data', (c) => chunks.push(c));
				res.on('end', () =>
					resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
				);
				res.on('error', reject);
			},
		);
		req.setTimeout(timeoutMs, () => req.destroy(new Error(`HTTP ${method} ${urlPath}: no answer within ${timeoutMs} ms`)));
		req.on('error', reject);
		if (body !== undefined) req.write(body);
		req.end();
	});
}

/** Sums the values of a Prometheus metric (all label sets); null when absent. */
export function metricValue(text, name) {
	let found = false;
	let sum = 0;
	const re = new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+(\\S+)`, 'gm');
	for (const m of text.matchAll(re)) {
		found = true;
		sum += Number(m[1]);
	}
	return found ? sum : null;
}

export async function getMetric(server, name) {
	const r = await httpRequest(server, '/metrics', { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
	if (r.status !== 200) throw new Error(`GET /metrics answered ${r.status}: ${r.body}`);
	return metricValue(r.body, name);
}

/** Closes every client given, ignoring failures. */
export async function closeAll(...clients) {
	await Promise.all(clients.flat().filter(Boolean).map((c) => c.close().catch(() => {})));
}
