// The portal plugin's web component: the partners' portal (#/portal, the
// page a partner sees after login), the members' Releases page
// (#/releases), and the release form under a closed proposal's record.
// The shell mounts it (see web/js/components.js); its strings are in
// i18n/<lang>.json beside this file.
import { viewPortal } from './portal.js';
import { viewReleases, releaseForm } from './releases.js';

export default function portal(shell) {
	const { t, h, hasRole, isPartner } = shell;
	return {
		routes: [
			{ path: '#/portal', who: 'everyone', home: 'partners', mount: (main) => viewPortal(shell, main) },
			{ path: '#/releases', who: 'members', mount: (main) => viewReleases(shell, main) },
		],
		nav: [
			{ order: 10, link: () => isPartner() && h('a', { href: '#/portal' }, t('nav.portal')) },
			{ order: 50, link: () => !isPartner() && h('a', { href: '#/releases' }, t('nav.releases')) },
		],
		// co-chairs and the secretariat release an item to partners
		parts: [{ at: 'item', order: 10, part: ({ item }) => !isPartner() && (hasRole('co_chair') || hasRole('secretariat')) && releaseForm(shell, item) }],
	};
}
