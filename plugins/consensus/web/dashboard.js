// The dashboard (#/): what awaits my organisation first, the open
// proposals, the cards other components add (working groups, who is here),
// recent decisions, and for co-chairs and the secretariat the drafts and
// the form that creates a proposal.

// A proposal in a list: its title linked to its page, status and outcome.
function proposalItem({ h, t }, p, extra) {
	return h('li', {}, h('a', { href: `#/proposal/${p.id}` }, p.title), ' ',
		h('span', { class: `badge ${p.status}` }, t(`status.${p.status}`)),
		p.outcome && h('span', { class: `badge ${p.outcome}` }, t(`outcome.${p.outcome}`)), extra);
}

export async function viewDashboard(shell, main) {
	const { client, t, h, fmtDate, hasRole } = shell;
	const mine = h('ul', { class: 'list', id: 'awaiting-list' });
	const open = h('ul', { class: 'list', id: 'open-list' });
	const drafts = h('ul', { class: 'list', id: 'draft-list' });
	const decisions = h('ul', { class: 'list', id: 'decision-list' });
	const mineCard = h('section', { class: 'card action' }, h('h2', {}, t('dash.awaiting_heading')), mine);
	const openHeading = h('h2', {}, t('dash.open'));
	const openCard = h('section', { class: 'card' }, openHeading, open);
	// What needs my organisation's action comes first.
	const sections = [
		mineCard,
		openCard,
		...shell.parts('dashboard'),
		h('section', { class: 'card' }, h('h2', {}, t('dash.decisions')), decisions, h('p', {}, h('a', { href: '#/decisions' }, t('dash.register_link')))),
	];
	const canCreate = hasRole('co_chair') || hasRole('secretariat');
	if (canCreate) sections.push(h('section', { class: 'card' }, h('h2', {}, t('dash.drafts')), drafts), createForm(shell));
	main.replaceChildren(h('div', { class: 'grid' }, sections));
	const fill = (ul, items, empty = 'dash.none') => ul.replaceChildren(...(items.length ? items : [h('li', { class: 'muted' }, t(empty))]));

	// The lists come from consensus.list, which says what awaits my
	// organisation; they reload live when the network's proposals change.
	const loadProposals = async () => {
		const list = await client.request('consensus.list', {});
		const props = list.ok ? list.data.proposals : [];
		const openProps = props.filter((p) => p.status === 'open');
		const waiting = openProps.filter((p) => p.awaiting_you);
		fill(mine, waiting.map((p) => proposalItem(shell, p, h('span', { class: 'badge attention' }, t('dash.awaiting')), p.closes_at && h('span', { class: 'muted' }, ` ${t('prop.closes', { when: fmtDate(p.closes_at) })}`))));
		mineCard.hidden = !waiting.length;
		// The other open proposals; no empty card beside the ones above.
		const others = openProps.filter((p) => !p.awaiting_you);
		openHeading.textContent = t(waiting.length ? 'dash.open_other' : 'dash.open');
		openCard.hidden = waiting.length > 0 && !others.length;
		fill(open, others.map((p) => proposalItem(shell, p)), 'dash.none_open');
		fill(drafts, props.filter((p) => p.status === 'draft').map((p) => proposalItem(shell, p)), 'dash.none_drafts');
		const dec = await client.request('consensus.decisions', {});
		fill(decisions, (dec.ok ? dec.data.decisions : []).slice(0, 8).map((p) => proposalItem(shell, p, h('span', { class: 'muted' }, ` ${fmtDate(p.closed_at)}`))), 'dash.none_decisions');
	};
	await loadProposals();
	shell.onProposals(loadProposals);
}

function createForm({ client, t, h, field, note, errorText, go }) {
	const title = h('input', { required: true, maxlength: 300 });
	const text = h('textarea', { required: true, rows: 5 });
	const kind = h('select', {}, h('option', { value: 'decision' }, t('create.kind.decision')), h('option', { value: 'statement' }, t('create.kind.statement')));
	const sm = h('input', { type: 'checkbox' });
	const hide = h('input', { type: 'checkbox' });
	const msg = h('div', { 'aria-live': 'polite' });
	return h('form', { class: 'card', onsubmit: async (e) => {
		e.preventDefault();
		const r = await client.request('consensus.create', { title: title.value, text: text.value, kind: kind.value, state_matter: sm.checked, hide_tally: hide.checked });
		if (r.ok && r.data.proposal) go(`#/proposal/${r.data.proposal.id}`);
		else if (r.ok) msg.replaceChildren(note(t('create.already'))); // a retry: the draft is in the list
		else msg.replaceChildren(note(errorText(r), 'error'));
	} }, h('h2', {}, t('dash.new')), field(t('create.title'), title), field(t('create.text'), text), field(t('create.kind'), kind),
	h('label', { class: 'check' }, sm, t('create.state_matter')),
	h('label', { class: 'check' }, hide, t('create.hide_tally')),
	h('button', { type: 'submit' }, t('create.submit')), msg);
}
