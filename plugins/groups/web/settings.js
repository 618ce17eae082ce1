// A working group's settings, shown in its room to those who manage it.

// Whether the person may manage this group: co-chairs and the secretariat,
// and the people of a lead organisation (never a partner).
function managesGroup({ client, isPartner, hasRole }, group) {
	if (isPartner()) return false;
	return hasRole('co_chair') || hasRole('secretariat') ||
		group.members.some((m) => m.org === client.user?.org && m.role === 'lead');
}

// A group's settings in its room, for those who manage it: name, mandate,
// end date, organisations and their roles, plugins, archiving.  changed(group)
// is called with the group as the server now holds it.
export async function groupSettings(shell, { group, changed }) {
	const { client, t, h, field, note, errorText, confirmDialog } = shell;
	if (!managesGroup(shell, group) || group.archived) return null;
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
					if (await confirmDialog({ lines: [t('groups.remove_confirm', { org: m.org, group: g.name })], yes: t('groups.remove') }))
						call('groups.member.remove', { org: m.org }, t('groups.removed', { org: m.org }));
				} }, t('groups.remove'))));
		});
		const inGroup = new Set(g.members.map((m) => m.org));
		const addOrg = h('select', {}, ...orgs.filter((x) => !inGroup.has(x.code)).map((x) => h('option', { value: x.code },
			`${x.code} — ${x.name}${x.standing === 'partner' ? ` (${t('group.partner')})` : ''}`)));
		const addRole = h('select', {}, ...['member', 'lead'].map((r) => h('option', { value: r }, t(`groups.role.${r}`))));
		const orgsPart = h('div', {}, h('h3', {}, t('groups.orgs')),
			h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('groups.col.org')), h('th', { scope: 'col' }, t('groups.role')), h('th', { scope: 'col' }, t('groups.col.actions')))),
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
			if (await confirmDialog({ lines: [t('groups.archive_confirm', { group: g.name })], yes: t('groups.archive') }))
				call('groups.archive', {}, t('groups.archived_now'));
		} }, t('groups.archive'));

		box.replaceChildren(h('h2', {}, t('groups.settings')), msg, h('div', { class: 'grid' }, details, orgsPart, h('div', {}, plugins, h('h3', {}, t('groups.archive')), note(t('groups.archive_help')), archive)));
	};
	render(group);
	return { el: box, update: (g) => (g.archived || !managesGroup(shell, g) ? box.remove() : render(g)) };
}
