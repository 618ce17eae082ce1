// Interface strings: one file per language (web/i18n/<lang>.json), chosen by
// the browser's language unless the person picked one.
const supported = ['en', 'ru'];
let strings = {};
let lang = 'en';

export async function loadLanguage(wanted) {
	const pick = wanted || localStorage.getItem('accord.lang') || (navigator.language || 'en').slice(0, 2);
	lang = supported.includes(pick) ? pick : 'en';
	const res = await fetch(`i18n/${lang}.json`);
	strings = await res.json();
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
	const s = strings[key] ?? key;
	return s.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : `{${k}}`));
}

// Dates in the person's own time zone.
export function fmtDate(ms) {
	if (!ms) return '';
	return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms));
}
