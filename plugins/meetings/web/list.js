// The list of meetings the person may see, soonest first, and for the
// co-chairs and the secretariat the form that drafts one.
import { calendarView } from './calendar.js';

const KINDS = ['regular', 'extraordinary', 'annual'];
const MODES = ['in_person', 'online', 'hybrid'];

// A meeting's time in its own time zone (the shell's fmtDate is the
// reader's), e.g. "14 Dec 2026, 09:00 (Asia/Almaty)".
export function meetingTime({ lang, fmtDate }, ms, tz) {
	try {
		return `${new Intl.DateTimeFormat(lang(), { dateStyle: 'medium', timeStyle: 'short', timeZone: tz }).format(ms)} (${tz})`;
	} catch {
		return fmtDate(ms);
	}
}

export function statusBadge({ t, h }, status) {
	return h('span', { class: `badge meeting-${status}` }, t(`meetings.status.${status}`));
}

function createForm(shell, done) {
	const { client, t, h, field, note, errorText } = shell;
	const title = h('input', { name: 'm-title', required: true, maxlength: 300 });
	const kind = h('select', { name: 'm-kind' }, ...KINDS.map((k) => h('option', { value: k }, t(`meetings.kind.${k}`))));
	const starts = h('input', { name: 'm-starts', type: 'datetime-local', required: true });
	const hours = h('input', { name: 'm-hours', type: 'number', min: 1, max: 72, value: 3 });
	const mode = h('select', { name: 'm-mode' }, ...MODES.map((k) => h('option', { value: k }, t(`meetings.mode.${k}`))));
	const location = h('input', { name: 'm-location', maxlength: 500 });
	const url = h('input', { name: 'm-url', type: 'url', maxlength: 1000 });
	const unct = h('input', { name: 'm-unct', type: 'checkbox' });
	const msg = h('div', { 'aria-live': 'polite' });
	return h('form', { class: 'card', id: 'meeting-create', onsubmit: async (e) => {
		e.preventDefault();
		const at = new Date(starts.value).getTime();
		const data = { kind: kind.value, title: title.value.trim(), starts_at: at, ends_at: at + Number(hours.value || 1) * 3600_000, mode: mode.value, location: location.value.trim(), with_unct: unct.checked };
		if (url.value.trim()) data.online_url = url.value.trim();
		const r = await client.request('meetings.create', data);
		if (r.ok) done(r.data.meeting.id);
		else msg.replaceChildren(note(errorText(r), 'error'));
	} }, h('h2', {}, t('meetings.create')), field(t('meetings.title'), title), field(t('meetings.kind'), kind),
	field(t('meetings.starts'), starts), field(t('meetings.hours'), hours), field(t('meetings.mode'), mode),
	field(t('meetings.location'), location), field(t('meetings.online_url'), url),
	h('label', { class: 'check' }, unct, t('meetings.with_unct')), h('button', { type: 'submit' }, t('meetings.create_submit')), msg);
}

// Members ask for an extraordinary meeting; the co-chairs and the
// secretariat answer each request once.
function requestsCard(shell, manage) {
	const { client, t, h, field, note, errorText, fmtDate } = shell;
	const list = h('ul', { class: 'list', id: 'meeting-requests' });
	const reason = h('textarea', { name: 'x-reason', rows: 2, maxlength: 4000 });
	const msg = h('div', { 'aria-live': 'polite' });
	const load = async () => {
		const r = await client.request('meetings.requests', {});
		const rows = r.ok ? r.data.requests : [];
		list.replaceChildren(...(rows.length ? rows.map((q) => h('li', { 'data-request': q.id }, q.reason, h('span', { class: 'muted' }, ` ${q.org}, ${fmtDate(q.at)}`),
			h('span', { class: 'badge' }, t(`meetings.rstatus.${q.status}`)),
			manage && q.status === 'pending' && [' ',
				h('button', { type: 'button', class: 'secondary', name: `accept-request-${q.id}`, onclick: async () => { const a = await client.request('meetings.answer', { request: q.id, answer: 'accepted' }); if (!a.ok) msg.replaceChildren(note(errorText(a), 'error')); load(); } }, t('meetings.accept')),
				h('button', { type: 'button', class: 'secondary', name: `decline-request-${q.id}`, onclick: async () => { const a = await client.request('meetings.answer', { request: q.id, answer: 'declined' }); if (!a.ok) msg.replaceChildren(note(errorText(a), 'error')); load(); } }, t('meetings.decline'))]))
			: [h('li', {}, t('meetings.none'))]));
	};
	load();
	return h('section', { class: 'card', id: 'extraordinary' }, h('h2', {}, t('meetings.extraordinary')), list,
		h('form', { onsubmit: async (e) => {
			e.preventDefault();
			if (!reason.value.trim()) { reason.focus(); return; }
			const r = await client.request('meetings.request', { reason: reason.value.trim() });
			if (r.ok) { reason.value = ''; msg.replaceChildren(note(t('meetings.request_sent'))); load(); } else msg.replaceChildren(note(errorText(r), 'error'));
		} }, field(t('meetings.request_reason'), reason), h('button', { type: 'submit' }, t('meetings.request_extraordinary'))), msg);
}

