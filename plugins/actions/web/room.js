// The actions plugin's web component: the action tracker of a working
// group's room.  The web client imports it when the group enabled "actions"
// and calls mount(element, {client, group, lang}).  The plugin ships its own
// strings, as a plugin built outside the tree would.
//
// An item's owner is chosen from the group's member organisations (the
// server refuses any other), its decision from the network's register.
const STR = {
	en: { heading: 'Action items', title: 'Action', owner: 'Owner organisation', due: 'Due date', add: 'Add action',
		decision: 'Decision it follows (optional)', no_decision: '(none)', decision_of: 'Follows: {title}',
		status: { open: 'Open', in_progress: 'In progress', done: 'Done', dropped: 'Dropped' }, status_of: '{title}: status',
		overdue: 'overdue', details: 'Notes and changes ({n})', notes: 'Progress notes', no_notes: 'No notes yet.',
		note: 'Progress note', save: 'Save', saved: 'Saved.', none: 'No action items yet.', added: 'Action added.' },
	ru: { heading: 'Поручения', title: 'Поручение', owner: 'Ответственная организация', due: 'Срок', add: 'Добавить поручение',
		decision: 'Во исполнение решения (необязательно)', no_decision: '(нет)', decision_of: 'Во исполнение: {title}',
		status: { open: 'Открыто', in_progress: 'В работе', done: 'Выполнено', dropped: 'Снято' }, status_of: '{title}: статус',
		overdue: 'просрочено', details: 'Заметки и изменения ({n})', notes: 'Заметки о ходе', no_notes: 'Заметок пока нет.',
		note: 'Заметка о ходе', save: 'Сохранить', saved: 'Сохранено.', none: 'Поручений пока нет.', added: 'Поручение добавлено.' },
	kk: { heading: 'Тапсырмалар', title: 'Тапсырма', owner: 'Жауапты ұйым', due: 'Мерзімі', add: 'Тапсырма қосу',
		decision: 'Қай шешімнің орындалуы (міндетті емес)', no_decision: '(жоқ)', decision_of: 'Орындалатын шешім: {title}',
		status: { open: 'Ашық', in_progress: 'Орындалуда', done: 'Орындалды', dropped: 'Алынып тасталды' }, status_of: '{title}: мәртебесі',
		overdue: 'мерзімі өтті', details: 'Жазбалар мен өзгерістер ({n})', notes: 'Барысы туралы жазбалар', no_notes: 'Әзірге жазба жоқ.',
		note: 'Барысы туралы жазба', save: 'Сақтау', saved: 'Сақталды.', none: 'Әзірге тапсырма жоқ.', added: 'Тапсырма қосылды.' },
};

function el(tag, attrs = {}, ...kids) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
		else if (v !== false && v != null) e.setAttribute(k, v === true ? '' : v);
	}
	for (const k of kids.flat()) if (k != null && k !== false) e.append(k.nodeType ? k : String(k));
	return e;
}

const fill = (s, vars) => s.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : `{${k}}`));
let uid = 0;
// A labelled control; ids are unique across every item of the page.
function labelled(label, input) {
	input.id = `act-${++uid}`;
	return el('div', { class: 'field' }, el('label', { for: input.id }, label), input);
}
const errorNote = (r) => el('p', { class: 'note error', role: 'alert' }, r.error?.message || r.error?.code || '?');

