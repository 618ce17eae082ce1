// A working group's room (#/group/<id>): its mandate and organisations,
// posts and shared items (each internal unless shared on purpose), the
// settings for those who manage it, and the room components of the group
// plugins it enabled (such as actions).
import { groupSettings } from './settings.js';

export async function viewGroup(shell, main, id) {
	const { client, t, h, field, note, errorText, fmtDate, isPartner } = shell;
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
		group.kind === 'ad_hoc' ? h('p', { class: 'muted' }, t('groups.until', { date: group.end_date })) : '',
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
	// Plugins enabled for the group bring their own room component (the
	// shell finds it: shell.room); enabling or disabling one shows at once
	// in every open room.
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
			const room = shell.room(name);
			const box = h('div', { class: 'component', 'data-plugin': name });
			const m = { box, unsub: null };
			mounted.set(name, m);
			if (!room) continue; // the plugin has no room component: nothing to show
			components.append(box);
			try {
				m.unsub = await room(box, { group: id });
			} catch (e) {
				box.append(note(errorText({ error: { message: `${name}: ${e.message}` } }), 'error'));
			}
		}
	};
	shell.onLeave(() => { for (const m of mounted.values()) if (typeof m.unsub === 'function') m.unsub(); });
	// The group as the server holds it now (after a change made here or
	// announced by groups.changed); archiving makes the room read-only.
	let settings = null;
	const applyGroup = (g2) => {
		const archivedNow = g2.archived && !group.archived;
		group = g2;
		if (archivedNow) { shell.reload(); return; }
		renderHead();
		settings?.update(group);
		syncComponents();
	};
	settings = await groupSettings(shell, { group, changed: applyGroup });
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
	shell.onLeave(await client.subscribe(`group:${id}`, async (ev) => {
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
