// The members list (#/members): organisations, people, invitations and
// password reset links.  The secretariat and administrators manage it;
// other members read it.  The server decides every permission; this view
// only leaves out the controls a person may not use.
const ORG_KINDS = ['un_agency', 'government', 'civil_society', 'academia', 'donor', 'private_sector', 'other'];
const STANDINGS = ['member', 'partner'];
const FUNCTIONS = ['focal_point', 'alternate', 'staff'];
const ROLES = ['co_chair', 'secretariat', 'admin'];

// A one-time link to hand over (invitation, password reset), with a copy
// button: it is shown once, the server keeps only its hash.
function linkBox({ t, h, field, note }, text, link) {
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

export async function viewMembers(shell, main) {
	const { client, t, h, field, note, errorText, fmtDate, confirmDialog, hasRole } = shell;
	const options = (values, prefix) => values.map((v) => h('option', { value: v }, t(`${prefix}.${v}`)));
	const manage = hasRole('secretariat') || hasRole('admin');
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
		if (!active && !(await confirmDialog({ lines: [t('members.org.withdraw_confirm', { name: o.name, code: o.code })], yes: t('members.org.withdraw') })))
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
		peopleMsg.replaceChildren(r.ok ? linkBox(shell, t('members.reset.link', { name: p.name, until: fmtDate(r.data.expires) }), pageLink(`reset/${r.data.token}`))
			: note(errorText(r), 'error'));
	};
	const deactivate = async (p) => {
		if (!(await confirmDialog({ lines: [t('members.person.deactivate_confirm', { name: p.name, login: p.login })], yes: t('members.person.deactivate') }))) return;
		const r = await client.request('members.person.deactivate', { login: p.login });
		peopleMsg.replaceChildren(r.ok ? note(t('members.person.deactivated', { login: p.login })) : note(errorText(r), 'error'));
		load();
	};
	const renderPeople = () => peopleTable.replaceChildren(h('table', {},
		h('thead', {}, h('tr', {}, ...[t('members.login'), t('members.name'), t('members.org'), t('members.function'), t('members.roles'), t('members.online'), manage && t('members.actions')]
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
		inviteMsg.replaceChildren(linkBox(shell, t('members.invite.link', { name: iname.value.trim(), until: fmtDate(r.data.expires) }), pageLink(`invite/${r.data.token}`)));
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
	shell.onLeave(await client.subscribe('network', (ev) => {
		if (ev.event === 'members.changed') load();
	}));
}
