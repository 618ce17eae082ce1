// Interface strings: one file per language for the shell (web/i18n/<lang>.json)
// and one per language for each plugin's web component, next to its code
// (served at /plugins/<name>/i18n/<lang>.json).  The language is the
// browser's unless the person picked one.
// English, Russian and Kazakh (the state language).  A string missing from a
// translation falls back to English, never to its key; a component's string
// missing from its own files is looked up in the shell's.
export const LANGUAGES = { en: 'English', ru: 'Русский', kk: 'Қазақша' };
const supported = Object.keys(LANGUAGES);
const shell = { base: 'i18n', strings: {}, fallback: {} };
const components = []; // {base, strings, fallback} of each component's strings
let lang = 'en';

async function fetchStrings(base, l) {
	const r = await fetch(`${base}/${l}.json`);
	return r.ok ? r.json() : {};
}

async function fill(bundle) {
	[bundle.strings, bundle.fallback] = await Promise.all([fetchStrings(bundle.base, lang),
		lang === 'en' ? {} : fetchStrings(bundle.base, 'en')]);
}

// Loads the shell's strings and every component's in the language wanted.
export async function loadLanguage(wanted) {
	const pick = wanted || localStorage.getItem('accord.lang') || (navigator.language || 'en').slice(0, 2);
	lang = supported.includes(pick) ? pick : 'en';
	await Promise.all([shell, ...components].map(fill));
	document.documentElement.lang = lang;
	return lang;
}

export function setLanguage(l) {
	localStorage.setItem('accord.lang', l);
}

export function currentLanguage() {
	return lang;
}

const format = (s, vars) => s.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : `{${k}}`));

// t('login.failed') -> "Wrong login or password." (the shell's strings)
export function t(key, vars = {}) {
	return format(shell.strings[key] ?? shell.fallback[key] ?? key, vars);
}

// A component's strings from base (/plugins/<name>/i18n), loaded now in the
// current language and again at every change of language.  ready resolves
// to its t(key, vars), which also finds the shell's strings; drop() forgets
// them (a plugin whose component did not load).
export function addStrings(base) {
	const bundle = { base, strings: {}, fallback: {} };
	components.push(bundle);
	const t = (key, vars = {}) => format(bundle.strings[key] ?? bundle.fallback[key] ?? shell.strings[key] ?? shell.fallback[key] ?? key, vars);
	return {
		ready: fill(bundle).then(() => t),
		drop: () => {
			const i = components.indexOf(bundle);
			if (i >= 0) components.splice(i, 1);
		},
	};
}

// Dates in the person's own time zone.
export function fmtDate(ms) {
	if (!ms) return '';
	return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms));
}
