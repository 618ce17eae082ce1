// The shell's own page of the plugins the server runs (#/plugins): for
// co-chairs, the secretariat and group leads, who decide what a working
// group runs.  Each plugin, its version, where it comes from (the
// configuration or installed live), who signed it, the services it needs
// and offers, the message types and topics it adds and the groups that
// enabled it (sys.plugins; the server decides who may see it).  Built like
// a plugin's component (components.js), with the shell's strings.
export default function pluginsPage(shell) {
	const { client, t, h, note, errorText, hasRole, isPartner } = shell;
	let mayLook = false; // sys.plugins answered at login (group leads too)

	const list = (items, fmt = (x) => x) => (items && items.length
		? h('ul', { class: 'inline' }, ...items.map((x) => h('li', {}, fmt(x))))
		: h('span', { class: 'muted' }, t('plugins.none')));
	const svc = (s) => `${s.name} v${s.version}${s.optional ? ` (${t('plugins.optional')})` : ''}`;

	const row = (p) => h('tr', { 'data-plugin': p.name },
		h('th', { scope: 'row' }, h('strong', {}, p.name), h('div', { class: 'muted' }, p.description)),
		h('td', {}, p.version),
		h('td', {}, t(p.source === 'installed' ? 'plugins.installed' : 'plugins.configuration')),
		h('td', {}, p.signer || h('span', { class: 'muted' }, t('plugins.unsigned'))),
		h('td', {}, list(p.requires, svc)),
		h('td', {}, list(p.provides, svc)),
		h('td', {}, list([...p.types].sort())),
		h('td', {}, list(p.topics)),
		h('td', {}, p.group ? list(p.groups.map(String)) : h('span', { class: 'muted' }, t('plugins.not_group'))));

	async function mount(main) {
		const box = h('div', { 'aria-live': 'polite' }, note(t('plugins.loading')));
		main.replaceChildren(h('section', { class: 'card' }, h('h1', {}, t('plugins.heading')),
			h('p', {}, t('plugins.intro')), box));
		const r = await client.request('sys.plugins', {});
		if (!r.ok) {
			box.replaceChildren(note(errorText(r), 'error'));
			return;
		}
		const heads = ['name', 'version', 'source', 'signer', 'requires', 'provides', 'types', 'topics', 'groups'];
		const rows = r.data.plugins.map(row);
		// phones: each cell says what it is (table.reflow, style.css)
		for (const tr of rows) [...tr.children].forEach((td, i) => td.setAttribute('data-label', t(`plugins.col.${heads[i]}`)));
		box.replaceChildren(h('div', { class: 'scroll-x' }, h('table', { class: 'plugins reflow' },
			h('thead', {}, h('tr', {}, ...heads.map((k) => h('th', { scope: 'col' }, t(`plugins.col.${k}`))))),
			h('tbody', {}, ...rows))));
	}

	return {
		routes: [{ path: '#/plugins', who: 'members', mount }],
		nav: [{ order: 90, link: () => !isPartner() && (mayLook || hasRole('co_chair') || hasRole('secretariat'))
			&& h('a', { href: '#/plugins' }, t('nav.plugins')) }],
		start: () => {
			if (isPartner()) return;
			client.request('sys.plugins', {}).then((r) => { mayLook = r.ok; });
		},
	};
}
