// Accord web client: plain modules, no build step.  Views are functions that
// fill <main>; every piece of server data goes in with textContent, never as
// HTML.  Routes: #/login, #/invite[/<token>], #/reset/<token>, #/ (dashboard),
// #/proposal/<id>, #/group/<id>, #/groups, #/members, #/releases, #/portal.
import { AccordClient } from './client.js';
import { loadLanguage, setLanguage, currentLanguage, t, fmtDate } from './i18n.js';
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
	const langSel = h('select', { 'aria-label': t('nav.language'), onchange: async (e) => {
		setLanguage(e.target.value);
		await loadLanguage(e.target.value);
		renderNav();
		route();
	} }, h('option', { value: 'en' }, 'English'), h('option', { value: 'ru' }, 'Русский'));
	langSel.value = currentLanguage();
	if (client?.user) {
		const links = isPartner()
			? [h('a', { href: '#/portal' }, t('nav.portal'))]
			: [h('a', { href: '#/' }, t('nav.dashboard')),
				(hasRole('secretariat') || hasRole('admin')) && h('a', { href: '#/members' }, t('nav.members')),
				(hasRole('co_chair') || hasRole('secretariat')) && h('a', { href: '#/groups' }, t('nav.groups')),
				h('a', { href: '#/releases' }, t('nav.releases'))];
		nav.append(...links.filter(Boolean),
			h('span', { class: 'who' }, t('who.as', { name: client.user.name, org: client.user.org })),
			h('button', { type: 'button', onclick: async () => { await client.logout(); location.hash = '#/login'; } }, t('nav.logout')));
	}
	nav.append(langSel);
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
	const open = h('ul', { class: 'list' });
	const drafts = h('ul', { class: 'list' });
	const decisions = h('ul', { class: 'list' });
	const presence = h('div', { 'aria-live': 'polite' });
	const groupsList = h('ul', { class: 'list' });
	const sections = [
		h('section', { class: 'card' }, h('h2', {}, t('dash.open')), open),
		h('section', { class: 'card' }, h('h2', {}, t('dash.groups')), groupsList),
		h('section', { class: 'card' }, h('h2', {}, t('dash.presence')), presence),
		h('section', { class: 'card' }, h('h2', {}, t('dash.decisions')), decisions),
	];
	const canCreate = hasRole('co_chair') || hasRole('secretariat');
	if (canCreate) sections.push(h('section', { class: 'card' }, h('h2', {}, t('dash.drafts')), drafts), createForm());
	main.replaceChildren(h('div', { class: 'grid' }, sections));

	const list = await client.request('consensus.list', {});
	const props = list.ok ? list.data.proposals : [];
	const fill = (ul, items) => ul.replaceChildren(...(items.length ? items : [h('li', {}, t('dash.none'))]));
	const openItems = [];
	for (const p of props.filter((p) => p.status === 'open')) {
		const g = await client.request('consensus.get', { proposal: p.id });
		const mine = g.ok && g.data.tally?.responded?.includes(client.user.org);
		const votes = g.ok && g.data.proposal.voters?.includes(client.user.org);
		openItems.push(proposalItem(p, votes && h('span', { class: mine ? 'muted' : 'attention' }, mine ? t('dash.responded') : t('dash.awaiting'))));
	}
	fill(open, openItems);
	fill(drafts, props.filter((p) => p.status === 'draft').map((p) => proposalItem(p)));
	const gl = await client.request('groups.list', {});
	const groupItems = [];
	for (const g of gl.ok ? gl.data.groups : []) {
		// overdue action items, where the group uses the actions plugin
		const a = await client.request('actions.list', { group: g.id });
		groupItems.push(h('li', {}, h('a', { href: `#/group/${g.id}` }, g.name),
			g.archived && h('span', { class: 'badge' }, t('group.archived')),
			a.ok && a.data.overdue > 0 && h('span', { class: 'attention' }, t('dash.overdue', { n: a.data.overdue }))));
	}
	fill(groupsList, groupItems);
	const dec = await client.request('consensus.decisions', {});
	fill(decisions, (dec.ok ? dec.data.decisions : []).slice(0, 10).map((p) => proposalItem(p, h('span', { class: 'muted' }, ` ${fmtDate(p.closed_at)}`))));

	const showPresence = (d) => presence.replaceChildren(
		h('ul', { class: 'list' }, ...Object.entries(d.online).map(([org, logins]) => h('li', {}, h('strong', {}, org), ' ', logins.join(', ')))),
		note(d.all_members_represented ? t('dash.all_represented') : t('dash.missing', { orgs: d.members_missing.join(', ') })));
	const pr = await client.request('members.presence', {});
	if (pr.ok) showPresence(pr.data);
	cleanup.push(await client.subscribe('network', (ev) => {
		if (ev.event === 'members.presence') showPresence(ev.data);
	}));
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
		if (r.ok) location.hash = `#/proposal/${r.data.proposal.id}`;
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

