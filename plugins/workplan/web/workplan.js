// The workplan pages.  Every write goes to the server, which decides who
// may do it; the controls shown to a person only leave out what their role
// cannot do.  Progress is drawn as inline SVG bars (no chart library).

const SVG = 'http://www.w3.org/2000/svg';
const VIEWS = ['gcm', 'sdg', 'org', 'group', 'status'];
const STATUSES = ['planned', 'ongoing', 'done', 'delayed', 'dropped'];

function svg(tag, attrs = {}, ...children) {
	const el = document.createElementNS(SVG, tag);
	for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
	for (const c of children) el.append(c);
	return el;
}

// One horizontal bar per row: [{label, pct (0-100 or null)}].
export function progressChart(rows, title) {
	const row = 24, left = 170, width = 460, w = left + width + 50;
	const el = svg('svg', { viewBox: `0 0 ${w} ${Math.max(1, rows.length) * row + 4}`, width: '100%', role: 'img', 'aria-label': title, class: 'wp-chart' }, svg('title', {}, title));
	rows.forEach((r, i) => {
		const y = i * row;
		const len = r.pct == null ? 0 : (width * r.pct) / 100;
		el.append(svg('text', { x: left - 6, y: y + 16, 'text-anchor': 'end', 'font-size': 12 }, String(r.label).slice(0, 28)),
			svg('rect', { x: left, y: y + 4, width, height: row - 8, fill: '#e4e7eb' }),
			svg('rect', { x: left, y: y + 4, width: len, height: row - 8, fill: '#1f6f8b' }),
			svg('text', { x: left + width + 6, y: y + 16, 'font-size': 12 }, r.pct == null ? '–' : `${r.pct} %`));
	});
	return el;
}

const fill = (h, t, ul, items) => ul.replaceChildren(...(items.length ? items : [h('li', {}, t('workplan.none'))]));
const codes = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
const quarterNow = () => { const d = new Date(); return `${d.getUTCFullYear()}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`; };

function form(shell, heading, fields, submit, done) {
	const { h, note, errorText, t } = shell;
	const msg = h('div', { 'aria-live': 'polite' });
	return h('form', { class: 'card', onsubmit: async (e) => {
		e.preventDefault();
		const r = await submit();
		msg.replaceChildren(r.ok ? note(t('workplan.saved')) : note(errorText(r), 'error'));
		if (r.ok && done) done(r.data);
	} }, h('h2', {}, heading), ...fields, h('button', { type: 'submit' }, t('workplan.save')), msg);
}

// ---------------------------------------------------------------- plans

export async function viewPlans(shell, main) {
	const { client, t, h, field, hasRole, go } = shell;
	const list = h('ul', { class: 'list', id: 'wp-plans' });
	const reports = h('ul', { class: 'list', id: 'wp-reports' });
	const parts = [h('h1', {}, t('workplan.heading')), h('section', { class: 'card' }, h('h2', {}, t('workplan.plans')), list),
		h('section', { class: 'card' }, h('h2', {}, t('workplan.reports')), reports)];
	if (hasRole('secretariat')) {
		const title = h('input', { required: true, name: 'title' });
		const start = h('input', { type: 'date', required: true, name: 'period_start' });
		const end = h('input', { type: 'date', required: true, name: 'period_end' });
		const unsdcf = h('input', { name: 'unsdcf_ref' });
		parts.push(form(shell, t('workplan.plan.new'), [field(t('workplan.title'), title), field(t('workplan.period_start'), start), field(t('workplan.period_end'), end), field(t('workplan.unsdcf'), unsdcf)],
			() => client.request('workplan.plan.create', { title: title.value, period_start: start.value, period_end: end.value, unsdcf_ref: unsdcf.value }),
			(d) => go(`#/workplan/${d.plan.id}`)));
		parts.push(boardCard(shell));
	}
	main.replaceChildren(h('div', { class: 'grid' }, ...parts));
	const load = async () => {
		const r = await client.request('workplan.plans', {});
		fill(h, t, list, (r.ok ? r.data.plans : []).map((p) => h('li', {}, h('a', { href: `#/workplan/${p.id}` }, p.title),
			` ${p.period_start} – ${p.period_end} `, h('span', { class: `badge ${p.status}` }, t(`workplan.status.${p.status}`)))));
		const rr = await client.request('workplan.reports', {});
		fill(h, t, reports, (rr.ok ? rr.data.reports : []).map((x) => h('li', {}, h('a', { href: `#/workplan/report/${x.id}` }, x.title), ` ${x.period_start} – ${x.period_end}`)));
	};
	shell.onLeave(await client.subscribe('workplan', () => load()));
	load();
}

