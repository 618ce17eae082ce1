// The partners' portal (#/portal): what was released to the partner's
// organisation (live), the proposals it is consulted on, the network's
// joint statements, and its input to the network with documents.

// A proposal in a list: its title linked to its page, status and outcome.
function proposalItem({ t, h }, p) {
	return h('li', {}, h('a', { href: `#/proposal/${p.id}` }, p.title), ' ',
		h('span', { class: `badge ${p.status}` }, t(`status.${p.status}`)),
		p.outcome && h('span', { class: `badge ${p.outcome}` }, t(`outcome.${p.outcome}`)));
}

// A released item's title as a person reads it: never an internal id.
function releasedTitle({ t, fmtDate }, r) {
	const c = r.content || {};
	return c.title || c.name || (c.text ? String(c.text).slice(0, 80) : t('portal.untitled', { kind: t(`kind.${r.kind}`), date: fmtDate(r.released_at) }));
}

// One released item as a partner sees it: its kind, title and text as the
// network released them.
function releasedItem(shell, r) {
	const { t, h, fmtDate } = shell;
	const c = r.content || {};
	const body = c.text || c.body;
	return h('li', { 'data-release': r.id },
		h('span', { class: 'badge shared' }, t(`kind.${r.kind}`)), ' ', h('strong', {}, releasedTitle(shell, r)),
		c.outcome && h('span', { class: `badge ${c.outcome}` }, t(`outcome.${c.outcome}`)),
		c.without_consensus && h('span', { class: 'badge warning' }, t('release.without_consensus')),
		h('span', { class: 'muted' }, ` ${fmtDate(r.released_at)}`),
		body && h('p', { class: 'text' }, body),
		// each text once: a joint statement's adopted text is often its text
		c.outcome_statement && c.outcome_statement !== body && h('blockquote', {}, c.outcome_statement));
}

export async function viewPortal(shell, main) {
	const { client, t, h, field, note, errorText, fmtDate } = shell;
	const released = h('ul', { class: 'list', id: 'released', 'aria-live': 'polite' });
	const consulted = h('ul', { class: 'list' });
	const statements = h('ul', { class: 'list' });
	const mine = h('ul', { class: 'list', id: 'my-input' });
	const about = h('select', {}, h('option', { value: '' }, t('portal.about.none')));
	const text = h('textarea', { rows: 4, maxlength: 8000, required: true });
	const file = h('input', { type: 'file' });
	const msg = h('div', { 'aria-live': 'polite' });
	const form = h('form', { class: 'card', id: 'input-form', onsubmit: async (e) => {
		e.preventDefault();
		if (!text.value.trim()) { text.focus(); return; }
		let ok;
		if (file.files[0]) {
			const q = new URLSearchParams({ name: file.files[0].name, text: text.value.trim().slice(0, 1999) });
			if (about.value) q.set('about', about.value);
			const res = await fetch(`/api/portal/input?${q}`, { method: 'POST', headers: { Authorization: `Bearer ${client.token}` }, body: file.files[0] });
			ok = res.ok;
			if (!ok) msg.replaceChildren(note(t('error.generic', { message: (await res.json().catch(() => ({}))).message || res.status }), 'error'));
		} else {
			const r = await client.request('portal.input', { text: text.value.trim(), about: about.value || null });
			ok = r.ok;
			if (!ok) msg.replaceChildren(note(errorText(r), 'error'));
		}
		if (ok) {
			msg.replaceChildren(note(t('portal.input.sent')));
			text.value = '';
			file.value = '';
			loadInputs();
		}
	} }, h('h2', {}, t('portal.input')), field(t('portal.about'), about), field(t('portal.input.text'), text),
	field(t('portal.input.file'), file), h('button', { type: 'submit' }, t('portal.input.submit')), msg);
	// Cards that would only say "nothing here" beside content that belongs
	// in them stay hidden: consultations for the state counterpart only,
	// the network's statements only those not already released above.
	const consultedCard = h('section', { class: 'card', hidden: true }, h('h2', {}, t('portal.consulted')), consulted);
	const statementsCard = h('section', { class: 'card', hidden: true }, h('h2', {}, t('portal.statements')), statements);
	const grid = h('div', { class: 'grid' }, h('h1', {}, t('portal.heading')),
		h('section', { class: 'card' }, h('h2', {}, t('portal.released')), released),
		consultedCard, statementsCard,
		// what other components show partners here (their working groups)
		...shell.parts('portal'),
		form, h('section', { class: 'card' }, h('h2', {}, t('portal.my_input')), mine));
	main.replaceChildren(grid);
	const fill = (ul, items, empty = 'dash.none') => ul.replaceChildren(...(items.length ? items : [h('li', { class: 'muted' }, t(empty))]));
	const feed = new Map();
	const showFeed = () => {
		const items = [...feed.values()].sort((a, b) => b.id - a.id);
		fill(released, items.map((r) => releasedItem(shell, r)), 'portal.none_released');
		const keep = about.value;
		about.replaceChildren(h('option', { value: '' }, t('portal.about.none')),
			...items.map((r) => h('option', { value: r.item }, releasedTitle(shell, r))));
		showStatements();
		about.value = items.some((r) => r.item === keep) ? keep : '';
	};
	const loadInputs = async () => {
		const r = await client.request('portal.inputs', {});
		fill(mine, (r.ok ? r.data.inputs : []).map((i) => h('li', {}, h('span', { class: 'muted' }, fmtDate(i.at)), ' ', i.text,
			i.file_name && h('span', { class: 'badge' }, i.file_name))), 'portal.no_input');
	};
	shell.onLeave(await client.subscribe('portal', (ev) => {
		if (ev.event === 'portal.released') { for (const [k, v] of feed) if (v.item === ev.data.item) feed.delete(k); feed.set(ev.data.id, ev.data); showFeed(); }
		if (ev.event === 'portal.withdrawn') { feed.delete(ev.data.id); showFeed(); }
	}));
	let networkStatements = [];
	function showStatements() {
		const released = new Set([...feed.values()].map((r) => r.item));
		const rest = networkStatements.filter((p) => !released.has(`proposal:${p.id}`));
		statements.replaceChildren(...rest.map((p) => h('li', {}, h('strong', {}, p.title), p.outcome_statement && h('blockquote', {}, p.outcome_statement))));
		statementsCard.hidden = !rest.length;
	}
	const f = await client.request('portal.feed', {});
	for (const r of f.ok ? f.data.releases : []) feed.set(r.id, r);
	showFeed();
	const list = await client.request('consensus.list', {});
	const dec = await client.request('consensus.decisions', {});
	const consultedOn = list.ok ? list.data.proposals : [];
	consulted.replaceChildren(...consultedOn.map((p) => proposalItem(shell, p)));
	consultedCard.hidden = !consultedOn.length;
	networkStatements = dec.ok ? dec.data.decisions : [];
	showStatements();
	loadInputs();
}