async function viewProposal(id) {
	const g = await client.request('consensus.get', { proposal: id });
	if (!g.ok) {
		main.replaceChildren(note(errorText(g), 'error'));
		return;
	}
	let data = g.data;
	const head = h('div');
	const tallyBox = h('section', { class: 'card', id: 'tally' });
	const act = h('section', { class: 'card' });
	const present = h('p', { id: 'present', 'aria-live': 'polite' });
	main.replaceChildren(h('div', { class: 'grid' }, head, h('div', {}, tallyBox, present), act));
	const showPresent = (d) => present.replaceChildren(t('prop.present', { orgs: Object.keys(d.online).sort().join(', ') || '—' }));
	if (!isPartner()) {
		const pr = await client.request('members.presence', {});
		if (pr.ok) showPresent(pr.data);
		cleanup.push(await client.subscribe('network', (ev) => {
			if (ev.event === 'members.presence') showPresent(ev.data);
		}));
	}

	const render = () => {
		const p = data.proposal;
		head.replaceChildren(h('section', { class: 'card' },
			h('h1', {}, p.title, ' ', h('span', { class: `badge ${p.status}` }, t(`status.${p.status}`))),
			h('p', { class: 'text' }, p.text),
			p.state_matter && note(t('consult.needed')),
			p.closes_at && p.status === 'open' && h('p', {}, t('prop.closes', { when: fmtDate(p.closes_at) })),
			p.status === 'closed' && h('p', {}, t('prop.closed_by', { who: p.closed_by, reason: p.close_reason || '' })),
			p.outcome_statement && h('blockquote', {}, p.outcome_statement)));
		tallyBox.replaceChildren(h('h2', {}, t('tally.heading')), tallyView(data.tally));
		act.replaceChildren(...actions(p));
		if (!isPartner() && (hasRole('co_chair') || hasRole('secretariat')) && p.status === 'closed')
			act.append(releaseForm(`proposal:${p.id}`));
	};

	const actions = (p) => {
		const out = [];
		const msg = h('div', { 'aria-live': 'polite' });
		if (p.status === 'open' && !isPartner()) {
			if (!p.voters.includes(client.user.org)) out.push(note(t('pos.not_voter')));
			else {
				const reason = h('textarea', { rows: 3 });
				const radios = POSITIONS.map((pos) => h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'position', value: pos }), t(`pos.${pos}`)));
				out.push(h('form', { onsubmit: async (e) => {
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
				} }, h('fieldset', {}, h('legend', {}, t('pos.heading', { org: client.user.org })), ...radios),
				field(t('pos.reason'), reason), h('button', { type: 'submit' }, t('pos.submit')), msg));
			}
		}
		if (p.status === 'open' && p.state_matter && isPartner()) {
			const view = h('textarea', { rows: 4, required: true });
			out.push(h('form', { onsubmit: async (e) => {
				e.preventDefault();
				const r = await client.request('consensus.consult', { proposal: id, view: view.value });
				msg.replaceChildren(r.ok ? note(t('consult.done')) : note(errorText(r), 'error'));
			} }, field(t('consult.view'), view), h('button', { type: 'submit' }, t('consult.submit')), msg));
		}
		if (hasRole('co_chair') && !isPartner()) {
			const chairMsg = h('div', { 'aria-live': 'polite' });
			const call = async (type, extra) => {
				const r = await client.request(type, { proposal: id, ...extra });
				if (r.ok) { data = r.data; render(); } else chairMsg.replaceChildren(note(errorText(r), 'error'));
			};
			const box = h('div', { class: 'chair' }, h('h2', {}, t('chair.heading')));
			if (p.status === 'draft') box.append(h('button', { type: 'button', onclick: () => call('consensus.open', {}) }, t('chair.open')));
			if (p.status === 'open') {
				const outcome = h('textarea', { rows: 2 });
				const until = h('input', { type: 'datetime-local' });
				box.append(field(t('chair.outcome'), outcome),
					h('button', { type: 'button', onclick: () => call('consensus.close', { outcome: outcome.value }) }, t('chair.close')),
					field(t('chair.extend'), until),
					h('button', { type: 'button', onclick: () => until.value && call('consensus.extend', { closes_at: new Date(until.value).getTime() }) }, t('chair.extend')));
			}
			if (p.status === 'closed') {
				const reason = h('input', {});
				box.append(field(t('chair.reason'), reason),
					h('button', { type: 'button', onclick: () => call('consensus.reopen', { reason: reason.value }) }, t('chair.reopen')));
			}
			box.append(chairMsg);
			out.push(box);
		}
		return out;
	};

	render();
	cleanup.push(await client.subscribe(`proposal:${id}`, async (ev) => {
		if (ev.event === 'consensus.tally') {
			const statusChanged = ev.data.status !== data.proposal.status;
			data.tally = ev.data;
			if (statusChanged) {
				const again = await client.request('consensus.get', { proposal: id });
				if (again.ok) data = again.data;
				render();
			} else // only the tally: forms keep what the person is typing
				tallyBox.replaceChildren(h('h2', {}, t('tally.heading')), tallyView(data.tally));
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
function releasedItem(r) {
	const c = r.content || {};
	const title = c.title || c.name || (c.text ? String(c.text).slice(0, 80) : r.item);
	return h('li', { 'data-release': r.id },
		h('span', { class: 'badge shared' }, t(`kind.${r.kind}`)), ' ', h('strong', {}, title),
		h('span', { class: 'muted' }, ` ${fmtDate(r.released_at)}`),
		(c.text || c.body) && h('p', { class: 'text' }, c.text || c.body),
		c.outcome_statement && h('blockquote', {}, c.outcome_statement),
		c.outcome && h('span', { class: `badge ${c.outcome}` }, t(`outcome.${c.outcome}`)));
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
	const grid = h('div', { class: 'grid' }, h('h1', {}, t('portal.heading')),
		h('section', { class: 'card' }, h('h2', {}, t('portal.released')), released),
		h('section', { class: 'card' }, h('h2', {}, t('portal.consulted')), consulted),
		h('section', { class: 'card' }, h('h2', {}, t('portal.statements')), statements),
		form, h('section', { class: 'card' }, h('h2', {}, t('portal.my_input')), mine));
	main.replaceChildren(grid);
	const fill = (ul, items) => ul.replaceChildren(...(items.length ? items : [h('li', {}, t('dash.none'))]));
	const feed = new Map();
	const showFeed = () => {
		const items = [...feed.values()].sort((a, b) => b.id - a.id);
		fill(released, items.map(releasedItem));
		const keep = about.value;
		about.replaceChildren(h('option', { value: '' }, t('portal.about.none')),
			...items.map((r) => h('option', { value: r.item }, (r.content?.title || r.content?.name || r.item))));
		about.value = items.some((r) => r.item === keep) ? keep : '';
	};
	const loadInputs = async () => {
		const r = await client.request('portal.inputs', {});
		fill(mine, (r.ok ? r.data.inputs : []).map((i) => h('li', {}, h('span', { class: 'muted' }, fmtDate(i.at)), ' ', i.text,
			i.file_name && h('span', { class: 'badge' }, i.file_name))));
	};
	cleanup.push(await client.subscribe('portal', (ev) => {
		if (ev.event === 'portal.released') { for (const [k, v] of feed) if (v.item === ev.data.item) feed.delete(k); feed.set(ev.data.id, ev.data); showFeed(); }
		if (ev.event === 'portal.withdrawn') { feed.delete(ev.data.id); showFeed(); }
	}));
	const f = await client.request('portal.feed', {});
	for (const r of f.ok ? f.data.releases : []) feed.set(r.id, r);
	showFeed();
	const list = await client.request('consensus.list', {});
	const dec = await client.request('consensus.decisions', {});
	fill(consulted, (list.ok ? list.data.proposals : []).map((p) => proposalItem(p)));
	const gl = await client.request('groups.list', {});
	if (gl.ok && gl.data.groups.length)
		grid.insertBefore(h('section', { class: 'card' }, h('h2', {}, t('dash.groups')),
			h('ul', { class: 'list' }, ...gl.data.groups.map((g) => h('li', {}, h('a', { href: `#/group/${g.id}` }, g.name))))), form);
	fill(statements, (dec.ok ? dec.data.decisions : []).map((p) => h('li', {}, h('strong', {}, p.title), p.outcome_statement && h('blockquote', {}, p.outcome_statement))));
	loadInputs();
}

// A co-chair's or the secretariat's control to release an item to partners.
function releaseForm(item) {
	const to = h('input', { placeholder: 'MOL, MFA', 'aria-describedby': 'rel-help' });
	const all = h('input', { type: 'checkbox' });
	const basis = h('input', { type: 'number', min: 1 });
	const msg = h('div', { 'aria-live': 'polite' });
	return h('form', { class: 'card release', onsubmit: async (e) => {
		e.preventDefault();
		const orgs = to.value.split(',').map((x) => x.trim().toUpperCase()).filter(Boolean);
		const data = { item, to: all.checked ? 'partners' : orgs };
		if (basis.value) data.basis = Number(basis.value);
		const r = await client.request('portal.release', data);
		msg.replaceChildren(r.ok ? note(t('release.done')) : note(errorText(r), 'error'));
	} }, h('h2', {}, t('release.heading')), note(t('release.internal')),
	h('label', { class: 'check' }, all, t('release.all')), field(t('release.to'), to),
	h('p', { id: 'rel-help', class: 'muted' }, t('release.to.help')), field(t('release.basis'), basis),
	h('button', { type: 'submit' }, t('release.submit')), msg);
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
				: manage && h('button', { type: 'button', onclick: async () => {
					const w = await client.request('portal.withdraw', { release: x.id, reason: 'withdrawn from the web client' });
					if (w.ok) load();
				} }, t('release.withdraw')))));
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
	renderNav();
	const m = hash.match(/^#\/proposal\/(\d+)$/);
	if (m) return viewProposal(Number(m[1]));
	const gm = hash.match(/^#\/group\/(\d+)$/);
	if (gm) return viewGroup(Number(gm[1]));
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
	window.addEventListener('hashchange', route);
}

start();