export async function viewPlan(shell, main, id) {
	const { client, t, h, field, note, errorText, hasRole } = shell;
	const sec = hasRole('secretariat');
	const body = h('div', { id: 'wp-plan' }); // stacked, full width: the tables need the room
	main.replaceChildren(body);
	let by = 'gcm';
	const load = async () => {
		const r = await client.request('workplan.plan.get', { plan: id });
		if (!r.ok) { body.replaceChildren(note(errorText(r), 'error')); return; }
		const plan = r.data.plan;
		const draft = plan.status === 'draft';
		const closed = plan.status === 'closed';
		const myOrg = client.user?.org;
		const chart = h('div', { id: 'wp-chart' });
		const showView = async () => {
			const v = await client.request('workplan.view', { plan: id, by });
			chart.replaceChildren(v.ok ? progressChart(v.data.groups.map((g) => ({ label: g.key === 'none' ? t('workplan.no_group') : by === 'status' ? t(`workplan.item_status.${g.key}`) : by === 'gcm' ? `GCM ${g.key}` : by === 'sdg' ? `SDG ${g.key}` : g.key, pct: g.progress_pct })), t('workplan.chart', { by: t(`workplan.by.${by}`) })) : note(errorText(v), 'error'));
		};
		const picker = h('select', { name: 'by', onchange: () => { by = picker.value; showView(); } }, ...VIEWS.map((v) => h('option', { value: v, selected: v === by }, t(`workplan.by.${v}`))));
		const out = [h('h1', {}, plan.title), h('p', {}, `${plan.period_start} – ${plan.period_end} `, h('span', { class: `badge ${plan.status}` }, t(`workplan.status.${plan.status}`)),
			plan.adopted_by ? h('span', {}, ' ', t('workplan.adopted_by', { id: plan.adopted_by })) : null, plan.unsdcf_ref ? h('span', { class: 'muted' }, ` · UNSDCF: ${plan.unsdcf_ref}`) : null),
		h('section', { class: 'card' }, h('h2', {}, t('workplan.progress_heading')), field(t('workplan.view_by'), picker), chart)];
		for (const a of plan.areas) {
			const rows = plan.items.filter((i) => i.area === a.id).map((i) => {
				const lead = i.lead_orgs.includes(myOrg);
				const tools = [];
				if (lead && !closed) tools.push(progressForm(shell, i, load));
				if (sec && draft) tools.push(indicatorTools(shell, i, load), itemDelete(shell, i, load));
				return h('tr', { 'data-item': i.id }, h('td', {}, i.title, ...tools), h('td', {}, i.lead_orgs.join(', ')), h('td', {}, i.contributing_orgs.join(', ')),
					h('td', {}, `${i.start} – ${i.end}`), h('td', {}, t(`workplan.item_status.${i.status}`)),
					h('td', {}, ...i.indicators.map((n) => h('div', {}, `${n.name}: ${n.latest ? n.latest.value : '–'} / ${n.target} ${n.unit}`))),
					h('td', {}, i.progress_pct == null ? '–' : `${i.progress_pct} %`));
			});
			out.push(h('section', { class: 'card wp-area', 'data-area': a.id }, h('h2', {}, a.title),
				h('p', { class: 'muted' }, `GCM ${a.gcm.join(', ') || '–'} · SDG ${a.sdg.join(', ') || '–'}${a.unsdcf_ref ? ` · UNSDCF ${a.unsdcf_ref}` : ''}`),
				h('div', { class: 'scroll-x' }, h('table', { class: 'wide' }, h('thead', {}, h('tr', {}, ...['item', 'lead', 'contributing', 'dates', 'status', 'indicators', 'reached'].map((k) => h('th', {}, t(`workplan.col.${k}`))))), h('tbody', {}, ...rows))),
				sec && draft ? areaTools(shell, a, rows.length, load) : null));
		}
		if (closed) out.splice(2, 0, note(t('workplan.closed_note')));
		if (sec && draft) out.push(adoptForm(shell, id, load), areaForm(shell, id, load), itemForm(shell, plan, load));
		if (sec && plan.status === 'adopted') out.push(closeCard(shell, plan, load));
		if (sec) out.push(await lateCard(shell, id), reportForm(shell, plan));
		body.replaceChildren(...out);
		showView();
	};
	shell.onLeave(await client.subscribe('workplan', () => load()));
	load();
}