// The person's calendar feed: an address for a calendar program, made
// again (the old one stops working) or revoked.
function feedCard({ client, t, h, note, errorText }) {
	const out = h('div', { 'aria-live': 'polite', id: 'feed-address' });
	const make = async () => {
		const r = await client.request('meetings.feed', {});
		out.replaceChildren(r.ok ? h('input', { readonly: true, value: `${location.origin}${r.data.path}`, 'aria-label': t('meetings.feed_address'), size: 60 }) : note(errorText(r), 'error'));
	};
	const revoke = async () => {
		const r = await client.request('meetings.feed.revoke', {});
		out.replaceChildren(note(r.ok ? t('meetings.feed_revoked') : errorText(r), r.ok ? 'info' : 'error'));
	};
	return h('section', { class: 'card', id: 'feed' }, h('h2', {}, t('meetings.feed')), h('p', { class: 'muted' }, t('meetings.feed_help')),
		h('p', {}, h('button', { type: 'button', class: 'secondary', name: 'feed-new', onclick: make }, t('meetings.feed_new')), ' ',
			h('button', { type: 'button', class: 'secondary', name: 'feed-revoke', onclick: revoke }, t('meetings.feed_revoke'))), out);
}

// The meetings page shows them as a list or as a month calendar
// (calendar.js); the person's choice is remembered in this browser.
const VIEW_KEY = 'accord.meetings.view';

export async function viewMeetings(shell, main) {
	const { client, t, h, note, errorText, isPartner, hasRole, go } = shell;
	const list = h('ul', { class: 'list', id: 'meetings' });
	const cal = h('div', { id: 'meetings-calendar' });
	const manage = !isPartner() && (hasRole('co_chair') || hasRole('secretariat'));
	let view = 'list';
	try { if (localStorage.getItem(VIEW_KEY) === 'calendar') view = 'calendar'; } catch { /* storage off */ }
	const toggles = {};
	const section = h('section', { class: 'card', id: 'meetings-section' });
	const show = (v) => {
		try { localStorage.setItem(VIEW_KEY, v); } catch { /* storage off */ }
		for (const [k, b] of Object.entries(toggles)) b.setAttribute('aria-pressed', String(k === v));
		list.hidden = v !== 'list';
		cal.hidden = v !== 'calendar';
		section.classList.toggle('calendar-wide', v === 'calendar');
		if (v === 'calendar' && !cal.firstChild) calendarView(shell, cal);
	};
	for (const v of ['list', 'calendar']) toggles[v] = h('button', { type: 'button', class: 'secondary', name: `view-${v}`, 'aria-pressed': 'false', 'aria-controls': v === 'list' ? 'meetings' : 'meetings-calendar', onclick: () => show(v) }, t(`meetings.view_${v}`));
	section.append(h('h2', {}, t('meetings.list')),
		h('div', { class: 'view-toggle', role: 'group', 'aria-label': t('meetings.view') }, toggles.list, ' ', toggles.calendar), list, cal);
	main.replaceChildren(h('div', { class: 'grid' }, h('h1', {}, t('meetings.heading')),
		section,
		manage && createForm(shell, (id) => go(`#/meeting/${id}`)),
		!isPartner() && requestsCard(shell, manage), feedCard(shell)));
	show(view);
	const r = await client.request('meetings.list', {});
	if (!r.ok) { list.replaceChildren(h('li', {}, note(errorText(r), 'error'))); return; }
	list.replaceChildren(...(r.data.meetings.length ? r.data.meetings.map((m) => h('li', { 'data-meeting': m.id },
		h('a', { href: `#/meeting/${m.id}` }, m.title), ' ', statusBadge(shell, m.status),
		h('span', { class: 'muted' }, ` ${t(`meetings.kind.${m.kind}`)}, ${meetingTime(shell, m.starts_at, m.tz)}`)))
		: [h('li', {}, t('meetings.none'))]));
}
