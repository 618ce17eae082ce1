// Accord web client: plain modules, no build step.  Views are functions that
// fill <main>; every piece of server data goes in with textContent, never as
// HTML.  Routes: #/login, #/invite[/<token>], #/reset/<token>, #/ (dashboard),
// #/proposal/<id>, #/group/<id>, #/groups, #/members, #/releases, #/portal.
import { AccordClient } from './client.js';
import { loadLanguage, setLanguage, currentLanguage, t, fmtDate, LANGUAGES } from './i18n.js';
import { h, field, note, errorText } from './dom.js';
import { viewMembers, viewGroups, groupSettings, viewReset } from './admin.js';

const main = document.getElementById('main');
const statusEl = document.getElementById('status');
const nav = document.getElementById('nav');
let client;
let cleanup = []; // unsubscribe functions of the current view

const isPartner = () => client.user?.standing === 'partner';
const hasRole = (r) => client.user?.roles?.includes(r);

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
	if (client?.user) {
		const links = isPartner()
			? [h('a', { href: '#/portal' }, t('nav.portal'))]
			: [h('a', { href: '#/' }, t('nav.dashboard'), ' ', awaitingBadge()),
				h('a', { href: '#/decisions' }, t('nav.register')),
				(hasRole('secretariat') || hasRole('admin')) && h('a', { href: '#/members' }, t('nav.members')),
				(hasRole('co_chair') || hasRole('secretariat')) && h('a', { href: '#/groups' }, t('nav.groups')),
				h('a', { href: '#/releases' }, t('nav.releases'))];
		nav.append(...links.filter(Boolean),
			h('span', { class: 'who' }, t('who.as', { name: client.user.name, org: client.user.org })),
			h('button', { type: 'button', onclick: async () => { stopFollowing(); await client.logout(); location.hash = '#/login'; } }, t('nav.logout')));
	}
	nav.append(langSel);
}

// ---------------- what awaits my organisation ----------------

// The number of open proposals on which my organisation has not responded,
// kept live from the `proposals` topic for as long as I am logged in.
let awaiting = 0;
let unsubscribeList = null;

function awaitingBadge() {
	return h('span', { id: 'awaiting', class: 'count', hidden: !awaiting, 'aria-label': t('nav.awaiting', { n: awaiting }) }, String(awaiting));
}

async function refreshAwaiting() {
	if (!client.user || isPartner()) return;
	const r = await client.request('consensus.list', { status: 'open' });
	if (!r.ok) return;
	awaiting = r.data.proposals.filter((p) => p.awaiting_you).length;
	document.getElementById('awaiting')?.replaceWith(awaitingBadge());
}

// One subscription per login; views hear of changes through 'proposals'
// events on window.
async function followProposals() {
	if (unsubscribeList || !client.user || isPartner()) return;
	unsubscribeList = await client.subscribe('proposals', (ev) => {
		// Another organisation's first response changes nothing shown
		// here: no reload for it (in a live session that is most events).
		const d = ev.data || {};
		if (d.responded && d.responded !== client.user?.org) return;
		refreshAwaiting();
		window.dispatchEvent(new CustomEvent('proposals', { detail: d }));
	});
	refreshAwaiting();
}

function stopFollowing() {
	unsubscribeList?.();
	unsubscribeList = null;
	awaiting = 0;
}

// Runs fn when the network's proposals change while the view is shown,
// at most every 300 ms.
function onProposals(fn) {
	let timer = null;
	const handler = () => {
		clearTimeout(timer);
		timer = setTimeout(fn, 300);
	};
	window.addEventListener('proposals', handler);
	cleanup.push(() => {
		clearTimeout(timer);
		window.removeEventListener('proposals', handler);
	});
}

// ---------------- login and invitation ----------------

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
		renderNav();
		location.hash = isPartner() ? '#/portal' : '#/';
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

// ---------------- dashboard ----------------

function proposalItem(p, extra) {
	return h('li', {}, h('a', { href: `#/proposal/${p.id}` }, p.title), ' ',
		h('span', { class: `badge ${p.status}` }, t(`status.${p.status}`)),
		p.outcome && h('span', { class: `badge ${p.outcome}` }, t(`outcome.${p.outcome}`)), extra);
}

async function viewDashboard() {
	const mine = h('ul', { class: 'list', id: 'awaiting-list' });
	const open = h('ul', { class: 'list', id: 'open-list' });
	const drafts = h('ul', { class: 'list', id: 'draft-list' });
	const decisions = h('ul', { class: 'list', id: 'decision-list' });
	const presence = h('div', { 'aria-live': 'polite' });
	const groupsList = h('ul', { class: 'list' });
	const mineCard = h('section', { class: 'card action' }, h('h2', {}, t('dash.awaiting_heading')), mine);
	const openHeading = h('h2', {}, t('dash.open'));
	const openCard = h('section', { class: 'card' }, openHeading, open);
	// What needs my organisation's action comes first.
	const sections = [
		mineCard,
		openCard,
		h('section', { class: 'card' }, h('h2', {}, t('dash.groups')), groupsList),
		h('section', { class: 'card' }, h('h2', {}, t('dash.presence')), presence),
		h('section', { class: 'card' }, h('h2', {}, t('dash.decisions')), decisions, h('p', {}, h('a', { href: '#/decisions' }, t('dash.register_link')))),
	];
	const canCreate = hasRole('co_chair') || hasRole('secretariat');
	if (canCreate) sections.push(h('section', { class: 'card' }, h('h2', {}, t('dash.drafts')), drafts), createForm());
	main.replaceChildren(h('div', { class: 'grid' }, sections));
	const fill = (ul, items, empty = 'dash.none') => ul.replaceChildren(...(items.length ? items : [h('li', { class: 'muted' }, t(empty))]));

	// The lists come from consensus.list, which says what awaits my
	// organisation; they reload live when the network's proposals change.
	const loadProposals = async () => {
		const list = await client.request('consensus.list', {});
		const props = list.ok ? list.data.proposals : [];
		const openProps = props.filter((p) => p.status === 'open');
		const waiting = openProps.filter((p) => p.awaiting_you);
		fill(mine, waiting.map((p) => proposalItem(p, h('span', { class: 'badge attention' }, t('dash.awaiting')), p.closes_at && h('span', { class: 'muted' }, ` ${t('prop.closes', { when: fmtDate(p.closes_at) })}`))));
		mineCard.hidden = !waiting.length;
		// The other open proposals; no empty card beside the ones above.
		const others = openProps.filter((p) => !p.awaiting_you);
		openHeading.textContent = t(waiting.length ? 'dash.open_other' : 'dash.open');
		openCard.hidden = waiting.length > 0 && !others.length;
		fill(open, others.map((p) => proposalItem(p)), 'dash.none_open');
		fill(drafts, props.filter((p) => p.status === 'draft').map((p) => proposalItem(p)), 'dash.none_drafts');
		const dec = await client.request('consensus.decisions', {});
		fill(decisions, (dec.ok ? dec.data.decisions : []).slice(0, 8).map((p) => proposalItem(p, h('span', { class: 'muted' }, ` ${fmtDate(p.closed_at)}`))), 'dash.none_decisions');
	};
	await loadProposals();
	onProposals(loadProposals);

	const loadGroups = async () => {
		const gl = await client.request('groups.list', {});
		const groupItems = [];
		for (const g of gl.ok ? gl.data.groups : []) {
			// overdue action items, where the group uses the actions plugin
			const a = await client.request('actions.list', { group: g.id });
			groupItems.push(h('li', {}, h('a', { href: `#/group/${g.id}` }, g.name),
				g.archived && h('span', { class: 'badge' }, t('group.archived')),
				a.ok && a.data.overdue > 0 && h('span', { class: 'badge attention' }, t('dash.overdue', { n: a.data.overdue }))));
		}
		fill(groupsList, groupItems, 'dash.none_groups');
	};
	await loadGroups();

	const showPresence = (d) => presence.replaceChildren(
		h('ul', { class: 'list' }, ...Object.entries(d.online).map(([org, logins]) => h('li', {}, h('strong', {}, org), ' ', logins.join(', ')))),
		note(d.all_members_represented ? t('dash.all_represented') : t('dash.missing', { orgs: d.members_missing.join(', ') })));
	const pr = await client.request('members.presence', {});
	if (pr.ok) showPresence(pr.data);
	cleanup.push(await client.subscribe('network', (ev) => {
		if (ev.event === 'members.presence') showPresence(ev.data);
	}));
	// a group created, changed or archived, with my organisation in it
	cleanup.push(await client.subscribe('groups', () => loadGroups()));
}

