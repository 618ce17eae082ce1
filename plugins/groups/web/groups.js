// The list of one's working groups (#/groups) and, for co-chairs and the
// secretariat, the form that creates one.

// Organisations chosen with checkboxes, one fieldset per role.
function orgChecks({ t, h }, legend, list) {
	const boxes = list.map((o) => h('input', { type: 'checkbox', value: o.code }));
	return {
		el: h('fieldset', { class: 'orgs' }, h('legend', {}, legend),
			...(list.length ? boxes.map((b, i) => h('label', { class: 'check', title: list[i].name }, b, list[i].code)) : [t('dash.none')])),
		values: () => boxes.filter((b) => b.checked).map((b) => b.value),
	};
}

export async function viewGroups(shell, main) {
	const { client, t, h, field, note, errorText, hasRole, go } = shell;
	const list = h('ul', { class: 'list', id: 'groups' });
	const grid = h('div', { class: 'grid' }, h('section', { class: 'card' }, h('h1', {}, t('dash.groups')), list));
	main.replaceChildren(grid);
	const gl = await client.request('groups.list', {});
	const groups = gl.ok ? gl.data.groups : [];
	list.replaceChildren(...(groups.length ? groups.map((g) => h('li', {}, h('a', { href: `#/group/${g.id}` }, g.name), ' ',
		h('span', { class: 'muted' }, g.kind === 'ad_hoc' ? t('groups.until', { date: g.end_date }) : t('groups.kind.permanent')),
		g.archived && h('span', { class: 'badge' }, t('group.archived')))) : [h('li', {}, t('dash.none'))]));
	if (!(hasRole('co_chair') || hasRole('secretariat'))) return;

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
	const leads = orgChecks(shell, t('groups.leads'), members);
	const mem = orgChecks(shell, t('groups.member_orgs'), members);
	const part = orgChecks(shell, t('groups.partners'), partners);
	const msg = h('div', { 'aria-live': 'polite' });
	grid.append(h('form', { class: 'card', id: 'group-create', onsubmit: async (e) => {
		e.preventDefault();
		const l = leads.values();
		if (!l.length) { msg.replaceChildren(note(t('groups.lead_required'), 'error')); return; }
		const data = { name: name.value.trim(), mandate: mandate.value.trim(), kind: kinds[1].checked ? 'ad_hoc' : 'permanent', leads: l,
			members: [...mem.values().filter((c) => !l.includes(c)), ...part.values()] };
		if (data.kind === 'ad_hoc') data.end_date = end.value;
		const r = await client.request('groups.create', data);
		if (r.ok && r.data.group) go(`#/group/${r.data.group.id}`);
		else if (r.ok) go('#/'); // a retry: the group is in the dashboard's list
		else msg.replaceChildren(note(errorText(r), 'error'));
	} }, h('h2', {}, t('groups.new')), field(t('groups.name'), name), field(t('groups.mandate'), mandate),
	h('fieldset', {}, h('legend', {}, t('groups.kind')), ...kinds.map((k) => h('label', { class: 'radio' }, k, t(`groups.kind.${k.value}`)))),
	endField, leads.el, mem.el, part.el, h('button', { type: 'submit' }, t('groups.create')), msg));
}