export async function mount(root, { client, group, lang }) {
	const s = STR[lang] || STR.en;
	const g = await client.request('groups.get', { group });
	const owners = (g.ok ? g.data.group.members : []).filter((m) => !m.partner).map((m) => m.org);
	const dec = await client.request('consensus.decisions', {});
	const decisions = dec.ok ? dec.data.decisions : [];
	const decisionTitle = new Map(decisions.map((d) => [d.id, d.title]));
	const ownerSelect = (value) => {
		const sel = el('select', { required: true }, ...owners.map((o) => el('option', { value: o }, o)));
		if (value && !owners.includes(value)) sel.append(el('option', { value }, value)); // owner since left the group
		if (value) sel.value = value;
		return sel;
	};

	const list = el('ul', { class: 'list actions' });
	const msg = el('div', { 'aria-live': 'polite' });
	const title = el('input', { required: true, maxlength: 500 });
	const owner = ownerSelect(client.user?.org && owners.includes(client.user.org) ? client.user.org : owners[0]);
	const due = el('input', { type: 'date', required: true });
	const decision = el('select', {}, el('option', { value: '' }, s.no_decision),
		...decisions.map((d) => el('option', { value: String(d.id) }, d.title)));
	const form = el('form', { class: 'act-add', onsubmit: async (e) => {
		e.preventDefault();
		const data = { group, title: title.value.trim(), owner_org: owner.value, due_date: due.value };
		if (decision.value) data.decision = Number(decision.value);
		const r = await client.request('actions.add', data);
		msg.replaceChildren(r.ok ? el('p', { class: 'note', role: 'status' }, s.added) : errorNote(r));
		if (r.ok) { title.value = ''; due.value = ''; decision.value = ''; }
	} }, labelled(s.title, title), labelled(s.owner, owner), labelled(s.due, due), labelled(s.decision, decision),
	el('button', { type: 'submit' }, s.add));
	root.replaceChildren(el('h2', {}, s.heading), list, form, msg);

	const open = new Set(); // items whose details are open stay open on a refresh
	const details = (it) => {
		const box = el('details', { open: open.has(it.id) }, el('summary', {}, fill(s.details, { n: it.notes })));
		const notes = el('ul', { class: 'list notes' });
		const loadNotes = async () => {
			const r = await client.request('actions.notes', { group, item: it.id });
			const ns = r.ok ? r.data.notes : [];
			notes.replaceChildren(...(ns.length ? ns.map((n) => el('li', {}, el('strong', {}, n.author), ' ', n.text,
				el('span', { class: 'muted' }, ` ${new Date(n.at).toLocaleString(lang)}`))) : [el('li', {}, s.no_notes)]));
		};
		box.addEventListener('toggle', () => {
			if (box.open) { open.add(it.id); loadNotes(); } else open.delete(it.id);
		});
		if (box.open) loadNotes();
		const itOwner = ownerSelect(it.owner_org);
		const itDue = el('input', { type: 'date', required: true, value: it.due_date });
		const itNote = el('textarea', { rows: 2, maxlength: 8000 });
		const itMsg = el('div', { 'aria-live': 'polite' });
		box.append(el('h3', {}, s.notes), notes, el('form', { onsubmit: async (e) => {
			e.preventDefault();
			const data = { group, item: it.id };
			if (itOwner.value !== it.owner_org) data.owner_org = itOwner.value;
			if (itDue.value !== it.due_date) data.due_date = itDue.value;
			if (itNote.value.trim()) data.note = itNote.value.trim();
			const r = await client.request('actions.update', data);
			itMsg.replaceChildren(r.ok ? el('p', { class: 'note', role: 'status' }, s.saved) : errorNote(r));
		} }, labelled(s.note, itNote), labelled(s.owner, itOwner), labelled(s.due, itDue), el('button', { type: 'submit' }, s.save), itMsg));
		return box;
	};

	const render = async () => {
		const r = await client.request('actions.list', { group });
		if (!r.ok) return;
		list.replaceChildren(...(r.data.items.length ? r.data.items.map((it) => {
			const sel = el('select', { 'aria-label': fill(s.status_of, { title: it.title }), onchange: async () => {
				const u = await client.request('actions.update', { group, item: it.id, status: sel.value });
				if (!u.ok) msg.replaceChildren(errorNote(u));
			} }, ...Object.entries(s.status).map(([v, label]) => el('option', { value: v }, label)));
			sel.value = it.status;
			return el('li', { 'data-item': it.id }, el('strong', {}, it.title), ` — ${it.owner_org}, ${it.due_date} `,
				it.overdue && el('span', { class: 'attention' }, s.overdue), ' ', sel,
				it.decision && el('div', {}, el('a', { href: `#/proposal/${it.decision}` }, fill(s.decision_of, { title: decisionTitle.get(it.decision) || `#${it.decision}` }))),
				details(it));
		}) : [el('li', {}, s.none)]));
	};
	await render();
	return client.subscribe(`actions:${group}`, render);
}
