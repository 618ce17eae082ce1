// Building blocks of the web client's views, shared by app.js and admin.js.
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