function adoptForm(shell, plan, done) {
	const { client, t, h, field } = shell;
	const proposal = h('input', { type: 'number', min: 1, required: true, name: 'proposal' });
	return form(shell, t('workplan.adopt'), [h('p', { class: 'muted' }, t('workplan.adopt.help')), field(t('workplan.proposal'), proposal)],
		() => client.request('workplan.plan.adopt', { plan, proposal: Number(proposal.value) }), done);
}

// The secretariat closes an adopted plan (asked to confirm): it no longer changes.
function closeCard(shell, plan, done) {
	const { client, t, h, note, errorText, confirmDialog } = shell;
	const msg = h('div', { 'aria-live': 'polite' });
	return h('section', { class: 'card', id: 'wp-close' }, h('h2', {}, t('workplan.close')), h('p', { class: 'muted' }, t('workplan.close.help')),
		h('button', { type: 'button', class: 'danger', id: 'wp-close-plan', onclick: async () => {
			if (!(await confirmDialog({ lines: [t('workplan.close.confirm', { title: plan.title })], yes: t('workplan.close') }))) return;
			const r = await client.request('workplan.plan.close', { plan: plan.id });
			msg.replaceChildren(r.ok ? note(t('workplan.saved')) : note(errorText(r), 'error'));
			if (r.ok) done();
		} }, t('workplan.close')), msg);
}

// A draft's area: edited, or deleted (with its items, when asked to and confirmed).
function areaTools(shell, a, items, done) {
	const { client, t, h, field, note, errorText, confirmDialog } = shell;
	const title = h('input', { required: true, name: 'area-title', value: a.title });
	const gcm = h('input', { name: 'area-gcm', value: a.gcm.join(', ') });
	const sdg = h('input', { name: 'area-sdg', value: a.sdg.join(', ') });
	const unsdcf = h('input', { name: 'area-unsdcf', value: a.unsdcf_ref || '' });
	const msg = h('div', { 'aria-live': 'polite' });
	const del = h('button', { type: 'button', class: 'danger', name: 'area-delete', onclick: async () => {
		const lines = [t('workplan.area.delete_confirm', { title: a.title })];
		if (items) lines.push(t('workplan.area.delete_items', { n: items }));
		if (!(await confirmDialog({ lines, yes: t('workplan.delete') }))) return;
		const r = await client.request('workplan.area.delete', items ? { area: a.id, cascade: true } : { area: a.id });
		msg.replaceChildren(r.ok ? note(t('workplan.saved')) : note(errorText(r), 'error'));
		if (r.ok) done();
	} }, t('workplan.area.delete'));
	return h('details', { class: 'wp-edit wp-area-edit' }, h('summary', {}, t('workplan.area.edit')),
		form(shell, t('workplan.area.edit'), [field(t('workplan.title'), title), field(t('workplan.gcm'), gcm), field(t('workplan.sdg'), sdg), field(t('workplan.unsdcf'), unsdcf)],
			() => client.request('workplan.area.update', { area: a.id, title: title.value, gcm: codes(gcm.value).map(Number), sdg: codes(sdg.value), unsdcf_ref: unsdcf.value }), done),
		del, msg);
}