// ---------------- decision register ----------------

// Every decision and joint statement, searchable and filtered, with its
// record (the proposal page) and the CSV/JSON exports; prints cleanly.
async function viewRegister() {
	const q = h('input', { type: 'search', id: 'reg-q' });
	const kind = h('select', {}, h('option', { value: '' }, t('reg.all')), h('option', { value: 'decision' }, t('create.kind.decision')), h('option', { value: 'statement' }, t('create.kind.statement')));
	const outcome = h('select', {}, h('option', { value: '' }, t('reg.all')), h('option', { value: 'consensus' }, t('outcome.consensus')), h('option', { value: 'no_consensus' }, t('outcome.no_consensus')));
	const year = h('select', {}, h('option', { value: '' }, t('reg.all')));
	const body = h('tbody');
	const count = h('p', { class: 'muted', 'aria-live': 'polite' });
	const msg = h('div', { 'aria-live': 'polite' });
	main.replaceChildren(h('section', { class: 'card register' }, h('h1', {}, t('reg.heading')),
		h('div', { class: 'filters no-print' }, field(t('reg.search'), q), field(t('reg.kind'), kind), field(t('reg.outcome'), outcome), field(t('reg.year'), year),
			h('button', { type: 'button', onclick: () => window.print() }, t('reg.print'))),
		count, msg,
		h('table', { class: 'reflow' }, h('thead', {}, h('tr', {}, ...['reg.title', 'reg.kind', 'reg.outcome', 'reg.date', 'reg.review', 'reg.record'].map((k) => h('th', { scope: 'col' }, t(k))))), body)));
	const r = await client.request('consensus.decisions', {});
	const all = r.ok ? r.data.decisions : [];
	const years = [...new Set(all.map((d) => d.closed_at && new Date(d.closed_at).getFullYear()).filter(Boolean))].sort().reverse();
	year.append(...years.map((y) => h('option', { value: String(y) }, String(y))));
	const download = async (d, format) => {
		const res = await fetch(`/api/consensus/record?proposal=${d.id}&format=${format}`, { headers: { Authorization: `Bearer ${client.token}` } });
		if (!res.ok) { msg.replaceChildren(note(t('error.generic', { message: res.status }), 'error')); return; }
		const a = h('a', { href: URL.createObjectURL(await res.blob()), download: `decision-${d.id}.${format}` });
		document.body.append(a);
		a.click();
		a.remove();
	};
	const show = () => {
		const needle = q.value.trim().toLowerCase();
		const rows = all.filter((d) => (!kind.value || d.kind === kind.value) && (!outcome.value || d.outcome === outcome.value) &&
			(!year.value || (d.closed_at && String(new Date(d.closed_at).getFullYear()) === year.value)) &&
			(!needle || `${d.title} ${d.outcome_statement || ''}`.toLowerCase().includes(needle)));
		count.textContent = t('reg.count', { n: rows.length, total: all.length });
		body.replaceChildren(...rows.map((d) => h('tr', { 'data-decision': d.id },
			h('td', { 'data-label': t('reg.title') }, h('a', { href: `#/proposal/${d.id}` }, d.title), d.outcome_statement && h('p', { class: 'muted' }, d.outcome_statement)),
			h('td', { 'data-label': t('reg.kind') }, t(`create.kind.${d.kind}`)),
			h('td', { 'data-label': t('reg.outcome') }, d.outcome && h('span', { class: `badge ${d.outcome}` }, t(`outcome.${d.outcome}`))),
			h('td', { 'data-label': t('reg.date') }, fmtDate(d.closed_at)),
			h('td', { 'data-label': t('reg.review') }, d.review_date || '—'),
			h('td', { 'data-label': t('reg.record'), class: 'no-print' },
				h('button', { type: 'button', class: 'link', onclick: () => download(d, 'csv'), 'aria-label': t('reg.csv_of', { title: d.title }) }, 'CSV'), ' ',
				h('button', { type: 'button', class: 'link', onclick: () => download(d, 'json'), 'aria-label': t('reg.json_of', { title: d.title }) }, 'JSON')))));
	};
	for (const el of [q, kind, outcome, year]) el.addEventListener('input', show);
	show();
	onProposals(async () => {
		const again = await client.request('consensus.decisions', {});
		if (again.ok) { all.splice(0, all.length, ...again.data.decisions); show(); }
	});
}

function createForm() {
	const title = h('input', { required: true, maxlength: 300 });
	const text = h('textarea', { required: true, rows: 5 });
	const kind = h('select', {}, h('option', { value: 'decision' }, t('create.kind.decision')), h('option', { value: 'statement' }, t('create.kind.statement')));
	const sm = h('input', { type: 'checkbox' });
	const hide = h('input', { type: 'checkbox' });
	const msg = h('div', { 'aria-live': 'polite' });
	return h('form', { class: 'card', onsubmit: async (e) => {
		e.preventDefault();
		const r = await client.request('consensus.create', { title: title.value, text: text.value, kind: kind.value, state_matter: sm.checked, hide_tally: hide.checked });
		if (r.ok && r.data.proposal) location.hash = `#/proposal/${r.data.proposal.id}`;
		else if (r.ok) msg.replaceChildren(note(t('create.already'))); // a retry: the draft is in the list
		else msg.replaceChildren(note(errorText(r), 'error'));
	} }, h('h2', {}, t('dash.new')), field(t('create.title'), title), field(t('create.text'), text), field(t('create.kind'), kind),
	h('label', { class: 'check' }, sm, t('create.state_matter')),
	h('label', { class: 'check' }, hide, t('create.hide_tally')),
	h('button', { type: 'submit' }, t('create.submit')), msg);
}

