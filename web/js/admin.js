// The secretariat's, co-chairs' and group leads' tasks: the members list
// (organisations, people, invitations, password reset links), working groups
// (create; a group's settings in its room) and the password reset page.
// The server decides every permission; these views only leave out the
// controls a person may not use.
import { t, fmtDate } from './i18n.js';
import { h, field, note, errorText } from './dom.js';

const ORG_KINDS = ['un_agency', 'government', 'civil_society', 'academia', 'donor', 'private_sector', 'other'];
const STANDINGS = ['member', 'partner'];
const FUNCTIONS = ['focal_point', 'alternate', 'staff'];
const ROLES = ['co_chair', 'secretariat', 'admin'];

const hasRole = (client, r) => client.user?.roles?.includes(r);
const options = (values, prefix) => values.map((v) => h('option', { value: v }, t(`${prefix}.${v}`)));

// Asks before something that cannot simply be undone; resolves true or false.
export function confirmDialog(message, yesLabel) {
	return new Promise((resolve) => {
		const id = `d${Math.random().toString(36).slice(2, 8)}`;
		const yes = h('button', { type: 'button', class: 'danger' }, yesLabel);
		const no = h('button', { type: 'button', class: 'secondary' }, t('confirm.cancel'));
		const dlg = h('dialog', { class: 'confirm', 'aria-labelledby': id }, h('p', { id }, message), h('div', { class: 'buttons' }, yes, no));
		const done = (v) => {
			dlg.close();
			dlg.remove();
			resolve(v);
		};
		yes.addEventListener('click', () => done(true));
		no.addEventListener('click', () => done(false));
		dlg.addEventListener('cancel', (e) => { e.preventDefault(); done(false); });
		document.body.append(dlg);
		dlg.showModal();
		no.focus();
	});
}

// A one-time link to hand over (invitation, password reset), with a copy
// button: it is shown once, the server keeps only its hash.
function linkBox(text, link) {
	const input = h('input', { readonly: true, value: link, class: 'link-out' });
	const copied = h('span', { class: 'muted', 'aria-live': 'polite' });
	const copy = h('button', { type: 'button', onclick: async () => {
		try {
			await navigator.clipboard.writeText(link);
		} catch {
			input.select();
			document.execCommand('copy');
		}
		copied.textContent = t('link.copied');
	} }, t('link.copy'));
	input.addEventListener('focus', () => input.select());
	return h('div', { class: 'linkbox' }, note(text), field(t('link.label'), input), copy, ' ', copied);
}

const pageLink = (route) => `${location.origin}${location.pathname}#/${route}`;

// ---------------- members list ----------------

