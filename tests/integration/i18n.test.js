// The interface languages are complete: every string of an English file is
// in Russian and Kazakh, not empty, not left in English (but for names and
// codes that read the same), with the same {placeholders}.  A missing
// string would show English in a Russian or Kazakh page (issue 15, section
// 6).  Checked for the shell's files (web/i18n/<lang>.json) and for each
// plugin's web component (plugins/<name>/web/i18n/<lang>.json), each
// against its own English file; and every key the code asks for exists,
// so that no page shows a key instead of a sentence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const root = process.env.ACCORD_SOURCE_DIR || path.resolve('../..');
const SAME_IN_EVERY_LANGUAGE = new Set(['app.title']); // the product's name
const holes = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const jsFiles = (dir) => fs.readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => path.join(dir, f));

// The shell, then every plugin that ships a web component.
const shell = { name: 'shell', i18n: path.join(root, 'web', 'i18n'), code: path.join(root, 'web', 'js') };
const plugins = fs.readdirSync(path.join(root, 'plugins'))
	.map((name) => ({ name, code: path.join(root, 'plugins', name, 'web') }))
	.filter((p) => fs.existsSync(path.join(p.code, 'component.js')))
	.map((p) => ({ ...p, i18n: path.join(p.code, 'i18n') }));
const load = (bundle, l) => JSON.parse(fs.readFileSync(path.join(bundle.i18n, `${l}.json`), 'utf8'));

test('the in-tree plugins ship their web components and strings', () => {
	assert.deepEqual(plugins.map((p) => p.name).sort(), ['actions', 'consensus', 'datacollect', 'groups', 'meetings', 'membership', 'notify', 'portal', 'workplan']);
});

for (const bundle of [shell, ...plugins]) {
	for (const lang of ['ru', 'kk']) {
		test(`${bundle.name} ${lang}: every English string is translated, with the same placeholders`, () => {
			const en = load(bundle, 'en');
			const tr = load(bundle, lang);
			const file = path.relative(root, path.join(bundle.i18n, `${lang}.json`));
			const missing = Object.keys(en).filter((k) => !(k in tr));
			assert.deepEqual(missing, [], `${file} lacks ${missing.length} strings`);
			const extra = Object.keys(tr).filter((k) => !(k in en));
			assert.deepEqual(extra, [], `${file} has strings English does not`);
			for (const [k, v] of Object.entries(en)) {
				assert.equal(typeof tr[k], 'string', `${file} ${k}`);
				assert.ok(tr[k].trim(), `${file} ${k} is empty`);
				assert.deepEqual(holes(tr[k]), holes(v), `${file} ${k}: placeholders ${JSON.stringify(tr[k])} vs ${JSON.stringify(v)}`);
				if (!SAME_IN_EVERY_LANGUAGE.has(k) && /[a-z]{4,}/i.test(v.replace(/\{\w+\}/g, '')))
					assert.notEqual(tr[k], v, `${file} ${k} is still English: ${JSON.stringify(v)}`);
			}
		});
	}

	// A component's t() finds its own strings, then the shell's.
	test(`${bundle.name}: every string the code asks for exists in English`, () => {
		const known = { ...load(shell, 'en'), ...load(bundle, 'en') };
		const keys = Object.keys(known);
		const asked = [];
		for (const file of jsFiles(bundle.code)) {
			const src = fs.readFileSync(file, 'utf8');
			for (const m of src.matchAll(/\bt\('([^']+)'/g)) asked.push([file, m[1], () => m[1] in known]);
			// t(`status.${p.status}`): some string of that family
			for (const m of src.matchAll(/\bt\(`([\w.]+\.)\$\{/g)) asked.push([file, `${m[1]}*`, () => keys.some((k) => k.startsWith(m[1]))]);
		}
		assert.ok(asked.length > 0, `${bundle.name}: no t('...') found in ${bundle.code}`);
		const unknown = asked.filter(([, , ok]) => !ok()).map(([file, key]) => `${path.relative(root, file)}: ${key}`);
		assert.deepEqual(unknown, [], `${bundle.name}: strings asked for that no English file has`);
	});
}
