// The datacollect plugin's web component, as a plugin built outside the
// tree ships one: installed into <plugins.dir>/web/datacollect/ and found by
// the shell (web/js/components.js) because the server runs the plugin.  It
// adds data collection to the rooms of the groups that enabled it
// (room.js), and to the partners' portal the aggregates released to them
// (released.js).
import { mount } from './room.js';
import { releasedCard } from './released.js';

export default function datacollect(shell) {
	return {
		room: (element, { group }) => mount(element, { ...shell, group }),
		parts: [{ at: 'portal', order: 20, part: () => releasedCard(shell) }],
	};
}
