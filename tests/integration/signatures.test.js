// Signed plugins (issue 19): the real binary refuses a plugin that no trusted
// key signed, names the key it expected and says why; loads a good one; the
// development switch loads unsigned plugins and says so; the plugins built
// with the server load unsigned, but not once swapped; and the command line's
// keygen, sign and verify work together.
//
// The plugin under test is the test plugin (test.so) copied into a plugins
// folder of the test's own, with a web folder web/test/.  A copy of the
// built file is "built with this server" (its digest is compiled into the
// binary); bytes appended to it (ignored by dlopen) make it a plugin from
// elsewhere, which must then be signed.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, connectAs, runAccord, env, httpRequest } from './lib/harness.js';

const tmpRoots = [];
const servers = [];
after(async () => {
	for (const s of servers) await s.dispose();
	if (!process.env.ACCORD_KEEP_TMP) for (const d of tmpRoots) await fsp.rm(d, { recursive: true, force: true });
});

async function tmpDir() {
	const d = await fsp.mkdtemp(path.join(os.tmpdir(), 'accord-sig-'));
	tmpRoots.push(d);
	return d;
}

/** keygen: {file, key (base64), id} */
async function keygen(dir, name) {
	const file = path.join(dir, `${name.replace(/\W/g, '_')}.key`);
	const r = await runAccord(['plugins', 'keygen', '--out', file, '--name', name]);
	assert.equal(r.code, 0, `keygen failed:\n${r.stdout}\n${r.stderr}`);
	const m = r.stdout.match(/public key: (\S+) \(key ([0-9a-f]{16})\)/);
	assert.ok(m, `keygen prints the public key and its id:\n${r.stdout}`);
	return { file, key: m[1], id: m[2], name };
}

async function sign(key, so) {
	const r = await runAccord(['plugins', 'sign', '--key', key.file, so]);
	assert.equal(r.code, 0, `sign failed:\n${r.stdout}\n${r.stderr}`);
	return r;
}

/** A plugins folder holding test.so (built, or with bytes appended: "foreign")
 * and web/test/{component.js, i18n/en.json}. */
async function pluginDir({ foreign = true, web = true } = {}) {
	const dir = path.join(await tmpDir(), 'plugins');
	await fsp.mkdir(dir);
	const built = await fsp.readFile(path.join(env().pluginDir, 'test.so'));
	await fsp.writeFile(path.join(dir, 'test.so'), foreign ? Buffer.concat([built, Buffer.from('\0built elsewhere\n')]) : built);
	if (web) {
		await fsp.mkdir(path.join(dir, 'web', 'test', 'i18n'), { recursive: true });
		await fsp.writeFile(path.join(dir, 'web', 'test', 'component.js'), 'export default () => ({ routes: [] });\n');
		await fsp.writeFile(path.join(dir, 'web', 'test', 'i18n', 'en.json'), '{"title": "Test"}\n');
	}
	return dir;
}

