// A meeting's page (#/meeting/<id>): its set-up and the managers' controls
// (convene, start, close, cancel), registration of the person's
// organisation, the agenda with its editor and members' item requests,
// and, in session, the current item with its live tally, the speakers, the
// notes and the live attendance of the required organisations.  Everything
// follows topic meeting:<id>; a decision item's tally follows its
// proposal:<id>.  Closed, it shows the minutes (minutes.js).
import { statusBadge, meetingTime } from './list.js';
import { minutesPart } from './minutes.js';

const ITEM_KINDS = ['information', 'discussion', 'decision', 'statement', 'report', 'aob'];

function button(h, label, name, onclick, cls = 'secondary') {
	return h('button', { type: 'button', class: cls, name, onclick }, label);
}

async function download({ client, h }, path, file) {
	const res = await fetch(path, { headers: { Authorization: `Bearer ${client.token}` } });
	if (!res.ok) return false;
	const a = h('a', { href: URL.createObjectURL(await res.blob()), download: file });
	document.body.append(a);
	a.click();
	a.remove();
	return true;
}

// The secretariat's controls: an organisation's arrival or departure by
// hand, and the quorum rule.
function recordControls({ client, t, h, field }, data, act) {
	const org = h('select', { name: 'manual-org' }, ...(data.invitees || []).map((i) => h('option', { value: i.org }, i.org)));
	const rule = h('input', { name: 'quorum-rule', type: 'number', min: 1, max: 500, placeholder: t('meetings.quorum_all') });
	return h('div', { id: 'record-controls' },
		h('p', {}, field(t('meetings.manual_org'), org),
			h('button', { type: 'button', class: 'secondary', name: 'manual-in', onclick: () => act('meetings.checkin', { meeting: data.meeting.id, org: org.value }) }, t('meetings.manual_in')), ' ',
			h('button', { type: 'button', class: 'secondary', name: 'manual-out', onclick: () => act('meetings.checkout', { meeting: data.meeting.id, org: org.value }) }, t('meetings.manual_out'))),
		h('form', { class: 'inline', onsubmit: (e) => {
			e.preventDefault();
			act('meetings.quorum', { meeting: data.meeting.id, rule: rule.value ? Number(rule.value) : 'all_required' });
		} }, field(t('meetings.quorum_rule'), rule), h('button', { type: 'submit' }, t('meetings.quorum_set'))));
}

function attendancePart({ t, h }, a) {
	if (!a) return null;
	const q = a.quorum;
	return h('section', { class: 'card', id: 'attendance', 'aria-live': 'polite' }, h('h2', {}, t('meetings.attendance')),
		h('p', { class: q.met ? 'quorum met' : 'quorum not-met', id: 'quorum' },
			q.met ? t('meetings.quorum_met') : t('meetings.quorum_not_met'), ' ',
			t('meetings.quorum_counts', { present: q.present_required, required: q.required, rule: q.rule === 'all_required' ? t('meetings.quorum_all') : q.rule })),
		h('p', { id: 'present' }, t('meetings.present'), ': ', a.present.join(', ') || '—'),
		h('p', { id: 'missing' }, t('meetings.missing'), ': ', a.missing_required.join(', ') || '—'));
}

