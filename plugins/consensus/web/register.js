// The decision register (#/decisions): every decision and joint statement,
// searchable and filtered, with its record (the proposal page) and the
// CSV/JSON exports; prints cleanly.
export async function viewRegister(shell, main) {
	const { client, t, h, field, note, fmtDate } = shell;
	const q = h('input', { type: 'search', id: 'reg-q' });
	const kind = h('select', {}, h('option', { value: '' }, t('reg.all')), h('option', { value: 'decision' }, t('create.kind.decision')), h('option', { value: 'statement' }, t('create.kind.statement')));
	const outcome = h('select', {}, h('option', { value: '' }, t('reg.all')), h('option', { value: 'consensus' }, t('outcome.consensus')), h('option', { value: 'no_consensus' }, t('outcome.no_consensus')));
	const year = h('select', {}, h('option', { value: '' }, t('reg.all')));
	const body = h('tbody');
	const count = h('p', { class: 'muted', 'aria-live': 'polite' });
	const msg = h('div', { 'aria-live': 'polite' });
	main.replaceChildren(h('section', { class: 'card register' }, h('h1', {}, t('reg.heading')),
		h('div', { class: 'filters no-print' }, field(t('reg.search'), q), field(t('reg.kind'), kind), field(t('reg.outcome'), outcome), field(t('reg.year'), year),
			h('button', { type: 'button', onclick: () => window.print() }, t('reg.print'))),
		count, msg,
		h('table', { class: 'reflow' }, h('thead', {}, h('tr', {}, ...['reg.title', 'reg.kind', 'reg.outcome', 'reg.date', 'reg.review', 'reg.record'].map((k) => h('th', { scope: 'col' }, t(k))))), body)));
	const r = await client.request('consensus.decisions', {});
	const all = r.ok ? r.data.decisions : [];
	const years = [...new Set(all.map((d) => d.closed_at && new Date(d.closed_at).getFullYear()).filter(Boolean))].sort().reverse();
	year.append(...years.map((y) => h('option', { value: String(y) }, String(y))));
	const download = async (d, format) => {
		const res = await fetch(`/api/consensus/record?proposal=${d.id}&format=${format}`, { headers: { Authorization: `Bearer ${client.token}` } });
		if (!res.ok) { msg.replaceChildren(note(t('error.generic', { message: res.status }), 'error')); return; }
		const a = h('a', { href: URL.createObjectURL(await res.blob()), download: `decision-${d.id}.${format}` });
		document.body.append(a);
		a.click();
		a.remove();
	};
	const show = () => {
		const needle = q.value.trim().toLowerCase();
		const rows = all.filter((d) => (!kind.value || d.kind === kind.value) && (!outcome.value || d.outcome === outcome.value) &&
			(!year.value || (d.closed_at && String(new Date(d.closed_at).getFullYear()) === year.value)) &&
			(!needle || `${d.title} ${d.outcome_statement || ''}`.toLowerCase().includes(needle)));
		count.textContent = t('reg.count', { n: rows.length, total: all.length });
		body.replaceChildren(...rows.map((d) => h('tr', { 'data-decision': d.id },
			h('td', { 'data-label': t('reg.title') }, h('a', { href: `#/proposal/${d.id}` }, d.title), d.outcome_statement && h('p', { class: 'muted' }, d.outcome_statement)),
			h('td', { 'data-label': t('reg.kind') }, t(`create.kind.${d.kind}`)),
			h('td', { 'data-label': t('reg.outcome') }, d.outcome && h('span', { class: `badge ${d.outcome}` }, t(`outcome.${d.outcome}`))),
			h('td', { 'data-label': t('reg.date') }, fmtDate(d.closed_at)),
			h('td', { 'data-label': t('reg.review') }, d.review_date || '—'),
			h('td', { 'data-label': t('reg.record'), class: 'no-print' },
				h('button', { type: 'button', class: 'link', onclick: () => download(d, 'csv'), 'aria-label': t('reg.csv_of', { title: d.title }) }, 'CSV'), ' ',
				h('button', { type: 'button', class: 'link', onclick: () => download(d, 'json'), 'aria-label': t('reg.json_of', { title: d.title }) }, 'JSON')))));
	};
	for (const el of [q, kind, outcome, year]) el.addEventListener('input', show);
	show();
	shell.onProposals(async () => {
		const again = await client.request('consensus.decisions', {});
		if (again.ok) { all.splice(0, all.length, ...again.data.decisions); show(); }
	});
}