// ---------------- live consensus session ----------------

const POSITIONS = ['agree', 'reservations', 'abstain', 'object'];

function tallyView(tally) {
	const box = h('div', { class: 'tally', 'aria-live': 'polite' });
	if (!tally) return box;
	if (tally.hidden) box.append(note(t('tally.hidden')));
	else {
		const total = tally.responded.length + tally.pending.length || 1;
		const bar = h('div', { class: 'bar', role: 'img', 'aria-label': POSITIONS.map((p) => `${t(`pos.${p}`)}: ${tally.counts[p]}`).join(', ') });
		for (const p of POSITIONS)
			if (tally.counts[p]) bar.append(h('span', { class: `seg ${p}`, style: null, 'data-n': tally.counts[p] }));
		box.append(bar, h('ul', { class: 'counts' }, ...POSITIONS.map((p) => h('li', { class: p, 'data-position': p }, `${t(`pos.${p}`)}: `, h('strong', {}, tally.counts[p])))));
		// widths via CSS custom properties set from script (CSP allows this)
		for (const seg of bar.children) seg.style.setProperty('--w', `${(100 * Number(seg.dataset.n)) / total}%`);
	}
	box.append(
		h('p', { class: 'responded' }, t('tally.responded', { n: tally.responded.length }), ': ', tally.responded.join(', ') || '—'),
		h('p', { class: 'pending' }, t('tally.pending', { n: tally.pending.length }), ': ', tally.pending.join(', ') || '—'));
	if (tally.state_matter) box.append(note(tally.consultation_in ? t('consult.in') : t('consult.missing')));
	if (tally.status === 'open' && !tally.hidden)
		box.append(note(tally.consensus_reached ? t('tally.reached') : tally.consensus_possible ? t('tally.possible') : t('tally.impossible')));
	if (tally.outcome) box.append(h('p', { class: `outcome ${tally.outcome}` }, t(`outcome.${tally.outcome}`)));
	return box;
}

// Each voting organisation's position, reason, who cast it and when; an
// organisation still to respond is marked present now / not present.  With
// a hidden tally (until the close) only whether it responded.
function orgTable(voters, positions, tally, online) {
	if (!voters?.length) return null;
	const byOrg = new Map((positions || []).map((x) => [x.org, x]));
	const hidden = tally?.hidden;
	const pending = new Set(tally?.pending || []);
	const rows = voters.map((org) => {
		const x = byOrg.get(org);
		let badge;
		if (x && !hidden && x.position) badge = h('span', { class: `badge pos-${x.position}` }, t(`pos.${x.position}`));
		else if (x) badge = h('span', { class: 'badge responded' }, t('orgs.responded'));
		else badge = h('span', { class: 'badge pending' }, pending.has(org) || !tally ? t('orgs.pending') : t('orgs.not_voting'));
		const here = !x && online && h('span', { class: online[org]?.length ? 'present' : 'absent' },
			online[org]?.length ? t('orgs.present') : t('orgs.absent'));
		return h('tr', { 'data-org': org },
			h('th', { scope: 'row' }, org),
			h('td', {}, badge, here && ' ', here),
			h('td', { class: 'text' }, (!hidden && x?.reason) || ''),
			h('td', {}, x?.cast_by || ''),
			h('td', {}, x ? fmtDate(x.cast_at) : ''));
	});
	return h('table', { class: 'orgs', id: 'orgs' },
		h('caption', {}, t('orgs.heading')),
		h('thead', {}, h('tr', {}, ...['orgs.org', 'orgs.position', 'orgs.reason', 'orgs.cast_by', 'orgs.when'].map((k) => h('th', { scope: 'col' }, t(k))))),
		h('tbody', {}, ...rows));
}

// What the close found, in the reader's language, from the facts the
// server sends (close_facts), never from a sentence of its own.
function closedLines(p) {
	const f = p.close_facts || {};
	const out = [h('p', { class: 'closed-by' }, p.closed_by
		? t('prop.closed_by', { who: p.closed_by, when: fmtDate(p.closed_at) })
		: t('prop.closed_auto', { when: fmtDate(p.closed_at) }))];
	if (f.missing?.length) out.push(h('p', {}, t('prop.facts.missing', { orgs: f.missing.join(', ') })));
	if (f.objected?.length) out.push(h('p', {}, t('prop.facts.objected', { orgs: f.objected.join(', ') })));
	if (f.consultation_missing) out.push(h('p', {}, t('prop.facts.no_consult')));
	if (p.close_reason) out.push(h('p', {}, t('prop.close_reason', { reason: p.close_reason })));
	return out;
}

// A modal question with two answers; resolves true for the first.  An
// accessible <dialog> instead of window.confirm: it can list what is
// missing and is read out with its heading.  Focus starts on the safe
// answer (Escape answers it too).
function confirmDialog(heading, lines, yes, no) {
	return new Promise((resolve) => {
		const hid = `dlg${Math.random().toString(36).slice(2, 8)}`;
		const dlg = h('dialog', { 'aria-labelledby': hid, class: 'confirm' });
		const done = (v) => { dlg.close(); dlg.remove(); resolve(v); };
		dlg.append(h('h2', { id: hid }, heading), ...lines.map((l) => h('p', {}, l)),
			h('div', { class: 'buttons' },
				h('button', { type: 'button', class: 'danger', onclick: () => done(true) }, yes),
				h('button', { type: 'button', class: 'secondary', autofocus: true, onclick: () => done(false) }, no)));
		dlg.addEventListener('cancel', (e) => { e.preventDefault(); done(false); });
		document.body.append(dlg);
		dlg.showModal();
	});
}