export async function viewMeeting(shell, main, id) {
	const { client, t, h, field, note, errorText, isPartner, hasRole } = shell;
	const msg = h('div', { 'aria-live': 'polite', id: 'meeting-msg' });
	let data = null;
	let tallyOff = null;
	let tallyFor = 0;
	const tallyBox = h('div', { class: 'tally', id: 'live-tally', 'aria-live': 'polite' });
	const act = async (type, d) => {
		const r = await client.request(type, d);
		if (!r.ok) msg.replaceChildren(note(errorText(r), 'error'));
		else { msg.replaceChildren(); await load(); }
		return r;
	};
	const manage = !isPartner() && (hasRole('co_chair') || hasRole('secretariat'));
	const showTally = (tl) => {
		const c = tl.counts || {};
		tallyBox.replaceChildren(h('p', {}, ['agree', 'reservations', 'abstain', 'object'].map((p) => `${t(`meetings.pos.${p}`)}: ${c[p] ?? 0}`).join(' · ')),
			h('p', { class: 'muted' }, t('meetings.pending', { orgs: (tl.pending || []).join(', ') || '—' })));
	};
	const follow = async (proposal) => {
		if (tallyFor === proposal) return;
		if (tallyOff) tallyOff();
		tallyOff = null;
		tallyFor = proposal;
		tallyBox.replaceChildren();
		if (!proposal || isPartner()) return;
		const g = await client.request('consensus.get', { proposal });
		if (g.ok && g.data.tally) showTally(g.data.tally);
		tallyOff = await client.subscribe(`proposal:${proposal}`, (e) => { if (e.event === 'consensus.tally') showTally(e.data); });
	};

	function itemRow(it, m) {
		const live = m.status === 'in_session';
		const controls = [];
		if (manage && live && (it.status === 'pending' || it.status === 'deferred')) controls.push(button(h, t('meetings.item_open'), `open-${it.id}`, () => act('meetings.item.open', { item: it.id })));
		if (manage && live && it.status === 'current') controls.push(button(h, t('meetings.item_close'), `close-${it.id}`, () => act('meetings.item.close', { item: it.id })));
		if (manage && live && it.status === 'current' && !it.proposal && (it.kind === 'decision' || it.kind === 'statement'))
			controls.push(button(h, t('meetings.poll'), `poll-${it.id}`, () => act('meetings.item.poll', { item: it.id, text: it.body || it.title }), 'primary'));
		if (manage && it.status === 'pending' && m.status !== 'closed') {
			controls.push(button(h, '↑', `up-${it.id}`, () => act('meetings.agenda.move', { item: it.id, position: Math.max(1, it.number - 1) })));
			controls.push(button(h, t('meetings.remove'), `remove-${it.id}`, () => act('meetings.agenda.remove', { item: it.id })));
		}
		return h('li', { 'data-item': it.id, class: it.status === 'current' ? 'current' : null },
			h('strong', {}, `${it.number}. ${it.title}`), ' ', h('span', { class: 'badge' }, t(`meetings.item.${it.kind}`)),
			h('span', { class: `badge vis-${it.visibility}` }, t(`meetings.vis.${it.visibility}`)),
			it.status !== 'pending' && h('span', { class: 'badge' }, t(`meetings.istatus.${it.status}`)),
			it.presenter_org && h('span', { class: 'muted' }, ` ${it.presenter_org}`),
			it.duration_min && h('span', { class: 'muted' }, ` ${t('meetings.minutes_n', { n: it.duration_min })}`),
			it.proposal && h('a', { href: `#/proposal/${it.proposal}`, class: 'proposal-link' }, ` ${t('meetings.proposal', { id: it.proposal })}`),
			it.outcome && h('span', { class: `badge ${it.outcome}`, 'data-outcome': it.outcome }, t(`meetings.outcome.${it.outcome}`)),
			...(it.documents || []).map((d) => h('a', { href: d.url, rel: 'noopener', target: '_blank', class: 'doc' }, ` ${d.title}`)),
			...controls);
	}

	function agendaEditor() {
		const title = h('input', { name: 'a-title', required: true, maxlength: 300 });
		const kind = h('select', { name: 'a-kind' }, ...ITEM_KINDS.map((k) => h('option', { value: k }, t(`meetings.item.${k}`))));
		const body = h('textarea', { name: 'a-body', maxlength: 8000, rows: 2 });
		const presenter = h('input', { name: 'a-presenter', maxlength: 16 });
		const minutes = h('input', { name: 'a-minutes', type: 'number', min: 1, max: 600 });
		const shared = h('input', { name: 'a-shared', type: 'checkbox' });
		const docTitle = h('input', { name: 'a-doc-title', maxlength: 200 });
		const docUrl = h('input', { name: 'a-doc-url', type: 'url', maxlength: 1000 });
		return h('form', { class: 'inline-form', id: 'agenda-add', onsubmit: async (e) => {
			e.preventDefault();
			const d = { meeting: id, title: title.value.trim(), kind: kind.value, visibility: shared.checked ? 'shared' : 'internal' };
			if (body.value.trim()) d.body = body.value.trim();
			if (presenter.value.trim()) d.presenter_org = presenter.value.trim().toUpperCase();
			if (minutes.value) d.duration_min = Number(minutes.value);
			if (docUrl.value.trim()) d.documents = [{ title: docTitle.value.trim() || docUrl.value.trim(), url: docUrl.value.trim() }];
			const r = await act('meetings.agenda.add', d);
			if (r.ok) title.value = body.value = docTitle.value = docUrl.value = '';
		} }, h('h3', {}, t('meetings.agenda_add')), field(t('meetings.title'), title), field(t('meetings.kind'), kind), field(t('meetings.body'), body),
		field(t('meetings.presenter'), presenter), field(t('meetings.duration'), minutes),
		field(t('meetings.doc_title'), docTitle), field(t('meetings.doc_url'), docUrl), h('label', { class: 'check' }, shared, t('meetings.shared')),
		h('button', { type: 'submit' }, t('meetings.agenda_add_submit')));
	}

	function requestsPart(m) {
		const title = h('input', { name: 'r-title', maxlength: 300 });
		const rows = (data.agenda_requests || []).map((rq) => h('li', { 'data-request': rq.id }, rq.title, h('span', { class: 'muted' }, ` ${rq.org}`),
			h('span', { class: 'badge' }, t(`meetings.decision.${rq.decision}`)),
			manage && rq.decision === 'pending' && [
				button(h, t('meetings.accept'), `accept-${rq.id}`, () => act('meetings.agenda.decide', { request: rq.id, decision: 'accepted' })),
				button(h, t('meetings.decline'), `decline-${rq.id}`, () => act('meetings.agenda.decide', { request: rq.id, decision: 'declined' }))]));
		return h('section', { class: 'card', id: 'agenda-requests' }, h('h2', {}, t('meetings.requests')),
			h('ul', { class: 'list' }, ...(rows.length ? rows : [h('li', {}, t('meetings.none'))])),
			!isPartner() && m.status === 'convened' && h('form', { class: 'inline', onsubmit: async (e) => {
				e.preventDefault();
				if (title.value.trim()) await act('meetings.agenda.request', { meeting: id, title: title.value.trim() });
			} }, field(t('meetings.request_item'), title), h('button', { type: 'submit' }, t('meetings.request_submit'))));
	}

	function sessionPart(m) {
		if (m.status !== 'in_session' || isPartner()) return null;
		const cur = data.agenda.find((i) => i.status === 'current');
		follow(cur?.proposal || 0);
		const noteText = h('textarea', { name: 'note-text', rows: 2, maxlength: 20000 });
		const speakers = (data.speakers || []).filter((s) => cur && s.item === cur.id);
		return h('section', { class: 'card wide', id: 'session' }, h('h2', {}, t('meetings.session')),
			h('p', { id: 'current-item' }, cur ? `${t('meetings.current')}: ${cur.number}. ${cur.title}` : t('meetings.no_current')),
			cur?.proposal && tallyBox,
			cur && h('div', { id: 'speakers' }, h('h3', {}, t('meetings.speakers')),
				h('ol', {}, ...speakers.map((s) => h('li', { class: s.status }, `${s.org} (${t(`meetings.sstatus.${s.status}`)})`))),
				button(h, t('meetings.speak'), 'speak', () => act('meetings.speakers.add', { item: cur.id })),
				manage && button(h, t('meetings.next_speaker'), 'next-speaker', () => act('meetings.speakers.next', { item: cur.id }))),
			cur && manage && h('form', { class: 'inline', id: 'note-form', onsubmit: async (e) => {
				e.preventDefault();
				if (noteText.value.trim()) { const r = await act('meetings.note', { item: cur.id, text: noteText.value.trim() }); if (r.ok) noteText.value = ''; }
			} }, field(t('meetings.note'), noteText), h('button', { type: 'submit' }, t('meetings.note_submit'))),
			cur && h('ul', { class: 'list notes' }, ...(data.notes || []).filter((n) => n.item === cur.id).map((n) => h('li', {}, n.text, h('span', { class: 'muted' }, ` ${n.author}`)))));
	}

	async function load() {
		const r = await client.request('meetings.get', { meeting: id });
		if (!r.ok) { main.replaceChildren(note(errorText(r), 'error')); return; }
		data = r.data;
		const m = data.meeting;
		const mine = (data.invitees || []).find((i) => i.org === client.user?.org);
		const regs = data.registration || { delegates: [], apologies: [] };
		const controls = [];
		if (manage && m.status === 'draft') controls.push(button(h, t('meetings.convene'), 'convene', () => act('meetings.convene', { meeting: id }), 'primary'));
		if (manage && m.status === 'convened') controls.push(button(h, t('meetings.start'), 'start', () => act('meetings.start', { meeting: id }), 'primary'));
		if (manage && m.status === 'in_session') controls.push(button(h, t('meetings.close'), 'close-meeting', () => act('meetings.close', { meeting: id })));
		if (manage && (m.status === 'draft' || m.status === 'convened')) {
			controls.push(button(h, t('meetings.circulate'), 'circulate', () => act('meetings.agenda.circulate', { meeting: id })));
			controls.push(button(h, t('meetings.cancel'), 'cancel', () => act('meetings.cancel', { meeting: id, reason: t('meetings.cancel_reason') })));
		}
		const delegate = h('input', { name: 'designate-login', maxlength: 64 });
		const designate = mine && m.status === 'convened' && h('form', { class: 'inline', id: 'designate', onsubmit: async (e) => {
			e.preventDefault();
			if (delegate.value.trim()) await act('meetings.register', { meeting: id, login: delegate.value.trim() });
		} }, field(t('meetings.designate_login'), delegate), h('button', { type: 'submit' }, t('meetings.designate')));
		const reg = mine && (m.status === 'convened' || m.status === 'in_session') && h('p', { id: 'registration' },
			button(h, t('meetings.register'), 'register', () => act('meetings.register', { meeting: id })),
			button(h, t('meetings.apologies'), 'apologies', () => act('meetings.apologies', { meeting: id })),
			button(h, t('meetings.checkin'), 'checkin', () => act('meetings.checkin', { meeting: id })),
			button(h, t('meetings.checkout'), 'checkout', () => act('meetings.checkout', { meeting: id })));
		main.replaceChildren(h('div', { class: 'grid' },
			h('h1', {}, m.title, ' ', statusBadge(shell, m.status)),
			h('section', { class: 'card', id: 'meeting-info' },
				h('p', {}, t(`meetings.kind.${m.kind}`), ', ', meetingTime(shell, m.starts_at, m.tz)),
				h('p', {}, t(`meetings.mode.${m.mode}`), m.location && `, ${m.location}`, m.with_unct && ` · ${t('meetings.with_unct')}`),
				m.online_url && h('p', {}, h('a', { href: m.online_url, rel: 'noopener', target: '_blank' }, t('meetings.join_online'))),
				h('p', {}, t('meetings.agenda_version', { n: m.agenda_version })),
				!isPartner() && h('p', {}, button(h, t('meetings.ics'), 'ics', () => download(shell, `/api/meetings/ics?meeting=${id}`, `meeting-${id}.ics`)),
					' ', button(h, t('meetings.attendance_csv'), 'attendance-csv', () => download(shell, `/api/meetings/attendance.csv?meeting=${id}`, `attendance-${id}.csv`))),
				h('p', { class: 'muted', id: 'delegates' }, t('meetings.delegates'), ': ', regs.delegates.map((d) => `${d.org}/${d.login}`).join(', ') || '—'),
				h('p', { class: 'muted' }, t('meetings.apologies_list'), ': ', regs.apologies.map((d) => d.org).join(', ') || '—'),
				reg, designate, h('p', {}, ...controls), msg),
			attendancePart(shell, data.attendance),
			manage && (m.status === 'convened' || m.status === 'in_session') && h('section', { class: 'card' }, h('h2', {}, t('meetings.record')), recordControls(shell, data, act)),
			sessionPart(m),
			h('section', { class: 'card wide', id: 'agenda' }, h('h2', {}, t('meetings.agenda')),
				h('ol', { class: 'list agenda' }, ...data.agenda.map((it) => itemRow(it, m))),
				manage && m.status !== 'closed' && m.status !== 'cancelled' && agendaEditor()),
			!isPartner() && requestsPart(m),
			!isPartner() && m.status === 'closed' && await minutesPart(shell, id, manage, load)));
	}

	await load();
	const off = await client.subscribe(`meeting:${id}`, (e) => {
		if (e.event === 'meetings.changed' || e.event === 'meetings.outcome' || e.event === 'meetings.minutes' || e.event === 'resync') load();
		else if (e.event === 'meetings.attendance' && data) {
			data.attendance = e.data;
			document.getElementById('attendance')?.replaceWith(attendancePart(shell, e.data));
		}
	});
	return () => { off(); if (tallyOff) tallyOff(); };
}