function start(dir, { keys = [], allowUnsigned, plugins = { test: {} } } = {}) {
	const p = { dir, trusted_keys: keys.map((k) => ({ name: k.name, key: k.key })) };
	if (allowUnsigned !== undefined) p.allow_unsigned = allowUnsigned;
	return startServer({ plugins, extraConfig: { plugins: p } }).then((s) => {
		servers.push(s);
		return s;
	});
}

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('signed plugins at start', { timeout: 120_000 }, () => {
	let A, B, keyDir;

	test('keys', async () => {
		keyDir = await tmpDir();
		A = await keygen(keyDir, 'Signer A');
		B = await keygen(keyDir, 'Signer B');
		assert.notEqual(A.id, B.id);
	});

	test('a plugin signed by a trusted key loads, and sys.info names its signer', async () => {
		const dir = await pluginDir();
		await sign(A, path.join(dir, 'test.so'));
		const server = await start(dir, { keys: [B, A] });
		assert.match(server.stderr, /loaded plugin test \S+ \(Signer A\)/);
		assert.doesNotMatch(server.stderr, /allow_unsigned/);
		const c = await connectAs(server, 'iom');
		const info = await c.ok('sys.info', {});
		assert.equal(info.unsigned_plugins_allowed, false);
		assert.equal(info.plugins.find((p) => p.name === 'test').signer, 'Signer A');
		c.close();
	});

	test('the server runs the bytes it checked: a sealed copy, not the file, which may change after', async () => {
		const dir = await pluginDir();
		const so = path.join(dir, 'test.so');
		await sign(A, so);
		const server = await start(dir, { keys: [A] });
		const maps = await fsp.readFile(`/proc/${server.proc.pid}/maps`, 'utf8');
		assert.match(maps, /\/memfd:accord-plugin-test\.so/, 'test.so mapped from its sealed copy');
		assert.ok(!maps.includes(so), `${so} itself is not mapped:\n${maps}`);
		/* the file replaced under the running server: nothing it runs changes */
		await fsp.writeFile(so, 'not a shared object');
		const c = await connectAs(server, 'iom');
		const info = await c.ok('sys.info', {});
		assert.equal(info.plugins.find((p) => p.name === 'test').signer, 'Signer A');
		c.close();
	});

	test('no signature file: refused, naming the trusted keys', async () => {
		const dir = await pluginDir();
		await assert.rejects(start(dir, { keys: [A] }),
			new RegExp(`plugin test: refused: .*it has no signature \\(${esc(dir)}/test\\.sig not found\\).*trusted keys: "Signer A" \\(key ${A.id}\\)`));
	});

	test('signed by a key that is not trusted: refused, naming that key and the expected ones', async () => {
		const dir = await pluginDir();
		await sign(B, path.join(dir, 'test.so'));
		await assert.rejects(start(dir, { keys: [A] }),
			new RegExp(`plugin test: refused: .*signed by key ${B.id} \\(signer "Signer B" by its signature file\\), which is not in plugins\\.trusted_keys \\(trusted keys: "Signer A" \\(key ${A.id}\\)\\)`));
	});

	test('a shared object changed after signing: refused as tampered', async () => {
		const dir = await pluginDir();
		const so = path.join(dir, 'test.so');
		await sign(A, so);
		await fsp.appendFile(so, 'x');
		await assert.rejects(start(dir, { keys: [A] }),
			new RegExp(`plugin test: refused: .*the files do not match its signature by "Signer A" \\(key ${A.id}\\)`));
	});

	test('a web file changed, added or moved after signing: refused as tampered', async () => {
		const cases = [
			(dir) => fsp.appendFile(path.join(dir, 'web/test/component.js'), '//'),
			(dir) => fsp.writeFile(path.join(dir, 'web/test/extra.js'), ''),
			(dir) => fsp.rename(path.join(dir, 'web/test/i18n/en.json'), path.join(dir, 'web/test/en.json')),
		];
		for (const change of cases) {
			const dir = await pluginDir();
			await sign(A, path.join(dir, 'test.so'));
			await change(dir);
			await assert.rejects(start(dir, { keys: [A] }), /plugin test: refused: .*the files do not match its signature by "Signer A"/);
		}
	});

	test('a malformed signature file: refused, saying what is wrong', async () => {
		const dir = await pluginDir();
		const so = path.join(dir, 'test.so');
		await fsp.writeFile(path.join(dir, 'test.sig'), 'not a signature\n');
		await assert.rejects(start(dir, { keys: [A] }), /plugin test: refused: .*its signature file .*test\.sig is malformed: line 1 is not "accord-plugin-signature v1"/);
		await sign(A, so);
		const text = await fsp.readFile(path.join(dir, 'test.sig'), 'utf8');
		await fsp.writeFile(path.join(dir, 'test.sig'), text.replace(/signature: (\S+)/, (m, s) => `signature: ${s.slice(0, 20)}`));
		await assert.rejects(start(dir, { keys: [A] }), /plugin test: refused: .*its signature file .*test\.sig is malformed: line 5 is not "signature: <base64 Ed25519 signature>"/);
	});

	test('allow_unsigned loads an unsigned plugin and says so at start and in sys.info', async () => {
		const dir = await pluginDir();
		const server = await start(dir, { keys: [A], allowUnsigned: true });
		assert.match(server.stderr, /warn \[core\] plugins\.allow_unsigned is true: plugins that no trusted key signed are loaded/);
		assert.match(server.stderr, /warn \[core\] plugin test: NOT VERIFIED, loaded only because plugins\.allow_unsigned is true: .*no signature/);
		const c = await connectAs(server, 'iom');
		const info = await c.ok('sys.info', {});
		assert.equal(info.unsigned_plugins_allowed, true);
		assert.equal(info.plugins.find((p) => p.name === 'test').signer, 'unverified');
		c.close();
		const h = await httpRequest(server, '/healthz');
		assert.equal(h.status, 200);
		assert.deepEqual(JSON.parse(h.body), { status: 'ok', db: 'ok', unsigned_plugins_allowed: true });
		// and again at the next start
		await server.restart();
		assert.match(server.stderr, /plugins\.allow_unsigned is true/);
	});

	test('a plugin built with the server loads unsigned; swapped for other files, the server refuses to start', async () => {
		const dir = await pluginDir({ foreign: false, web: false });
		const server = await start(dir, { keys: [A] });
		const c = await connectAs(server, 'iom');
		assert.equal((await c.ok('sys.info', {})).plugins.find((p) => p.name === 'test').signer, 'built with this server');
		c.close();
		await server.stop('SIGTERM');
		// another shared object under its name
		await fsp.copyFile(path.join(env().pluginDir, 'membership.so'), path.join(dir, 'test.so'));
		await assert.rejects(server.start(),
			/plugin test: refused: test\.so or its web files are not those built with this server, and it has no signature/);
		// the built test.so again, but with a web folder it did not have
		await fsp.copyFile(path.join(env().pluginDir, 'test.so'), path.join(dir, 'test.so'));
		await fsp.mkdir(path.join(dir, 'web', 'test'), { recursive: true });
		await fsp.writeFile(path.join(dir, 'web', 'test', 'component.js'), 'alert(1)\n');
		await assert.rejects(server.start(), /plugin test: refused: test\.so or its web files are not those built with this server/);
		await fsp.rm(path.join(dir, 'web'), { recursive: true });
		await server.start();
	});

	test('a bundled plugin with a changed web file is refused', async () => {
		const dir = path.join(await tmpDir(), 'plugins');
		await fsp.mkdir(dir);
		await fsp.copyFile(path.join(env().pluginDir, 'test.so'), path.join(dir, 'test.so'));
		await fsp.copyFile(path.join(env().pluginDir, 'membership.so'), path.join(dir, 'membership.so'));
		await fsp.cp(path.join(env().pluginDir, 'web', 'membership'), path.join(dir, 'web', 'membership'), { recursive: true });
		const server = await start(dir, { plugins: { membership: {}, test: {} } });
		await server.stop('SIGTERM');
		const js = (await fsp.readdir(path.join(dir, 'web', 'membership'))).find((f) => f.endsWith('.js'));
		await fsp.appendFile(path.join(dir, 'web', 'membership', js), '\n// changed\n');
		await assert.rejects(server.start(), /plugin membership: refused: membership\.so or its web files are not those built with this server, and it has no signature/);
	});
});