async function viewProposal(id) {
	const g = await client.request('consensus.get', { proposal: id });
	if (!g.ok) {
		main.replaceChildren(note(errorText(g), 'error'));
		return;
	}
	let data = g.data;
	// A reply to a change carries the proposal as it is now; a retried
	// change (duplicate) may carry nothing more: then read it again.
	const adopt = async (d) => {
		if (d?.proposal) data = d;
		else {
			const again = await client.request('consensus.get', { proposal: id });
			if (!again.ok) return;
			data = again.data;
		}
		render();
	};
	let online = null; // members.presence: {ORG: [logins]}
	let consultNote = null; // "recorded", kept across re-renders
	const head = h('div');
	const mine = h('div'); // what this person does: the position form first
	const tallyBox = h('section', { class: 'card', id: 'tally' });
	const tallyWrap = h('div', { class: 'wide' }, tallyBox);
	const orgsBox = h('div', { class: 'orgs-wrap' });
	const consultBox = h('section', { class: 'card', id: 'consultation' });
	const present = h('p', { id: 'present', 'aria-live': 'polite' });
	const act = h('div');
	const commentList = h('ul', { class: 'list comments', id: 'comments', 'aria-live': 'polite' });
	const commentBox = h('section', { class: 'card', id: 'discussion' });
	tallyWrap.append(present);
	main.replaceChildren(h('div', { class: 'grid' }, head, mine, tallyWrap, consultBox, act, commentBox));

	const showTally = () => {
		tallyBox.replaceChildren(h('h2', {}, t('tally.heading')), tallyView(data.tally), orgsBox);
		orgsBox.replaceChildren(orgTable(data.proposal.voters, data.positions, data.tally, online) || '');
	};
	const showPresent = (d) => {
		online = d.online;
		present.replaceChildren(t('prop.present', { orgs: Object.keys(d.online).sort().join(', ') || '—' }));
		if (data.proposal.status !== 'draft') orgsBox.replaceChildren(orgTable(data.proposal.voters, data.positions, data.tally, online) || '');
	};

	// Members see the state counterpart's view; the state counterpart sees
	// the view it gave and revises it until the close.
	const showConsultation = () => {
		const p = data.proposal;
		const c = data.consultation;
		if (!p.state_matter || p.status === 'draft') { consultBox.hidden = true; return; }
		consultBox.hidden = false;
		const given = c && h('div', { class: 'given' },
			h('p', { class: 'muted' }, t('consult.given', { org: c.org, by: c.given_by, when: fmtDate(c.at) })),
			h('blockquote', { class: 'text' }, c.view));
		if (!isPartner()) {
			consultBox.replaceChildren(h('h2', {}, t('consult.heading')), given || note(t('consult.missing')));
			return;
		}
		const parts = [h('h2', {}, t('consult.heading'))];
		if (given) parts.push(given);
		if (p.status === 'open') {
			const msg = h('div', { 'aria-live': 'polite' });
			const view = h('textarea', { rows: 4, required: true, maxlength: 8000 });
			view.value = c?.view || '';
			parts.push(h('form', { onsubmit: async (e) => {
				e.preventDefault();
				if (!view.value.trim()) { view.focus(); return; }
				const r = await client.request('consensus.consult', { proposal: id, view: view.value.trim() });
				if (!r.ok) { msg.replaceChildren(note(errorText(r), 'error')); return; }
				consultNote = t('consult.done');
				const again = await client.request('consensus.get', { proposal: id });
				if (again.ok) data = again.data;
				showConsultation();
			} }, field(c ? t('consult.revise') : t('consult.view'), view),
			h('button', { type: 'submit' }, c ? t('consult.resubmit') : t('consult.submit')), consultNote && note(consultNote), msg));
		} else if (!c) parts.push(note(t('consult.not_given')));
		consultBox.replaceChildren(...parts);
	};

	const positionForm = (p) => {
		const msg = h('div', { 'aria-live': 'polite' });
		if (p.status !== 'open' || isPartner()) return null;
		if (!p.voters.includes(client.user.org)) return h('section', { class: 'card' }, note(t('pos.not_voter')));
		// this organisation's position as the server holds it (also after a reload)
		const held = (data.positions || []).find((x) => x.org === client.user.org && x.position);
		const reason = h('textarea', { rows: 3, maxlength: 4000 });
		reason.value = held?.reason || '';
		const radios = POSITIONS.map((pos) => h('label', { class: 'radio' },
			h('input', { type: 'radio', name: 'position', value: pos, checked: held?.position === pos }), t(`pos.${pos}`)));
		if (held) msg.replaceChildren(note(t('pos.held', { position: t(`pos.${held.position}`), by: held.cast_by, when: fmtDate(held.cast_at) })));
		return h('section', { class: 'card', id: 'my-position' }, h('form', { onsubmit: async (e) => {
			e.preventDefault();
			const pos = e.target.querySelector('input[name=position]:checked')?.value;
			if (!pos) return;
			if ((pos === 'reservations' || pos === 'object') && !reason.value.trim()) {
				msg.replaceChildren(note(t('pos.reason_required'), 'error'));
				reason.focus();
				return;
			}
			const r = await client.request('consensus.position', { proposal: id, position: pos, reason: reason.value.trim() });
			if (!r.ok) { msg.replaceChildren(note(errorText(r), 'error')); return; }
			// What the server holds, in the interface language: a
			// retried request is shown as the position already held.
			const d = r.data;
			const args = { position: d.position ? t(`pos.${d.position}`) : '—', by: d.cast_by || '', org: d.org };
			msg.replaceChildren(note(t(d.duplicate ? 'pos.already' : 'pos.recorded', args)));
			if (d.duplicate && d.position) {
				for (const input of e.target.querySelectorAll('input[name=position]')) input.checked = input.value === d.position;
				reason.value = d.reason || '';
			}
			// keep our own entry current (a hidden tally does not send it back)
			if (d.position) {
				data.positions = (data.positions || []).filter((x) => x.org !== d.org)
					.concat({ org: d.org, position: d.position, reason: d.reason || '', cast_by: d.cast_by, cast_at: d.cast_at });
			}
		} }, h('fieldset', {}, h('legend', {}, t('pos.heading', { org: client.user.org })), ...radios),
		field(t('pos.reason'), reason), h('button', { type: 'submit' }, t('pos.submit')), msg));
	};

	// A draft's author and co-chairs change it before it opens.
	const editForm = (p) => {
		if (p.status !== 'draft' || isPartner() || !(p.created_by === client.user.login || hasRole('co_chair'))) return null;
		const title = h('input', { required: true, maxlength: 300, value: p.title });
		const text = h('textarea', { required: true, rows: 5 });
		text.value = p.text;
		const kind = h('select', {}, h('option', { value: 'decision' }, t('create.kind.decision')), h('option', { value: 'statement' }, t('create.kind.statement')));
		kind.value = p.kind;
		const sm = h('input', { type: 'checkbox', checked: p.state_matter });
		const hide = h('input', { type: 'checkbox', checked: p.hide_tally });
		const msg = h('div', { 'aria-live': 'polite' });
		return h('form', { class: 'card', id: 'edit-draft', onsubmit: async (e) => {
			e.preventDefault();
			const r = await client.request('consensus.edit', { proposal: id, title: title.value, text: text.value, kind: kind.value, state_matter: sm.checked, hide_tally: hide.checked });
			if (!r.ok) { msg.replaceChildren(note(errorText(r), 'error')); return; }
			await adopt(r.data);
			act.querySelector('#edit-draft .form-msg')?.replaceChildren(note(t('edit.done')));
		} }, h('h2', {}, t('edit.heading')), field(t('create.title'), title), field(t('create.text'), text), field(t('create.kind'), kind),
		h('label', { class: 'check' }, sm, t('create.state_matter')),
		h('label', { class: 'check' }, hide, t('create.hide_tally')),
		h('button', { type: 'submit' }, t('edit.submit')), h('div', { class: 'form-msg', 'aria-live': 'polite' }), msg);
	};

	const chairBox = (p) => {
		if (!hasRole('co_chair') || isPartner()) return null;
		const chairMsg = h('div', { 'aria-live': 'polite' });
		const call = async (type, extra) => {
			const r = await client.request(type, { proposal: id, ...extra });
			if (r.ok) await adopt(r.data); else chairMsg.replaceChildren(note(errorText(r), 'error'));
		};
		const box = h('section', { class: 'card chair' }, h('h2', {}, t('chair.heading')));
		if (p.status === 'draft') box.append(h('button', { type: 'button', onclick: () => call('consensus.open', {}) }, t('chair.open')));
		if (p.status === 'open') {
			const outcome = h('textarea', { rows: 2 });
			const reason = h('input', {});
			const until = h('input', { type: 'datetime-local' });
			box.append(field(t('chair.outcome'), outcome), field(t('chair.close_reason'), reason),
				h('button', { type: 'button', onclick: async () => {
					// Closing early: say what is missing and ask first.
					const tl = data.tally || {};
					const lines = [];
					if (tl.pending?.length) lines.push(t('close.confirm.pending', { orgs: tl.pending.join(', ') }));
					if (p.state_matter && !tl.consultation_in) lines.push(t('close.confirm.no_consult'));
					if (lines.length && !(await confirmDialog(t('close.confirm.heading'), [...lines, t('close.confirm.outcome')], t('close.confirm.yes'), t('close.confirm.no')))) return;
					call('consensus.close', { outcome: outcome.value, reason: reason.value.trim() });
				} }, t('chair.close')),
				field(t('chair.extend'), until),
				h('button', { type: 'button', onclick: () => until.value && call('consensus.extend', { closes_at: new Date(until.value).getTime() }) }, t('chair.extend')));
		}
		if (p.status === 'closed') {
			const reason = h('input', {});
			box.append(field(t('chair.reason'), reason),
				h('button', { type: 'button', onclick: () => reason.value.trim() && call('consensus.reopen', { reason: reason.value.trim() }) }, t('chair.reopen')));
		}
		box.append(chairMsg);
		return box;
	};

	const render = () => {
		const p = data.proposal;
		head.replaceChildren(h('section', { class: 'card' },
			h('h1', {}, p.title, ' ', h('span', { class: `badge ${p.status}` }, t(`status.${p.status}`))),
			h('p', { class: 'text' }, p.text),
			p.state_matter && note(t('consult.needed')),
			p.closes_at && p.status === 'open' && h('p', {}, t('prop.closes', { when: fmtDate(p.closes_at) })),
			p.status === 'closed' && closedLines(p),
			p.outcome_statement && h('blockquote', {}, p.outcome_statement)));
		mine.replaceChildren(positionForm(p) || '');
		mine.hidden = !mine.firstElementChild;
		if (isPartner()) tallyBox.hidden = true;
		else showTally();
		showConsultation();
		act.replaceChildren(...[editForm(p), chairBox(p)].filter(Boolean));
		if (!isPartner() && (hasRole('co_chair') || hasRole('secretariat')) && p.status === 'closed')
			act.append(releaseForm(`proposal:${p.id}`));
		act.hidden = !act.firstElementChild;
		showComments();
	};

	// Discussion: open and closed proposals; live by consensus.comment.
	const seen = new Set();
	const addComment = (c) => {
		if (seen.has(c.id)) return;
		seen.add(c.id);
		commentList.querySelector('.none')?.remove();
		commentList.append(h('li', { 'data-comment': c.id }, h('strong', {}, `${c.author} (${c.org})`),
			c.partner && h('span', { class: 'badge shared' }, t('comment.partner')),
			h('span', { class: 'muted' }, fmtDate(c.at)), h('div', { class: 'text' }, c.text)));
	};
	const commentText = h('textarea', { rows: 3, maxlength: 8000 });
	const commentMsg = h('div', { 'aria-live': 'polite' });
	const commentForm = h('form', { onsubmit: async (e) => {
		e.preventDefault();
		if (!commentText.value.trim()) { commentText.focus(); return; }
		const r = await client.request('consensus.comment', { proposal: id, text: commentText.value.trim() });
		if (!r.ok) { commentMsg.replaceChildren(note(errorText(r), 'error')); return; }
		commentText.value = '';
		commentMsg.replaceChildren();
		if (r.data.comment) addComment(r.data.comment); // a retried one came as an event
	} }, field(t('comment.new'), commentText), h('button', { type: 'submit' }, t('comment.submit')), commentMsg);
	const showComments = () => {
		const draft = data.proposal.status === 'draft';
		commentBox.replaceChildren(h('h2', {}, t('comment.heading')), draft ? note(t('comment.after_open')) : commentList, draft ? '' : commentForm);
	};

	render();
	if (!isPartner()) {
		const pr = await client.request('members.presence', {});
		if (pr.ok) showPresent(pr.data);
		cleanup.push(await client.subscribe('network', (ev) => {
			if (ev.event === 'members.presence') showPresent(ev.data);
		}));
	}
	const cs = await client.request('consensus.comments', { proposal: id });
	for (const c of cs.ok ? cs.data.comments : []) addComment(c);
	if (!commentList.children.length) commentList.append(h('li', { class: 'none' }, t('comment.none')));
	cleanup.push(await client.subscribe(`proposal:${id}`, async (ev) => {
		if (ev.event === 'consensus.tally') {
			const statusChanged = ev.data.status !== data.proposal.status;
			data.tally = ev.data;
			if ('positions' in ev.data) {
				// a hidden tally sends who, not what: keep our own entry
				const own = (data.positions || []).find((x) => x.org === client.user.org && x.position);
				data.positions = ev.data.positions.map((x) => (own && x.org === own.org && !x.position ? own : x));
			}
			if ('consultation' in ev.data) data.consultation = ev.data.consultation;
			if (statusChanged) {
				const again = await client.request('consensus.get', { proposal: id });
				if (again.ok) data = again.data;
				render();
			} else { // the tally, the record and the view: forms keep what the person is typing
				showTally();
				if (!isPartner()) showConsultation();
			}
		} else if (ev.event === 'consensus.comment') addComment(ev.data);
		else if (ev.event === 'consensus.edited') {
			data.proposal = { ...data.proposal, ...ev.data.proposal };
			render();
		} else if (ev.event === 'resync' || ev.event === 'consensus.status') {
			const again = await client.request('consensus.get', { proposal: id });
			if (again.ok) { data = again.data; render(); }
		}
	}));
}

