// The actions plugin's web component, as a plugin built outside the tree
// ships one: installed into <plugins.dir>/web/actions/ and found by the
// shell (web/js/components.js) because the server runs the plugin.  It
// adds the action tracker to the rooms of the groups that enabled it
// (room.js), and the number of overdue items beside each group's name on
// the dashboard.
import { mount } from './room.js';

export default function actions(shell) {
	const { client, t, h } = shell;

	// Beside a group's name: its overdue action items, where the group
	// uses actions (elsewhere actions.list answers not_found: nothing shown).
	const overdue = ({ group }) => {
		const badge = h('span', { class: 'badge attention', hidden: true });
		client.request('actions.list', { group: group.id }).then((a) => {
			if (!a.ok || !(a.data.overdue > 0)) return;
			badge.textContent = t('actions.overdue_count', { n: a.data.overdue });
			badge.hidden = false;
		});
		return badge;
	};

	return {
		room: (element, { group }) => mount(element, { ...shell, group }),
		parts: [{ at: 'group.summary', order: 10, part: overdue }],
	};
}
