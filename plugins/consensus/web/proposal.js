// The proposal page (#/proposal/<id>), where a live session runs: the text,
// this organisation's position form first, the live tally with each
// organisation's position and presence, the state counterpart's
// consultation, the co-chair's controls, the discussion, and under a closed
// record the tools other components add (the portal's release form).
const POSITIONS = ['agree', 'reservations', 'abstain', 'object'];

function tallyView({ t, h, note }, tally) {
	const box = h('div', { class: 'tally', 'aria-live': 'polite' });
	if (!tally) return box;
	if (tally.hidden) box.append(note(t('tally.hidden')));
	else {
		const total = tally.responded.length + tally.pending.length || 1;
		const bar = h('div', { class: 'bar', role: 'img', 'aria-label': POSITIONS.map((p) => `${t(`pos.${p}`)}: ${tally.counts[p]}`).join(', ') });
		for (const p of POSITIONS)
			if (tally.counts[p]) bar.append(h('span', { class: `seg ${p}`, style: null, 'data-n': tally.counts[p] }));
		box.append(bar, h('ul', { class: 'counts' }, ...POSITIONS.map((p) => h('li', { class: p, 'data-position': p }, `${t(`pos.${p}`)}: `, h('strong', {}, tally.counts[p])))));
		// widths via CSS custom properties set from script (CSP allows this)
		for (const seg of bar.children) seg.style.setProperty('--w', `${(100 * Number(seg.dataset.n)) / total}%`);
	}
	box.append(
		h('p', { class: 'responded' }, t('tally.responded', { n: tally.responded.length }), ': ', tally.responded.join(', ') || '—'),
		h('p', { class: 'pending' }, t('tally.pending', { n: tally.pending.length }), ': ', tally.pending.join(', ') || '—'));
	if (tally.state_matter) box.append(note(tally.consultation_in ? t('consult.in') : t('consult.missing')));
	if (tally.status === 'open' && !tally.hidden)
		box.append(note(tally.consensus_reached ? t('tally.reached') : tally.consensus_possible ? t('tally.possible') : t('tally.impossible')));
	if (tally.outcome) box.append(h('p', { class: `outcome ${tally.outcome}` }, t(`outcome.${tally.outcome}`)));
	return box;
}

// Each voting organisation's position, reason, who cast it and when; an
// organisation still to respond is marked present now / not present.  With
// a hidden tally (until the close) only whether it responded.
function orgTable({ t, h, fmtDate }, voters, positions, tally, online) {
	if (!voters?.length) return null;
	const byOrg = new Map((positions || []).map((x) => [x.org, x]));
	const hidden = tally?.hidden;
	const pending = new Set(tally?.pending || []);
	const rows = voters.map((org) => {
		const x = byOrg.get(org);
		let badge;
		if (x && !hidden && x.position) badge = h('span', { class: `badge pos-${x.position}` }, t(`pos.${x.position}`));
		else if (x) badge = h('span', { class: 'badge responded' }, t('orgs.responded'));
		else badge = h('span', { class: 'badge pending' }, pending.has(org) || !tally ? t('orgs.pending') : t('orgs.not_voting'));
		const here = !x && online && h('span', { class: online[org]?.length ? 'present' : 'absent' },
			online[org]?.length ? t('orgs.present') : t('orgs.absent'));
		return h('tr', { 'data-org': org },
			h('th', { scope: 'row' }, org),
			h('td', {}, badge, here && ' ', here),
			h('td', { class: 'text' }, (!hidden && x?.reason) || ''),
			h('td', {}, x?.cast_by || ''),
			h('td', {}, x ? fmtDate(x.cast_at) : ''));
	});
	return h('table', { class: 'orgs', id: 'orgs' },
		h('caption', {}, t('orgs.heading')),
		h('thead', {}, h('tr', {}, ...['orgs.org', 'orgs.position', 'orgs.reason', 'orgs.cast_by', 'orgs.when'].map((k) => h('th', { scope: 'col' }, t(k))))),
		h('tbody', {}, ...rows));
}