// ---------------- working group rooms ----------------

async function viewGroup(id) {
	const g = await client.request('groups.get', { group: id });
	if (!g.ok) {
		main.replaceChildren(note(errorText(g), 'error'));
		return;
	}
	let group = g.data.group;
	const posts = h('ul', { class: 'list posts' });
	const items = h('ul', { class: 'list items' });
	const components = h('div');
	const partner = isPartner();
	const visSelect = () => partner ? null : h('select', { 'aria-label': t('group.visibility') },
		h('option', { value: 'internal' }, t('vis.internal')), h('option', { value: 'shared' }, t('vis.shared')));
	const badge = (v) => h('span', { class: `badge vis-${v}` }, t(`vis.${v}`));
	const postText = h('textarea', { rows: 3, required: true });
	const postVis = visSelect();
	const itemTitle = h('input', { required: true });
	const itemKind = h('select', {}, ...['update', 'document', 'link', 'data'].map((k) => h('option', { value: k }, t(`item.${k}`))));
	const itemUrl = h('input', { type: 'url' });
	const itemFile = h('input', { type: 'file' });
	const itemVis = visSelect();
	const msg = h('div', { 'aria-live': 'polite' });
	// Each post or item is internal unless shared on purpose, one at a time:
	// after it is sent the control goes back to internal.
	const backToInternal = (sel) => { if (sel) sel.value = 'internal'; };
	const head = h('section', { class: 'card wide', id: 'group-head' });
	const renderHead = () => head.replaceChildren(h('h1', {}, group.name, group.archived && h('span', { class: 'badge' }, t('group.archived'))),
		group.kind === 'ad_hoc' && h('p', { class: 'muted' }, t('groups.until', { date: group.end_date })),
		h('p', { class: 'text' }, group.mandate),
		h('p', { id: 'group-orgs' }, t('group.members'), ': ', group.members.map((m) => `${m.org}${m.role === 'lead' ? ' (' + t('group.lead') + ')' : ''}${m.partner ? ' [' + t('group.partner') + ']' : ''}`).join(', ')));
	renderHead();
	const grid = h('div', { class: 'grid' }, head,
		h('section', { class: 'card' }, h('h2', {}, t('group.posts')), posts,
			!group.archived && h('form', { onsubmit: async (e) => {
				e.preventDefault();
				const r = await client.request('groups.post', { group: id, text: postText.value, visibility: postVis ? postVis.value : 'shared' });
				if (r.ok) { postText.value = ''; backToInternal(postVis); } else msg.replaceChildren(note(errorText(r), 'error'));
			} }, field(t('group.new_post'), postText), postVis && field(t('group.visibility'), postVis), h('button', { type: 'submit' }, t('group.send')))),
		h('section', { class: 'card' }, h('h2', {}, t('group.items')), items,
			!group.archived && h('form', { onsubmit: async (e) => {
				e.preventDefault();
				const vis = itemVis ? itemVis.value : 'shared';
				const file = itemFile.files[0];
				if (file) { // a document: its file is kept by the server
					const q = new URLSearchParams({ group: id, title: itemTitle.value, name: file.name, visibility: vis });
					const res = await fetch(`/api/groups/files?${q}`, { method: 'POST', headers: { Authorization: `Bearer ${client.token}` }, body: file });
					if (res.ok) { itemTitle.value = ''; itemFile.value = ''; backToInternal(itemVis); } else msg.replaceChildren(note(errorText({ error: await res.json() }), 'error'));
					return;
				}
				const r = await client.request('groups.item.add', { group: id, kind: itemKind.value, title: itemTitle.value, url: itemUrl.value, visibility: vis });
				if (r.ok) { itemTitle.value = ''; itemUrl.value = ''; backToInternal(itemVis); } else msg.replaceChildren(note(errorText(r), 'error'));
			} }, field(t('group.item_title'), itemTitle), field(t('group.item_kind'), itemKind), field(t('group.item_url'), itemUrl), field(t('group.item_file'), itemFile),
			itemVis && field(t('group.visibility'), itemVis), h('button', { type: 'submit' }, t('group.add_item')))),
		h('section', { class: 'card', id: 'components' }, components), msg);
	main.replaceChildren(grid);
	// Plugins enabled for the group bring their own component; enabling or
	// disabling one shows at once in every open room.
	const mounted = new Map(); // plugin name -> {box, unsub}
	const syncComponents = async () => {
		for (const [name, m] of mounted) {
			if (group.plugins.includes(name)) continue;
			if (typeof m.unsub === 'function') m.unsub();
			m.box.remove();
			mounted.delete(name);
		}
		for (const name of group.plugins) {
			if (mounted.has(name)) continue;
			const box = h('div', { class: 'component', 'data-plugin': name });
			const m = { box, unsub: null };
			mounted.set(name, m);
			components.append(box);
			try {
				const mod = await import(`/plugins/${name}/room.js`);
				m.unsub = await mod.mount(box, { client, group: id, lang: currentLanguage() });
			} catch (e) {
				box.append(note(errorText({ error: { message: `${name}: ${e.message}` } }), 'error'));
			}
		}
	};
	cleanup.push(() => { for (const m of mounted.values()) if (typeof m.unsub === 'function') m.unsub(); });
	// The group as the server holds it now (after a change made here or
	// announced by groups.changed); archiving makes the room read-only.
	let settings = null;
	const applyGroup = (g2) => {
		const archivedNow = g2.archived && !group.archived;
		group = g2;
		if (archivedNow) { route(); return; }
		renderHead();
		settings?.update(group);
		syncComponents();
	};
	settings = await groupSettings({ client, group, changed: applyGroup });
	if (settings) head.after(settings.el);

	const addPost = (p) => posts.prepend(h('li', { 'data-post': p.id }, h('strong', {}, `${p.author} (${p.org})`), ' ', badge(p.visibility),
		p.parent && h('span', { class: 'muted' }, ` ↳ #${p.parent}`), h('div', { class: 'text' }, p.text), h('span', { class: 'muted' }, fmtDate(p.created_at))));
	const addItem = (it) => items.prepend(h('li', {}, h('strong', {}, it.title), ' ', h('span', { class: 'muted' }, t(`item.${it.kind}`)), ' ', badge(it.visibility),
		it.url && h('div', {}, h('a', { href: it.url, rel: 'noopener noreferrer' }, it.url)),
		it.file_name && h('div', {}, h('button', { type: 'button', class: 'link', onclick: async () => {
			const res = await fetch(`/api/groups/files?item=${it.id}`, { headers: { Authorization: `Bearer ${client.token}` } });
			if (!res.ok) return;
			const a = h('a', { href: URL.createObjectURL(await res.blob()), download: it.file_name });
			document.body.append(a);
			a.click();
			a.remove();
		} }, `⤓ ${it.file_name} (${Math.ceil(it.file_size / 1024)} KB)`))));
	const ps = await client.request('groups.posts', { group: id });
	for (const p of (ps.ok ? ps.data.posts : []).reverse()) addPost(p);
	const is = await client.request('groups.items', { group: id });
	for (const it of (is.ok ? is.data.items : []).reverse()) addItem(it);
	cleanup.push(await client.subscribe(`group:${id}`, async (ev) => {
		if (ev.event === 'groups.post') addPost(ev.data);
		else if (ev.event === 'groups.item') addItem(ev.data);
		else if (ev.event === 'sub.revoked') main.replaceChildren(note(t('group.removed'), 'error'));
		else if (ev.event === 'groups.changed') {
			const again = await client.request('groups.get', { group: id });
			if (again.ok) applyGroup(again.data.group);
		}
	}));
	await syncComponents();
}

