// Accord web client: the shell.  Plain modules, no build step.  The shell
// logs in, shows the connection's state, routes and builds the navigation;
// every page after login belongs to a plugin's web component (see
// components.js for how they are found and what they are given).  The
// shell's own pages are those before login: #/login, #/invite[/<token>],
// #/reset/<token> (the auth.* requests).  Every piece of server data goes in
// with textContent, never as HTML.
import { AccordClient } from './client.js';
import { loadLanguage, setLanguage, currentLanguage, t, LANGUAGES } from './i18n.js';
import { h, field, note, errorText } from './dom.js';
import { loadComponents } from './components.js';

const main = document.getElementById('main');
const statusEl = document.getElementById('status');
const nav = document.getElementById('nav');
let client;
let components = null; // a promise of the loaded components, from the first login on
let loaded = []; // the components, once loaded
let stops = null; // what each component's start() returned, until logout
let leaving = []; // cleanup functions of the page shown now
let shown = 0; // number of the page shown now: a page left while it loads is cleaned up at once

const isPartner = () => client.user?.standing === 'partner';

const router = {
	go: (hash) => { location.hash = hash; },
	reload: () => route(),
	onLeave: (fn) => leaving.push(fn),
};

// Once per page load, after the first login: the components of the
// plugins the server runs, with their strings.  start() runs once per login.
async function withComponents() {
	components ??= loadComponents(client, router);
	const list = await components;
	if (!list) { // sys.info went unanswered (offline): asked again at the next page
		components = null;
		return;
	}
	loaded = list;
	if (!stops && client.user) stops = loaded.map((c) => c.start?.()).filter((f) => typeof f === 'function');
}

function stopComponents() {
	for (const stop of stops || []) stop();
	stops = null;
}

// The page shown after login, and for an address no page serves.
function homeRoute() {
	const home = isPartner() ? 'partners' : 'members';
	return loaded.flatMap((c) => c.routes || []).find((r) => r.home === home && typeof r.path === 'string') || null;
}

function renderNav() {
	nav.replaceChildren();
	// the connection status, in the language now chosen
	if (statusEl.className) statusEl.textContent = t(statusEl.className === 'online' ? 'app.online' : 'app.offline');
	const langSel = h('select', { 'aria-label': t('nav.language'), onchange: async (e) => {
		setLanguage(e.target.value);
		await loadLanguage(e.target.value);
		// kept for the account, so every browser and device opens in it
		if (client?.user) {
			const r = await client.request('sys.prefs', { lang: e.target.value });
			if (r.ok) client.user.lang = r.data.lang;
		}
		renderNav();
		route();
	} }, ...Object.entries(LANGUAGES).map(([code, name]) => h('option', { value: code, lang: code }, name)));
	langSel.value = currentLanguage();
	if (client?.user && stops) {
		const links = loaded.flatMap((c) => c.nav || []).sort((a, b) => a.order - b.order).map((n) => n.link()).filter(Boolean);
		nav.append(...links,
			h('span', { class: 'who' }, t('who.as', { name: client.user.name, org: client.user.org })),
			h('button', { type: 'button', onclick: async () => { stopComponents(); await client.logout(); location.hash = '#/login'; } }, t('nav.logout')));
	}
	nav.append(langSel);
}

// ---------------- before login ----------------

function viewLogin() {
	const login = h('input', { name: 'login', autocomplete: 'username', required: true });
	const pw = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
	const msg = h('div', { 'aria-live': 'polite' });
	const form = h('form', { class: 'card narrow', onsubmit: async (e) => {
		e.preventDefault();
		const r = await client.login(login.value.trim(), pw.value);
		if (!r.ok) {
			msg.replaceChildren(note(r.error.code === 'unauthenticated' ? t('login.failed') : errorText(r), 'error'));
			pw.select();
			return;
		}
		await withComponents();
		renderNav();
		const home = homeRoute()?.path || '#/';
		if (location.hash === home) route(); // no hashchange: show it here
		else location.hash = home;
	} }, h('h1', {}, t('login.heading')), field(t('login.login'), login), field(t('login.password'), pw),
	h('button', { type: 'submit' }, t('login.submit')), msg, h('p', {}, h('a', { href: '#/invite' }, t('login.invite'))));
	main.replaceChildren(form);
	login.focus();
}

