// The actions plugin's web component: the action tracker of a working
// group's room.  The web client imports it when the group enabled "actions"
// and calls mount(element, {client, group, lang}).
const STR = {
	en: { heading: 'Action items', title: 'Action', owner: 'Owner organisation', due: 'Due date', add: 'Add action',
		status: { open: 'Open', in_progress: 'In progress', done: 'Done', dropped: 'Dropped' }, overdue: 'overdue',
		note: 'Progress note', save: 'Save', none: 'No action items yet.' },
	ru: { heading: 'Поручения', title: 'Поручение', owner: 'Ответственная организация', due: 'Срок', add: 'Добавить',
		status: { open: 'Открыто', in_progress: 'В работе', done: 'Выполнено', dropped: 'Снято' }, overdue: 'просрочено',
		note: 'Заметка о ходе', save: 'Сохранить', none: 'Поручений пока нет.' },
};

function el(tag, attrs = {}, ...kids) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
		else if (v !== false && v != null) e.setAttribute(k, v);
	}
	for (const k of kids.flat()) if (k != null && k !== false) e.append(k.nodeType ? k : String(k));
	return e;
}

export async function mount(root, { client, group, lang }) {
	const s = STR[lang] || STR.en;
	const list = el('ul', { class: 'list actions' });
	const msg = el('div', { 'aria-live': 'polite' });
	const title = el('input', { required: true, id: 'act-title' });
	const owner = el('input', { required: true, id: 'act-owner' });
	const due = el('input', { type: 'date', required: true, id: 'act-due' });
	const form = el('form', { onsubmit: async (e) => {
		e.preventDefault();
		const r = await client.request('actions.add', { group, title: title.value, owner_org: owner.value.trim().toUpperCase(), due_date: due.value });
		msg.replaceChildren(r.ok ? '' : el('p', { class: 'note error', role: 'alert' }, r.error.message));
		if (r.ok) form.reset();
	} }, el('div', { class: 'field' }, el('label', { for: 'act-title' }, s.title), title),
	el('div', { class: 'field' }, el('label', { for: 'act-owner' }, s.owner), owner),
	el('div', { class: 'field' }, el('label', { for: 'act-due' }, s.due), due), el('button', { type: 'submit' }, s.add));
	root.replaceChildren(el('h2', {}, s.heading), list, form, msg);

	const render = async () => {
		const r = await client.request('actions.list', { group });
		if (!r.ok) return;
		list.replaceChildren(...(r.data.items.length ? r.data.items.map((it) => {
			const sel = el('select', { 'aria-label': `${it.title}: status`, onchange: () =>
				client.request('actions.update', { group, item: it.id, status: sel.value }) },
			...Object.entries(s.status).map(([v, label]) => el('option', { value: v }, label)));
			sel.value = it.status;
			return el('li', { 'data-item': it.id }, el('strong', {}, it.title), ` — ${it.owner_org}, ${it.due_date} `,
				it.overdue && el('span', { class: 'attention' }, s.overdue), ' ', sel);
		}) : [el('li', {}, s.none)]));
	};
	await render();
	return client.subscribe(`actions:${group}`, render);
}
