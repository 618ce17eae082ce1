// Data collection in a working group's room: the datacollect plugin's room
// component.  component.js mounts it in the room of every group that
// enabled "datacollect", with the shell object of web/js/components.js and
// the group's id.  Its strings are in i18n/<lang>.json beside this file.
//
// Everyone in the group sees the open and closed forms and fills in their
// organisation's submission for a period (a grid of cells for a
// disaggregated number); the group's leads (and the co-chairs and the
// secretariat) also define forms, open and close them, and see the
// results: completeness by organisation (updated live), aggregates, a bar
// chart, CSV/JSON downloads, and the release of the aggregate to partners
// (through the portal, by a co-chair or the secretariat).
const SEXES = ['female', 'male', 'other'];
const AGES = ['0-17', '18-59', '60+'];
const TYPES = ['number', 'choice', 'text', 'date'];
const KINDS = ['quarter', 'month', 'year'];
const SVG = 'http://www.w3.org/2000/svg';

// The period a form of that kind collects now: 2026-07, 2026-Q3, 2026.
export function currentPeriod(kind, d = new Date()) {
	const y = d.getUTCFullYear();
	const m = d.getUTCMonth() + 1;
	if (kind === 'month') return `${y}-${String(m).padStart(2, '0')}`;
	if (kind === 'quarter') return `${y}-Q${Math.ceil(m / 3)}`;
	return String(y);
}

function cellsOf(f) {
	if (f.by_sex && f.by_age) return SEXES.flatMap((s) => AGES.map((a) => `${s},${a}`));
	if (f.by_sex) return [...SEXES];
	if (f.by_age) return [...AGES];
	return [];
}

function svg(tag, attrs = {}, ...children) {
	const el = document.createElementNS(SVG, tag);
	for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
	for (const c of children) el.append(c.nodeType ? c : document.createTextNode(String(c)));
	return el;
}

// Horizontal bars, one per [label, value] (null values are drawn empty and
// labelled "–"): inline SVG, no library.
function barChart(title, bars) {
	const w = 420, row = 22, left = 130, pad = 4;
	const max = Math.max(1, ...bars.map(([, v]) => (typeof v === 'number' ? v : 0)));
	const hgt = bars.length * row + pad * 2;
	const el = svg('svg', { viewBox: `0 0 ${w} ${hgt}`, width: '100%', role: 'img', 'aria-label': title, class: 'dc-chart' }, svg('title', {}, title));
	bars.forEach(([label, v], i) => {
		const y = pad + i * row;
		const len = typeof v === 'number' ? Math.round(((w - left - 60) * v) / max) : 0;
		el.append(svg('text', { x: left - 6, y: y + 15, 'text-anchor': 'end', 'font-size': 12 }, label),
			svg('rect', { x: left, y: y + 3, width: len, height: row - 8, fill: '#3b73b9' }),
			svg('text', { x: left + len + 6, y: y + 15, 'font-size': 12 }, typeof v === 'number' ? String(v) : '–'));
	});
	return el;
}

