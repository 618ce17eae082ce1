// The command line, run as an operator would: the real binary, its output
// and exit codes, then the server it prepared, logged into over WebSocket.
// `accord --help` and `<command> --help`; `accord serve` on a missing or
// empty database; `accord init --admin LOGIN` (the first secretariat
// account) and its password rules; `accord passwd LOGIN` from stdin and
// from a terminal; the demo password printed last.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, runAccord, connect, closeAll, env } from './lib/harness.js';

const PLUGINS = { membership: {}, consensus: {}, groups: {}, actions: {}, portal: {}, test: {} };
const CORE = {
	serve: '[--config FILE] [--port N]',
	init: '[--config FILE] [--demo | --admin LOGIN [OPTIONS]]',
	passwd: '[--config FILE] LOGIN',
	backup: '[--config FILE] DEST',
	restore: '[--config FILE] SRC',
	version: '',
	help: '[COMMAND]',
};
const NO_PASSWORD_ENV = { ACCORD_PASSWORD: '', ACCORD_DEMO_PASSWORD: '' };

/** A server directory and config, with nothing run yet (no database);
 * removed after the test t, or by the caller when t is null. */
async function emptyServer(t) {
	const dbDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'accord-cli-db-'));
	const sub = path.join(dbDir, 'not', 'yet');
	const server = await startServer({ plugins: PLUGINS, demo: false, start: false, dbDir: sub });
	const dispose = async () => {
		await server.dispose();
		await fsp.rm(dbDir, { recursive: true, force: true });
	};
	t?.after(dispose);
	return { server, dbDir, sub, db: path.join(sub, 'accord.db'), dispose };
}

/** `accord <args...> --config <cfg>` with the given stdin and environment. */
function cli(server, args, { input = '', env: extraEnv = {} } = {}) {
	return runAccord([...args, '--config', server.cfgPath], { input, extraEnv: { ...NO_PASSWORD_ENV, ...extraEnv } });
}

