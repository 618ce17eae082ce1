// The meetings plugin's web component: the list of meetings or their month
// calendar (calendar.js) and the form that creates one (#/meetings), a meeting's page (#/meeting/<id>: set-up,
// registration, agenda, the session live, minutes) and the printable
// minutes (#/meeting/<id>/print).  The shell mounts it (web/js/components.js);
// its strings are in i18n/<lang>.json beside this file.
import { viewMeetings } from './list.js';
import { viewMeeting } from './meeting.js';
import { viewPrint } from './minutes.js';

export default function meetings(shell) {
	const { t, h } = shell;
	return {
		routes: [
			{ path: '#/meetings', who: 'everyone', mount: (main) => viewMeetings(shell, main) },
			{ path: /^#\/meeting\/(\d+)\/print$/, who: 'members', mount: (main, id) => viewPrint(shell, main, Number(id)) },
			{ path: /^#\/meeting\/(\d+)$/, who: 'everyone', mount: (main, id) => viewMeeting(shell, main, Number(id)) },
		],
		nav: [{ order: 30, link: () => h('a', { href: '#/meetings' }, t('meetings.nav')) }],
	};
}
