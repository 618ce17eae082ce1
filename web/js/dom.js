// Building blocks of the web client's views, for the shell and, through the
// shell object (components.js), for the plugins' web components.
// Server data always goes in as text (textContent), never as HTML.
import { t } from './i18n.js';

// h('p', {class: 'x'}, 'text', child...) builds an element.
export function h(tag, attrs = {}, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === false || v == null) continue;
		if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
		else if (k === 'class') el.className = v;
		else el.setAttribute(k, v === true ? '' : v);
	}
	for (const c of children.flat()) if (c != null && c !== false) el.append(c.nodeType ? c : String(c));
	return el;
}

export function field(label, input) {
	const id = `f${Math.random().toString(36).slice(2, 8)}`;
	input.id = id;
	return h('div', { class: 'field' }, h('label', { for: id }, label), input);
}

export function note(text, kind = 'info') {
	return h('p', { class: `note ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

export function errorText(r) {
	return t('error.generic', { message: r.error?.message || r.error?.code || '?' });
}

// Asks before something that cannot simply be undone; resolves true for
// yes.  An accessible <dialog> instead of window.confirm: it can say what
// is missing and is read out with its heading (or its first line).  Focus
// starts on the safe answer, which Escape also gives.
//   confirmDialog({heading?, lines: [text...], yes, no?})
export function confirmDialog({ heading, lines = [], yes, no = t('confirm.cancel') }) {
	return new Promise((resolve) => {
		const id = `d${Math.random().toString(36).slice(2, 8)}`;
		const yesButton = h('button', { type: 'button', class: 'danger' }, yes);
		const noButton = h('button', { type: 'button', class: 'secondary' }, no);
		const text = lines.map((l, i) => h('p', { id: !heading && i === 0 ? id : null }, l));
		const dlg = h('dialog', { class: 'confirm', 'aria-labelledby': id }, heading && h('h2', { id }, heading), ...text,
			h('div', { class: 'buttons' }, yesButton, noButton));
		const done = (v) => {
			dlg.close();
			dlg.remove();
			resolve(v);
		};
		yesButton.addEventListener('click', () => done(true));
		noButton.addEventListener('click', () => done(false));
		dlg.addEventListener('cancel', (e) => { e.preventDefault(); done(false); });
		document.body.append(dlg);
		dlg.showModal();
		noButton.focus();
	});
}
