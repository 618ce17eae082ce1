// Starts the server with the out-of-tree hello plugin and calls hello.greet.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
const require = createRequire(process.env.NODE_PATH + '/');
const WebSocket = require('ws');
const [bin, cfg] = process.argv.slice(2);
const srv = spawn(bin, ['serve', '--config', cfg, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const fail = (m) => { console.error('FAIL:', m); srv.kill('SIGKILL'); process.exit(1); };
setTimeout(() => fail('timeout'), 15000).unref();
let out = '';
srv.stdout.on('data', (d) => {
  out += d;
  const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)\//);
  if (!m || srv.started) return;
  srv.started = true;
  const ws = new WebSocket(`ws://127.0.0.1:${m[1]}/ws`, 'accord.v1', { origin: `http://127.0.0.1:${m[1]}` });
  const send = (o) => ws.send(JSON.stringify(o));
  ws.on('open', () => send({ id: 1, type: 'auth.login', data: { login: 'undp', password: 'sample-pass' } }));
  ws.on('message', (raw) => {
    const r = JSON.parse(raw);
    if (r.re === 1) { if (!r.ok) fail('login: ' + raw); send({ id: 2, type: 'hello.greet' }); }
    if (r.re === 2) {
      if (!r.ok || r.data.greeting !== 'hello, UNDP') fail('greet: ' + raw);
      ws.close(); srv.kill('SIGTERM');
      srv.on('exit', (code) => process.exit(code === 0 ? 0 : 1));
    }
  });
});
