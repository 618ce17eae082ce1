// The consensus plugin's web component: the dashboard (what awaits my
// organisation first), the decision register and the proposal page where a
// live session runs.  The shell mounts it (see web/js/components.js); its
// strings are in i18n/<lang>.json beside this file.
import { viewDashboard } from './dashboard.js';
import { viewRegister } from './register.js';
import { viewProposal } from './proposal.js';

export default function consensus(shell) {
	const { client, t, h, isPartner } = shell;

	// The number of open proposals on which my organisation has not
	// responded, kept live from the `proposals` topic for as long as I am
	// logged in; views hear of changes through 'proposals' events on window.
	let awaiting = 0;
	let unsubscribe = null;

	const badge = () => h('span', { id: 'awaiting', class: 'count', hidden: !awaiting, 'aria-label': t('nav.awaiting', { n: awaiting }) }, String(awaiting));

	const refreshAwaiting = async () => {
		if (!client.user || isPartner()) return;
		const r = await client.request('consensus.list', { status: 'open' });
		if (!r.ok) return;
		awaiting = r.data.proposals.filter((p) => p.awaiting_you).length;
		document.getElementById('awaiting')?.replaceWith(badge());
	};

	const follow = async () => {
		if (unsubscribe || !client.user || isPartner()) return;
		unsubscribe = await client.subscribe('proposals', (ev) => {
			// Another organisation's first response changes nothing shown
			// here: no reload for it (in a live session that is most events).
			const d = ev.data || {};
			if (d.responded && d.responded !== client.user?.org) return;
			refreshAwaiting();
			window.dispatchEvent(new CustomEvent('proposals', { detail: d }));
		});
		refreshAwaiting();
	};

	const stop = () => {
		unsubscribe?.();
		unsubscribe = null;
		awaiting = 0;
	};

	// Runs fn when the network's proposals change while the page is shown,
	// at most every 300 ms.
	const onProposals = (fn) => {
		let timer = null;
		const handler = () => {
			clearTimeout(timer);
			timer = setTimeout(fn, 300);
		};
		window.addEventListener('proposals', handler);
		shell.onLeave(() => {
			clearTimeout(timer);
			window.removeEventListener('proposals', handler);
		});
	};

	const views = { ...shell, onProposals };
	return {
		routes: [
			{ path: '#/', who: 'members', home: 'members', mount: (main) => viewDashboard(views, main) },
			{ path: '#/decisions', who: 'members', mount: (main) => viewRegister(views, main) },
			{ path: /^#\/proposal\/(\d+)$/, who: 'everyone', mount: (main, id) => viewProposal(views, main, Number(id)) },
		],
		nav: [
			{ order: 10, link: () => !isPartner() && h('a', { href: '#/' }, t('nav.dashboard'), ' ', badge()) },
			{ order: 20, link: () => !isPartner() && h('a', { href: '#/decisions' }, t('nav.register')) },
		],
		start: () => {
			follow();
			return stop;
		},
	};
}