function ok(r, what) {
	assert.equal(r.code, 0, `${what}: exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
	return r;
}
function refused(r, re, what) {
	assert.notEqual(r.code, 0, `${what}: expected a refusal, got exit 0\n${r.stdout}`);
	assert.match(r.stderr, re, `${what}: stderr`);
	return r;
}

async function loginAs(server, login, password, clients) {
	const c = await connect(server);
	clients.push(c);
	const r = await c.request('auth.login', { login, password });
	return { c, r };
}

describe('command line: help', { timeout: 60_000 }, () => {
	let server;
	before(async () => {
		server = await startServer({ plugins: PLUGINS, demo: false, start: false });
	});
	after(() => server?.dispose());

	test('accord --help (and -h, help) lists every command, the plugins\' with their usage, and exits 0', async () => {
		const r = ok(await cli(server, ['--help']), 'accord --help');
		for (const [cmd, args] of Object.entries(CORE))
			assert.ok(r.stdout.includes(`accord ${cmd}${args ? ' ' + args : ''}\n`), `--help lists "accord ${cmd} ${args}":\n${r.stdout}`);
		assert.match(r.stdout, /accord members \[--config FILE\] export \[--format csv\|json\]\n\s+\(from the membership plugin\)/);
		assert.match(r.stdout, /accord test-kv-count \[--config FILE\]\n\s+\(from the test plugin\)/);
		assert.equal(r.stderr, '', 'no log lines in the help');
		for (const alias of [['-h'], ['help']]) assert.equal(ok(await cli(server, alias), alias.join(' ')).stdout, r.stdout, `${alias} is --help`);
		// without a command: the same list, on stderr, exit 2
		const none = await runAccord([]);
		assert.equal(none.code, 2);
		assert.match(none.stderr, /accord passwd \[--config FILE\] LOGIN/);
	});

	test('accord <command> --help and -h print its usage and exit 0, for core and plugin commands, creating nothing', async () => {
		const cmds = [...Object.keys(CORE), 'members', 'test-kv-count'];
		for (const cmd of cmds) {
			for (const flag of ['--help', '-h']) {
				const r = ok(await cli(server, [cmd, flag]), `accord ${cmd} ${flag}`);
				assert.match(r.stdout, new RegExp(`^usage: accord ${cmd}\\b`), `accord ${cmd} ${flag}:\n${r.stdout}`);
				assert.ok(r.stdout.split('\n').length >= 3, `accord ${cmd} ${flag} says what it does:\n${r.stdout}`);
			}
		}
		assert.match((await cli(server, ['members', '--help'])).stdout, /^usage: accord members \[--config FILE\] export \[--format csv\|json\]\n/);
		assert.match((await cli(server, ['init', '--help'])).stdout, /--admin LOGIN[\s\S]*--password[\s\S]*ACCORD_PASSWORD[\s\S]*--demo/);
		// `accord help X` is `accord X --help`; the help wins over other arguments
		assert.equal((await cli(server, ['help', 'passwd'])).stdout, (await cli(server, ['passwd', '--help'])).stdout);
		assert.match(ok(await cli(server, ['serve', '--port', '0', '--help']), 'serve --port 0 --help').stdout, /^usage: accord serve/);
		// an unknown command: exit 2, with the list
		const bad = await cli(server, ['no-such-command', '--help']);
		assert.equal(bad.code, 2);
		assert.match(bad.stderr, /unknown command "no-such-command"[\s\S]*accord init/);
		const bad2 = await cli(server, ['no-such-command']);
		assert.equal(bad2.code, 2);
		assert.match(bad2.stderr, /unknown command "no-such-command"[\s\S]*accord members/);
		assert.equal(fs.existsSync(server.config.database.path), false, 'no help and no unknown command created the database');
	});
});

describe('command line: from an empty database to the first account', { timeout: 120_000 }, () => {
	const clients = [];
	let disposeAdmin;
	after(async () => {
		await closeAll(clients);
		await disposeAdmin?.();
	});

	test('accord serve on a missing database says how to create one, exits non-zero and creates nothing', async (t) => {
		const { server, dbDir, sub } = await emptyServer(t);
		const r = refused(await cli(server, ['serve']), /there is no database at/, 'serve on nothing');
		assert.ok(r.stderr.includes(`accord init --config ${server.cfgPath} --admin LOGIN`), `names init --admin:\n${r.stderr}`);
		assert.ok(r.stderr.includes(`accord init --config ${server.cfgPath} --demo`), `names init --demo:\n${r.stderr}`);
		assert.equal(fs.existsSync(sub), false, 'not even the directory of the database was created');
		assert.deepEqual(fs.readdirSync(dbDir), []);
	});

	test('accord init alone makes the schema and says there is no account; serve still refuses, saying how', async (t) => {
		const { server, db } = await emptyServer(t);
		const init = ok(await cli(server, ['init']), 'init');
		assert.match(init.stdout, /is ready\nIt has no account yet\.\n[\s\S]*accord init --config \S+ --admin LOGIN/);
		assert.ok(fs.existsSync(db));
		const r = refused(await cli(server, ['serve']), /has no account yet/, 'serve with no account');
		assert.match(r.stderr, /--admin LOGIN[\s\S]*--demo/);
		// an empty file (no schema) is refused the same way, and left as it was
		fs.writeFileSync(db, '');
		for (const f of ['-wal', '-shm']) fs.rmSync(db + f, { force: true });
		refused(await cli(server, ['serve']), /is empty \(no Accord schema\)[\s\S]*--admin LOGIN/, 'serve on an empty file');
		assert.equal(fs.statSync(db).size, 0, 'serve wrote nothing into the empty file');
	});

	test('init --admin refuses empty and weak passwords and bad logins, and creates nothing', async (t) => {
		const { server, sub } = await emptyServer(t);
		const cases = [
			[{ input: '' }, /password refused: the password is empty/, 'empty stdin'],
			[{ input: '\n' }, /password refused: the password is empty/, 'an empty line'],
			[{ env: { ACCORD_PASSWORD: 'short' } }, /password refused: the password is too short: at least 10 characters/, 'short, from ACCORD_PASSWORD'],
			[{ input: 'zzzzzzzzzzzz\n' }, /one character repeated/, 'one character'],
			[{ input: 'secretariat\n' }, /most common/, 'a common password'],
		];
		for (const [opts, re, what] of cases) refused(await cli(server, ['init', '--admin', 'firstsec'], opts), re, what);
		refused(await cli(server, ['init', '--admin', 'sec.admin', '--password', 'SEC.ADMIN']), /too short/, 'short, from --password');
		refused(await cli(server, ['init', '--admin', 'longadmin1', '--password', 'LongAdmin1']), /must not be the login/, 'the login');
		refused(await cli(server, ['init', '--admin', 'Sec Admin'], { input: 'a-strong-password\n' }), /a login is 2 to 32/, 'a bad login');
		refused(await cli(server, ['init', '--admin', 'sec', '--org', 'iom'], { input: 'a-strong-password\n' }), /--org iom: an organisation code/, 'a bad org code');
		refused(await cli(server, ['init', '--demo', '--admin', 'sec'], { input: 'a-strong-password\n' }), /--demo or --admin, not both/, 'both');
		refused(await cli(server, ['init', '--org', 'UNDP']), /go with --admin LOGIN/, 'options without --admin');
		assert.equal(fs.existsSync(sub), false, 'a refused init created no database');
	});

	let admin; // the server made by init --admin, shared by the passwd tests
	const PW1 = 'first-admin-pass-1';

	test('init --admin LOGIN creates the first secretariat account (IOM); it logs in over WebSocket; a second is refused', async () => {
		const { server, dispose } = await emptyServer(null);
		admin = server;
		disposeAdmin = dispose;
		const r = ok(await cli(server, ['init', '--admin', 'sec'], { env: { ACCORD_PASSWORD: PW1 } }), 'init --admin sec');
		assert.match(r.stdout, /first account created: sec \(IOM secretariat, IOM; roles: secretariat\)/);
		assert.ok(!r.stdout.includes(PW1) && !r.stderr.includes(PW1), 'the password is never printed');
		await server.start();
		const { c, r: login } = await loginAs(server, 'sec', PW1, clients);
		assert.equal(login.ok, true, JSON.stringify(login));
		assert.equal(login.data.user.login, 'sec');
		assert.equal(login.data.user.org, 'IOM');
		assert.ok(login.data.user.roles.includes('secretariat'), JSON.stringify(login.data.user));
		const orgs = (await c.ok('members.orgs', {})).orgs;
		assert.deepEqual(orgs.map((o) => [o.code, o.name, o.standing]), [['IOM', 'International Organization for Migration', 'member']]);
		const people = (await c.ok('members.people', {})).people;
		assert.deepEqual(people.map((p) => [p.login, p.name, p.org, p.roles]), [['sec', 'IOM secretariat', 'IOM', ['secretariat']]]);
		// the secretariat can build the network from there
		await c.ok('members.org.save', { code: 'RCO', name: 'UN Resident Coordinator\'s Office', kind: 'un_agency', standing: 'member' });
		const wrong = (await loginAs(server, 'sec', 'not-the-password', clients)).r;
		assert.equal(wrong.ok, false);
		// "first": once there is an account, init --admin changes nothing
		refused(await cli(server, ['init', '--admin', 'other'], { env: { ACCORD_PASSWORD: 'another-pass-123' } }), /already has accounts[\s\S]*accord passwd LOGIN/, 'a second init --admin');
		assert.equal((await loginAs(server, 'other', 'another-pass-123', clients)).r.ok, false, 'no account "other"');
		// init alone (as the service does at each start) stays quiet about accounts
		const again = ok(await cli(server, ['init']), 'init again');
		assert.doesNotMatch(again.stdout, /no account/);
	});

	test('init --admin with --name, --org, --org-name, --co-chair and --password', async (t) => {
		const { server } = await emptyServer(t);
		const pw = 'undp-lead-pass-2';
		const r = ok(
			await cli(server, ['init', '--admin', 'aigerim', '--name', 'Aigerim Bekova', '--org', 'UNDP', '--org-name', 'United Nations Development Programme', '--co-chair', '--password', pw]),
			'init --admin with options',
		);
		assert.match(r.stdout, /first account created: aigerim \(Aigerim Bekova, UNDP; roles: secretariat, co_chair\)/);
		await server.start();
		const { c, r: login } = await loginAs(server, 'aigerim', pw, clients);
		assert.equal(login.ok, true, JSON.stringify(login));
		assert.equal(login.data.user.org, 'UNDP');
		assert.deepEqual([...login.data.user.roles].sort(), ['co_chair', 'secretariat']);
		assert.deepEqual((await c.ok('members.orgs', {})).orgs.map((o) => [o.code, o.name]), [['UNDP', 'United Nations Development Programme']]);
		await server.stop();
	});

	const PW2 = 'second-pass-from-stdin';

	test('passwd LOGIN sets the password from stdin and revokes the account\'s sessions', async () => {
		assert.ok(admin?.running, 'the server of init --admin runs');
		const a = await loginAs(admin, 'sec', PW1, clients);
		const b = await loginAs(admin, 'sec', PW1, clients);
		assert.equal(a.r.ok && b.r.ok, true);
		const tokens = [a.r.data.token, b.r.data.token];
		// refused: weak, unknown login, no login
		refused(await cli(admin, ['passwd', 'sec'], { input: 'short\n' }), /password refused: the password is too short/, 'weak');
		refused(await cli(admin, ['passwd', 'sec'], { input: '' }), /password refused: the password is empty/, 'empty');
		refused(await cli(admin, ['passwd', 'nobody'], { input: PW2 + '\n' }), /no account "nobody"/, 'unknown login');
		refused(await cli(admin, ['passwd']), /usage: accord passwd/, 'no login');
		for (const tok of tokens) {
			const c = await connect(admin);
			clients.push(c);
			assert.equal((await c.request('auth.resume', { token: tok })).ok, true, 'a refused passwd revoked nothing');
		}
		const r = ok(await cli(admin, ['passwd', 'sec'], { input: PW2 + '\n' }), 'passwd sec');
		assert.match(r.stdout, /password of sec changed; [2-9] sessions revoked/);
		for (const tok of tokens) {
			const c = await connect(admin);
			clients.push(c);
			const res = await c.request('auth.resume', { token: tok });
			assert.equal(res.ok, false, `a session of the old password is revoked: ${JSON.stringify(res)}`);
			assert.equal(res.error.code, 'unauthenticated');
		}
		assert.equal((await loginAs(admin, 'sec', PW1, clients)).r.ok, false, 'the old password no longer logs in');
		assert.equal((await loginAs(admin, 'sec', PW2, clients)).r.ok, true, 'the new password logs in');
		// the same hash as the server makes: no rehash at login, so the stored hash stays as passwd wrote it
		const hash = execFileSync('sqlite3', [admin.config.database.path, "SELECT password_hash FROM accounts WHERE login='sec'"], { encoding: 'utf8' }).trim();
		assert.match(hash, /^\$argon2id\$v=19\$m=65536,t=2,p=1\$/);
	});

	test('passwd LOGIN on a terminal asks twice without echo', async (t) => {
		assert.ok(admin?.running, 'the server of init --admin runs');
		try {
			execFileSync('script', ['--version'], { stdio: 'ignore' });
		} catch {
			t.skip('script(1) (util-linux) is not installed: no terminal to test with');
			return;
		}
		const { bin, sourceDir } = env();
		/** Runs passwd under script(1), a terminal; answers each prompt once it is shown. */
		const onTerminal = (answers) =>
			new Promise((resolve) => {
				const cmd = `'${bin}' passwd --config '${admin.cfgPath}' sec`;
				const p = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: sourceDir, env: { ...process.env, ...NO_PASSWORD_ENV } });
				let out = '';
				let asked = 0;
				const prompts = [/New password for sec: /g, /The same password again: /g];
				p.stdout.on('data', (d) => {
					out += d;
					while (asked < answers.length && out.match(prompts[asked])) p.stdin.write(answers[asked++] + '\n');
				});
				p.on('exit', (code) => resolve({ code, out }));
			});
		const PW3 = 'typed-on-a-terminal';
		const differ = await onTerminal([PW3, PW3 + 'x']);
		assert.notEqual(differ.code, 0);
		assert.match(differ.out, /the two passwords differ; nothing was changed/);
		const r = await onTerminal([PW3, PW3]);
		assert.equal(r.code, 0, r.out);
		assert.match(r.out, /New password for sec: [\s\S]*The same password again: [\s\S]*password of sec changed/);
		assert.ok(!r.out.includes(PW3), `the password is not echoed:\n${r.out}`);
		assert.equal((await loginAs(admin, 'sec', PW3, clients)).r.ok, true, 'the typed password logs in');
		assert.equal((await loginAs(admin, 'sec', PW2, clients)).r.ok, false, 'the previous one does not');
	});

	test('init --demo prints the generated demo password last, alone on its line, and it logs in', async (t) => {
		const { server } = await emptyServer(t);
		const r = ok(await cli(server, ['init', '--demo']), 'init --demo');
		const lines = r.stdout.split('\n');
		assert.equal(lines.at(-1), '', 'ends with a newline');
		const pw = lines.at(-2);
		assert.match(pw, /^[A-Za-z0-9_-]{16}$/, `the last line is the password alone:\n${r.stdout}`);
		assert.equal(lines.at(-3), '', 'a blank line sets it apart');
		assert.match(lines.at(-4), /demo password/);
		await server.start();
		const { r: login } = await loginAs(server, 'iom', pw, clients);
		assert.equal(login.ok, true, JSON.stringify(login));
		await server.stop();
	});
});
