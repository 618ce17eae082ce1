// #/notifications: the person's e-mail address (checked by the server when
// saved), the language of the e-mails, and for each kind of notice: at
// once, in the daily summary, or not by e-mail (the inbox has them all).
const CATEGORIES = ['proposal_opened', 'reminder', 'outcome', 'release', 'action_assigned', 'action_overdue',
	'meeting_convened', 'meeting_moved', 'meeting_cancelled', 'agenda_circulated', 'minutes_circulated'];
const MODES = ['immediate', 'digest', 'off'];

export async function viewSettings(shell, main) {
	const { client, t, h, field, note, errorText } = shell;
	const r = await client.request('notify.prefs.get', {});
	if (!r.ok) {
		main.replaceChildren(h('h1', {}, t('notify.settings')), note(errorText(r), 'error'));
		return;
	}
	const p = r.data;
	const email = h('input', { type: 'email', value: p.email || '', autocomplete: 'email', maxlength: '254' });
	const langSel = h('select', {}, ...['en', 'ru'].map((l) => h('option', { value: l, selected: p.lang === l }, t(`notify.lang.${l}`))));
	const modes = {};
	const rows = CATEGORIES.map((c) => {
		modes[c] = h('select', { name: c }, ...MODES.map((m) => h('option', { value: m, selected: p.categories[c] === m }, t(`notify.mode.${m}`))));
		return field(t(`notify.cat.${c}`), modes[c]);
	});
	const msg = h('div');
	// novalidate: the server checks the address and says what is wrong
	const form = h('form', { novalidate: true, onsubmit: async (e) => {
		e.preventDefault();
		const categories = Object.fromEntries(CATEGORIES.map((c) => [c, modes[c].value]));
		const s = await client.request('notify.prefs.set', { email: email.value.trim(), lang: langSel.value, categories });
		msg.replaceChildren(s.ok ? note(t('notify.saved')) : note(errorText(s), 'error'));
	} }, field(t('notify.email'), email), field(t('notify.email_lang'), langSel),
	h('fieldset', {}, h('legend', {}, t('notify.by_email')), ...rows),
	h('button', { type: 'submit' }, t('notify.save')), msg);
	main.replaceChildren(h('h1', {}, t('notify.settings')), h('p', {}, t('notify.settings_intro')), form);
}
