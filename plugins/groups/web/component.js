// The groups plugin's web component: the list of working groups and the
// form that creates one (#/groups), a group's room (#/group/<id>) with its
// settings and the room components of its group plugins, and the cards of
// one's groups on the dashboard and the partners' portal.  The shell mounts
// it (see web/js/components.js); its strings are in i18n/<lang>.json
// beside this file.
import { viewGroups } from './groups.js';
import { viewGroup } from './group.js';

export default function groups(shell) {
	const { client, t, h, hasRole, isPartner } = shell;

	// The dashboard's card: my organisation's groups, each with what its
	// group plugins say beside it (shell.parts 'group.summary': the
	// actions plugin's overdue items); live when a group is created,
	// changed or archived with my organisation in it.
	const dashboardCard = () => {
		const list = h('ul', { class: 'list' });
		const load = async () => {
			const gl = await client.request('groups.list', {});
			const groups = gl.ok ? gl.data.groups : [];
			list.replaceChildren(...(groups.length ? groups.map((g) => h('li', {}, h('a', { href: `#/group/${g.id}` }, g.name),
				g.archived && h('span', { class: 'badge' }, t('group.archived')),
				...shell.parts('group.summary', { group: g }))) : [h('li', { class: 'muted' }, t('dash.none_groups'))]));
		};
		(async () => {
			await load();
			shell.onLeave(await client.subscribe('groups', () => load()));
		})();
		return h('section', { class: 'card' }, h('h2', {}, t('dash.groups')), list);
	};

	// The partners' portal's card: the groups a partner organisation is
	// in, shown only when there are some.
	const portalCard = () => {
		const card = h('section', { class: 'card', hidden: true });
		(async () => {
			const gl = await client.request('groups.list', {});
			if (!gl.ok || !gl.data.groups.length) return;
			card.append(h('h2', {}, t('dash.groups')),
				h('ul', { class: 'list' }, ...gl.data.groups.map((g) => h('li', {}, h('a', { href: `#/group/${g.id}` }, g.name)))));
			card.hidden = false;
		})();
		return card;
	};

	return {
		routes: [
			{ path: '#/groups', who: 'members', mount: (main) => viewGroups(shell, main) },
			{ path: /^#\/group\/(\d+)$/, who: 'everyone', mount: (main, id) => viewGroup(shell, main, Number(id)) },
		],
		nav: [{ order: 40, link: () => !isPartner() && (hasRole('co_chair') || hasRole('secretariat')) && h('a', { href: '#/groups' }, t('nav.groups')) }],
		parts: [
			{ at: 'dashboard', order: 30, part: dashboardCard },
			{ at: 'portal', order: 30, part: portalCard },
		],
	};
}
