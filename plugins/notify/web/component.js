// The notify plugin's web component: the inbox (#/inbox) with the unread
// count beside its link in the navigation, kept live from the person's
// topic inbox:<login> (a new entry, or entries read on another device),
// and the notification settings (#/notifications): the e-mail address,
// its language and, per kind of notice, at once, in the daily summary or
// not by e-mail.  The strings are in i18n/<lang>.json beside this file.
import { viewInbox } from './inbox.js';
import { viewSettings } from './settings.js';

export default function notify(shell) {
	const { client, t, h } = shell;
	let unread = 0;
	let badge = null;
	const listeners = new Set();

	const showCount = () => {
		if (!badge) return;
		badge.textContent = unread > 0 ? String(unread) : '';
		badge.hidden = !(unread > 0);
		badge.setAttribute('aria-label', t('notify.unread', { n: unread }));
	};
	const refresh = async () => {
		const r = await client.request('notify.inbox.list', { limit: 1 });
		if (r.ok) unread = r.data.unread;
		showCount();
	};

	// the inbox page listens too (inbox.js): every event of the topic
	const inbox = {
		unread: () => unread,
		listen: (fn) => {
			listeners.add(fn);
			return () => listeners.delete(fn);
		},
	};

	return {
		routes: [
			{ path: '#/inbox', who: 'everyone', mount: (main) => viewInbox(shell, main, inbox) },
			{ path: '#/notifications', who: 'everyone', mount: (main) => viewSettings(shell, main) },
		],
		nav: [
			{
				order: 5,
				link: () => {
					badge = h('span', { class: 'badge attention', 'data-testid': 'inbox-unread', hidden: true });
					showCount();
					return h('a', { href: '#/inbox' }, t('notify.nav'), ' ', badge);
				},
			},
		],
		start: () => {
			let stop = null;
			let stopped = false;
			const topic = `inbox:${client.user.login}`;
			client
				.subscribe(topic, (e) => {
					if (e.event === 'notify.inbox.new' || e.event === 'notify.inbox.read') {
						unread = e.data.unread;
						showCount();
					} else if (e.event === 'resync') {
						refresh();
					}
					for (const fn of listeners) fn(e);
				})
				.then((s) => {
					if (stopped) s();
					else stop = s;
				});
			refresh();
			return () => {
				stopped = true;
				if (stop) stop();
				unread = 0;
			};
		},
	};
}