// #/invite/<token>: the link the secretariat handed over fills the code in.
function viewInvite(code = '') {
	const token = h('input', { required: true, autocomplete: 'off', value: code });
	const login = h('input', { required: true, autocomplete: 'username' });
	const pw = h('input', { type: 'password', required: true, minlength: 10, autocomplete: 'new-password' });
	const msg = h('div', { 'aria-live': 'polite' });
	main.replaceChildren(h('form', { class: 'card narrow', onsubmit: async (e) => {
		e.preventDefault();
		const r = await client.request('auth.accept_invite', { token: token.value.trim(), login: login.value.trim(), password: pw.value });
		msg.replaceChildren(r.ok ? h('div', {}, note(t('invite.done')), h('p', {}, h('a', { href: '#/login' }, t('login.heading'))))
			: note(errorText(r), 'error'));
	} }, h('h1', {}, t('invite.heading')), field(t('invite.token'), token), field(t('login.login'), login),
	field(t('login.password'), pw), h('button', { type: 'submit' }, t('invite.submit')), msg));
	(code ? login : token).focus();
}

// #/reset/<token>: the password reset link the secretariat handed over.
function viewReset(token) {
	const pw = h('input', { type: 'password', required: true, minlength: 10, autocomplete: 'new-password' });
	const again = h('input', { type: 'password', required: true, minlength: 10, autocomplete: 'new-password' });
	const msg = h('div', { 'aria-live': 'polite' });
	main.replaceChildren(h('form', { class: 'card narrow', onsubmit: async (e) => {
		e.preventDefault();
		if (pw.value !== again.value) {
			msg.replaceChildren(note(t('reset.mismatch'), 'error'));
			again.focus();
			return;
		}
		const r = await client.request('auth.reset_password', { token, password: pw.value });
		msg.replaceChildren(r.ok ? h('div', {}, note(t('reset.done', { login: r.data.login })), h('p', {}, h('a', { href: '#/login' }, t('login.heading'))))
			: note(errorText(r), 'error'));
	} }, h('h1', {}, t('reset.heading')), field(t('reset.password'), pw), field(t('reset.again'), again),
	h('button', { type: 'submit' }, t('reset.submit')), msg));
	pw.focus();
}

// ---------------- routing ----------------

// The route serving hash for the person logged in, with its captures.
function match(hash) {
	const partner = isPartner();
	for (const r of loaded.flatMap((c) => c.routes || [])) {
		if (r.who !== 'everyone' && partner) continue;
		const m = typeof r.path === 'string' ? (hash === r.path ? [] : null) : hash.match(r.path)?.slice(1);
		if (m) return { r, captures: m };
	}
	const home = homeRoute();
	return home && { r: home, captures: [] };
}

async function route() {
	for (const fn of leaving) fn();
	leaving = [];
	const page = ++shown;
	const hash = location.hash || '#/';
	const inv = hash.match(/^#\/invite(?:\/([A-Za-z0-9_-]+))?$/);
	if (inv) return viewInvite(inv[1]);
	const reset = hash.match(/^#\/reset\/([A-Za-z0-9_-]+)$/);
	if (reset) return viewReset(reset[1]);
	if (!client.user) return viewLogin();
	// The language kept for the account wins over this browser's.
	if (client.user.lang && client.user.lang !== currentLanguage()) {
		setLanguage(client.user.lang);
		await loadLanguage(client.user.lang);
	}
	await withComponents();
	if (page !== shown) return;
	renderNav();
	const found = match(hash);
	if (!found) {
		main.replaceChildren(note(t('app.nothing')));
		return;
	}
	const cleanup = await found.r.mount(main, ...found.captures);
	if (typeof cleanup === 'function') {
		if (page === shown) leaving.push(cleanup);
		else cleanup();
	}
}

async function start() {
	await loadLanguage();
	document.title = t('app.title');
	const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
	client = new AccordClient(wsUrl);
	window.accord = client; // for tests and the curious
	client.addEventListener('status', (e) => {
		statusEl.textContent = e.detail.online ? t('app.online') : t('app.offline');
		statusEl.className = e.detail.online ? 'online' : 'offline';
		if (e.detail.online && !document.body.dataset.ready) {
			document.body.dataset.ready = '1';
			renderNav();
			route();
		}
	});
	client.addEventListener('loggedout', () => {
		stopComponents();
		renderNav();
		if (location.hash === '#/login') route();
		else location.hash = '#/login';
	});
	window.addEventListener('hashchange', route);
}

start();