export async function mount(root, shell) {
	const { client, group, t, h, field, note, hasRole, isPartner } = shell;
	// Data collection is internal to the group's members: a partner of the
	// group sees nothing of it (the server answers it not_found anyway).
	if (isPartner()) return () => {};
	const errorNote = (r) => note(r.error?.message || r.error?.code || '?', 'error');
	const list = h('div', { class: 'dc-forms' });
	const work = h('div', { class: 'dc-work' });
	const msg = h('div', { 'aria-live': 'polite' });
	let lead = false;
	let shown = null; // {kind: 'entry'|'results', form, period, refresh}

	// ---------------- a lead defines a form ----------------
	const builder = () => {
		const fields = [];
		const rows = h('div', { class: 'dc-fields' });
		const title = h('input', { required: true, maxlength: 300, name: 'dc-title' });
		const kind = h('select', { name: 'dc-kind' }, ...KINDS.map((k) => h('option', { value: k }, t(`datacollect.kind.${k}`))));
		const addField = () => {
			const f = {
				key: h('input', { required: true, pattern: '[a-z][a-z0-9_]{0,31}', maxlength: 32, name: 'dc-key' }),
				label: h('input', { required: true, maxlength: 200, name: 'dc-label' }),
				type: h('select', { name: 'dc-type' }, ...TYPES.map((x) => h('option', { value: x }, t(`datacollect.type.${x}`)))),
				unit: h('input', { maxlength: 32, name: 'dc-unit' }),
				min: h('input', { type: 'number', step: 'any', name: 'dc-min' }),
				max: h('input', { type: 'number', step: 'any', name: 'dc-max' }),
				integer: h('input', { type: 'checkbox', name: 'dc-integer' }),
				by_sex: h('input', { type: 'checkbox', name: 'dc-by-sex' }),
				by_age: h('input', { type: 'checkbox', name: 'dc-by-age' }),
				options: h('input', { name: 'dc-options', placeholder: t('datacollect.options_hint') }),
				max_length: h('input', { type: 'number', min: 1, max: 10000, name: 'dc-max-length' }),
			};
			const numberOnly = h('div', { class: 'dc-number-only' }, field(t('datacollect.unit'), f.unit), field(t('datacollect.min'), f.min), field(t('datacollect.max'), f.max),
				h('label', {}, f.integer, ' ', t('datacollect.integer')), ' ', h('label', {}, f.by_sex, ' ', t('datacollect.by_sex')), ' ', h('label', {}, f.by_age, ' ', t('datacollect.by_age')));
			const choiceOnly = h('div', {}, field(t('datacollect.options'), f.options));
			const textOnly = h('div', {}, field(t('datacollect.max_length'), f.max_length));
			const sync = () => {
				numberOnly.hidden = f.type.value !== 'number';
				choiceOnly.hidden = f.type.value !== 'choice';
				textOnly.hidden = f.type.value !== 'text';
			};
			f.type.addEventListener('change', sync);
			sync();
			fields.push(f);
			rows.append(h('fieldset', { class: 'dc-field' }, h('legend', {}, t('datacollect.field_n', { n: fields.length })),
				field(t('datacollect.key'), f.key), field(t('datacollect.label'), f.label), field(t('datacollect.type'), f.type), numberOnly, choiceOnly, textOnly));
		};
		const spec = () => fields.map((f) => {
			const o = { key: f.key.value.trim(), label: f.label.value.trim(), type: f.type.value };
			if (o.type === 'number') {
				if (f.unit.value.trim()) o.unit = f.unit.value.trim();
				if (f.min.value !== '') o.min = Number(f.min.value);
				if (f.max.value !== '') o.max = Number(f.max.value);
				o.integer = f.integer.checked;
				o.by_sex = f.by_sex.checked;
				o.by_age = f.by_age.checked;
			}
			if (o.type === 'choice') o.options = f.options.value.split(',').map((x) => x.trim()).filter(Boolean);
			if (o.type === 'text' && f.max_length.value) o.max_length = Number(f.max_length.value);
			return o;
		});
		addField();
		const out = h('div', { 'aria-live': 'polite' });
		return h('details', { class: 'dc-builder' }, h('summary', {}, t('datacollect.new_form')),
			h('form', { onsubmit: async (e) => {
				e.preventDefault();
				const r = await client.request('datacollect.create', { group, title: title.value.trim(), period_kind: kind.value, fields: spec() });
				out.replaceChildren(r.ok ? note(t('datacollect.created')) : errorNote(r));
				if (r.ok) { title.value = ''; await render(); }
			} }, field(t('datacollect.form_title'), title), field(t('datacollect.period_kind'), kind), rows,
			h('button', { type: 'button', class: 'secondary', onclick: addField }, t('datacollect.add_field')), ' ',
			h('button', { type: 'submit', name: 'dc-create' }, t('datacollect.create'))), out);
	};

	// ---------------- a member fills in its organisation's submission ----------------
	const entry = async (form, period) => {
		const out = h('div', { 'aria-live': 'polite', class: 'dc-entry-msg' });
		const inputs = new Map(); // "key" or "key[cell]" -> input
		let revision = 0;
		const load = async () => {
			const r = await client.request('datacollect.submission', { group, form: form.id, period });
			if (!r.ok) { out.replaceChildren(errorNote(r)); return null; }
			revision = r.data.submission.revision;
			const v = r.data.submission.values || {};
			for (const [name, input] of inputs) {
				const m = /^([^[]+)\[(.+)\]$/.exec(name);
				const x = m ? v[m[1]]?.[m[2]] : v[name];
				input.value = x == null ? '' : String(x);
			}
			return r.data.submission;
		};
		const inputFor = (f, name, label) => {
			let el;
			if (f.type === 'number') el = h('input', { type: 'number', step: f.integer ? 1 : 'any', min: f.min, max: f.max, 'aria-label': label, name });
			else if (f.type === 'choice') el = h('select', { 'aria-label': label, name }, h('option', { value: '' }, '—'), ...f.options.map((o) => h('option', { value: o }, o)));
			else if (f.type === 'date') el = h('input', { type: 'date', 'aria-label': label, name });
			else el = h('textarea', { rows: 2, maxlength: f.max_length, 'aria-label': label, name });
			inputs.set(name, el);
			return el;
		};
		const parts = form.fields.map((f) => {
			const cells = cellsOf(f);
			const head = h('strong', {}, f.label, f.unit ? ` (${f.unit})` : '');
			if (!cells.length) return h('div', { class: 'field' }, h('label', {}, head), inputFor(f, f.key, f.label));
			const cellLabel = (c) => c.split(',').map((p) => t(`datacollect.cell.${p}`)).join(', ');
			if (f.by_sex && f.by_age)
				return h('div', { class: 'dc-grid' }, head, h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, ''), ...AGES.map((a) => h('th', {}, t(`datacollect.cell.${a}`))))),
					h('tbody', {}, ...SEXES.map((s) => h('tr', {}, h('th', {}, t(`datacollect.cell.${s}`)),
						...AGES.map((a) => h('td', {}, inputFor(f, `${f.key}[${s},${a}]`, `${f.label}: ${cellLabel(`${s},${a}`)}`))))))));
			return h('div', { class: 'dc-grid' }, head, h('table', {}, h('tr', {}, ...cells.map((c) => h('th', {}, cellLabel(c)))),
				h('tr', {}, ...cells.map((c) => h('td', {}, inputFor(f, `${f.key}[${c}]`, `${f.label}: ${cellLabel(c)}`))))));
		});
		const values = () => {
			const v = {};
			for (const f of form.fields) {
				const cells = cellsOf(f);
				const read = (name) => {
					const raw = inputs.get(name).value.trim();
					if (raw === '') return undefined;
					return f.type === 'number' ? Number(raw) : raw;
				};
				if (!cells.length) { const x = read(f.key); if (x !== undefined) v[f.key] = x; continue; }
				const o = {};
				for (const c of cells) { const x = read(`${f.key}[${c}]`); if (x !== undefined) o[c] = x; }
				if (Object.keys(o).length) v[f.key] = o;
			}
			return v;
		};
		const save = h('button', { type: 'submit', name: 'dc-save', disabled: form.state !== 'open' }, t('datacollect.save'));
		const box = h('section', { class: 'dc-entry', 'data-form': form.id }, h('h3', {}, t('datacollect.entry_heading', { title: form.title, period })),
			form.state !== 'open' && note(t('datacollect.not_open'), 'info'),
			h('form', { onsubmit: async (e) => {
				e.preventDefault();
				const r = await client.request('datacollect.submit', { group, form: form.id, period, revision, values: values() });
				if (r.ok) {
					revision = r.data.submission.revision;
					out.replaceChildren(note(t('datacollect.saved', { revision })));
				} else if (r.error?.code === 'conflict' && /revision/.test(r.error.message || '')) {
					// Someone of the same organisation saved meanwhile: show
					// what is stored now rather than overwrite it unseen.
					await load();
					out.replaceChildren(errorNote(r), note(t('datacollect.conflict_reloaded'), 'info'));
				} else out.replaceChildren(errorNote(r));
			} }, ...parts, save), out);
		await load(); // the values first: a form shown empty could be saved empty
		work.replaceChildren(box);
		shown = { kind: 'entry', form, period, refresh: null };
	};

	// ---------------- a lead sees the results ----------------
	const download = async (form, period, format, what) => {
		const q = new URLSearchParams({ group, form: form.id, period, format, what });
		const res = await fetch(`/api/datacollect/export?${q}`, { headers: { Authorization: `Bearer ${client.token}` } });
		if (!res.ok) { msg.replaceChildren(note(t('datacollect.download_failed'), 'error')); return; }
		const blob = await res.blob();
		const a = h('a', { href: URL.createObjectURL(blob), download: `datacollect-${form.id}-${period}-${what}.${format}` });
		document.body.append(a);
		a.click();
		a.remove();
	};
	const fmt = (x) => (x == null ? '–' : typeof x === 'number' && !Number.isInteger(x) ? x.toFixed(2) : String(x));
	const results = async (form, period) => {
		const box = h('section', { class: 'dc-results', 'data-form': form.id });
		const comp = h('div', { class: 'dc-completeness' });
		const aggBox = h('div', { class: 'dc-aggregates' });
		const relMsg = h('div', { 'aria-live': 'polite' });
		const refresh = async () => {
			const c = await client.request('datacollect.completeness', { group, form: form.id, period });
			if (!c.ok) { comp.replaceChildren(errorNote(c)); return; }
			comp.replaceChildren(h('p', { class: 'dc-count' }, t('datacollect.completeness', { n: c.data.submitted, of: c.data.expected })),
				h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, t('datacollect.org')), h('th', {}, t('datacollect.status')), h('th', {}, t('datacollect.saved_by')))),
					h('tbody', {}, ...c.data.orgs.map((o) => h('tr', { 'data-org': o.org, class: o.submitted ? 'dc-done' : 'dc-missing' }, h('td', {}, o.name ? `${o.org} — ${o.name}` : o.org),
						h('td', {}, o.submitted ? t('datacollect.submitted_rev', { revision: o.revision }) : t('datacollect.missing')), h('td', {}, o.saved_by || ''))))));
			const a = await client.request('datacollect.aggregate', { group, form: form.id, period });
			if (!a.ok) { aggBox.replaceChildren(errorNote(a)); return; }
			const parts = [];
			for (const f of form.fields) {
				const x = a.data.aggregate.fields[f.key];
				if (!x) continue;
				const unit = f.unit ? ` (${f.unit})` : '';
				if (f.type === 'number') {
					parts.push(h('h4', {}, f.label, unit), h('table', { class: 'dc-total', 'data-field': f.key }, h('tr', {}, ...['n', 'sum', 'min', 'max', 'mean'].map((k) => h('th', {}, t(`datacollect.stat.${k}`)))),
						h('tr', {}, ...['n', 'sum', 'min', 'max', 'mean'].map((k) => h('td', {}, fmt(x.total[k]))))));
					const bars = x.by_sex ? Object.entries(x.by_sex) : x.cells ? Object.entries(x.cells) : null;
					if (x.cells && f.by_sex && f.by_age)
						parts.push(h('table', { class: 'dc-cells' }, h('tr', {}, h('th', {}, ''), ...AGES.map((g) => h('th', {}, t(`datacollect.cell.${g}`))), h('th', {}, t('datacollect.total'))),
							...SEXES.map((s) => h('tr', {}, h('th', {}, t(`datacollect.cell.${s}`)), ...AGES.map((g) => h('td', {}, fmt(x.cells[`${s},${g}`].sum))), h('td', {}, fmt(x.by_sex[s].sum)))),
							h('tr', {}, h('th', {}, t('datacollect.total')), ...AGES.map((g) => h('td', {}, fmt(x.by_age[g].sum))), h('td', {}, fmt(x.total.sum)))));
					if (bars) parts.push(barChart(t('datacollect.chart_of', { label: f.label }), bars.map(([k, s]) => [k.split(',').map((p) => t(`datacollect.cell.${p}`)).join(', '), s.sum])));
				} else if (f.type === 'choice') {
					parts.push(h('h4', {}, f.label), barChart(t('datacollect.chart_of', { label: f.label }), Object.entries(x.counts)));
				} else parts.push(h('p', {}, t('datacollect.responses', { label: f.label, n: x.n })));
			}
			aggBox.replaceChildren(h('h4', {}, t('datacollect.aggregates')), ...parts);
		};
		const canRelease = hasRole('co_chair') || hasRole('secretariat');
		const item = `aggregate:${form.id}-${period}`;
		box.append(h('h3', {}, t('datacollect.results_heading', { title: form.title, period })), comp, aggBox,
			h('p', {}, h('button', { type: 'button', class: 'secondary', name: 'dc-csv', onclick: () => download(form, period, 'csv', 'aggregate') }, t('datacollect.download_csv')), ' ',
				h('button', { type: 'button', class: 'secondary', name: 'dc-csv-raw', onclick: () => download(form, period, 'csv', 'submissions') }, t('datacollect.download_raw_csv')), ' ',
				h('button', { type: 'button', class: 'secondary', name: 'dc-json', onclick: () => download(form, period, 'json', 'aggregate') }, t('datacollect.download_json'))),
			h('h4', {}, t('datacollect.release_heading')), h('p', { class: 'muted' }, t('datacollect.release_explained')),
			canRelease ? h('button', { type: 'button', name: 'dc-release', onclick: async () => {
				const r = await client.request('portal.release', { item, to: 'partners', note: `${form.title} — ${period}` });
				relMsg.replaceChildren(r.ok ? note(t('datacollect.released')) : errorNote(r));
			} }, t('datacollect.release')) : note(t('datacollect.release_by_secretariat', { item }), 'info'), relMsg);
		work.replaceChildren(box);
		await refresh();
		shown = { kind: 'results', form, period, refresh };
	};

	// ---------------- the list of forms ----------------
	const render = async () => {
		const r = await client.request('datacollect.forms', { group });
		if (!r.ok) { list.replaceChildren(errorNote(r)); return; }
		lead = r.data.lead;
		list.replaceChildren(r.data.forms.length ? h('ul', { class: 'list' }, ...r.data.forms.map((f) => {
			const period = h('input', { value: currentPeriod(f.period_kind), size: 8, 'aria-label': t('datacollect.period_of', { title: f.title }), name: 'dc-period' });
			const act = async (state) => {
				const s = await client.request('datacollect.state', { group, form: f.id, state });
				msg.replaceChildren(s.ok ? note(t(`datacollect.now_${state}`)) : errorNote(s));
				await render();
			};
			return h('li', { 'data-form': f.id }, h('strong', {}, f.title), ' ', h('span', { class: `badge ${f.state}` }, t(`datacollect.state.${f.state}`)), ' ',
				h('span', { class: 'muted' }, t(`datacollect.kind.${f.period_kind}`)), ' ',
				f.state !== 'draft' && [period, ' ', h('button', { type: 'button', name: 'dc-fill', onclick: () => entry(f, period.value.trim()) }, t('datacollect.fill_in'))],
				lead && f.state !== 'draft' && [' ', h('button', { type: 'button', class: 'secondary', name: 'dc-results', onclick: () => results(f, period.value.trim()) }, t('datacollect.results'))],
				lead && f.state === 'draft' && h('button', { type: 'button', name: 'dc-open', onclick: () => act('open') }, t('datacollect.open')),
				lead && f.state === 'open' && [' ', h('button', { type: 'button', class: 'secondary', name: 'dc-close', onclick: () => act('closed') }, t('datacollect.close'))],
				lead && f.state === 'closed' && [' ', h('button', { type: 'button', class: 'secondary', name: 'dc-reopen', onclick: () => act('open') }, t('datacollect.reopen'))],
				f.locked && lead && h('div', { class: 'muted' }, t('datacollect.locked')));
		})) : h('p', {}, t('datacollect.none')));
	};

	await render();
	root.replaceChildren(h('h2', {}, t('datacollect.heading')), list, lead ? builder() : '', msg, work);
	// Live: a submission updates the lead's completeness and aggregates; a
	// form's change the list.
	return client.subscribe(`datacollect:${group}`, async (e) => {
		if (e.event === 'datacollect.form' || e.event === 'resync') await render();
		if (e.event === 'datacollect.submitted' && shown?.kind === 'results' && shown.form.id === e.data.form && shown.period === e.data.period) await shown.refresh();
	});
}