// A draft's item, deleted with its indicators once confirmed (refused when
// it was reported on or followed up: the message says so).
function itemDelete(shell, item, done) {
	const { client, t, h, note, errorText, confirmDialog } = shell;
	const msg = h('div', { 'aria-live': 'polite' });
	return h('div', { class: 'wp-item-delete' }, h('button', { type: 'button', class: 'danger', name: 'item-delete', onclick: async () => {
		if (!(await confirmDialog({ lines: [t('workplan.item.delete_confirm', { title: item.title })], yes: t('workplan.delete') }))) return;
		const r = await client.request('workplan.item.delete', { item: item.id });
		msg.replaceChildren(r.ok ? note(t('workplan.saved')) : note(errorText(r), 'error'));
		if (r.ok) done();
	} }, t('workplan.item.delete')), msg);
}

// A draft item's indicators: each edited or deleted, and one added.
function indicatorTools(shell, item, done) {
	const { client, t, h, field, note, errorText, confirmDialog } = shell;
	const typeSelect = (name, value) => h('select', { name }, ...['integer', 'number', 'percent'].map((x) => h('option', { value: x, selected: x === value }, t(`workplan.type.${x}`))));
	const num = (v) => (v === '' ? null : Number(v));
	const parts = item.indicators.map((n) => {
		const name = h('input', { required: true, name: 'ind-name', value: n.name });
		const unit = h('input', { required: true, name: 'ind-unit', value: n.unit });
		const type = typeSelect('ind-type', n.type);
		const baseline = h('input', { type: 'number', step: 'any', name: 'ind-baseline', value: n.baseline ?? '' });
		const target = h('input', { type: 'number', step: 'any', required: true, name: 'ind-target', value: n.target });
		const means = h('input', { name: 'ind-means', value: n.means || '' });
		const msg = h('div', { 'aria-live': 'polite' });
		return h('div', { class: 'wp-indicator', 'data-indicator': n.id },
			form(shell, n.name, [field(t('workplan.indicator'), name), field(t('workplan.unit'), unit), field(t('workplan.type'), type), field(t('workplan.baseline'), baseline), field(t('workplan.target'), target), field(t('workplan.means'), means)],
				() => client.request('workplan.indicator.update', { indicator: n.id, name: name.value, unit: unit.value, type: type.value, baseline: num(baseline.value), target: Number(target.value), means: means.value }), done),
			h('button', { type: 'button', class: 'danger', name: 'ind-delete', onclick: async () => {
				if (!(await confirmDialog({ lines: [t('workplan.indicator.delete_confirm', { name: n.name })], yes: t('workplan.delete') }))) return;
				const r = await client.request('workplan.indicator.delete', { indicator: n.id });
				msg.replaceChildren(r.ok ? note(t('workplan.saved')) : note(errorText(r), 'error'));
				if (r.ok) done();
			} }, t('workplan.indicator.delete')), msg);
	});
	const name = h('input', { required: true, name: 'new-ind-name' });
	const unit = h('input', { required: true, name: 'new-ind-unit' });
	const type = typeSelect('new-ind-type', 'integer');
	const target = h('input', { type: 'number', step: 'any', required: true, name: 'new-ind-target' });
	parts.push(form(shell, t('workplan.indicator.new'), [field(t('workplan.indicator'), name), field(t('workplan.unit'), unit), field(t('workplan.type'), type), field(t('workplan.target'), target)],
		() => client.request('workplan.indicator.add', { item: item.id, name: name.value, unit: unit.value, type: type.value, target: Number(target.value) }), done));
	return h('details', { class: 'wp-edit wp-ind-edit' }, h('summary', {}, t('workplan.indicators.edit')), ...parts);
}

function areaForm(shell, plan, done) {
	const { client, t, h, field } = shell;
	const title = h('input', { required: true, name: 'title' });
	const gcm = h('input', { name: 'gcm', placeholder: '1, 3' });
	const sdg = h('input', { name: 'sdg', placeholder: '10.7, 17.18' });
	const unsdcf = h('input', { name: 'unsdcf_ref' });
	return form(shell, t('workplan.area.new'), [field(t('workplan.title'), title), field(t('workplan.gcm'), gcm), field(t('workplan.sdg'), sdg), field(t('workplan.unsdcf'), unsdcf)],
		() => client.request('workplan.area.add', { plan, title: title.value, gcm: codes(gcm.value).map(Number), sdg: codes(sdg.value), unsdcf_ref: unsdcf.value }), done);
}