// What the close found, in the reader's language, from the facts the
// server sends (close_facts), never from a sentence of its own.
function closedLines({ t, h, fmtDate }, p) {
	const f = p.close_facts || {};
	const out = [h('p', { class: 'closed-by' }, p.closed_by
		? t('prop.closed_by', { who: p.closed_by, when: fmtDate(p.closed_at) })
		: t('prop.closed_auto', { when: fmtDate(p.closed_at) }))];
	if (f.missing?.length) out.push(h('p', {}, t('prop.facts.missing', { orgs: f.missing.join(', ') })));
	if (f.objected?.length) out.push(h('p', {}, t('prop.facts.objected', { orgs: f.objected.join(', ') })));
	if (f.consultation_missing) out.push(h('p', {}, t('prop.facts.no_consult')));
	if (p.close_reason) out.push(h('p', {}, t('prop.close_reason', { reason: p.close_reason })));
	return out;
}

export async function viewProposal(shell, main, id) {
	const { client, t, h, field, note, errorText, fmtDate, isPartner, hasRole } = shell;
	const g = await client.request('consensus.get', { proposal: id });
	if (!g.ok) {
		main.replaceChildren(note(errorText(g), 'error'));
		return;
	}
	let data = g.data;
	// A reply to a change carries the proposal as it is now; a retried
	// change (duplicate) may carry nothing more: then read it again.
	const adopt = async (d) => {
		if (d?.proposal) data = d;
		else {
			const again = await client.request('consensus.get', { proposal: id });
			if (!again.ok) return;
			data = again.data;
		}
		render();
	};
	let online = null; // members.presence: {ORG: [logins]}
	let consultNote = null; // "recorded", kept across re-renders
	const head = h('div');
	const mine = h('div'); // what this person does: the position form first
	const tallyBox = h('section', { class: 'card', id: 'tally' });
	const tallyWrap = h('div', { class: 'wide' }, tallyBox);
	const orgsBox = h('div', { class: 'orgs-wrap' });
	const consultBox = h('section', { class: 'card', id: 'consultation' });
	const present = h('p', { id: 'present', 'aria-live': 'polite' });
	const act = h('div');
	const commentList = h('ul', { class: 'list comments', id: 'comments', 'aria-live': 'polite' });
	const commentBox = h('section', { class: 'card', id: 'discussion' });
	tallyWrap.append(present);
	main.replaceChildren(h('div', { class: 'grid' }, head, mine, tallyWrap, consultBox, act, commentBox));

	const showTally = () => {
		tallyBox.replaceChildren(h('h2', {}, t('tally.heading')), tallyView(shell, data.tally), orgsBox);
		orgsBox.replaceChildren(orgTable(shell, data.proposal.voters, data.positions, data.tally, online) || '');
	};
	const showPresent = (d) => {
		online = d.online;
		present.replaceChildren(t('prop.present', { orgs: Object.keys(d.online).sort().join(', ') || '—' }));
		if (data.proposal.status !== 'draft') orgsBox.replaceChildren(orgTable(shell, data.proposal.voters, data.positions, data.tally, online) || '');
	};

	// Members see the state counterpart's view; the state counterpart sees
	// the view it gave and revises it until the close.
	const showConsultation = () => {
		const p = data.proposal;
		const c = data.consultation;
		if (!p.state_matter || p.status === 'draft') { consultBox.hidden = true; return; }
		consultBox.hidden = false;
		const given = c && h('div', { class: 'given' },
			h('p', { class: 'muted' }, t('consult.given', { org: c.org, by: c.given_by, when: fmtDate(c.at) })),
			h('blockquote', { class: 'text' }, c.view));
		if (!isPartner()) {
			consultBox.replaceChildren(h('h2', {}, t('consult.heading')), given || note(t('consult.missing')));
			return;
		}
		const parts = [h('h2', {}, t('consult.heading'))];
		if (given) parts.push(given);
		if (p.status === 'open') {
			const msg = h('div', { 'aria-live': 'polite' });
			const view = h('textarea', { rows: 4, required: true, maxlength: 8000 });
			view.value = c?.view || '';
			parts.push(h('form', { onsubmit: async (e) => {
				e.preventDefault();
				if (!view.value.trim()) { view.focus(); return; }
				const r = await client.request('consensus.consult', { proposal: id, view: view.value.trim() });
				if (!r.ok) { msg.replaceChildren(note(errorText(r), 'error')); return; }
				consultNote = t('consult.done');
				const again = await client.request('consensus.get', { proposal: id });
				if (again.ok) data = again.data;
				showConsultation();
			} }, field(c ? t('consult.revise') : t('consult.view'), view),
			h('button', { type: 'submit' }, c ? t('consult.resubmit') : t('consult.submit')), consultNote && note(consultNote), msg));
		} else if (!c) parts.push(note(t('consult.not_given')));
		consultBox.replaceChildren(...parts);
	};

	const positionForm = (p) => {
		const msg = h('div', { 'aria-live': 'polite' });
		if (p.status !== 'open' || isPartner()) return null;
		if (!p.voters.includes(client.user.org)) return h('section', { class: 'card' }, note(t('pos.not_voter')));
		// this organisation's position as the server holds it (also after a reload)
		const held = (data.positions || []).find((x) => x.org === client.user.org && x.position);
		const reason = h('textarea', { rows: 3, maxlength: 4000 });
		reason.value = held?.reason || '';
		const radios = POSITIONS.map((pos) => h('label', { class: 'radio' },
			h('input', { type: 'radio', name: 'position', value: pos, checked: held?.position === pos }), t(`pos.${pos}`)));
		if (held) msg.replaceChildren(note(t('pos.held', { position: t(`pos.${held.position}`), by: held.cast_by, when: fmtDate(held.cast_at) })));
		return h('section', { class: 'card', id: 'my-position' }, h('form', { onsubmit: async (e) => {
			e.preventDefault();
			const pos = e.target.querySelector('input[name=position]:checked')?.value;
			if (!pos) return;
			if ((pos === 'reservations' || pos === 'object') && !reason.value.trim()) {
				msg.replaceChildren(note(t('pos.reason_required'), 'error'));
				reason.focus();
				return;
			}
			const r = await client.request('consensus.position', { proposal: id, position: pos, reason: reason.value.trim() });
			if (!r.ok) { msg.replaceChildren(note(errorText(r), 'error')); return; }
			// What the server holds, in the interface language: a
			// retried request is shown as the position already held.
			const d = r.data;
			const args = { position: d.position ? t(`pos.${d.position}`) : '—', by: d.cast_by || '', org: d.org };
			msg.replaceChildren(note(t(d.duplicate ? 'pos.already' : 'pos.recorded', args)));
			if (d.duplicate && d.position) {
				for (const input of e.target.querySelectorAll('input[name=position]')) input.checked = input.value === d.position;
				reason.value = d.reason || '';
			}
			// keep our own entry current (a hidden tally does not send it back)
			if (d.position) {
				data.positions = (data.positions || []).filter((x) => x.org !== d.org)
					.concat({ org: d.org, position: d.position, reason: d.reason || '', cast_by: d.cast_by, cast_at: d.cast_at });
			}
		} }, h('fieldset', {}, h('legend', {}, t('pos.heading', { org: client.user.org })), ...radios),
		field(t('pos.reason'), reason), h('button', { type: 'submit' }, t('pos.submit')), msg));
	};

	// A draft's author and co-chairs change it before it opens.
	const editForm = (p) => {
		if (p.status !== 'draft' || isPartner() || !(p.created_by === client.user.login || hasRole('co_chair'))) return null;
		const title = h('input', { required: true, maxlength: 300, value: p.title });
		const text = h('textarea', { required: true, rows: 5 });
		text.value = p.text;
		const kind = h('select', {}, h('option', { value: 'decision' }, t('create.kind.decision')), h('option', { value: 'statement' }, t('create.kind.statement')));
		kind.value = p.kind;
		const sm = h('input', { type: 'checkbox', checked: p.state_matter });
		const hide = h('input', { type: 'checkbox', checked: p.hide_tally });
		const msg = h('div', { 'aria-live': 'polite' });
		return h('form', { class: 'card', id: 'edit-draft', onsubmit: async (e) => {
			e.preventDefault();
			const r = await client.request('consensus.edit', { proposal: id, title: title.value, text: text.value, kind: kind.value, state_matter: sm.checked, hide_tally: hide.checked });
			if (!r.ok) { msg.replaceChildren(note(errorText(r), 'error')); return; }
			await adopt(r.data);
			act.querySelector('#edit-draft .form-msg')?.replaceChildren(note(t('edit.done')));
		} }, h('h2', {}, t('edit.heading')), field(t('create.title'), title), field(t('create.text'), text), field(t('create.kind'), kind),
		h('label', { class: 'check' }, sm, t('create.state_matter')),
		h('label', { class: 'check' }, hide, t('create.hide_tally')),
		h('button', { type: 'submit' }, t('edit.submit')), h('div', { class: 'form-msg', 'aria-live': 'polite' }), msg);
	};

	const chairBox = (p) => {
		if (!hasRole('co_chair') || isPartner()) return null;
		const chairMsg = h('div', { 'aria-live': 'polite' });
		const call = async (type, extra) => {
			const r = await client.request(type, { proposal: id, ...extra });
			if (r.ok) await adopt(r.data); else chairMsg.replaceChildren(note(errorText(r), 'error'));
		};
		const box = h('section', { class: 'card chair' }, h('h2', {}, t('chair.heading')));
		if (p.status === 'draft') box.append(h('button', { type: 'button', onclick: () => call('consensus.open', {}) }, t('chair.open')));
		if (p.status === 'open') {
			const outcome = h('textarea', { rows: 2 });
			const reason = h('input', {});
			const until = h('input', { type: 'datetime-local' });
			box.append(field(t('chair.outcome'), outcome), field(t('chair.close_reason'), reason),
				h('button', { type: 'button', onclick: async () => {
					// Closing early: say what is missing and ask first.
					const tl = data.tally || {};
					const lines = [];
					if (tl.pending?.length) lines.push(t('close.confirm.pending', { orgs: tl.pending.join(', ') }));
					if (p.state_matter && !tl.consultation_in) lines.push(t('close.confirm.no_consult'));
					if (lines.length && !(await shell.confirmDialog({ heading: t('close.confirm.heading'), lines: [...lines, t('close.confirm.outcome')], yes: t('close.confirm.yes'), no: t('close.confirm.no') }))) return;
					call('consensus.close', { outcome: outcome.value, reason: reason.value.trim() });
				} }, t('chair.close')),
				field(t('chair.extend'), until),
				h('button', { type: 'button', onclick: () => until.value && call('consensus.extend', { closes_at: new Date(until.value).getTime() }) }, t('chair.extend')));
		}
		if (p.status === 'closed') {
			const reason = h('input', {});
			box.append(field(t('chair.reason'), reason),
				h('button', { type: 'button', onclick: () => reason.value.trim() && call('consensus.reopen', { reason: reason.value.trim() }) }, t('chair.reopen')));
		}
		box.append(chairMsg);
		return box;
	};

	const render = () => {
		const p = data.proposal;
		head.replaceChildren(h('section', { class: 'card' },
			h('h1', {}, p.title, ' ', h('span', { class: `badge ${p.status}` }, t(`status.${p.status}`))),
			h('p', { class: 'text' }, p.text),
			p.state_matter && note(t('consult.needed')),
			p.closes_at && p.status === 'open' && h('p', {}, t('prop.closes', { when: fmtDate(p.closes_at) })),
			p.status === 'closed' && closedLines(shell, p),
			p.outcome_statement && h('blockquote', {}, p.outcome_statement)));
		mine.replaceChildren(positionForm(p) || '');
		mine.hidden = !mine.firstElementChild;
		if (isPartner()) tallyBox.hidden = true;
		else showTally();
		showConsultation();
		act.replaceChildren(...[editForm(p), chairBox(p)].filter(Boolean));
		// a closed record: what other components offer for it (the portal: release to partners)
		if (p.status === 'closed') act.append(...shell.parts('item', { item: `proposal:${p.id}` }));
		act.hidden = !act.firstElementChild;
		showComments();
	};

	// Discussion: open and closed proposals; live by consensus.comment.
	const seen = new Set();
	const addComment = (c) => {
		if (seen.has(c.id)) return;
		seen.add(c.id);
		commentList.querySelector('.none')?.remove();
		commentList.append(h('li', { 'data-comment': c.id }, h('strong', {}, `${c.author} (${c.org})`),
			c.partner && h('span', { class: 'badge shared' }, t('comment.partner')),
			h('span', { class: 'muted' }, fmtDate(c.at)), h('div', { class: 'text' }, c.text)));
	};
	const commentText = h('textarea', { rows: 3, maxlength: 8000 });
	const commentMsg = h('div', { 'aria-live': 'polite' });
	const commentForm = h('form', { onsubmit: async (e) => {
		e.preventDefault();
		if (!commentText.value.trim()) { commentText.focus(); return; }
		const r = await client.request('consensus.comment', { proposal: id, text: commentText.value.trim() });
		if (!r.ok) { commentMsg.replaceChildren(note(errorText(r), 'error')); return; }
		commentText.value = '';
		commentMsg.replaceChildren();
		if (r.data.comment) addComment(r.data.comment); // a retried one came as an event
	} }, field(t('comment.new'), commentText), h('button', { type: 'submit' }, t('comment.submit')), commentMsg);
	const showComments = () => {
		const draft = data.proposal.status === 'draft';
		commentBox.replaceChildren(h('h2', {}, t('comment.heading')), draft ? note(t('comment.after_open')) : commentList, draft ? '' : commentForm);
	};

	render();
	if (!isPartner()) {
		const pr = await client.request('members.presence', {});
		if (pr.ok) showPresent(pr.data);
		shell.onLeave(await client.subscribe('network', (ev) => {
			if (ev.event === 'members.presence') showPresent(ev.data);
		}));
	}
	const cs = await client.request('consensus.comments', { proposal: id });
	for (const c of cs.ok ? cs.data.comments : []) addComment(c);
	if (!commentList.children.length) commentList.append(h('li', { class: 'none' }, t('comment.none')));
	const unsubscribe = await client.subscribe(`proposal:${id}`, async (ev) => {
		if (ev.event === 'consensus.tally') {
			const statusChanged = ev.data.status !== data.proposal.status;
			data.tally = ev.data;
			// a hidden tally sends who, not what: keep our own entry
			const own = (data.positions || []).find((x) => x.org === client.user.org && x.position);
			const keepOwn = (x) => (own && x.org === own.org && !x.position ? own : x);
			if ('positions' in ev.data) data.positions = ev.data.positions.map(keepOwn);
			else if (ev.data.changed?.length) { // only what was stated since the last event
				const byOrg = new Map((data.positions || []).map((x) => [x.org, x]));
				for (const x of ev.data.changed) byOrg.set(x.org, keepOwn(x));
				data.positions = [...byOrg.values()].sort((a, b) => (a.org < b.org ? -1 : a.org > b.org ? 1 : 0));
			}
			if ('consultation' in ev.data) data.consultation = ev.data.consultation;
			if (statusChanged) {
				const again = await client.request('consensus.get', { proposal: id });
				if (again.ok) data = again.data;
				render();
			} else { // the tally, the record and the view: forms keep what the person is typing
				showTally();
				if (!isPartner()) showConsultation();
			}
		} else if (ev.event === 'consensus.comment') addComment(ev.data);
		else if (ev.event === 'consensus.edited') {
			data.proposal = { ...data.proposal, ...ev.data.proposal };
			render();
		} else if (ev.event === 'resync' || ev.event === 'consensus.status') {
			const again = await client.request('consensus.get', { proposal: id });
			if (again.ok) { data = again.data; render(); }
		}
	});
	shell.onLeave(unsubscribe);
	// Tally events carry only the positions stated since the last one: a
	// position stated between the first read and the subscription is in
	// none of them, so the record is read once more now that it follows.
	const again = await client.request('consensus.get', { proposal: id });
	if (again.ok && again.data.proposal.status === data.proposal.status) {
		data = { ...data, tally: again.data.tally, positions: again.data.positions, consultation: again.data.consultation };
		showTally();
		if (!isPartner()) showConsultation();
	} else if (again.ok) { data = again.data; render(); }
}
