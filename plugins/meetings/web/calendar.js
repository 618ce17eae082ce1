// The meetings of one month as a calendar: a table of the month's weeks,
// Monday first, each meeting on its day in its own time zone (as the list
// shows its time) with its title, kind and status and a link to its page;
// buttons to the previous and the next month.  On a phone the table gives
// way to a list of the days that have meetings (calendar.css).
import { statusBadge } from './list.js';

const DAY = 86400_000;

// The calendar date and the time of day of ms in time zone tz:
// { key: 'YYYY-MM-DD', time: 'HH:MM' } (the reader's zone if tz is unknown).
export function dayIn(ms, tz) {
	let parts;
	try {
		parts = new Intl.DateTimeFormat('en-GB', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(ms);
	} catch {
		parts = new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(ms);
	}
	const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
	return { key: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

// The weeks of month m (0-11) of year y, Monday first: arrays of seven
// day numbers, null outside the month.
export function monthWeeks(y, m) {
	const first = (new Date(Date.UTC(y, m, 1)).getUTCDay() + 6) % 7; // Monday 0
	const days = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
	const cells = [...Array(first).fill(null), ...Array.from({ length: days }, (_, i) => i + 1)];
	while (cells.length % 7) cells.push(null);
	const weeks = [];
	for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
	return weeks;
}

const pad = (n) => String(n).padStart(2, '0');
const keyOf = (y, m, d) => `${y}-${pad(m + 1)}-${pad(d)}`;

let styled = false;
function style(h) {
	if (styled || document.querySelector('link[data-meetings-calendar]')) return;
	styled = true;
	document.head.append(h('link', { rel: 'stylesheet', href: '/plugins/meetings/calendar.css', 'data-meetings-calendar': '1' }));
}

// Mounts the calendar in box; returns nothing.  The month shown starts as
// the reader's current month.
export function calendarView(shell, box) {
	const { client, t, h, note, errorText, lang } = shell;
	style(h);
	const now = new Date();
	let y = now.getFullYear();
	let m = now.getMonth();
	const title = h('h3', { id: 'calendar-month', 'aria-live': 'polite' });
	const body = h('div', { id: 'calendar-body' });
	const move = (step) => {
		m += step;
		if (m < 0) { m = 11; y -= 1; }
		if (m > 11) { m = 0; y += 1; }
		load();
	};
	const nav = h('div', { class: 'calendar-nav' },
		h('button', { type: 'button', class: 'secondary', name: 'calendar-prev', onclick: () => move(-1) }, `‹ ${t('meetings.cal_prev')}`),
		title,
		h('button', { type: 'button', class: 'secondary', name: 'calendar-next', onclick: () => move(1) }, `${t('meetings.cal_next')} ›`));
	box.replaceChildren(h('div', { class: 'calendar', id: 'calendar' }, nav, body));

	const entry = (mt, time) => h('li', { 'data-meeting': mt.id },
		h('a', { href: `#/meeting/${mt.id}` }, h('span', { class: 'calendar-time' }, time), ' ', mt.title), ' ',
		h('span', { class: 'muted' }, t(`meetings.kind.${mt.kind}`)), statusBadge(shell, mt.status));

	async function load() {
		const shown = { y, m };
		const month = new Intl.DateTimeFormat(lang(), { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(Date.UTC(y, m, 15));
		title.textContent = month;
		// a day either side: a meeting's own zone may put it in this month
		const r = await client.request('meetings.list', { from: Math.max(0, Date.UTC(y, m, 1) - DAY), to: Date.UTC(y, m + 1, 1) + DAY });
		if (shown.y !== y || shown.m !== m) return; // moved on meanwhile
		if (!r.ok) { body.replaceChildren(note(errorText(r), 'error')); return; }
		const byDay = new Map();
		for (const mt of r.data.meetings) {
			const d = dayIn(mt.starts_at, mt.tz);
			if (!byDay.has(d.key)) byDay.set(d.key, []);
			byDay.get(d.key).push(entry(mt, d.time));
		}
		const fullDate = (d) => new Intl.DateTimeFormat(lang(), { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(Date.UTC(y, m, d));
		// Monday 1 January 2024 names the weekdays in the reader's language
		const wd = (i, style) => new Intl.DateTimeFormat(lang(), { weekday: style, timeZone: 'UTC' }).format(Date.UTC(2024, 0, 1 + i));
		const today = keyOf(now.getFullYear(), now.getMonth(), now.getDate());
		const table = h('table', { class: 'calendar-grid' },
			h('caption', { class: 'visually-hidden' }, month),
			h('thead', {}, h('tr', {}, ...[0, 1, 2, 3, 4, 5, 6].map((i) => h('th', { scope: 'col', abbr: wd(i, 'long') }, wd(i, 'short'))))),
			h('tbody', {}, ...monthWeeks(y, m).map((week) => h('tr', {}, ...week.map((d) => {
				if (!d) return h('td', { class: 'calendar-empty' });
				const k = keyOf(y, m, d);
				const items = byDay.get(k);
				return h('td', { 'data-day': k, class: k === today ? 'calendar-today' : null, 'aria-current': k === today ? 'date' : null },
					h('time', { datetime: k, 'aria-label': fullDate(d) }, String(d)),
					items && h('ul', { 'aria-label': fullDate(d) }, ...items));
			})))));
		// phones: only the days that have meetings
		const days = [];
		for (let d = 1; d <= new Date(Date.UTC(y, m + 1, 0)).getUTCDate(); d++) {
			const k = keyOf(y, m, d);
			if (byDay.has(k)) days.push(h('li', { 'data-day': k }, h('h4', {}, fullDate(d)), h('ul', {}, ...byDay.get(k).map((li) => li.cloneNode(true)))));
		}
		body.replaceChildren(table, h('ol', { class: 'calendar-days' }, ...(days.length ? days : [h('li', {}, t('meetings.cal_none'))])));
	}
	load();
}