export async function viewMembers({ main, client, cleanup }) {
	const manage = hasRole(client, 'secretariat') || hasRole(client, 'admin');
	let orgs = [];
	let people = [];
	const orgTable = h('div', { class: 'table-wrap' });
	const peopleTable = h('div', { class: 'table-wrap' });
	const orgMsg = h('div', { 'aria-live': 'polite' });
	const peopleMsg = h('div', { 'aria-live': 'polite' });
	const download = async (fmt) => {
		const res = await fetch(`/api/membership/export?format=${fmt}`, { headers: { Authorization: `Bearer ${client.token}` } });
		const a = h('a', { href: URL.createObjectURL(await res.blob()), download: `members.${fmt}` });
		document.body.append(a);
		a.click();
		a.remove();
	};

	// The organisation form: adds one, or edits the one chosen in the table.
	const code = h('input', { required: true, maxlength: 16, pattern: '[A-Za-z0-9_]{2,16}', autocomplete: 'off' });
	const oname = h('input', { required: true, maxlength: 200 });
	const kind = h('select', {}, ...options(ORG_KINDS, 'orgkind'));
	const standing = h('select', {}, ...options(STANDINGS, 'standing'));
	const stateCp = h('input', { type: 'checkbox' });
	const orgHeading = h('h2', {}, t('members.org.add'));
	const orgCancel = h('button', { type: 'button', class: 'secondary', hidden: true, onclick: () => editOrg(null) }, t('confirm.cancel'));
	let editing = null;
	const editOrg = (o) => {
		editing = o;
		orgHeading.textContent = o ? t('members.org.edit', { code: o.code }) : t('members.org.add');
		code.value = o ? o.code : '';
		code.disabled = !!o;
		oname.value = o ? o.name : '';
		kind.value = o ? o.kind : 'un_agency';
		standing.value = o ? o.standing : 'member';
		stateCp.checked = !!o?.state_counterpart;
		orgCancel.hidden = !o;
		if (o) oname.focus();
	};
	const orgForm = h('form', { class: 'card', id: 'org-form', onsubmit: async (e) => {
		e.preventDefault();
		const c = (editing ? editing.code : code.value.trim()).toUpperCase();
		const r = await client.request('members.org.save', { code: c, name: oname.value.trim(), kind: kind.value, standing: standing.value, state_counterpart: stateCp.checked });
		if (!r.ok) { orgMsg.replaceChildren(note(errorText(r), 'error')); return; }
		orgMsg.replaceChildren(note(t('members.org.saved', { code: c })));
		editOrg(null);
		load();
	} }, orgHeading, field(t('members.code'), code), field(t('members.name'), oname), field(t('members.kind'), kind),
	field(t('members.standing'), standing), h('label', { class: 'check' }, stateCp, t('members.state_counterpart')),
	h('button', { type: 'submit' }, t('members.org.save')), ' ', orgCancel, orgMsg);

	const setActive = async (o, active) => {
		if (!active && !(await confirmDialog(t('members.org.withdraw_confirm', { name: o.name, code: o.code }), t('members.org.withdraw'))))
			return;
		const r = await client.request('members.org.save', { code: o.code, name: o.name, kind: o.kind, standing: o.standing, active });
		orgMsg.replaceChildren(r.ok ? note(t(active ? 'members.org.reinstated' : 'members.org.withdrawn', { code: o.code })) : note(errorText(r), 'error'));
		load();
	};

	const renderOrgs = () => orgTable.replaceChildren(h('table', {},
		h('thead', {}, h('tr', {}, ...[t('members.code'), t('members.name'), t('members.kind'), t('members.standing'), manage && t('members.actions')]
			.filter(Boolean).map((c) => h('th', { scope: 'col' }, c)))),
		h('tbody', {}, ...orgs.map((o) => h('tr', { 'data-org': o.code, class: o.active ? null : 'inactive' },
			h('td', {}, o.code), h('td', {}, o.name), h('td', {}, t(`orgkind.${o.kind}`)),
			h('td', {}, t(`standing.${o.standing}`), o.state_counterpart && h('span', { class: 'badge' }, t('members.state_counterpart.short')),
				!o.active && h('span', { class: 'badge closed' }, t('members.org.withdrawn_badge'))),
			manage && h('td', { class: 'row-actions' },
				h('button', { type: 'button', class: 'secondary', 'aria-label': t('members.org.edit', { code: o.code }), onclick: () => editOrg(o) }, t('members.edit')),
				o.active ? h('button', { type: 'button', class: 'danger', 'aria-label': t('members.org.withdraw_named', { code: o.code }), onclick: () => setActive(o, false) }, t('members.org.withdraw'))
					: h('button', { type: 'button', class: 'secondary', 'aria-label': t('members.org.reinstate_named', { code: o.code }), onclick: () => setActive(o, true) }, t('members.org.reinstate'))))))));

	// A person's details and roles, edited below the table.
	const personBox = h('div');
	const editPerson = (p) => {
		if (!p) { personBox.replaceChildren(); return; }
		const pname = h('input', { required: true, maxlength: 200, value: p.name });
		const porg = h('select', {}, ...orgs.filter((o) => o.active || o.code === p.org).map((o) => h('option', { value: o.code }, `${o.code} — ${o.name}`)));
		porg.value = p.org;
		const pfn = h('select', {}, ...options(FUNCTIONS, 'fn'));
		pfn.value = p.function;
		const contact = h('input', { maxlength: 300, value: p.contact || '' });
		const roles = ROLES.map((r) => h('input', { type: 'checkbox', value: r, checked: p.roles.includes(r) }));
		const msg = h('div', { 'aria-live': 'polite' });
		personBox.replaceChildren(h('form', { class: 'card', id: 'person-form', onsubmit: async (e) => {
			e.preventDefault();
			const r = await client.request('members.person.save', { login: p.login, name: pname.value.trim(), org: porg.value, function: pfn.value,
				contact: contact.value.trim(), roles: roles.filter((x) => x.checked).map((x) => x.value) });
			if (!r.ok) { msg.replaceChildren(note(errorText(r), 'error')); return; }
			personBox.replaceChildren();
			peopleMsg.replaceChildren(note(t('members.person.saved', { login: p.login })));
			load();
		} }, h('h2', {}, t('members.person.edit', { login: p.login })), field(t('members.name'), pname), field(t('members.org'), porg),
		field(t('members.function'), pfn), field(t('members.contact'), contact),
		h('fieldset', {}, h('legend', {}, t('members.roles')), ...roles.map((x) => h('label', { class: 'check' }, x, t(`role.${x.value}`)))),
		h('button', { type: 'submit' }, t('members.person.save')), ' ',
		h('button', { type: 'button', class: 'secondary', onclick: () => personBox.replaceChildren() }, t('confirm.cancel')), msg));
		pname.focus();
	};
	const resetLink = async (p) => {
		const r = await client.request('members.person.reset', { login: p.login });
		peopleMsg.replaceChildren(r.ok ? linkBox(t('members.reset.link', { name: p.name, until: fmtDate(r.data.expires) }), pageLink(`reset/${r.data.token}`))
			: note(errorText(r), 'error'));
	};
	const deactivate = async (p) => {
		if (!(await confirmDialog(t('members.person.deactivate_confirm', { name: p.name, login: p.login }), t('members.person.deactivate')))) return;
		const r = await client.request('members.person.deactivate', { login: p.login });
		peopleMsg.replaceChildren(r.ok ? note(t('members.person.deactivated', { login: p.login })) : note(errorText(r), 'error'));
		load();
	};
	const renderPeople = () => peopleTable.replaceChildren(h('table', {},
		h('thead', {}, h('tr', {}, ...[t('login.login'), t('members.name'), t('members.org'), t('members.function'), t('members.roles'), t('members.online'), manage && t('members.actions')]
			.filter(Boolean).map((c) => h('th', { scope: 'col' }, c)))),
		h('tbody', {}, ...people.map((p) => h('tr', { 'data-person': p.login, class: p.active ? null : 'inactive' },
			h('td', {}, p.login), h('td', {}, p.name), h('td', {}, p.org), h('td', {}, t(`fn.${p.function}`)),
			h('td', {}, p.roles.map((r) => t(`role.${r}`)).join(', ')),
			h('td', {}, p.active ? (p.online ? '●' : '') : h('span', { class: 'badge closed' }, t('members.person.deactivated_badge'))),
			manage && h('td', { class: 'row-actions' }, p.active && [
				h('button', { type: 'button', class: 'secondary', 'aria-label': t('members.person.edit', { login: p.login }), onclick: () => editPerson(p) }, t('members.edit')),
				h('button', { type: 'button', class: 'secondary', 'aria-label': t('members.reset.named', { login: p.login }), onclick: () => resetLink(p) }, t('members.reset')),
				h('button', { type: 'button', class: 'danger', 'aria-label': t('members.person.deactivate_named', { login: p.login }), onclick: () => deactivate(p) }, t('members.person.deactivate'))]))))));

	// Invitations: the person creates their own login and password.
	const iorg = h('select', { required: true });
	const iname = h('input', { required: true, maxlength: 200 });
	const ifn = h('select', {}, ...options(FUNCTIONS, 'fn'));
	const icontact = h('input', { maxlength: 300 });
	const iroles = ROLES.map((r) => h('input', { type: 'checkbox', value: r }));
	const inviteMsg = h('div', { 'aria-live': 'polite' });
	const inviteForm = h('form', { class: 'card', id: 'invite-form', onsubmit: async (e) => {
		e.preventDefault();
		const r = await client.request('members.invite', { org: iorg.value, name: iname.value.trim(), function: ifn.value, contact: icontact.value.trim(),
			roles: iroles.filter((x) => x.checked).map((x) => x.value) });
		if (!r.ok) { inviteMsg.replaceChildren(note(errorText(r), 'error')); return; }
		inviteMsg.replaceChildren(linkBox(t('members.invite.link', { name: iname.value.trim(), until: fmtDate(r.data.expires) }), pageLink(`invite/${r.data.token}`)));
		iname.value = '';
		icontact.value = '';
		for (const x of iroles) x.checked = false;
	} }, h('h2', {}, t('members.invite')), field(t('members.org'), iorg), field(t('members.name'), iname), field(t('members.function'), ifn),
	field(t('members.contact'), icontact),
	h('fieldset', {}, h('legend', {}, t('members.roles')), ...iroles.map((x) => h('label', { class: 'check' }, x, t(`role.${x.value}`)))),
	h('button', { type: 'submit' }, t('members.invite.submit')), inviteMsg);
	const refreshInviteOrgs = () => {
		const keep = iorg.value;
		iorg.replaceChildren(...orgs.filter((o) => o.active).map((o) => h('option', { value: o.code }, `${o.code} — ${o.name}`)));
		if ([...iorg.options].some((o) => o.value === keep)) iorg.value = keep;
	};

	const load = async () => {
		const o = await client.request('members.orgs', { include_withdrawn: true });
		const p = await client.request('members.people', { include_inactive: manage });
		if (!o.ok) { main.replaceChildren(note(errorText(o), 'error')); return; }
		orgs = o.data.orgs;
		people = p.ok ? p.data.people : [];
		renderOrgs();
		renderPeople();
		refreshInviteOrgs();
	};

	main.replaceChildren(h('div', { class: 'grid' },
		h('section', { class: 'card wide' }, h('h1', {}, t('nav.members')), h('h2', {}, t('members.orgs')),
			h('p', {}, h('button', { type: 'button', class: 'secondary', onclick: () => download('csv') }, t('members.export_csv')), ' ',
				h('button', { type: 'button', class: 'secondary', onclick: () => download('json') }, t('members.export_json'))),
			orgTable),
		manage && orgForm,
		h('section', { class: 'card wide', id: 'people' }, h('h2', {}, t('members.people')), peopleMsg, peopleTable, personBox),
		manage && inviteForm));
	await load();
	// Another secretariat page, or an invitation accepted: the tables follow.
	cleanup.push(await client.subscribe('network', (ev) => {
		if (ev.event === 'members.changed') load();
	}));
}