function itemForm(shell, plan, done) {
	const { client, t, h, field } = shell;
	const area = h('select', { name: 'area' }, ...plan.areas.map((a) => h('option', { value: a.id }, a.title)));
	const title = h('input', { required: true, name: 'title' });
	const lead = h('input', { required: true, name: 'lead_orgs', placeholder: 'IOM' });
	const contrib = h('input', { name: 'contributing_orgs' });
	const start = h('input', { type: 'date', required: true, name: 'start', value: plan.period_start });
	const end = h('input', { type: 'date', required: true, name: 'end', value: plan.period_end });
	const ind = h('input', { name: 'indicator' });
	const unit = h('input', { name: 'unit' });
	const type = h('select', { name: 'type' }, ...['integer', 'number', 'percent'].map((x) => h('option', { value: x }, t(`workplan.type.${x}`))));
	const target = h('input', { type: 'number', step: 'any', name: 'target' });
	return form(shell, t('workplan.item.new'), [field(t('workplan.area'), area), field(t('workplan.title'), title), field(t('workplan.lead_orgs'), lead), field(t('workplan.contributing_orgs'), contrib),
		field(t('workplan.start'), start), field(t('workplan.end'), end), field(t('workplan.indicator'), ind), field(t('workplan.unit'), unit), field(t('workplan.type'), type), field(t('workplan.target'), target)],
	() => {
		const data = { area: Number(area.value), title: title.value, lead_orgs: codes(lead.value.toUpperCase()), contributing_orgs: codes(contrib.value.toUpperCase()), start: start.value, end: end.value };
		if (ind.value) data.indicators = [{ name: ind.value, unit: unit.value || '-', type: type.value, baseline: 0, target: Number(target.value) }];
		return client.request('workplan.item.add', data);
	}, done);
}

function progressForm(shell, item, done) {
	const { client, t, h, field, note, errorText } = shell;
	const period = h('input', { name: 'period', value: quarterNow(), pattern: '\\d{4}-Q[1-4]' });
	const values = item.indicators.map((n) => [n, h('input', { type: 'number', step: n.type === 'integer' ? '1' : 'any', name: `value-${n.id}` })]);
	const narrative = h('textarea', { required: true, name: 'narrative' });
	const msg = h('div', { 'aria-live': 'polite' });
	const box = h('details', { class: 'wp-report' }, h('summary', {}, t('workplan.report_progress')),
		h('form', { onsubmit: async (e) => {
			e.preventDefault();
			const vals = values.filter(([, i]) => i.value !== '').map(([n, i]) => ({ indicator: n.id, value: Number(i.value) }));
			const r = await client.request('workplan.progress.report', { item: item.id, period: period.value, narrative: narrative.value, values: vals });
			msg.replaceChildren(r.ok ? note(t('workplan.saved')) : note(errorText(r), 'error'));
			if (r.ok) done();
		} }, field(t('workplan.period'), period), ...values.map(([n, i]) => field(`${n.name} (${n.unit})`, i)), field(t('workplan.narrative'), narrative),
		h('button', { type: 'submit' }, t('workplan.send')), msg));
	return box;
}

async function lateCard(shell, plan) {
	const { client, t, h } = shell;
	const r = await client.request('workplan.late', { plan });
	const ul = h('ul', { class: 'list', id: 'wp-late' });
	fill(h, t, ul, (r.ok ? r.data.late : []).map((l) => h('li', {}, `${l.org} · ${l.period} · ${l.title} `, h('span', { class: 'muted' }, t('workplan.due', { date: l.due })))));
	return h('section', { class: 'card' }, h('h2', {}, t('workplan.late')), ul);
}

function reportForm(shell, plan) {
	const { client, t, h, field, go } = shell;
	const title = h('input', { required: true, name: 'title', value: t('workplan.report.default_title', { year: plan.period_start.slice(0, 4) }) });
	const start = h('input', { type: 'date', required: true, name: 'period_start', value: plan.period_start });
	const end = h('input', { type: 'date', required: true, name: 'period_end', value: `${plan.period_start.slice(0, 4)}-12-31` });
	return form(shell, t('workplan.report.new'), [field(t('workplan.title'), title), field(t('workplan.period_start'), start), field(t('workplan.period_end'), end)],
		() => client.request('workplan.report.create', { plan: plan.id, title: title.value, period_start: start.value, period_end: end.value }),
		(d) => go(`#/workplan/report/${d.report.id}`));
}

