// ReconnectingWebSocket over real sockets: the `ws` package is injected as
// the WebSocket constructor and a small `ws` server on 127.0.0.1 plays
// wsgate (echo, close codes with hints, tokens in subprotocols).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import WebSocket, { WebSocketServer } from 'ws';
import { ReconnectingWebSocket } from '../static/wsgate.js';

const env = { navigator: null, document: null, window: null, location: null, maxAttemptsPerWindow: null };
const open = [];
after(() => { for (const c of open) c.close(); });

// waitFor polls cond every 10 ms until it holds or timeoutMs passes.
async function waitFor(cond, timeoutMs = 5000, what = 'condition') {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// fakeGateway serves tokens at POST /api/ws-token and WebSockets on any
// path; onConnection(ws, req, token) decides what each connection gets.
async function fakeGateway(onConnection, { port = 0 } = {}) {
  const issued = new Set();
  const used = [];
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/api/ws-token') {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const t = Math.random().toString(16).slice(2).padEnd(16, '0');
        issued.add(t);
        gw.tokenRequests.push(JSON.parse(body));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ token: t, expires_in: 60 }));
      });
      return;
    }
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({
    server,
    handleProtocols: (protocols) => (protocols.has('wsgate') ? 'wsgate' : false),
  });
  wss.on('connection', (ws, req) => {
    const offered = String(req.headers['sec-websocket-protocol'] || '').split(',').map((s) => s.trim());
    const tokenProto = offered.find((p) => p.startsWith('wsgate.token.'));
    const token = tokenProto ? tokenProto.slice('wsgate.token.'.length) : null;
    let fresh = null;
    if (token !== null) {
      fresh = issued.has(token) && !used.includes(token);
      used.push(token);
    }
    gw.connections.push({ at: Date.now(), token, fresh, url: req.url });
    onConnection(ws, req, { token, fresh, n: gw.connections.length - 1 });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const gw = {
    port: server.address().port,
    connections: [],
    tokenRequests: [],
    used,
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
      server.closeAllConnections?.();
      await new Promise((r) => server.close(r));
    },
  };
  open.push({ close: () => gw.close().catch(() => {}) });
  return gw;
}

test('connects, echoes text and binary, closes cleanly', async () => {
  const gw = await fakeGateway((ws) => ws.on('message', (d, isBinary) => ws.send(d, { binary: isBinary })));
  const rws = new ReconnectingWebSocket(`ws://127.0.0.1:${gw.port}/ws/echo`, null, { ...env, WebSocket, binaryType: 'arraybuffer' });
  const got = [];
  rws.addEventListener('message', (e) => got.push(e.data));
  rws.send('queued before open');
  await waitFor(() => rws.readyState === ReconnectingWebSocket.OPEN, 5000, 'open');
  rws.send('hello');
  rws.send(new Uint8Array([1, 2, 3]));
  await waitFor(() => got.length === 3, 5000, 'three echoes');
  assert.equal(got[0], 'queued before open');
  assert.equal(got[1], 'hello');
  assert.deepEqual([...new Uint8Array(got[2])], [1, 2, 3]);
  const closed = once(rws, 'close');
  rws.close(1000, 'done');
  const [ev] = await closed;
  assert.equal(ev.code, 1000);
  assert.equal(rws.readyState, ReconnectingWebSocket.CLOSED);
  await gw.close();
});

test('4429 with a hint: the next attempt waits at least the hint', async () => {
  const hint = 400;
  const gw = await fakeGateway((ws, req, { n }) => {
    if (n === 0) ws.close(4429, JSON.stringify({ retry_after_ms: hint }));
  });
  const rws = new ReconnectingWebSocket(`ws://127.0.0.1:${gw.port}/ws/echo`, null, { ...env, WebSocket });
  const scheduled = [];
  rws.addEventListener('reconnectscheduled', (e) => scheduled.push(e.detail));
  await waitFor(() => gw.connections.length === 2, 5000, 'the second connection');
  assert.equal(scheduled[0].cause, 'rate_limited');
  assert.ok(scheduled[0].delay >= hint, `scheduled ${scheduled[0].delay} ms, want at least ${hint}`);
  const gap = gw.connections[1].at - gw.connections[0].at;
  assert.ok(gap >= hint, `server saw the retry after ${gap} ms, want at least ${hint}`);
  rws.close();
  await gw.close();
});

test('tokenUrl: a fresh token for every attempt, sent as subprotocols, none reused', async () => {
  const gw = await fakeGateway((ws, req, { n }) => {
    if (n < 3) ws.close(1011, 'try again');
  });
  const rws = new ReconnectingWebSocket(`ws://127.0.0.1:${gw.port}/ws/chat?channel=lobby`, null, {
    ...env, WebSocket, tokenUrl: '/api/ws-token', reconnectInterval: 50, minReconnectInterval: 10,
  });
  await waitFor(() => gw.connections.length === 4 && rws.readyState === ReconnectingWebSocket.OPEN, 5000, 'four connections');
  assert.equal(rws.protocol, 'wsgate');
  assert.equal(gw.tokenRequests.length, 4);
  assert.ok(gw.tokenRequests.every((b) => b.endpoint === '/ws/chat'));
  assert.ok(gw.connections.every((c) => c.token && c.fresh), 'every handshake carried an issued, unused token');
  assert.equal(new Set(gw.used).size, gw.used.length);
  assert.ok(gw.connections.every((c) => !c.url.includes(c.token)), 'the token stays out of the URL');
  rws.close();
  await gw.close();
});

test('server gone and back: the client reconnects by itself', async () => {
  let gw = await fakeGateway(() => {});
  const port = gw.port;
  const rws = new ReconnectingWebSocket(`ws://127.0.0.1:${port}/ws/echo`, null, {
    ...env, WebSocket, reconnectInterval: 100, maxReconnectInterval: 400, minReconnectInterval: 20,
  });
  const scheduled = [];
  rws.addEventListener('reconnectscheduled', (e) => scheduled.push(e.detail));
  await waitFor(() => rws.readyState === ReconnectingWebSocket.OPEN, 5000, 'open');
  await gw.close();
  await waitFor(() => scheduled.length >= 3, 5000, 'three failed attempts');
  gw = await fakeGateway(() => {}, { port });
  await waitFor(() => rws.readyState === ReconnectingWebSocket.OPEN, 5000, 'reopen');
  assert.equal(scheduled[0].cause, 'connection_lost');
  assert.ok(scheduled.slice(1).some((s) => s.cause === 'handshake_failed'));
  assert.ok(scheduled.every((s) => s.delay <= 400), `delays ${scheduled.map((s) => s.delay)} must stay under the cap`);
  rws.close();
  await gw.close();
});
