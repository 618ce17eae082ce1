// The minutes of a closed meeting on its page: assembled by the server,
// each section's text edited by the co-chairs and the secretariat (every
// save a new version), circulated for comments until a date, commented per
// section by the members, approved; and the printable view
// (#/meeting/<id>/print) with the print stylesheet.
import { meetingTime } from './list.js';

function sectionRecord({ t, h }, s) {
	const out = [];
	if (s.key === 'attendance')
		out.push(h('ul', { class: 'list' }, ...s.orgs.map((o) => h('li', { 'data-org': o.org }, o.org, ' ',
			o.present ? t('meetings.was_present') : o.apologies ? t('meetings.excused') : t('meetings.was_absent')))));
	else if (s.key === 'apologies')
		out.push(h('p', {}, s.orgs.map((o) => o.reason ? `${o.org} (${o.reason})` : o.org).join(', ') || '—'));
	else if (s.key.startsWith('item:')) {
		for (const n of s.notes || []) out.push(h('p', { class: 'notes' }, n.text));
		if (s.decision) {
			out.push(h('p', { class: 'outcome' }, t(`meetings.outcome.${s.decision.outcome}`)));
			out.push(h('ul', { class: 'positions' }, ...s.decision.positions.map((p) => h('li', {}, `${p.org}: ${t(`meetings.pos.${p.position}`)}${p.reason ? ` (${p.reason})` : ''}`))));
		}
	}
	return out;
}

export async function minutesPart(shell, id, manage, reload) {
	const { client, t, h, field, note, errorText, fmtDate } = shell;
	const box = h('section', { class: 'card wide', id: 'minutes' }, h('h2', {}, t('meetings.minutes')));
	const msg = h('div', { 'aria-live': 'polite' });
	const act = async (type, d) => {
		const r = await client.request(type, d);
		if (!r.ok) msg.replaceChildren(note(errorText(r), 'error'));
		else await reload();
		return r;
	};
	const r = await client.request('meetings.minutes', { meeting: id });
	if (!r.ok) {
		box.append(note(t('meetings.no_minutes')), manage && h('button', { type: 'button', name: 'assemble', onclick: () => act('meetings.minutes.assemble', { meeting: id }) }, t('meetings.assemble')), msg);
		return box;
	}
	const { minutes: m, comments, versions } = r.data;
	const editable = manage && m.status !== 'approved';
	const texts = new Map();
	box.append(h('p', { id: 'minutes-status' }, t('meetings.minutes_version', { n: m.version }), ' ', h('span', { class: 'badge', 'data-status': m.status }, t(`meetings.mstatus.${m.status}`)),
		m.comments_until && h('span', { class: 'muted' }, ` ${t('meetings.comments_until', { when: fmtDate(m.comments_until) })}`)),
	h('p', { class: 'muted' }, t('meetings.versions'), ': ', versions.map((v) => `${v.version} (${t(`meetings.mstatus.${v.status}`)})`).join(', ')),
	h('p', {}, h('a', { href: `#/meeting/${id}/print`, id: 'print-link' }, t('meetings.print'))));
	for (const s of m.body.sections) {
		const text = h('textarea', { name: `text-${s.key}`, rows: 3, maxlength: 50000 }, s.text || '');
		texts.set(s.key, text);
		const comment = h('input', { name: `comment-${s.key}`, maxlength: 8000 });
		box.append(h('div', { class: 'minutes-section', 'data-section': s.key }, h('h3', {}, s.key.startsWith('item:') ? s.title : t(`meetings.section.${s.key}`)),
			...sectionRecord(shell, s),
			editable ? field(t('meetings.section_text'), text) : s.text && h('p', { class: 'text' }, s.text),
			h('ul', { class: 'list comments' }, ...comments.filter((c) => c.section === s.key).map((c) => h('li', {}, `${c.org}: ${c.text}`))),
			m.status === 'circulated' && h('form', { class: 'inline', onsubmit: async (e) => {
				e.preventDefault();
				if (comment.value.trim()) await act('meetings.minutes.comment', { meeting: id, section: s.key, text: comment.value.trim() });
			} }, field(t('meetings.comment'), comment), h('button', { type: 'submit' }, t('meetings.comment_submit')))));
	}
	if (editable) {
		const until = h('input', { type: 'date', name: 'comments-until' });
		box.append(h('p', {},
			h('button', { type: 'button', name: 'save-minutes', onclick: () => act('meetings.minutes.update', { meeting: id, sections: [...texts].map(([key, el]) => ({ key, text: el.value })) }) }, t('meetings.save_minutes')), ' ',
			m.status === 'draft' && [field(t('meetings.comments_until_label'), until), h('button', { type: 'button', name: 'circulate-minutes', onclick: () => {
				const at = until.value ? new Date(`${until.value}T23:59:59`).getTime() : Date.now() + 7 * 86400_000;
				act('meetings.minutes.circulate', { meeting: id, comments_until: at });
			} }, t('meetings.circulate_minutes'))], ' ',
			m.status === 'circulated' && !m.approval_proposal && h('button', { type: 'button', name: 'approve-minutes', class: 'primary', onclick: () => act('meetings.minutes.approve', { meeting: id }) }, t('meetings.approve_minutes')),
			m.approval_proposal && h('a', { href: `#/proposal/${m.approval_proposal}`, id: 'approval-link' }, ` ${t('meetings.approval_proposal', { id: m.approval_proposal })}`)));
	}
	box.append(msg);
	return box;
}

// The printable minutes: the page alone, with the print stylesheet.
export async function viewPrint(shell, main, id) {
	const { client, t, h, note, errorText } = shell;
	const [g, r] = await Promise.all([client.request('meetings.get', { meeting: id }), client.request('meetings.minutes', { meeting: id })]);
	if (!g.ok || !r.ok) { main.replaceChildren(note(errorText(g.ok ? r : g), 'error')); return; }
	if (!document.querySelector('link[data-meetings-print]'))
		document.head.append(h('link', { rel: 'stylesheet', href: '/plugins/meetings/print.css', 'data-meetings-print': '1' }));
	document.body.classList.add('meetings-print');
	const m = r.data.minutes;
	const meeting = g.data.meeting;
	main.replaceChildren(h('article', { class: 'minutes', id: 'minutes-print' },
		h('h1', {}, t('meetings.minutes_of', { title: meeting.title })),
		h('p', { class: 'meta' }, meetingTime(shell, meeting.starts_at, meeting.tz), meeting.location ? `, ${meeting.location}` : ''),
		h('p', { class: 'meta' }, t('meetings.minutes_version', { n: m.version }), ', ', t(`meetings.mstatus.${m.status}`)),
		...m.body.sections.map((s) => h('section', {}, h('h2', {}, s.key.startsWith('item:') ? s.title : t(`meetings.section.${s.key}`)),
			...sectionRecord(shell, s), s.text && h('p', { class: 'text' }, s.text))),
		h('p', { class: 'no-print' }, h('button', { type: 'button', name: 'print', onclick: () => window.print() }, t('meetings.print_now')), ' ',
			h('a', { href: `#/meeting/${id}` }, t('meetings.back')))));
	return () => document.body.classList.remove('meetings-print');
}