// ---------------------------------------------------------------- report

async function download(client, id, format, name) {
	const res = await fetch(`/api/workplan/report?report=${id}&format=${format}`, { headers: { Authorization: `Bearer ${client.token}` } });
	if (!res.ok) return false;
	const a = document.createElement('a');
	a.href = URL.createObjectURL(await res.blob());
	if (name) a.download = name;
	else a.target = '_blank';
	document.body.append(a);
	a.click();
	a.remove();
	return true;
}

export async function viewReport(shell, main, id) {
	const { client, t, h, field, note, errorText, hasRole } = shell;
	const r = await client.request('workplan.report.get', { report: id });
	if (!r.ok) { main.replaceChildren(note(errorText(r), 'error')); return; }
	const rep = r.data.report;
	const c = rep.content;
	const out = [h('h1', {}, rep.title), h('p', {}, `${rep.period_start} – ${rep.period_end} · ${c.plan.title}`),
		h('p', {}, ...['html', 'json', 'csv', 'members', 'decisions', 'meetings'].map((f) => h('button', { type: 'button', class: 'secondary', id: `wp-export-${f}`, onclick: () => download(client, id, f, f === 'html' ? null : `report-${id}-${f}.${f === 'json' ? 'json' : 'csv'}`) }, t(`workplan.export.${f}`)))),
		h('section', { class: 'card' }, h('h2', {}, t('workplan.progress_heading')), progressChart(c.plan.items.map((i) => ({ label: i.title, pct: i.progress_pct })), t('workplan.chart_items'))),
		decisionsCard(shell, c.decisions || []),
		meetingsCard(shell, c.meetings),
		h('section', { class: 'card' }, h('h2', {}, t('workplan.followup')), h('p', {}, t('workplan.counts', c.followups.counts))),
		h('section', { class: 'card' }, h('h2', {}, t('workplan.members_at', { date: rep.members.at })), h('p', {}, rep.members.orgs.map((o) => o.code).join(', ')))];
	if (hasRole('secretariat')) {
		const intro = h('textarea', { name: 'intro' });
		intro.value = rep.intro;
		const concl = h('textarea', { name: 'conclusions' });
		concl.value = rep.conclusions;
		out.push(form(shell, t('workplan.report.edit'), [field(t('workplan.intro'), intro), field(t('workplan.conclusions'), concl)],
			() => client.request('workplan.report.update', { report: id, intro: intro.value, conclusions: concl.value })));
		out.push(form(shell, t('workplan.report.assemble'), [h('p', { class: 'muted' }, t('workplan.report.assemble_help'))], () => client.request('workplan.report.assemble', { report: id }), () => shell.reload()));
	} else {
		out.push(h('section', { class: 'card' }, h('h2', {}, t('workplan.intro')), h('p', {}, rep.intro)));
	}
	main.replaceChildren(h('div', { class: 'grid', id: 'wp-report' }, ...out));
}

const day = (ms) => (ms ? new Date(ms).toISOString().slice(0, 10) : '');

// Every decision and statement of the report: those of its period, and those the plan refers to.
function decisionsCard(shell, list) {
	const { t, h } = shell;
	const ul = h('ul', { class: 'list', id: 'wp-report-decisions' });
	fill(h, t, ul, list.map((d) => h('li', { 'data-decision': d.id }, h('a', { href: `#/proposal/${d.id}` }, `#${d.id} ${d.title}`), ' ',
		h('span', { class: 'badge' }, t(`workplan.kind.${d.kind || 'decision'}`)), ` ${day(d.closed_at)} · ${d.outcome || ''}`,
		d.linked ? h('span', { class: 'badge adopted' }, t('workplan.linked')) : null)));
	return h('section', { class: 'card' }, h('h2', {}, t('workplan.decisions_heading')), ul);
}