// ---------------- partner portal ----------------

// One released item as a partner sees it: its kind, title and text as the
// network released them.
// A released item's title as a person reads it: never an internal id.
function releasedTitle(r) {
	const c = r.content || {};
	return c.title || c.name || (c.text ? String(c.text).slice(0, 80) : t('portal.untitled', { kind: t(`kind.${r.kind}`), date: fmtDate(r.released_at) }));
}

function releasedItem(r) {
	const c = r.content || {};
	const body = c.text || c.body;
	return h('li', { 'data-release': r.id },
		h('span', { class: 'badge shared' }, t(`kind.${r.kind}`)), ' ', h('strong', {}, releasedTitle(r)),
		c.outcome && h('span', { class: `badge ${c.outcome}` }, t(`outcome.${c.outcome}`)),
		c.without_consensus && h('span', { class: 'badge warning' }, t('release.without_consensus')),
		h('span', { class: 'muted' }, ` ${fmtDate(r.released_at)}`),
		body && h('p', { class: 'text' }, body),
		// each text once: a joint statement's adopted text is often its text
		c.outcome_statement && c.outcome_statement !== body && h('blockquote', {}, c.outcome_statement));
}

async function viewPortal() {
	const released = h('ul', { class: 'list', id: 'released', 'aria-live': 'polite' });
	const consulted = h('ul', { class: 'list' });
	const statements = h('ul', { class: 'list' });
	const mine = h('ul', { class: 'list', id: 'my-input' });
	const about = h('select', {}, h('option', { value: '' }, t('portal.about.none')));
	const text = h('textarea', { rows: 4, maxlength: 8000, required: true });
	const file = h('input', { type: 'file' });
	const msg = h('div', { 'aria-live': 'polite' });
	const form = h('form', { class: 'card', id: 'input-form', onsubmit: async (e) => {
		e.preventDefault();
		if (!text.value.trim()) { text.focus(); return; }
		let ok;
		if (file.files[0]) {
			const q = new URLSearchParams({ name: file.files[0].name, text: text.value.trim().slice(0, 1999) });
			if (about.value) q.set('about', about.value);
			const res = await fetch(`/api/portal/input?${q}`, { method: 'POST', headers: { Authorization: `Bearer ${client.token}` }, body: file.files[0] });
			ok = res.ok;
			if (!ok) msg.replaceChildren(note(t('error.generic', { message: (await res.json().catch(() => ({}))).message || res.status }), 'error'));
		} else {
			const r = await client.request('portal.input', { text: text.value.trim(), about: about.value || null });
			ok = r.ok;
			if (!ok) msg.replaceChildren(note(errorText(r), 'error'));
		}
		if (ok) {
			msg.replaceChildren(note(t('portal.input.sent')));
			text.value = '';
			file.value = '';
			loadInputs();
		}
	} }, h('h2', {}, t('portal.input')), field(t('portal.about'), about), field(t('portal.input.text'), text),
	field(t('portal.input.file'), file), h('button', { type: 'submit' }, t('portal.input.submit')), msg);
	// Cards that would only say "nothing here" beside content that belongs
	// in them stay hidden: consultations for the state counterpart only,
	// the network's statements only those not already released above.
	const consultedCard = h('section', { class: 'card', hidden: true }, h('h2', {}, t('portal.consulted')), consulted);
	const statementsCard = h('section', { class: 'card', hidden: true }, h('h2', {}, t('portal.statements')), statements);
	const grid = h('div', { class: 'grid' }, h('h1', {}, t('portal.heading')),
		h('section', { class: 'card' }, h('h2', {}, t('portal.released')), released),
		consultedCard, statementsCard,
		form, h('section', { class: 'card' }, h('h2', {}, t('portal.my_input')), mine));
	main.replaceChildren(grid);
	const fill = (ul, items, empty = 'dash.none') => ul.replaceChildren(...(items.length ? items : [h('li', { class: 'muted' }, t(empty))]));
	const feed = new Map();
	const showFeed = () => {
		const items = [...feed.values()].sort((a, b) => b.id - a.id);
		fill(released, items.map(releasedItem), 'portal.none_released');
		const keep = about.value;
		about.replaceChildren(h('option', { value: '' }, t('portal.about.none')),
			...items.map((r) => h('option', { value: r.item }, releasedTitle(r))));
		showStatements();
		about.value = items.some((r) => r.item === keep) ? keep : '';
	};
	const loadInputs = async () => {
		const r = await client.request('portal.inputs', {});
		fill(mine, (r.ok ? r.data.inputs : []).map((i) => h('li', {}, h('span', { class: 'muted' }, fmtDate(i.at)), ' ', i.text,
			i.file_name && h('span', { class: 'badge' }, i.file_name))), 'portal.no_input');
	};
	cleanup.push(await client.subscribe('portal', (ev) => {
		if (ev.event === 'portal.released') { for (const [k, v] of feed) if (v.item === ev.data.item) feed.delete(k); feed.set(ev.data.id, ev.data); showFeed(); }
		if (ev.event === 'portal.withdrawn') { feed.delete(ev.data.id); showFeed(); }
	}));
	let networkStatements = [];
	function showStatements() {
		const released = new Set([...feed.values()].map((r) => r.item));
		const rest = networkStatements.filter((p) => !released.has(`proposal:${p.id}`));
		statements.replaceChildren(...rest.map((p) => h('li', {}, h('strong', {}, p.title), p.outcome_statement && h('blockquote', {}, p.outcome_statement))));
		statementsCard.hidden = !rest.length;
	}
	const f = await client.request('portal.feed', {});
	for (const r of f.ok ? f.data.releases : []) feed.set(r.id, r);
	showFeed();
	const list = await client.request('consensus.list', {});
	const dec = await client.request('consensus.decisions', {});
	const consultedOn = list.ok ? list.data.proposals : [];
	consulted.replaceChildren(...consultedOn.map((p) => proposalItem(p)));
	consultedCard.hidden = !consultedOn.length;
	const gl = await client.request('groups.list', {});
	if (gl.ok && gl.data.groups.length)
		grid.insertBefore(h('section', { class: 'card' }, h('h2', {}, t('dash.groups')),
			h('ul', { class: 'list' }, ...gl.data.groups.map((g) => h('li', {}, h('a', { href: `#/group/${g.id}` }, g.name))))), form);
	networkStatements = dec.ok ? dec.data.decisions : [];
	showStatements();
	loadInputs();
}

