// The workplan plugin's web component: the network's workplan
// (#/workplan, #/workplan/<plan>), the annual report (#/workplan/report/<id>),
// the secretariat's follow-up board on the dashboard, and a decision's
// follow-up actions under its record.  Members only: partners see a plan or
// a report when the portal released it.  Strings in i18n/<lang>.json.
import { viewPlans, viewPlan, viewReport, boardCard, followupPart } from './workplan.js';

export default function workplan(shell) {
	const { t, h, isPartner, hasRole } = shell;
	return {
		routes: [
			{ path: '#/workplan', who: 'members', mount: (main) => viewPlans(shell, main) },
			{ path: /^#\/workplan\/(\d+)$/, who: 'members', mount: (main, id) => viewPlan(shell, main, Number(id)) },
			{ path: /^#\/workplan\/report\/(\d+)$/, who: 'members', mount: (main, id) => viewReport(shell, main, Number(id)) },
		],
		nav: [{ order: 45, link: () => !isPartner() && h('a', { href: '#/workplan' }, t('workplan.nav')) }],
		parts: [
			{ at: 'dashboard', order: 40, part: () => !isPartner() && hasRole('secretariat') && boardCard(shell) },
			{ at: 'item', order: 20, part: ({ item }) => !isPartner() && /^proposal:\d+$/.test(item || '') && followupPart(shell, Number(item.split(':')[1])) },
		],
	};
}
