// #/inbox: the person's notices, newest first, unread ones marked; opening
// one marks it read (on every device of theirs) and goes to its page.
export async function viewInbox(shell, main, inbox) {
	const { client, t, h, note, errorText, fmtDate, lang, go } = shell;
	const list = h('ul', { class: 'inbox' });
	const status = h('div');
	const markAll = h('button', { type: 'button', class: 'secondary', onclick: async () => {
		const r = await client.request('notify.inbox.read', { all: true });
		if (!r.ok) status.replaceChildren(note(errorText(r), 'error'));
	} }, t('notify.mark_all'));
	main.replaceChildren(h('h1', {}, t('notify.heading')),
		h('p', {}, markAll, ' ', h('a', { href: '#/notifications' }, t('notify.settings'))), status, list);

	const load = async () => {
		const r = await client.request('notify.inbox.list', { lang: lang(), limit: 100 });
		if (!r.ok) {
			status.replaceChildren(note(errorText(r), 'error'));
			return;
		}
		status.replaceChildren();
		if (!r.data.messages.length) {
			list.replaceChildren(h('li', {}, t('notify.empty')));
			return;
		}
		list.replaceChildren(...r.data.messages.map((m) => {
			const open = h('a', { href: m.link || '#/', class: m.read ? 'read' : 'unread', onclick: async (e) => {
				e.preventDefault();
				if (!m.read) await client.request('notify.inbox.read', { ids: [m.id] });
				go(m.link || '#/');
			} }, m.subject);
			return h('li', { 'data-id': String(m.id) }, m.read ? null : h('strong', {}, t('notify.new'), ' '), open,
				' ', h('small', {}, fmtDate(m.created_at)));
		}));
	};
	await load();
	// a new entry, or entries read elsewhere: show the list as it is now
	return inbox.listen(() => load());
}