// A co-chair's or the secretariat's control to release an item to partners.
function releaseForm(item) {
	const to = h('input', { placeholder: 'MOL, MFA', 'aria-describedby': 'rel-help' });
	const all = h('input', { type: 'checkbox' });
	const basis = h('input', { type: 'number', min: 1 });
	const msg = h('div', { 'aria-live': 'polite' });
	// A proposal without consensus leaves only when the person says so:
	// the server refuses it (conflict) until this box is ticked, and the
	// release is then marked "without consensus" for its readers.
	const confirm = h('input', { type: 'checkbox' });
	const confirmBox = h('div', { class: 'confirm', hidden: true }, note(t('release.no_consensus'), 'error'), h('label', { class: 'check' }, confirm, t('release.confirm_no_consensus')));
	return h('form', { class: 'card release', onsubmit: async (e) => {
		e.preventDefault();
		const orgs = to.value.split(',').map((x) => x.trim().toUpperCase()).filter(Boolean);
		const data = { item, to: all.checked ? 'partners' : orgs };
		if (basis.value) data.basis = Number(basis.value);
		if (!confirmBox.hidden) {
			if (!confirm.checked) { confirm.focus(); return; }
			data.confirm_no_consensus = true;
		}
		const r = await client.request('portal.release', data);
		if (!r.ok && r.error.code === 'conflict' && item.startsWith('proposal:') && /did not reach consensus/.test(r.error.message)) {
			confirmBox.hidden = false;
			msg.replaceChildren();
			confirm.focus();
			return;
		}
		msg.replaceChildren(r.ok ? note(t(data.confirm_no_consensus ? 'release.done_no_consensus' : 'release.done')) : note(errorText(r), 'error'));
	} }, h('h2', {}, t('release.heading')), note(t('release.internal')),
	h('label', { class: 'check' }, all, t('release.all')), field(t('release.to'), to),
	h('p', { id: 'rel-help', class: 'muted' }, t('release.to.help')), field(t('release.basis'), basis),
	confirmBox, h('button', { type: 'submit' }, t('release.submit')), msg);
}

