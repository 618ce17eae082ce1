// The aggregates released to the partner's organisation, in the partners'
// portal (a part at 'portal'): per released aggregate its figures as the
// network released them, with the suppressed ones said so.  Only what the
// portal's feed gives the partner is shown; it follows the portal's events
// (a new release, a withdrawal) live.
const SEXES = ['female', 'male', 'other'];
const AGES = ['0-17', '18-59', '60+'];

// A released figure; a suppressed one is "<3", said in full to screen
// readers and on hover.
function figure({ t, h }, s, min, key = 'sum') {
	if (!s) return '–';
	if (s.suppressed) return h('abbr', { title: t('datacollect.suppressed', { n: min }), class: 'dc-suppressed' }, `<${min}`);
	const x = s[key];
	return x == null ? '–' : typeof x === 'number' && !Number.isInteger(x) ? x.toFixed(2) : String(x);
}

function aggregateView({ t, h, fmtDate }, r) {
	const c = r.content || {};
	const min = c.min_cell ?? 3;
	const fig = (x, key) => figure({ t, h }, x, min, key);
	const parts = [];
	for (const [key, f] of Object.entries(c.fields || {})) {
		const unit = f.unit ? ` (${f.unit})` : '';
		if (f.type === 'number') {
			parts.push(h('h4', {}, f.label, unit), h('p', { 'data-field': key }, f.total?.suppressed ? t('datacollect.suppressed', { n: min })
				: t('datacollect.released_total', { sum: fig(f.total), n: fig(f.total, 'n') })));
			if (f.by_sex && f.by_age)
				parts.push(h('table', { class: 'dc-cells' }, h('tr', {}, h('th', {}, ''), ...AGES.map((g) => h('th', {}, t(`datacollect.cell.${g}`)))),
					...SEXES.map((s) => h('tr', {}, h('th', {}, t(`datacollect.cell.${s}`)), ...AGES.map((g) => h('td', {}, fig(f.cells[`${s},${g}`])))))));
			else if (f.cells)
				parts.push(h('table', { class: 'dc-cells' }, h('tr', {}, ...Object.keys(f.cells).map((k) => h('th', {}, t(`datacollect.cell.${k}`)))),
					h('tr', {}, ...Object.values(f.cells).map((s) => h('td', {}, fig(s))))));
		} else if (f.type === 'choice') {
			parts.push(h('h4', {}, f.label), h('ul', { class: 'list' }, ...Object.entries(f.counts || {}).map(([o, s]) => h('li', {}, `${o}: `, fig(s, 'n')))));
		}
	}
	return h('article', { class: 'dc-released', 'data-item': r.item }, h('h3', {}, t('datacollect.released_heading', { title: c.title || r.item, period: c.period || '' })),
		h('p', { class: 'muted' }, t('datacollect.released_meta', { n: c.orgs ?? 0, date: fmtDate(r.released_at) })), ...parts,
		h('p', { class: 'muted' }, t('datacollect.suppressed_explained', { n: min })));
}

export function releasedCard(shell) {
	const { client, t, h, onLeave } = shell;
	const card = h('section', { class: 'card', hidden: true, id: 'dc-released' });
	const show = async () => {
		const f = await client.request('portal.feed', {});
		const mine = (f.ok ? f.data.releases : []).filter((r) => r.kind === 'aggregate');
		card.replaceChildren(h('h2', {}, t('datacollect.released_card')), ...mine.map((r) => aggregateView(shell, r)));
		card.hidden = !mine.length;
	};
	(async () => {
		await show();
		const stop = await client.subscribe('portal', (ev) => {
			if (ev.event === 'portal.released' || ev.event === 'portal.withdrawn' || ev.event === 'resync') show();
		});
		onLeave(stop);
	})();
	return card;
}
