// The Node.js `ws` peer of bench/live_session.mjs: the same minimal semantics
// as bench/peer_lws.c (no auth, no storage).  Every accord.v1 request is
// answered {"re":id,"ok":true,"data":...}; a "consensus.position" first sends
// a small tally event (serialised once, one Buffer for every connection) to
// every connection, then the ack to the sender.  Prints "port N".
// usage: NODE_PATH=.../node_modules node bench/peer_ws_live.cjs [PORT]
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ port: Number(process.argv[2] || 0), host: '127.0.0.1', perMessageDeflate: false, clientTracking: true });
let seq = 0;
const counts = { agree: 0, abstain: 0 };
const replies = {
	'auth.login': { token: 'peer', expires: 0 },
	'consensus.create': { proposal: { id: 1 } },
	'sub.add': { topic: 'proposal:1', seq: 0 },
};
wss.on('listening', () => console.log(`port ${wss.address().port}`));
wss.on('connection', (ws) => ws.on('message', (raw) => {
	let m;
	try { m = JSON.parse(raw); } catch { return; }
	let data = replies[m.type] || {};
	if (m.type === 'consensus.position') {
		counts[m.data && m.data.position === 'agree' ? 'agree' : 'abstain']++;
		const frame = Buffer.from(JSON.stringify({ event: 'consensus.tally', topic: 'proposal:1', seq: ++seq,
			data: { proposal: 1, counts } }));
		for (const c of wss.clients) c.send(frame, { binary: false });
		data = { proposal: 1 };
	}
	ws.send(JSON.stringify({ re: m.id, ok: true, data }));
}));
process.on('SIGTERM', () => process.exit(0));
