// The action tracker of a working group's room: the actions plugin's room
// component.  component.js mounts it in the room of every group that
// enabled "actions", with the shell object of web/js/components.js (client,
// t, h, field, note, lang, ...) and the group's id.  Its strings are in
// i18n/<lang>.json beside this file.
//
// An item's owner is chosen from the group's member organisations (the
// server refuses any other), its decision from the network's register.
const STATUSES = ['open', 'in_progress', 'done', 'dropped'];

export async function mount(root, { client, group, t, h, field, note, lang }) {
	const errorNote = (r) => note(r.error?.message || r.error?.code || '?', 'error');
	const g = await client.request('groups.get', { group });
	const owners = (g.ok ? g.data.group.members : []).filter((m) => !m.partner).map((m) => m.org);
	const dec = await client.request('consensus.decisions', {});
	const decisions = dec.ok ? dec.data.decisions : [];
	const decisionTitle = new Map(decisions.map((d) => [d.id, d.title]));
	const ownerSelect = (value) => {
		const sel = h('select', { required: true }, ...owners.map((o) => h('option', { value: o }, o)));
		if (value && !owners.includes(value)) sel.append(h('option', { value }, value)); // owner since left the group
		if (value) sel.value = value;
		return sel;
	};

	const list = h('ul', { class: 'list actions' });
	const msg = h('div', { 'aria-live': 'polite' });
	const title = h('input', { required: true, maxlength: 500 });
	const owner = ownerSelect(client.user?.org && owners.includes(client.user.org) ? client.user.org : owners[0]);
	const due = h('input', { type: 'date', required: true });
	const decision = h('select', {}, h('option', { value: '' }, t('actions.no_decision')),
		...decisions.map((d) => h('option', { value: String(d.id) }, d.title)));
	const form = h('form', { class: 'act-add', onsubmit: async (e) => {
		e.preventDefault();
		const data = { group, title: title.value.trim(), owner_org: owner.value, due_date: due.value };
		if (decision.value) data.decision = Number(decision.value);
		const r = await client.request('actions.add', data);
		msg.replaceChildren(r.ok ? note(t('actions.added')) : errorNote(r));
		if (r.ok) { title.value = ''; due.value = ''; decision.value = ''; }
	} }, field(t('actions.title'), title), field(t('actions.owner'), owner), field(t('actions.due'), due), field(t('actions.decision'), decision),
	h('button', { type: 'submit' }, t('actions.add')));
	root.replaceChildren(h('h2', {}, t('actions.heading')), list, form, msg);

	const open = new Set(); // items whose details are open stay open on a refresh
	const details = (it) => {
		const box = h('details', { open: open.has(it.id) }, h('summary', {}, t('actions.details', { n: it.notes })));
		const notes = h('ul', { class: 'list notes' });
		const loadNotes = async () => {
			const r = await client.request('actions.notes', { group, item: it.id });
			const ns = r.ok ? r.data.notes : [];
			notes.replaceChildren(...(ns.length ? ns.map((n) => h('li', {}, h('strong', {}, n.author), ' ', n.text,
				h('span', { class: 'muted' }, ` ${new Date(n.at).toLocaleString(lang())}`))) : [h('li', {}, t('actions.no_notes'))]));
		};
		box.addEventListener('toggle', () => {
			if (box.open) { open.add(it.id); loadNotes(); } else open.delete(it.id);
		});
		if (box.open) loadNotes();
		const itOwner = ownerSelect(it.owner_org);
		const itDue = h('input', { type: 'date', required: true, value: it.due_date });
		const itNote = h('textarea', { rows: 2, maxlength: 8000 });
		const itMsg = h('div', { 'aria-live': 'polite' });
		box.append(h('h3', {}, t('actions.notes')), notes, h('form', { onsubmit: async (e) => {
			e.preventDefault();
			const data = { group, item: it.id };
			if (itOwner.value !== it.owner_org) data.owner_org = itOwner.value;
			if (itDue.value !== it.due_date) data.due_date = itDue.value;
			if (itNote.value.trim()) data.note = itNote.value.trim();
			const r = await client.request('actions.update', data);
			itMsg.replaceChildren(r.ok ? note(t('actions.saved')) : errorNote(r));
		} }, field(t('actions.note'), itNote), field(t('actions.owner'), itOwner), field(t('actions.due'), itDue), h('button', { type: 'submit' }, t('actions.save')), itMsg));
		return box;
	};

	const render = async () => {
		const r = await client.request('actions.list', { group });
		if (!r.ok) return;
		list.replaceChildren(...(r.data.items.length ? r.data.items.map((it) => {
			const sel = h('select', { 'aria-label': t('actions.status_of', { title: it.title }), onchange: async () => {
				const u = await client.request('actions.update', { group, item: it.id, status: sel.value });
				if (!u.ok) msg.replaceChildren(errorNote(u));
			} }, ...STATUSES.map((v) => h('option', { value: v }, t(`actions.status.${v}`))));
			sel.value = it.status;
			return h('li', { 'data-item': it.id }, h('strong', {}, it.title), ` — ${it.owner_org}, ${it.due_date} `,
				it.overdue && h('span', { class: 'attention' }, t('actions.overdue')), ' ', sel,
				it.decision && h('div', {}, h('a', { href: `#/proposal/${it.decision}` }, t('actions.decision_of', { title: decisionTitle.get(it.decision) || `#${it.decision}` }))),
				details(it));
		}) : [h('li', {}, t('actions.none'))]));
	};
	await render();
	return client.subscribe(`actions:${group}`, render);
}
