// The connection to the Accord server: requests matched to replies by id,
// events by topic, automatic reconnection with the session token, and
// re-subscription with `since` so nothing is missed or reloaded needlessly.
//
// Every request carries an idempotency key ("idem"), random per intent.
// A request whose reply did not arrive before the connection dropped is
// sent again, with the same key, once the connection is back and the
// session resumed: the server does it at most once, and a reply marked
// `duplicate` says it had been done before.  Ids are only for matching
// replies: they restart at 1 on every page load.

// The session token is kept in localStorage: every tab of the browser
// shares it, so a link opened in a new tab (from an e-mail, from the
// dashboard) is not met by the login page.  Logging out revokes it on the
// server, which closes every connection resumed with it: the other tabs
// then fail to resume and show the login page.
const TOKEN_KEY = 'accord.token';

// 16 random bytes, base64url: 22 characters.
export function newIdem() {
	const b = new Uint8Array(16);
	crypto.getRandomValues(b);
	return btoa(String.fromCharCode(...b)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// How long a request waits for the connection to come back before it is
// answered "unavailable".
const RESEND_WINDOW_MS = 30000;
export class AccordClient extends EventTarget {
	constructor(url) {
		super();
		this.url = url;
		this.nextId = 1;
		this.pending = new Map(); // id -> {resolve, type, data, idem, waiting}
		this.topics = new Map(); // topic -> last seq seen
		this.handlers = new Map(); // topic -> Set(fn)
		this.token = localStorage.getItem(TOKEN_KEY);
		this.user = null;
		this.online = false;
		this.backoff = 500;
		this.connect();
	}

	connect() {
		const ws = new WebSocket(this.url, 'accord.v1');
		this.ws = ws;
		ws.onopen = async () => {
			this.backoff = 500;
			this.online = true;
			if (this.token) {
				const r = await this.request('auth.resume', { token: this.token });
				if (r.ok) {
					this.user = r.data.user;
					this.resend();
					await this.resubscribe();
				} else {
					// the session ended meanwhile (logged out elsewhere,
					// deactivated, expired): the page goes to the login
					this.forget();
					this.dispatchEvent(new CustomEvent('loggedout'));
				}
			}
			this.failWaiting({ code: 'unauthenticated', message: 'log in again' });
			this.dispatchEvent(new CustomEvent('status', { detail: { online: true } }));
		};
		ws.onmessage = (m) => this.onFrame(m.data);
		ws.onclose = () => {
			const wasOnline = this.online;
			this.online = false;
			// Requests still unanswered wait for the connection to come back
			// and are sent again with their key (resend); the reply may
			// have been lost after the server did them.
			for (const [id, p] of this.pending) {
				if (!p.idem) {
					this.pending.delete(id);
					p.resolve({ ok: false, error: { code: 'unavailable', message: 'offline' } });
				} else p.waiting = true;
			}
			// One window from the first drop: failed reconnects do not
			// extend it.
			if (!this.waitTimer && [...this.pending.values()].some((p) => p.waiting))
				this.waitTimer = setTimeout(() => this.failWaiting({ code: 'unavailable', message: 'offline: not confirmed' }), RESEND_WINDOW_MS);
			if (wasOnline) this.dispatchEvent(new CustomEvent('status', { detail: { online: false } }));
			setTimeout(() => this.connect(), this.backoff);
			this.backoff = Math.min(this.backoff * 2, 8000);
		};
	}

	onFrame(text) {
		let msg;
		try {
			msg = JSON.parse(text);
		} catch {
			return;
		}
		if ('re' in msg) {
			const p = this.pending.get(msg.re);
			if (p) {
				this.pending.delete(msg.re);
				p.resolve(msg);
			}
			return;
		}
		if (msg.event) {
			if (msg.event === 'sub.revoked') this.topics.delete(msg.topic);
			else if (this.topics.has(msg.topic)) this.topics.set(msg.topic, msg.seq);
			for (const fn of this.handlers.get(msg.topic) || []) fn(msg);
		}
	}

	request(type, data = {}) {
		return new Promise((resolve) => {
			if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
				resolve({ ok: false, error: { code: 'unavailable', message: 'offline' } });
				return;
			}
			const id = this.nextId++;
			const core = /^(auth|sub|sys)\./.test(type);
			const idem = core ? undefined : newIdem();
			this.pending.set(id, { resolve, type, data, idem });
			this.ws.send(JSON.stringify(idem ? { id, type, data, idem } : { id, type, data }));
		});
	}

	// After the session resumed: the requests that were waiting go out
	// again under new ids with their old keys.
	resend() {
		clearTimeout(this.waitTimer);
		this.waitTimer = null;
		for (const [id, p] of [...this.pending]) {
			if (!p.waiting) continue;
			this.pending.delete(id);
			p.waiting = false;
			const nid = this.nextId++;
			this.pending.set(nid, p);
			this.ws.send(JSON.stringify({ id: nid, type: p.type, data: p.data, idem: p.idem }));
		}
	}

	failWaiting(error) {
		clearTimeout(this.waitTimer);
		this.waitTimer = null;
		for (const [id, p] of [...this.pending]) {
			if (!p.waiting) continue;
			this.pending.delete(id);
			p.resolve({ ok: false, error });
		}
	}

	async login(login, password) {
		const r = await this.request('auth.login', { login, password });
		if (r.ok) {
			this.token = r.data.token;
			this.user = r.data.user;
			localStorage.setItem(TOKEN_KEY, this.token);
		}
		return r;
	}

	async logout() {
		await this.request('auth.logout', {});
		this.forget();
	}

	forget() {
		// another tab may have logged in since: its token stays
		if (localStorage.getItem(TOKEN_KEY) === this.token) localStorage.removeItem(TOKEN_KEY);
		this.token = null;
		this.user = null;
		this.topics.clear();
	}

	// Subscribes fn to a topic's events; returns an unsubscribe function.
	async subscribe(topic, fn) {
		if (!this.handlers.has(topic)) this.handlers.set(topic, new Set());
		this.handlers.get(topic).add(fn);
		const r = await this.request('sub.add', { topic });
		if (r.ok) this.topics.set(topic, r.data.seq);
		return () => {
			const set = this.handlers.get(topic);
			set?.delete(fn);
			if (set && set.size === 0) {
				this.handlers.delete(topic);
				this.topics.delete(topic);
				this.request('sub.remove', { topic });
			}
		};
	}

	// After a reconnect: replay what was missed, or tell the page to reload
	// its data when the server no longer has it.
	async resubscribe() {
		for (const [topic, seq] of [...this.topics]) {
			const r = await this.request('sub.add', { topic, since: seq });
			if (r.ok && r.data.resync) {
				this.topics.set(topic, r.data.seq);
				for (const fn of this.handlers.get(topic) || []) fn({ event: 'resync', topic });
			}
		}
	}
}