// Withdrawing a release asks for a reason and a second, explicit click.
function withdrawControl(x, done) {
	const box = h('span', { class: 'withdraw' });
	const start = h('button', { type: 'button', class: 'secondary', onclick: () => {
		const reason = h('input', { required: true, maxlength: 2000 });
		const msg = h('span', { 'aria-live': 'polite' });
		box.replaceChildren(h('form', { class: 'inline', onsubmit: async (e) => {
			e.preventDefault();
			if (!reason.value.trim()) { reason.focus(); return; }
			const w = await client.request('portal.withdraw', { release: x.id, reason: reason.value.trim() });
			if (w.ok) done();
			else msg.replaceChildren(note(errorText(w), 'error'));
		} }, field(t('release.withdraw_reason', { title: x.content?.title || x.content?.name || x.item }), reason),
		h('button', { type: 'submit' }, t('release.withdraw_confirm')),
		h('button', { type: 'button', class: 'secondary', onclick: () => box.replaceChildren(start) }, t('common.cancel')), msg));
		reason.focus();
	} }, t('release.withdraw'));
	box.append(start);
	return box;
}

// Members: what was released, to whom, why; withdraw; partners' input.
async function viewReleases() {
	const rels = h('ul', { class: 'list', id: 'releases' });
	const inputs = h('ul', { class: 'list', id: 'inputs' });
	main.replaceChildren(h('div', { class: 'grid' }, h('h1', {}, t('nav.releases')),
		h('section', { class: 'card' }, h('h2', {}, t('release.list')), rels),
		h('section', { class: 'card' }, h('h2', {}, t('release.inputs')), inputs)));
	const fill = (ul, items) => ul.replaceChildren(...(items.length ? items : [h('li', {}, t('dash.none'))]));
	const manage = hasRole('co_chair') || hasRole('secretariat');
	const load = async () => {
		const r = await client.request('portal.releases', { include_withdrawn: true });
		fill(rels, (r.ok ? r.data.releases : []).map((x) => h('li', {},
			h('strong', {}, x.content?.title || x.content?.name || x.item), ' ', h('code', {}, x.item), ' → ',
			Array.isArray(x.audience) ? x.audience.join(', ') : t('release.all_short'),
			h('span', { class: 'muted' }, ` ${x.released_by}, ${fmtDate(x.released_at)}`),
			x.basis && h('span', {}, ` (${t('release.basis_short', { id: x.basis })})`),
			x.withdrawn_at ? h('span', { class: 'badge closed' }, t('release.withdrawn', { who: x.withdrawn_by, why: x.withdraw_reason || '' }))
				: manage && withdrawControl(x, load))));
		const i = await client.request('portal.inputs', {});
		fill(inputs, (i.ok ? i.data.inputs : []).map((x) => h('li', {}, h('span', { class: 'badge shared' }, x.org), ' ', x.text,
			x.about && h('code', {}, ` ${x.about}`), h('span', { class: 'muted' }, ` ${x.author}, ${fmtDate(x.at)}`),
			x.file_name && h('button', { type: 'button', onclick: async () => {
				const res = await fetch(`/api/portal/input?id=${x.id}`, { headers: { Authorization: `Bearer ${client.token}` } });
				const a = h('a', { href: URL.createObjectURL(await res.blob()), download: x.file_name });
				a.click();
			} }, x.file_name))));
	};
	cleanup.push(await client.subscribe('portal', () => load()));
	load();
}

// ---------------- routing ----------------

async function route() {
	for (const fn of cleanup) fn();
	cleanup = [];
	const hash = location.hash || '#/';
	const inv = hash.match(/^#\/invite(?:\/([A-Za-z0-9_-]+))?$/);
	if (inv) return viewInvite(inv[1]);
	const reset = hash.match(/^#\/reset\/([A-Za-z0-9_-]+)$/);
	if (reset) return viewReset({ main, client, token: reset[1] });
	if (!client.user) return viewLogin();
	// The language kept for the account wins over this browser's.
	if (client.user.lang && client.user.lang !== currentLanguage()) {
		setLanguage(client.user.lang);
		await loadLanguage(client.user.lang);
	}
	renderNav();
	const m = hash.match(/^#\/proposal\/(\d+)$/);
	if (m) return viewProposal(Number(m[1]));
	const gm = hash.match(/^#\/group\/(\d+)$/);
	if (gm) return viewGroup(Number(gm[1]));
	if (!isPartner()) followProposals();
	if (hash === '#/decisions' && !isPartner()) return viewRegister();
	if (hash === '#/members' && !isPartner()) return viewMembers({ main, client, cleanup });
	if (hash === '#/groups' && !isPartner()) return viewGroups({ main, client });
	if (hash === '#/releases' && !isPartner()) return viewReleases();
	if (hash === '#/portal' || isPartner()) return viewPortal();
	return viewDashboard();
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
		stopFollowing();
		renderNav();
		if (location.hash === '#/login') route();
		else location.hash = '#/login';
	});
	window.addEventListener('hashchange', route);
}

start();
