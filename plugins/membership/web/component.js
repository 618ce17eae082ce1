// The membership plugin's web component: the members list with its
// administration (#/members), and the dashboard's card of who is here.
// The shell mounts it (see web/js/components.js); its strings are in
// i18n/<lang>.json beside this file.  Accepting an invitation and setting
// a new password happen before login: the shell's own pages do them.
import { viewMembers } from './members.js';

export default function membership(shell) {
	const { client, t, h, note, hasRole, isPartner } = shell;

	// Who is logged in now, per organisation, and which member
	// organisations nobody represents; live from the network topic.
	const presenceCard = () => {
		const presence = h('div', { 'aria-live': 'polite' });
		const show = (d) => presence.replaceChildren(
			h('ul', { class: 'list' }, ...Object.entries(d.online).map(([org, logins]) => h('li', {}, h('strong', {}, org), ' ', logins.join(', ')))),
			note(d.all_members_represented ? t('dash.all_represented') : t('dash.missing', { orgs: d.members_missing.join(', ') })));
		(async () => {
			const pr = await client.request('members.presence', {});
			if (pr.ok) show(pr.data);
			shell.onLeave(await client.subscribe('network', (ev) => {
				if (ev.event === 'members.presence') show(ev.data);
			}));
		})();
		return h('section', { class: 'card' }, h('h2', {}, t('dash.presence')), presence);
	};

	return {
		routes: [{ path: '#/members', who: 'members', mount: (main) => viewMembers(shell, main) }],
		nav: [{ order: 30, link: () => !isPartner() && (hasRole('secretariat') || hasRole('admin')) && h('a', { href: '#/members' }, t('nav.members')) }],
		parts: [{ at: 'dashboard', order: 40, part: presenceCard }],
	};
}
