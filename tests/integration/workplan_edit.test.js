// Changing a workplan after the fact (issue 21): areas, items and
// indicators of a draft edited and deleted (an item never once reported on
// or followed up) (an indicator with values reported is not
// deleted nor retyped; an area with items only with cascade: true, and not
// when its items were reported on), and a plan closed by the secretariat
// (every change refused with a clear error, still readable, its report
// still assembled).  Every change is in the append-only log; bad input is
// refused and nothing is written.  See docs/protocol.md, "Workplan plugin".
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, connectAs, closeAll, env, MEMBERS } from './lib/harness.js';

function ok(r, what) {
	assert.equal(r.ok, true, `${what}: ${JSON.stringify(r)}`);
	return r.data;
}
function err(r, code, what, message) {
	assert.equal(r.ok, false, `${what}: expected ${code}, got ${JSON.stringify(r)}`);
	assert.equal(r.error.code, code, `${what}: expected ${code}, got ${JSON.stringify(r)}`);
	if (message) assert.match(r.error.message, message, what);
	return r.error;
}

const Y = new Date().getUTCFullYear() - 1;
const CLOSED = /^the plan is closed: it no longer changes \(it stays readable, and its report can still be assembled\)$/;

describe('workplan: editing areas and indicators, closing a plan', { timeout: 60_000 }, () => {
	let server, iom, rco, undp;
	const clients = [];
	let plan, areaA, areaB, item, ind1, ind2;

	const log = async () => ok(await iom.request('workplan.log', { limit: 1000 }), 'log').entries;
	const snapshot = async () => JSON.stringify(ok(await iom.request('workplan.plan.get', { plan: plan.id }), 'get').plan);
	async function unchanged(fn) {
		const [p, l] = [await snapshot(), (await log()).length];
		await fn();
		assert.equal(await snapshot(), p, 'the plan is unchanged');
		assert.equal((await log()).length, l, 'nothing was logged');
	}

	before(async () => {
		const { sourceDir } = env();
		server = await startServer({
			plugins: { membership: {}, consensus: {}, workplan: { reference_dir: path.join(sourceDir, 'config', 'reference') } },
		});
		for (const l of MEMBERS) clients.push(await connectAs(server, l));
		const by = (l) => clients.find((c) => c.user.login === l);
		[iom, rco, undp] = ['iom', 'rco', 'undp'].map(by);
		plan = ok(await iom.request('workplan.plan.create', { title: 'Plan', period_start: `${Y}-01-01`, period_end: `${Y + 1}-12-31` }), 'plan').plan;
		areaA = ok(await iom.request('workplan.area.add', { plan: plan.id, title: 'Data', gcm: [1] }), 'area A').area;
		areaB = ok(await iom.request('workplan.area.add', { plan: plan.id, title: 'Empty' }), 'area B').area;
		item = ok(await iom.request('workplan.item.add', {
			area: areaA.id, title: 'Survey', lead_orgs: ['UNDP'], start: `${Y}-01-01`, end: `${Y}-12-31`,
			indicators: [
				{ name: 'Officials trained', unit: 'people', type: 'integer', baseline: 0, target: 40 },
				{ name: 'Coverage', unit: '%', type: 'number', target: 2.5 },
			],
		}), 'item').item;
		[ind1, ind2] = item.indicators.map((i) => i.id);
	});
	after(async () => {
		await closeAll(...clients);
		await server?.stop();
	});

	test('an area is edited by the secretariat; bad input is refused and nothing is written', async () => {
		await unchanged(async () => {
			err(await undp.request('workplan.area.update', { area: areaA.id, title: 'x' }), 'forbidden', 'member', /^only the secretariat does this$/);
			err(await iom.request('workplan.area.update', { area: areaA.id, gcm: [1, 24] }), 'bad_request', 'gcm 24', /^gcm\[1\]: the GCM has no objective 24/);
			err(await iom.request('workplan.area.update', { area: areaA.id, sdg: ['10.9'] }), 'bad_request', 'sdg', /^sdg\[0\]: "10.9" is not an SDG goal or target/);
			err(await iom.request('workplan.area.update', { area: areaA.id, title: '' }), 'bad_request', 'empty title');
			err(await iom.request('workplan.area.update', { area: 987654, title: 'x' }), 'not_found', 'missing', /^no such area$/);
		});
		const a = ok(await iom.request('workplan.area.update', { area: areaA.id, title: 'Data and evidence', gcm: [1, 3], sdg: ['17.18'] }), 'update').area;
		assert.equal(a.title, 'Data and evidence');
		assert.deepEqual(a.gcm, [1, 3]);
		assert.deepEqual(a.sdg, ['17.18']);
		assert.equal((await log())[0].action, 'area.update');
	});

	test('indicators: added, edited (values of their type), deleted; not once values were reported', async () => {
		await unchanged(async () => {
			err(await iom.request('workplan.indicator.update', { indicator: ind1, target: 'forty' }), 'bad_request', 'text target', /^target: expected an integer \(the indicator's type is integer\)$/);
			err(await iom.request('workplan.indicator.update', { indicator: ind2, type: 'integer' }), 'bad_request', 'retype with a stored 2.5', /^type: the target stored is not of the type integer/);
			err(await iom.request('workplan.indicator.update', { indicator: ind2, type: 'colour' }), 'bad_request', 'bad type');
			err(await iom.request('workplan.indicator.update', { indicator: 987654, name: 'x' }), 'not_found', 'missing', /^no such indicator$/);
			err(await iom.request('workplan.indicator.add', { item: item.id, name: 'x', unit: 'u', type: 'percent', target: 120 }), 'bad_request', 'percent 120', /^target: expected a percentage from 0 to 100/);
			err(await iom.request('workplan.indicator.add', { item: 987654, name: 'x', unit: 'u', type: 'number', target: 1 }), 'not_found', 'no item');
			err(await undp.request('workplan.indicator.delete', { indicator: ind2 }), 'forbidden', 'member deletes');
		});
		const u = ok(await iom.request('workplan.indicator.update', { indicator: ind2, type: 'integer', target: 3, means: 'Survey data' }), 'retype with a new target').indicator;
		assert.equal(u.type, 'integer');
		assert.equal(u.target, 3);
		const added = ok(await iom.request('workplan.indicator.add', { item: item.id, name: 'Reports', unit: 'documents', type: 'integer', target: 4 }), 'add').indicator;
		ok(await undp.request('workplan.progress.report', { item: item.id, period: `${Y}-Q1`, narrative: 'Trained 10', values: [{ indicator: ind1, value: 10 }] }), 'progress');
		await unchanged(async () => {
			err(await iom.request('workplan.indicator.delete', { indicator: ind1 }), 'conflict', 'values reported', /^values were reported against this indicator \(1 progress report\): it is not deleted$/);
			err(await iom.request('workplan.indicator.update', { indicator: ind1, type: 'number' }), 'conflict', 'retype reported', /^type: values were reported against this indicator: its type stays integer$/);
		});
		ok(await iom.request('workplan.indicator.update', { indicator: ind1, name: 'Officials trained (all)' }), 'rename a reported one');
		ok(await iom.request('workplan.indicator.delete', { indicator: added.id }), 'delete');
		ok(await iom.request('workplan.indicator.delete', { indicator: ind2 }), 'delete');
		const p = ok(await iom.request('workplan.plan.get', { plan: plan.id }), 'get').plan;
		assert.deepEqual(p.items[0].indicators.map((i) => [i.id, i.name]), [[ind1, 'Officials trained (all)']]);
		assert.deepEqual((await log()).slice(0, 6).map((e) => e.action), ['indicator.delete', 'indicator.delete', 'indicator.update', 'progress.report', 'indicator.add', 'indicator.update']);
	});

	test('areas are deleted: empty at once, with items only with cascade, never when reported on', async () => {
		await unchanged(async () => {
			err(await iom.request('workplan.area.delete', { area: areaA.id }), 'conflict', 'items', /^the area has 1 item: send cascade: true to delete it with it/);
			err(await iom.request('workplan.area.delete', { area: areaA.id, cascade: true }), 'conflict', 'reported', new RegExp(`^item ${item.id} has progress reports: an area whose items were reported on or followed up is not deleted$`));
			err(await iom.request('workplan.area.delete', { area: areaA.id, cascade: 'yes' }), 'bad_request', 'cascade text', /^cascade: expected true or false$/);
			err(await iom.request('workplan.area.delete', { area: 987654 }), 'not_found', 'missing', /^no such area$/);
		});
		assert.deepEqual(ok(await iom.request('workplan.area.delete', { area: areaB.id }), 'empty').items_deleted, 0);
		const c = ok(await iom.request('workplan.area.add', { plan: plan.id, title: 'To go' }), 'area C').area;
		const it = ok(await iom.request('workplan.item.add', { area: c.id, title: 'Gone', lead_orgs: ['IOM'], start: `${Y}-01-01`, end: `${Y}-12-31`, indicators: [{ name: 'n', unit: 'u', type: 'integer', target: 1 }] }), 'item').item;
		const d = ok(await iom.request('workplan.area.delete', { area: c.id, cascade: true }), 'cascade');
		assert.equal(d.items_deleted, 1);
		const p = ok(await iom.request('workplan.plan.get', { plan: plan.id }), 'get').plan;
		assert.deepEqual(p.areas.map((a) => a.id), [areaA.id]);
		assert.ok(!p.items.some((x) => x.id === it.id));
		const entries = await log();
		assert.deepEqual(entries.slice(0, 2).map((e) => [e.action, e.object]), [['area.delete', `area:${c.id}`], ['item.add', `item:${it.id}`]]);
	});

	test('an item of a draft is deleted with its indicators and links; never once reported on, nor by a member', async () => {
		const it = ok(await iom.request('workplan.item.add', { area: areaA.id, title: 'Mistake', lead_orgs: ['IOM'], start: `${Y}-01-01`, end: `${Y}-12-31`, indicators: [{ name: 'n', unit: 'u', type: 'integer', target: 1 }] }), 'item').item;
		await unchanged(async () => {
			err(await iom.request('workplan.item.delete', { item: item.id }), 'conflict', 'reported', /^the item has progress reports: it is not deleted$/);
			err(await undp.request('workplan.item.delete', { item: it.id }), 'forbidden', 'a member deletes');
			err(await iom.request('workplan.item.delete', { item: 987654 }), 'not_found', 'missing', /^no such workplan item$/);
			err(await iom.request('workplan.item.delete', { item: 'x' }), 'bad_request', 'text id', /^item: /);
		});
		assert.deepEqual(ok(await iom.request('workplan.item.delete', { item: it.id }), 'delete'), { item: it.id, plan: plan.id });
		const p = ok(await iom.request('workplan.plan.get', { plan: plan.id }), 'get').plan;
		assert.deepEqual(p.items.map((x) => x.id), [item.id]);
		assert.deepEqual((await log()).slice(0, 2).map((e) => [e.action, e.object]), [['item.delete', `item:${it.id}`], ['item.add', `item:${it.id}`]]);
		err(await iom.request('workplan.item.delete', { item: it.id }), 'not_found', 'deleted twice', /^no such workplan item$/);
	});

	test('a plan is closed by the secretariat once adopted; then nothing of it changes, it is read and reported on', async () => {
		await unchanged(async () => {
			err(await iom.request('workplan.plan.close', { plan: plan.id }), 'conflict', 'a draft', /^only an adopted plan is closed \(this one is a draft: adopt it first\)$/);
			err(await undp.request('workplan.plan.close', { plan: plan.id }), 'forbidden', 'member');
			err(await iom.request('workplan.plan.close', { plan: 987654 }), 'not_found', 'missing', /^no such plan$/);
		});
		const pr = ok(await rco.request('consensus.create', { title: 'Adopt', text: 'Adopt.', kind: 'decision' }), 'proposal').proposal;
		ok(await rco.request('consensus.open', { proposal: pr.id }), 'open');
		for (const c of clients) ok(await c.request('consensus.position', { proposal: pr.id, position: 'agree' }), 'agree');
		ok(await rco.request('consensus.close', { proposal: pr.id }), 'close');
		ok(await iom.request('workplan.plan.adopt', { plan: plan.id, proposal: pr.id }), 'adopt');
		// adopted: areas and indicators are fixed, as items are
		err(await iom.request('workplan.area.update', { area: areaA.id, title: 'x' }), 'conflict', 'adopted', /^the plan is adopted/);
		err(await iom.request('workplan.indicator.add', { item: item.id, name: 'x', unit: 'u', type: 'number', target: 1 }), 'conflict', 'adopted', /^the plan is adopted/);
		const closed = ok(await iom.request('workplan.plan.close', { plan: plan.id }), 'close').plan;
		assert.equal(closed.status, 'closed');
		await unchanged(async () => {
			err(await iom.request('workplan.plan.close', { plan: plan.id }), 'conflict', 'again', /^the plan is closed already$/);
			err(await iom.request('workplan.plan.update', { plan: plan.id, title: 'x' }), 'conflict', 'plan.update', CLOSED);
			err(await iom.request('workplan.area.add', { plan: plan.id, title: 'x' }), 'conflict', 'area.add', CLOSED);
			err(await iom.request('workplan.area.update', { area: areaA.id, title: 'x' }), 'conflict', 'area.update', CLOSED);
			err(await iom.request('workplan.area.delete', { area: areaA.id }), 'conflict', 'area.delete', CLOSED);
			err(await iom.request('workplan.item.add', { area: areaA.id, title: 'x', lead_orgs: ['UNDP'], start: `${Y}-01-01`, end: `${Y}-12-31` }), 'conflict', 'item.add', CLOSED);
			err(await iom.request('workplan.item.update', { item: item.id, status: 'done' }), 'conflict', 'item.update', CLOSED);
			err(await undp.request('workplan.item.update', { item: item.id, status: 'done' }), 'conflict', 'item.update by the lead', CLOSED);
			err(await iom.request('workplan.item.link', { item: item.id, decision: pr.id }), 'conflict', 'item.link', CLOSED);
			err(await iom.request('workplan.indicator.update', { indicator: ind1, name: 'x' }), 'conflict', 'indicator.update', CLOSED);
			err(await iom.request('workplan.indicator.delete', { indicator: ind1 }), 'conflict', 'indicator.delete', CLOSED);
			err(await iom.request('workplan.item.delete', { item: item.id }), 'conflict', 'item.delete', CLOSED);
			err(await undp.request('workplan.progress.report', { item: item.id, period: `${Y}-Q2`, narrative: 'late' }), 'conflict', 'progress', CLOSED);
		});
		assert.equal(ok(await undp.request('workplan.plan.get', { plan: plan.id }), 'read').plan.status, 'closed');
		const r = ok(await iom.request('workplan.report.create', { plan: plan.id, title: 'Final report', period_start: `${Y}-01-01`, period_end: `${Y + 1}-12-31` }), 'report').report;
		assert.equal(r.content.plan.status, 'closed');
		ok(await iom.request('workplan.report.assemble', { report: r.id }), 'assembled again');
		const entries = ok(await iom.request('workplan.log', { object: `plan:${plan.id}` }), 'log').entries;
		assert.deepEqual(entries.map((e) => e.action).reverse(), ['plan.create', 'plan.adopt', 'plan.close']);
	});
});
