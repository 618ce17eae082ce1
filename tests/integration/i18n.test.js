// The interface languages are complete: every string of the English file
// (web/i18n/en.json) is in Russian and Kazakh, not empty, not left in
// English (but for names and codes that read the same), with the same
// {placeholders}.  A missing string would show English in a Russian or
// Kazakh page (issue 15, section 6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const dir = path.join(process.env.ACCORD_SOURCE_DIR || path.resolve('../..'), 'web', 'i18n');
const load = (l) => JSON.parse(fs.readFileSync(path.join(dir, `${l}.json`), 'utf8'));
const en = load('en');
const SAME_IN_EVERY_LANGUAGE = new Set(['app.title']); // the product's name
const holes = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

for (const lang of ['ru', 'kk']) {
	test(`${lang}: every English string is translated, with the same placeholders`, () => {
		const tr = load(lang);
		const missing = Object.keys(en).filter((k) => !(k in tr));
		assert.deepEqual(missing, [], `${lang}.json lacks ${missing.length} strings`);
		const extra = Object.keys(tr).filter((k) => !(k in en));
		assert.deepEqual(extra, [], `${lang}.json has strings English does not`);
		for (const [k, v] of Object.entries(en)) {
			assert.equal(typeof tr[k], 'string', `${lang} ${k}`);
			assert.ok(tr[k].trim(), `${lang} ${k} is empty`);
			assert.deepEqual(holes(tr[k]), holes(v), `${lang} ${k}: placeholders ${JSON.stringify(tr[k])} vs ${JSON.stringify(v)}`);
			if (!SAME_IN_EVERY_LANGUAGE.has(k) && /[a-z]{4,}/i.test(v.replace(/\{\w+\}/g, '')))
				assert.notEqual(tr[k], v, `${lang} ${k} is still English: ${JSON.stringify(v)}`);
		}
	});
}
