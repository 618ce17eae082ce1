// Releases to partners, on the members' side: the form that releases an
// item (under a closed proposal's record), and the Releases page
// (#/releases): what was released, to whom and why, withdrawals, and the
// partners' input.

// A co-chair's or the secretariat's control to release an item to partners.
export function releaseForm({ client, t, h, field, note, errorText }, item) {
	const to = h('input', { placeholder: 'MOL, MFA', 'aria-describedby': 'rel-help' });
	const all = h('input', { type: 'checkbox' });
	const basis = h('input', { type: 'number', min: 1 });
	const msg = h('div', { 'aria-live': 'polite' });
	// A proposal without consensus leaves only when the person says so:
	// the server refuses it (conflict) until this box is ticked, and the
	// release is then marked "without consensus" for its readers.
	const confirm = h('input', { type: 'checkbox' });
	const confirmBox = h('div', { class: 'confirm', hidden: true }, note(t('release.no_consensus'), 'error'), h('label', { class: 'check' }, confirm, t('release.confirm_no_consensus')));
	return h('form', { class: 'card release', onsubmit: async (e) => {
		e.preventDefault();
		const orgs = to.value.split(',').map((x) => x.trim().toUpperCase()).filter(Boolean);
		const data = { item, to: all.checked ? 'partners' : orgs };
		if (basis.value) data.basis = Number(basis.value);
		if (!confirmBox.hidden) {
			if (!confirm.checked) { confirm.focus(); return; }
			data.confirm_no_consensus = true;
		}
		const r = await client.request('portal.release', data);
		if (!r.ok && r.error.code === 'conflict' && item.startsWith('proposal:') && /did not reach consensus/.test(r.error.message)) {
			confirmBox.hidden = false;
			msg.replaceChildren();
			confirm.focus();
			return;
		}
		msg.replaceChildren(r.ok ? note(t(data.confirm_no_consensus ? 'release.done_no_consensus' : 'release.done')) : note(errorText(r), 'error'));
	} }, h('h2', {}, t('release.heading')), note(t('release.internal')),
	h('label', { class: 'check' }, all, t('release.all')), field(t('release.to'), to),
	h('p', { id: 'rel-help', class: 'muted' }, t('release.to.help')), field(t('release.basis'), basis),
	confirmBox, h('button', { type: 'submit' }, t('release.submit')), msg);
}

// Withdrawing a release asks for a reason and a second, explicit click.
function withdrawControl({ client, t, h, field, note, errorText }, x, done) {
	const box = h('span', { class: 'withdraw' });
	const start = h('button', { type: 'button', class: 'secondary', onclick: () => {
		const reason = h('input', { required: true, maxlength: 2000 });
		const msg = h('span', { 'aria-live': 'polite' });
		box.replaceChildren(h('form', { class: 'inline', onsubmit: async (e) => {
			e.preventDefault();
			if (!reason.value.trim()) { reason.focus(); return; }
			const w = await client.request('portal.withdraw', { release: x.id, reason: reason.value.trim() });
			if (w.ok) done();
			else msg.replaceChildren(note(errorText(w), 'error'));
		} }, field(t('release.withdraw_reason', { title: x.content?.title || x.content?.name || x.item }), reason),
		h('button', { type: 'submit' }, t('release.withdraw_confirm')),
		h('button', { type: 'button', class: 'secondary', onclick: () => box.replaceChildren(start) }, t('common.cancel')), msg));
		reason.focus();
	} }, t('release.withdraw'));
	box.append(start);
	return box;
}

// Members: what was released, to whom, why; withdraw; partners' input.
export async function viewReleases(shell, main) {
	const { client, t, h, fmtDate, hasRole } = shell;
	const rels = h('ul', { class: 'list', id: 'releases' });
	const inputs = h('ul', { class: 'list', id: 'inputs' });
	main.replaceChildren(h('div', { class: 'grid' }, h('h1', {}, t('nav.releases')),
		h('section', { class: 'card' }, h('h2', {}, t('release.list')), rels),
		h('section', { class: 'card' }, h('h2', {}, t('release.inputs')), inputs)));
	const fill = (ul, items) => ul.replaceChildren(...(items.length ? items : [h('li', {}, t('dash.none'))]));
	const manage = hasRole('co_chair') || hasRole('secretariat');
	const load = async () => {
		const r = await client.request('portal.releases', { include_withdrawn: true });
		fill(rels, (r.ok ? r.data.releases : []).map((x) => h('li', {},
			h('strong', {}, x.content?.title || x.content?.name || x.item), ' ', h('code', {}, x.item), ' → ',
			Array.isArray(x.audience) ? x.audience.join(', ') : t('release.all_short'),
			h('span', { class: 'muted' }, ` ${x.released_by}, ${fmtDate(x.released_at)}`),
			x.basis && h('span', {}, ` (${t('release.basis_short', { id: x.basis })})`),
			x.withdrawn_at ? h('span', { class: 'badge closed' }, t('release.withdrawn', { who: x.withdrawn_by, why: x.withdraw_reason || '' }))
				: manage && withdrawControl(shell, x, load))));
		const i = await client.request('portal.inputs', {});
		fill(inputs, (i.ok ? i.data.inputs : []).map((x) => h('li', {}, h('span', { class: 'badge shared' }, x.org), ' ', x.text,
			x.about && h('code', {}, ` ${x.about}`), h('span', { class: 'muted' }, ` ${x.author}, ${fmtDate(x.at)}`),
			x.file_name && h('button', { type: 'button', onclick: async () => {
				const res = await fetch(`/api/portal/input?id=${x.id}`, { headers: { Authorization: `Bearer ${client.token}` } });
				const a = h('a', { href: URL.createObjectURL(await res.blob()), download: x.file_name });
				a.click();
			} }, x.file_name))));
	};
	shell.onLeave(await client.subscribe('portal', () => load()));
	load();
}