/** The manifest digest computed here, independently of libsodium (node's
 * BLAKE2b-512), as core/signature.h defines it. */
function manifestDigest(dir, name) {
	const h = crypto.createHash('blake2b512');
	h.update(`accord-plugin-manifest v1\nplugin ${name}\n`);
	const add = (rel, file) => {
		const data = fs.readFileSync(file);
		h.update(`file ${Buffer.byteLength(rel)}:${rel} ${data.length}\n`);
		h.update(data);
	};
	add(`${name}.so`, path.join(dir, `${name}.so`));
	const web = path.join(dir, 'web', name);
	const files = [];
	const walk = (rel) => {
		for (const e of fs.readdirSync(path.join(web, rel), { withFileTypes: true })) {
			const r = rel ? `${rel}/${e.name}` : e.name;
			if (e.isDirectory()) walk(r);
			else files.push(r);
		}
	};
	if (fs.existsSync(web)) walk('');
	files.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
	for (const f of files) add(`web/${f}`, path.join(web, f));
	return h.digest('hex');
}

describe('accord plugins keygen, sign, verify', { timeout: 60_000 }, () => {
	test('round trip, and verify says why not', async () => {
		const work = await tmpDir();
		const key = await keygen(work, 'Data WG');
		assert.equal(fs.statSync(key.file).mode & 0o777, 0o600, 'the secret key file is 0600');
		const again = await runAccord(['plugins', 'keygen', '--out', key.file]);
		assert.equal(again.code, 1);
		assert.match(again.stderr, /exists already \(not overwritten\)/);

		const dir = await pluginDir();
		const so = path.join(dir, 'test.so');
		const s = await sign(key, so);
		assert.match(s.stdout, new RegExp(`with key ${key.id}: wrote ${esc(dir)}/test\\.sig`));
		const sig = fs.readFileSync(path.join(dir, 'test.sig'), 'utf8').split('\n');
		assert.deepEqual(sig.slice(0, 4), ['accord-plugin-signature v1', 'plugin: test', 'signer: Data WG', `key: ${key.key}`]);

		// the signature itself checks out with node's Ed25519, over the manifest digest computed here
		const digest = manifestDigest(dir, 'test');
		const pub = crypto.createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(key.key, 'base64')]), format: 'der', type: 'spki' });
		const sigBytes = Buffer.from(sig[4].replace('signature: ', ''), 'base64');
		assert.ok(crypto.verify(null, Buffer.from(digest, 'hex'), pub, sigBytes), 'Ed25519 signature over the manifest digest');

		const cfg = path.join(work, 'accord.json');
		fs.writeFileSync(cfg, JSON.stringify({ plugins: { dir, enabled: {}, trusted_keys: [{ name: 'Data WG', key: key.key }] } }));
		let v = await runAccord(['plugins', 'verify', '--config', cfg, so]);
		assert.equal(v.code, 0, v.stdout + v.stderr);
		assert.match(v.stdout, new RegExp(`: good: signed by "Data WG" \\(key ${key.id}\\)`));
		assert.match(v.stdout, new RegExp(`manifest digest \\(BLAKE2b-512\\): ${digest}`));

		// without the key in the configuration (the embedded default trusts none)
		v = await runAccord(['plugins', 'verify', so]);
		assert.equal(v.code, 1);
		assert.match(v.stdout, new RegExp(`refused: .*signed by key ${key.id} .*which is not in plugins\\.trusted_keys \\(plugins\\.trusted_keys is empty\\)`));

		fs.appendFileSync(path.join(dir, 'web/test/i18n/en.json'), ' ');
		v = await runAccord(['plugins', 'verify', '--config', cfg, so]);
		assert.equal(v.code, 1);
		assert.match(v.stdout, /refused: .*the files do not match its signature by "Data WG"/);
		assert.match(v.stdout, new RegExp(`manifest digest \\(BLAKE2b-512\\): ${manifestDigest(dir, 'test')}`));

		// a built plugin verifies as built with the server
		v = await runAccord(['plugins', 'verify', path.join(env().pluginDir, 'membership.so')]);
		assert.equal(v.code, 0, v.stdout + v.stderr);
		assert.match(v.stdout, /good: membership\.so and its web files are those built with this server/);

		// configuration errors name the key path
		fs.writeFileSync(cfg, JSON.stringify({ plugins: { trusted_keys: [{ name: 'X', key: 'short' }] } }));
		v = await runAccord(['plugins', 'verify', '--config', cfg, so]);
		assert.equal(v.code, 2);
		assert.match(v.stderr, /plugins\.trusted_keys\[0\]: key: expected a base64 Ed25519 public key/);
	});
});
