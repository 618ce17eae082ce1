// Interface strings: one file per language (web/i18n/<lang>.json), chosen by
// the browser's language unless the person picked one.
// English, Russian and Kazakh (the state language).  A string missing from a
// translation falls back to English, never to its key.
export const LANGUAGES = { en: 'English', ru: 'Русский', kk: 'Қазақша' };
const supported = Object.keys(LANGUAGES);
let strings = {};
let fallback = {};
let lang = 'en';

export async function loadLanguage(wanted) {
	const pick = wanted || localStorage.getItem('accord.lang') || (navigator.language || 'en').slice(0, 2);
	lang = supported.includes(pick) ? pick : 'en';
	const get = async (l) => (await fetch(`i18n/${l}.json`)).json();
	[strings, fallback] = await Promise.all([get(lang), lang === 'en' ? {} : get('en')]);
	document.documentElement.lang = lang;
	return lang;
}

export function setLanguage(l) {
	localStorage.setItem('accord.lang', l);
}

export function currentLanguage() {
	return lang;
}

// t('tally.pending', {n: 3}) -> "3 still to respond"
export function t(key, vars = {}) {
	const s = strings[key] ?? fallback[key] ?? key;
	return s.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : `{${k}}`));
}

// Dates in the person's own time zone.
export function fmtDate(ms) {
	if (!ms) return '';
	return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms));
}