// ---------------- password reset (before login) ----------------

export function viewReset({ main, client, token }) {
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

// ---------------- working groups ----------------

// Organisations chosen with checkboxes, one fieldset per role.
function orgChecks(legend, list) {
	const boxes = list.map((o) => h('input', { type: 'checkbox', value: o.code }));
	return {
		el: h('fieldset', { class: 'orgs' }, h('legend', {}, legend),
			...(list.length ? boxes.map((b, i) => h('label', { class: 'check', title: list[i].name }, b, list[i].code)) : [t('dash.none')])),
		values: () => boxes.filter((b) => b.checked).map((b) => b.value),
	};
}

// The list of one's working groups and, for co-chairs and the secretariat,
// the form that creates one.
export async function viewGroups({ main, client }) {
	const list = h('ul', { class: 'list', id: 'groups' });
	const grid = h('div', { class: 'grid' }, h('section', { class: 'card' }, h('h1', {}, t('dash.groups')), list));
	main.replaceChildren(grid);
	const gl = await client.request('groups.list', {});
	const groups = gl.ok ? gl.data.groups : [];
	list.replaceChildren(...(groups.length ? groups.map((g) => h('li', {}, h('a', { href: `#/group/${g.id}` }, g.name), ' ',
		h('span', { class: 'muted' }, g.kind === 'ad_hoc' ? t('groups.until', { date: g.end_date }) : t('groups.kind.permanent')),
		g.archived && h('span', { class: 'badge' }, t('group.archived')))) : [h('li', {}, t('dash.none'))]));
	if (!(hasRole(client, 'co_chair') || hasRole(client, 'secretariat'))) return;

	const o = await client.request('members.orgs', {});
	const orgs = o.ok ? o.data.orgs : [];
	const members = orgs.filter((x) => x.standing === 'member');
	const partners = orgs.filter((x) => x.standing === 'partner');
	const name = h('input', { required: true, maxlength: 200 });
	const mandate = h('textarea', { rows: 3, maxlength: 8000 });
	const kindRadio = (v) => h('input', { type: 'radio', name: 'group-kind', value: v, checked: v === 'permanent' });
	const kinds = ['permanent', 'ad_hoc'].map(kindRadio);
	const end = h('input', { type: 'date' });
	const endField = field(t('groups.end_date'), end);
	const showEnd = () => {
		const adHoc = kinds[1].checked;
		endField.hidden = !adHoc;
		end.required = adHoc;
	};
	for (const k of kinds) k.addEventListener('change', showEnd);
	showEnd();
	const leads = orgChecks(t('groups.leads'), members);
	const mem = orgChecks(t('groups.member_orgs'), members);
	const part = orgChecks(t('groups.partners'), partners);
	const msg = h('div', { 'aria-live': 'polite' });
	grid.append(h('form', { class: 'card', id: 'group-create', onsubmit: async (e) => {
		e.preventDefault();
		const l = leads.values();
		if (!l.length) { msg.replaceChildren(note(t('groups.lead_required'), 'error')); return; }
		const data = { name: name.value.trim(), mandate: mandate.value.trim(), kind: kinds[1].checked ? 'ad_hoc' : 'permanent', leads: l,
			members: [...mem.values().filter((c) => !l.includes(c)), ...part.values()] };
		if (data.kind === 'ad_hoc') data.end_date = end.value;
		const r = await client.request('groups.create', data);
		if (r.ok && r.data.group) location.hash = `#/group/${r.data.group.id}`;
		else if (r.ok) location.hash = '#/'; // a retry: the group is in the dashboard's list
		else msg.replaceChildren(note(errorText(r), 'error'));
	} }, h('h2', {}, t('groups.new')), field(t('groups.name'), name), field(t('groups.mandate'), mandate),
	h('fieldset', {}, h('legend', {}, t('groups.kind')), ...kinds.map((k) => h('label', { class: 'radio' }, k, t(`groups.kind.${k.value}`)))),
	endField, leads.el, mem.el, part.el, h('button', { type: 'submit' }, t('groups.create')), msg));
}

// Whether the person may manage this group: co-chairs and the secretariat,
// and the people of a lead organisation (never a partner).
export function managesGroup(client, group) {
	if (client.user?.standing === 'partner') return false;
	return hasRole(client, 'co_chair') || hasRole(client, 'secretariat') ||
		group.members.some((m) => m.org === client.user?.org && m.role === 'lead');
}

// A group's settings in its room, for those who manage it: name, mandate,
// end date, organisations and their roles, plugins, archiving.  changed(group)
// is called with the group as the server now holds it.
export async function groupSettings({ client, group, changed }) {
	if (!managesGroup(client, group) || group.archived) return null;
	const box = h('section', { class: 'card wide', id: 'group-settings' });
	const msg = h('div', { 'aria-live': 'polite' });
	const o = await client.request('members.orgs', {});
	const orgs = o.ok ? o.data.orgs : [];
	const info = await client.request('sys.info', {});
	const groupPlugins = (info.ok ? info.data.plugins : []).filter((p) => p.group);
	const call = async (type, data, done) => {
		const r = await client.request(type, { group: group.id, ...data });
		if (!r.ok) { msg.replaceChildren(note(errorText(r), 'error')); return; }
		msg.replaceChildren(note(done));
		if (r.data.group) changed(r.data.group);
		else { // a retried change answered without the group: read it again
			const g = await client.request('groups.get', { group: group.id });
			if (g.ok) changed(g.data.group);
		}
	};

	const render = (g) => {
		group = g;
		const name = h('input', { required: true, maxlength: 200, value: g.name });
		const mandate = h('textarea', { rows: 3, maxlength: 8000 }, g.mandate || '');
		const end = g.kind === 'ad_hoc' ? h('input', { type: 'date', required: true, value: g.end_date || '' }) : null;
		const details = h('form', { onsubmit: (e) => {
			e.preventDefault();
			const data = { name: name.value.trim(), mandate: mandate.value.trim() };
			if (end) data.end_date = end.value;
			call('groups.update', data, t('groups.saved'));
		} }, h('h3', {}, t('groups.details')), field(t('groups.name'), name), field(t('groups.mandate'), mandate),
		end && field(t('groups.end_date'), end), h('button', { type: 'submit' }, t('groups.save')));

		const rows = g.members.map((m) => {
			const role = m.partner ? h('span', {}, t('group.partner'))
				: h('select', { 'aria-label': t('groups.role_of', { org: m.org }), onchange: (e) =>
					call('groups.member.add', { org: m.org, role: e.target.value }, t('groups.role_set', { org: m.org, role: t(`groups.role.${e.target.value}`) })) },
				...['lead', 'member'].map((r) => h('option', { value: r, selected: r === m.role }, t(`groups.role.${r}`))));
			return h('tr', { 'data-org': m.org }, h('td', {}, m.org), h('td', {}, role),
				h('td', { class: 'row-actions' }, h('button', { type: 'button', class: 'danger', 'aria-label': t('groups.remove_named', { org: m.org }), onclick: async () => {
					if (await confirmDialog(t('groups.remove_confirm', { org: m.org, group: g.name }), t('groups.remove')))
						call('groups.member.remove', { org: m.org }, t('groups.removed', { org: m.org }));
				} }, t('groups.remove'))));
		});
		const inGroup = new Set(g.members.map((m) => m.org));
		const addOrg = h('select', {}, ...orgs.filter((x) => !inGroup.has(x.code)).map((x) => h('option', { value: x.code },
			`${x.code} — ${x.name}${x.standing === 'partner' ? ` (${t('group.partner')})` : ''}`)));
		const addRole = h('select', {}, ...['member', 'lead'].map((r) => h('option', { value: r }, t(`groups.role.${r}`))));
		const orgsPart = h('div', {}, h('h3', {}, t('groups.orgs')),
			h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('members.org')), h('th', { scope: 'col' }, t('groups.role')), h('th', { scope: 'col' }, t('members.actions')))),
				h('tbody', {}, ...rows))),
			addOrg.options.length > 0 && h('form', { class: 'inline', onsubmit: (e) => {
				e.preventDefault();
				const partner = orgs.find((x) => x.code === addOrg.value)?.standing === 'partner';
				call('groups.member.add', { org: addOrg.value, role: partner ? 'member' : addRole.value }, t('groups.added', { org: addOrg.value }));
			} }, field(t('groups.add_org'), addOrg), field(t('groups.role'), addRole), h('button', { type: 'submit' }, t('groups.add'))));

		const plugins = h('fieldset', {}, h('legend', {}, t('groups.plugins')),
			...(groupPlugins.length ? groupPlugins.map((p) => h('label', { class: 'check' },
				h('input', { type: 'checkbox', checked: g.plugins.includes(p.name), onchange: (e) =>
					call(e.target.checked ? 'groups.plugins.enable' : 'groups.plugins.disable', { plugin: p.name },
						t(e.target.checked ? 'groups.plugin_on' : 'groups.plugin_off', { plugin: p.name })) }),
				h('span', {}, h('strong', {}, p.name), ' ', h('span', { class: 'muted' }, p.description)))) : [t('groups.no_plugins')]));

		const archive = h('button', { type: 'button', class: 'danger', onclick: async () => {
			if (await confirmDialog(t('groups.archive_confirm', { group: g.name }), t('groups.archive')))
				call('groups.archive', {}, t('groups.archived_now'));
		} }, t('groups.archive'));

		box.replaceChildren(h('h2', {}, t('groups.settings')), msg, h('div', { class: 'grid' }, details, orgsPart, h('div', {}, plugins, h('h3', {}, t('groups.archive')), note(t('groups.archive_help')), archive)));
	};
	render(group);
	return { el: box, update: (g) => (g.archived || !managesGroup(client, g) ? box.remove() : render(g)) };
}
