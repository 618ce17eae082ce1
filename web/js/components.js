// The plugins' web components and the one contract between them and the
// shell (app.js).
//
// Which components exist: after login the shell asks the server which
// plugins it runs (sys.info) and imports /plugins/<name>/component.js of
// each (the server serves <plugins.dir>/web/<name>/ at /plugins/<name>/).
// A plugin without a web component (sys.info: web null) is not asked for
// any file; a plugin the server does not run shows nothing, whatever is
// installed.
//
// A component is an ES module whose default export is a function the shell
// calls once, with the shell object below, and which returns what the
// component adds (every member optional):
//
//   routes: [{path, who, home?, mount(main, ...captures)}]
//       path: '#/decisions', or a RegExp whose groups become the
//       captures (/^#\/proposal\/(\d+)$/); who: 'members' (partners never
//       reach it) or 'everyone'; home: 'members' or 'partners' marks
//       (on a string path) the page shown after login and for any
//       address nothing else serves.
//   nav: [{order, link()}]  link() returns an element for the navigation
//       (built again at each change of language), or null to show none.
//   parts: [{at, order, part(props)}]  an element (or null) that another
//       component's page shows where it asks for shell.parts(at, props):
//       'dashboard' (a card), 'portal' (a card of the partners' portal),
//       'group.summary' ({group}: beside a group's name), 'item'
//       ({item: 'proposal:5'}: tools under an item's record).
//   room(element, {group})  fills its box in the room of every working
//       group that enabled the plugin.
//   start()  runs after each login (and resume); may return a stop
//       function, called at logout.
//
// mount and room may be async and may return a cleanup function: the shell
// calls it when the page is left (and the room calls it when the group
// disables the plugin).  A component lists its live subscriptions that way
// or with shell.onLeave(fn).
//
// The shell object a component receives:
//   name            the plugin's name
//   client          the protocol client (client.js): request, subscribe, user, token
//   t(key, vars)    the component's strings (/plugins/<name>/i18n/<lang>.json,
//                   English when a string is missing), then the shell's
//                   (of which 'error.generic' and 'confirm.cancel' are
//                   meant for components too)
//   lang()          the interface language now: 'en', 'ru' or 'kk'
//   fmtDate(ms)     a date and time in the person's language and time zone
//   h, field, note, errorText, confirmDialog   the DOM helpers of dom.js
//   isPartner(), hasRole(role)   who is logged in (the server decides every
//                   permission; these only leave out controls)
//   go(hash)        navigates; reload() shows the current page again
//   onLeave(fn)     fn runs when the page shown now is left
//   parts(at, props)   the elements other components add at that place
//   room(name)      the room function of another component, or null
import { addStrings, currentLanguage, fmtDate, t as shellT } from './i18n.js';
import pluginsPage from './plugins_page.js';
import { h, field, note, errorText, confirmDialog } from './dom.js';

// Resolves to the components of the plugins the server runs, in the order
// sys.info lists them (null when sys.info went unanswered).  router: {go,
// reload, onLeave} of the shell.
export async function loadComponents(client, router) {
	const info = await client.request('sys.info', {});
	if (!info.ok) return null;
	// web: where the server serves each plugin's component (/plugins/<name>,
	// or /plugins-live/<name>-<digest> for one installed live), null: none
	const webOf = new Map(info.data.plugins.map((p) => [p.name, p.web === undefined ? `/plugins/${encodeURIComponent(p.name)}` : p.web]));
	const names = info.data.plugins.map((p) => p.name).filter((n) => webOf.get(n));
	let list = [];
	const byOrder = (a, b) => a.order - b.order;
	const common = {
		client,
		lang: currentLanguage,
		fmtDate,
		h, field, note, errorText, confirmDialog,
		isPartner: () => client.user?.standing === 'partner',
		hasRole: (r) => !!client.user?.roles?.includes(r),
		...router,
		parts: (at, props = {}) => list.flatMap((c) => c.parts || []).filter((p) => p.at === at).sort(byOrder)
			.map((p) => p.part(props)).filter(Boolean),
		room: (name) => list.find((c) => c.name === name)?.room || null,
	};
	const load = async (name) => {
		const base = webOf.get(name);
		const strings = addStrings(`${base}/i18n`); // fetched while the module loads
		let mod;
		try {
			mod = await import(`${base}/component.js`);
		} catch (e) {
			strings.drop();
			console.info(`${name}: no web component (${e.message})`);
			return null;
		}
		const t = await strings.ready;
		try {
			return { name, ...mod.default({ ...common, name, t }) };
		} catch (e) {
			console.error(`${name}: its web component failed to start`, e);
			return null;
		}
	};
	list = (await Promise.all(names.map(load))).filter(Boolean);
	// the shell's own page of the plugins, built the same way
	list.push({ name: 'sys', ...pluginsPage({ ...common, name: 'sys', t: shellT }) });
	return list;
}