// The meetings held in the report's period, with their attendance.
function meetingsCard(shell, meetings) {
	const { t, h, note } = shell;
	if (!Array.isArray(meetings))
		return h('section', { class: 'card', id: 'wp-report-meetings' }, h('h2', {}, t('workplan.meetings_heading')), note(t('workplan.meetings_off')));
	const rows = meetings.map((m) => h('tr', { 'data-meeting': m.id }, h('td', {}, day(m.started_at)), h('td', {}, m.kind), h('td', {}, m.title),
		h('td', {}, `${m.quorum.present_required} / ${m.quorum.required}`), h('td', {}, m.missing_required.join(', ') || '–'),
		h('td', {}, t(m.quorum.met ? 'workplan.quorum_met' : 'workplan.quorum_not_met')), h('td', {}, t(m.minutes_status === 'approved' ? 'workplan.yes' : 'workplan.no'))));
	return h('section', { class: 'card', id: 'wp-report-meetings' }, h('h2', {}, t('workplan.meetings_heading')),
		rows.length ? h('div', { class: 'scroll-x' }, h('table', { class: 'wide' }, h('thead', {}, h('tr', {}, ...['date', 'kind', 'title', 'represented', 'missing', 'quorum', 'minutes'].map((k) => h('th', {}, t(`workplan.mcol.${k}`))))), h('tbody', {}, ...rows))) : note(t('workplan.none')));
}

// ---------------------------------------------------------------- follow-up

function followupLine(shell, f, done) {
	const { client, t, h } = shell;
	const mine = f.owner_org === client.user?.org || shell.hasRole('secretariat');
	return h('li', { 'data-followup': f.id }, h('strong', {}, f.title), ` · ${f.owner_org} · ${f.due_date} `,
		h('span', { class: `badge ${f.overdue ? 'overdue' : f.status}` }, f.overdue ? t('workplan.overdue') : t(`workplan.fu_status.${f.status}`)),
		mine && f.status !== 'done' ? h('button', { type: 'button', class: 'secondary', onclick: async () => { await client.request('workplan.followup.update', { followup: f.id, status: 'done' }); done(); } }, t('workplan.mark_done')) : null);
}

export function boardCard(shell) {
	const { client, t, h } = shell;
	const counts = h('p', { id: 'wp-board-counts' });
	const overdue = h('ul', { class: 'list', id: 'wp-board-overdue' });
	const byOrg = h('ul', { class: 'list' });
	const load = async () => {
		const r = await client.request('workplan.board', {});
		if (!r.ok) return;
		counts.textContent = t('workplan.counts', r.data.counts);
		fill(h, t, overdue, r.data.overdue.map((f) => followupLine(shell, f, load)));
		fill(h, t, byOrg, Object.entries(r.data.by_org).map(([org, c]) => h('li', {}, `${org}: `, t('workplan.counts', c))));
	};
	load();
	return h('section', { class: 'card', id: 'wp-board' }, h('h2', {}, t('workplan.board')), counts, h('h3', {}, t('workplan.overdue')), overdue, h('h3', {}, t('workplan.by_org')), byOrg);
}

export function followupPart(shell, decision) {
	const { client, t, h, field, hasRole } = shell;
	const ul = h('ul', { class: 'list' });
	const load = async () => {
		const r = await client.request('workplan.followups', { decision });
		fill(h, t, ul, (r.ok ? r.data.followups : []).map((f) => followupLine(shell, f, load)));
	};
	load();
	const parts = [h('h2', {}, t('workplan.followup')), ul];
	if (hasRole('secretariat') || hasRole('co_chair')) {
		const title = h('input', { required: true, name: 'fu-title' });
		const owner = h('input', { required: true, name: 'fu-owner', placeholder: 'UNHCR' });
		const due = h('input', { type: 'date', required: true, name: 'fu-due' });
		parts.push(form(shell, t('workplan.followup.new'), [field(t('workplan.title'), title), field(t('workplan.owner'), owner), field(t('workplan.due_date'), due)],
			() => client.request('workplan.followup.add', { decision, title: title.value, owner_org: owner.value.trim().toUpperCase(), due_date: due.value }), load));
	}
	return h('section', { class: 'card wp-followups' }, ...parts);
}
