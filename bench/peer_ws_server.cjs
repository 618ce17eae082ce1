// The peer for bench/idle_memory.mjs: a plain Node.js `ws` server that
// accepts connections and keeps them open.  Sends its port to the parent.
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
wss.on('listening', () => process.send(wss.address().port));
wss.on('connection', (ws) => ws.on('message', () => {}));
