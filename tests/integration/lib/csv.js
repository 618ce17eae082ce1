// RFC 4180 CSV parsing for the export tests.
import assert from 'node:assert/strict';

/** Returns an array of records (arrays of strings). */
export function parseCsv(text) {
	const rows = [];
	let row = [];
	let field = '';
	let i = 0;
	let quoted = false;
	let fieldStarted = false;
	while (i < text.length) {
		const ch = text[i];
		if (quoted) {
			if (ch === '"') {
				if (text[i + 1] === '"') {
					field += '"';
					i += 2;
					continue;
				}
				quoted = false;
				i++;
				continue;
			}
			field += ch;
			i++;
			continue;
		}
		if (ch === '"' && !fieldStarted) {
			quoted = true;
			fieldStarted = true;
			i++;
			continue;
		}
		if (ch === ',') {
			row.push(field);
			field = '';
			fieldStarted = false;
			i++;
			continue;
		}
		if (ch === '\r' && text[i + 1] === '\n') i++;
		if (ch === '\n' || ch === '\r') {
			row.push(field);
			rows.push(row);
			row = [];
			field = '';
			fieldStarted = false;
			i++;
			continue;
		}
		field += ch;
		fieldStarted = true;
		i++;
	}
	assert.equal(quoted, false, 'CSV ends inside a quoted field');
	if (fieldStarted || row.length) {
		row.push(field);
		rows.push(row);
	}
	return rows;
}
