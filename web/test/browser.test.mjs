// The bundled client and the demo page in a real browser (Debian's
// Chromium driven by playwright-core) against real wsgate processes on
// loopback. Every wait is bounded; processes and the browser are ended in
// the after hooks.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Gateway, buildBinary, chromiumPath, haveChromium, launchChromium, repoRoot, sleep, tempDir } from './gateway.mjs';

const PASSWORD = 'correct horse battery staple';

// One server for most scenarios: generous limits on echo and chat, and a
// tiny endpoint that rejects by closing with 4429.
const MAIN_CONFIG = `
drain_timeout = "1s"
[token]
max_per_minute = 100

[[endpoint]]
path = "/ws/echo"
handler = "echo"
require_token = false
rate_limit_max_attempts = 1000
rate_limit_window = "1m"

[[endpoint]]
path = "/ws/chat"
handler = "channels"
require_token = true
rate_limit_max_attempts = 1000
rate_limit_window = "1m"

[[endpoint]]
path = "/ws/chat-tiny"
handler = "channels"
require_token = true
rate_limit_max_attempts = 2
rate_limit_window = "3s"

[[endpoint]]
path = "/ws/tiny"
handler = "echo"
require_token = false
reject_mode = "close"
rate_limit_max_attempts = 2
rate_limit_window = "4s"
`;

const RESTART_CONFIG = `
drain_timeout = "1s"
[[endpoint]]
path = "/ws/echo"
handler = "echo"
require_token = false
rate_limit_max_attempts = 1000
rate_limit_window = "1m"
`;

// The demo runs on the embedded default endpoints; only the drain is short.
const DEMO_CONFIG = `
drain_timeout = "2s"
`;

let tmp;
let bin;
let browser;
const gateways = [];

before(async () => {
  assert.ok(haveChromium, `Chromium is missing at ${chromiumPath}: run scripts/install-test-deps.sh`);
  tmp = await tempDir();
  bin = await buildBinary(tmp.dir);
  browser = await launchChromium();
}, { timeout: 300_000 });

after(async () => {
  await Promise.allSettled(gateways.map((g) => g.stop('SIGKILL')));
  if (browser) await browser.close().catch(() => {});
  if (tmp) await tmp.cleanup();
}, { timeout: 30_000 });

async function gateway(name, config) {
  const g = new Gateway(bin, tmp.dir, name, config);
  gateways.push(g);
  return g;
}

// harness opens a same-origin page (Chromium blocks ws://127.0.0.1 from
// about:blank), loads the client and installs recorders: window.events
// gets every event of every client made by window.make, and window.sockets
// every WebSocket the client constructs, with its subprotocols.
async function harness(g) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  await page.goto(`${g.url}/healthz`);
  await page.evaluate(async () => {
    const mod = await import('/static/wsgate.js');
    window.RWS = mod.ReconnectingWebSocket;
    window.events = [];
    window.sockets = [];
    window.RecordingSocket = class extends WebSocket {
      constructor(url, protocols) {
        super(url, protocols);
        window.sockets.push({ t: performance.now(), url: String(url), protocols: [].concat(protocols ?? []) });
      }
    };
    window.make = (url, protocols, options) => {
      const rws = new window.RWS(url, protocols, { WebSocket: window.RecordingSocket, ...options });
      for (const type of ['connecting', 'open', 'message', 'close', 'error', 'reconnectscheduled', 'ratelimited', 'giveup', 'paused']) {
        rws.addEventListener(type, (e) => window.events.push({
          type, t: performance.now(), detail: e.detail ?? null,
          data: typeof e.data === 'string' ? e.data : (e.data instanceof ArrayBuffer ? { bytes: [...new Uint8Array(e.data)] } : undefined),
        }));
      }
      return rws;
    };
  });
  return { context, page };
}

// waitEvents polls the page until pred(events) holds.
async function waitEvents(page, pred, what, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const events = await page.evaluate(() => window.events);
    if (pred(events)) return events;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(events.map((e) => [e.type, e.detail]))}`);
    await sleep(50);
  }
}

const ofType = (events, type) => events.filter((e) => e.type === type);

describe('the client against a real wsgate', { timeout: 240_000 }, () => {
  let main;
  before(async () => {
    main = await gateway('main', MAIN_CONFIG);
    await main.addUser('alice', PASSWORD);
    await main.start();
  }, { timeout: 60_000 });

  test('connects and echoes text and binary', { timeout: 30_000 }, async () => {
    const { context, page } = await harness(main);
    await page.evaluate(() => {
      window.c = window.make('/ws/echo', null, { binaryType: 'arraybuffer' });
      window.c.send('sent while connecting');
    });
    await waitEvents(page, (ev) => ofType(ev, 'open').length === 1, 'open');
    await page.evaluate(() => { window.c.send('hello'); window.c.send(new Uint8Array([7, 8, 9])); });
    const events = await waitEvents(page, (ev) => ofType(ev, 'message').length === 3, 'three echoes');
    const msgs = ofType(events, 'message').map((e) => e.data);
    assert.deepEqual(msgs, ['sent while connecting', 'hello', { bytes: [7, 8, 9] }]);
    assert.equal(await page.evaluate(() => window.c.url), main.url.replace('http:', 'ws:') + '/ws/echo');
    await context.close();
  });

  test('close() stops everything, while open and while waiting', { timeout: 30_000 }, async () => {
    const { context, page } = await harness(main);
    await page.evaluate(() => { window.c = window.make('/ws/echo'); });
    await waitEvents(page, (ev) => ofType(ev, 'open').length === 1, 'open');
    await page.evaluate(() => window.c.close());
    await waitEvents(page, (ev) => ofType(ev, 'close').length === 1, 'close');
    // A path with no endpoint fails every handshake: close during the wait.
    await page.evaluate(() => { window.d = window.make('/ws/nowhere', null, { reconnectInterval: 3000, minReconnectInterval: 2000 }); });
    const ev = await waitEvents(page, (e) => ofType(e, 'reconnectscheduled').length === 1, 'a scheduled reconnect');
    const { delay } = ofType(ev, 'reconnectscheduled')[0].detail;
    const before = await page.evaluate(() => { window.d.close(); return window.sockets.length; });
    await sleep(delay + 800);
    const after = await page.evaluate(() => ({
      sockets: window.sockets.length, c: window.c.readyState, d: window.d.readyState,
      closes: window.events.filter((e) => e.type === 'close').length,
      scheduled: window.events.filter((e) => e.type === 'reconnectscheduled').length,
    }));
    assert.equal(after.sockets, before, 'no handshake after close()');
    assert.equal(after.c, 3);
    assert.equal(after.d, 3);
    assert.equal(after.scheduled, 1, 'nothing scheduled after close()');
    const closeEvent = ofType(await page.evaluate(() => window.events), 'close')[0];
    assert.equal(closeEvent.detail.code, 1000);
    assert.equal(closeEvent.detail.wasClean, true);
    await context.close();
  });

  test('the legacy options object is accepted with the old meanings', { timeout: 30_000 }, async () => {
    const { context, page } = await harness(main);
    const legacy = {
      debug: true, automaticOpen: false, reconnectInterval: 200, maxReconnectInterval: 800,
      reconnectDecay: 2, timeoutInterval: 1500, maxReconnectAttempts: 2, binaryType: 'arraybuffer',
    };
    const state = await page.evaluate((o) => {
      window.c = window.make('/ws/echo', [], o);
      return { readyState: window.c.readyState, sockets: window.sockets.length, props: Object.fromEntries(Object.keys(o).map((k) => [k, window.c[k]])) };
    }, legacy);
    assert.equal(state.sockets, 0, 'automaticOpen false waits for open()');
    assert.deepEqual(state.props, legacy);
    await page.evaluate(() => window.c.open());
    await waitEvents(page, (ev) => ofType(ev, 'open').length === 1, 'open');
    await page.evaluate(() => window.c.send(new Uint8Array([1])));
    await waitEvents(page, (ev) => ofType(ev, 'message').length === 1, 'binary echo');
    assert.deepEqual(ofType(await page.evaluate(() => window.events), 'message')[0].data, { bytes: [1] });
    await page.evaluate(() => window.c.close());
    // maxReconnectAttempts is exact: one attempt and two reconnects.
    await page.evaluate((o) => { window.events.length = 0; window.sockets.length = 0; window.e = window.make('/ws/nowhere', null, { ...o, automaticOpen: true }); }, legacy);
    const ev = await waitEvents(page, (e) => ofType(e, 'giveup').length === 1, 'giveup');
    await sleep(1000);
    assert.equal(await page.evaluate(() => window.sockets.length), 3);
    assert.equal(ofType(ev, 'giveup')[0].detail.cause, 'max_attempts');
    const delays = ofType(ev, 'reconnectscheduled').map((e) => e.detail.delay);
    assert.equal(delays.length, 2);
    delays.forEach((d, n) => assert.ok(d <= Math.min(200 * 2 ** n, 800), `delay ${n}: ${d} over the cap`));
    await context.close();
  });

  test('reject_mode close with a tiny limit: the client waits at least the hint', { timeout: 40_000 }, async () => {
    const { context, page } = await harness(main);
    await page.evaluate(() => { window.c = window.make('/ws/tiny', null, { maxAttemptsPerWindow: null, reportErrors: true }); });
    await waitEvents(page, (ev) => ofType(ev, 'open').length === 1, 'first open');
    await page.evaluate(() => window.c.refresh());
    await waitEvents(page, (ev) => ofType(ev, 'open').length === 2, 'second open');
    await page.evaluate(() => window.c.refresh()); // the third attempt in the window
    const ev = await waitEvents(page, (e) => ofType(e, 'ratelimited').length === 1, 'the 4429');
    const closed = ofType(ev, 'close').find((e) => e.detail.code === 4429);
    assert.ok(closed, `want a close 4429, got ${JSON.stringify(ofType(ev, 'close').map((e) => e.detail))}`);
    const limited = ofType(ev, 'ratelimited')[0];
    const hint = limited.detail.hintMs;
    assert.ok(hint > 0 && hint <= 4000, `hint ${hint} ms, want within (0, 4000]`);
    const scheduled = ofType(ev, 'reconnectscheduled').at(-1);
    assert.equal(scheduled.detail.cause, 'rate_limited');
    assert.ok(scheduled.detail.delay >= hint, `scheduled ${scheduled.detail.delay} ms, want at least the hint ${hint}`);
    const done = await waitEvents(page, (e) => ofType(e, 'open').length >= 4, 'the retry admitted', 15000);
    const sockets = await page.evaluate(() => window.sockets);
    const next = sockets.find((s) => s.t > closed.t);
    assert.ok(next.t - closed.t >= hint, `retried ${Math.round(next.t - closed.t)} ms after the 4429, want at least ${hint}`);
    assert.equal(ofType(done, 'close').filter((e) => e.detail.code === 4429).length, 1, 'the retry after the hint was admitted');
    // The client reported the rate limit, and the server counted it.
    const metrics = await (await fetch(`${main.url}/metrics`)).text();
    const m = /^wsgate_client_errors_total\{kind="rate_limited"\} (\d+)/m.exec(metrics);
    assert.ok(m && Number(m[1]) >= 1, 'wsgate_client_errors_total{kind="rate_limited"} counts the report');
    await page.evaluate(() => window.c.close());
    await context.close();
  });

  test('tokens: a fresh one before every attempt, none reused', { timeout: 30_000 }, async () => {
    const { context, page } = await harness(main);
    const status = await page.evaluate(async (password) => {
      const res = await fetch('/api/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'alice', password }) });
      return res.status;
    }, PASSWORD);
    assert.equal(status, 204);
    await page.evaluate(() => {
      // Record every token the endpoint hands out, before the client sees it.
      window.tokens = [];
      window.tokenBodies = [];
      const orig = window.fetch.bind(window);
      window.fetch = async (url, init) => {
        const res = await orig(url, init);
        if (String(url).endsWith('/api/ws-token')) {
          window.tokenBodies.push(JSON.parse(init.body));
          const body = await res.clone().json();
          window.tokens.push(body.token);
        }
        return res;
      };
      window.c = window.make('/ws/chat', null, { tokenUrl: '/api/ws-token', maxAttemptsPerWindow: null });
    });
    await waitEvents(page, (ev) => ofType(ev, 'open').length === 1, 'open with a token');
    for (let i = 2; i <= 4; i++) {
      await page.evaluate(() => window.c.refresh());
      await waitEvents(page, (ev) => ofType(ev, 'open').length === i, `open ${i}`);
    }
    const got = await page.evaluate(() => ({ tokens: window.tokens, bodies: window.tokenBodies, sockets: window.sockets, protocol: window.c.protocol }));
    assert.equal(got.tokens.length, 4, 'one token request per attempt');
    assert.ok(got.tokens.every((t) => /^[0-9a-f]{64}$/.test(t)));
    assert.equal(new Set(got.tokens).size, 4, 'no token issued twice');
    assert.deepEqual(got.bodies, Array(4).fill({ endpoint: '/ws/chat' }));
    assert.deepEqual(got.sockets.map((s) => s.protocols), got.tokens.map((t) => ['wsgate', `wsgate.token.${t}`]), 'each handshake offers the latest token');
    assert.ok(got.sockets.every((s) => !s.url.includes('token')), 'the token stays out of the URL');
    assert.equal(got.protocol, 'wsgate');
    // The server agrees that a token is single use: replaying one fails.
    const replay = await page.evaluate((t) => new Promise((resolve) => {
      const ws = new WebSocket('/ws/chat', ['wsgate', `wsgate.token.${t}`]);
      ws.onopen = () => { ws.onclose = null; ws.close(); resolve('open'); };
      ws.onclose = (e) => resolve(`closed ${e.code}`);
    }), got.tokens[0]);
    assert.notEqual(replay, 'open');
    await page.evaluate(() => window.c.close());
    await context.close();
  });

  test('the token endpoint says 429: the client waits its Retry-After', { timeout: 40_000 }, async () => {
    const { context, page } = await harness(main);
    await page.evaluate(async (password) => {
      await fetch('/api/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'alice', password }) });
      window.c = window.make('/ws/chat-tiny', null, { tokenUrl: '/api/ws-token', maxAttemptsPerWindow: null });
    }, PASSWORD);
    await waitEvents(page, (ev) => ofType(ev, 'open').length === 1, 'first open');
    await page.evaluate(() => window.c.refresh());
    await waitEvents(page, (ev) => ofType(ev, 'open').length === 2, 'second open');
    await page.evaluate(() => window.c.refresh()); // over the endpoint's limit: the token request says so
    const ev = await waitEvents(page, (e) => ofType(e, 'ratelimited').length === 1, 'a 429 from the token endpoint');
    const limited = ofType(ev, 'ratelimited')[0];
    assert.equal(limited.detail.source, 'token');
    assert.ok(limited.detail.hintMs >= 1000 && limited.detail.hintMs <= 3000, `Retry-After ${limited.detail.hintMs} ms, want 1 to 3 s`);
    const errorStatus = ofType(ev, 'error').map((e) => e.detail && e.detail.status);
    assert.ok(errorStatus.includes(429), `error events ${JSON.stringify(errorStatus)}`);
    const scheduled = ofType(ev, 'reconnectscheduled').at(-1).detail;
    assert.equal(scheduled.cause, 'rate_limited');
    assert.ok(scheduled.delay >= limited.detail.hintMs, `scheduled ${scheduled.delay} ms, want at least ${limited.detail.hintMs}`);
    const socketsBefore = await page.evaluate(() => window.sockets.length);
    assert.equal(socketsBefore, 2, 'no handshake was tried without a token');
    await waitEvents(page, (e) => ofType(e, 'open').length === 3, 'admitted after the wait', 15000);
    await page.evaluate(() => window.c.close());
    await context.close();
  });

  test('reconnecting pauses while offline or hidden', { timeout: 30_000 }, async () => {
    const { context, page } = await harness(main);
    await page.evaluate(() => { window.c = window.make('/ws/nowhere', null, { reconnectInterval: 200, minReconnectInterval: 100, maxReconnectInterval: 400 }); });
    await waitEvents(page, (ev) => ofType(ev, 'reconnectscheduled').length >= 1, 'first failure');
    await context.setOffline(true);
    await waitEvents(page, (ev) => ofType(ev, 'paused').some((e) => e.detail.reason === 'offline'), 'paused offline');
    const n = await page.evaluate(() => window.sockets.length);
    await sleep(1000);
    assert.equal(await page.evaluate(() => window.sockets.length), n, 'no attempt while offline');
    await context.setOffline(false);
    await waitEvents(page, (ev) => ofType(ev, 'reconnectscheduled').some((e) => e.detail.cause === 'online'), 'resumed online');
    // Headless pages are always visible: pretend to hide this one.
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await waitEvents(page, (ev) => ofType(ev, 'paused').some((e) => e.detail.reason === 'hidden'), 'paused hidden');
    const m = await page.evaluate(() => window.sockets.length);
    await sleep(1000);
    assert.equal(await page.evaluate(() => window.sockets.length), m, 'no attempt while hidden');
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await waitEvents(page, (ev) => ofType(ev, 'reconnectscheduled').some((e) => e.detail.cause === 'visible'), 'resumed visible');
    await page.evaluate(() => window.c.close());
    await context.close();
  });
});

describe('server killed and restarted', { timeout: 150_000 }, () => {
  test('the client comes back by itself with jittered delays under the cap', { timeout: 60_000 }, async () => {
    const g = await gateway('restart', RESTART_CONFIG);
    await g.start();
    const { context, page } = await harness(g);
    const cap = 1500;
    await page.evaluate((cap) => {
      window.c = window.make('/ws/echo', null, { reconnectInterval: 300, reconnectDecay: 1.5, maxReconnectInterval: cap, minReconnectInterval: 100, maxAttemptsPerWindow: null });
    }, cap);
    await waitEvents(page, (ev) => ofType(ev, 'open').length === 1, 'open');
    await g.stop('SIGKILL');
    await waitEvents(page, (ev) => ofType(ev, 'reconnectscheduled').length >= 6, 'six failed attempts', 30000);
    await g.start();
    const ev = await waitEvents(page, (e) => ofType(e, 'open').length === 2, 'reopen', 20000);
    assert.equal(ofType(ev, 'open')[1].detail.isReconnect, true);
    const scheduled = ofType(ev, 'reconnectscheduled').map((e) => e.detail);
    assert.equal(scheduled[0].cause, 'connection_lost');
    assert.ok(scheduled.slice(1).every((s) => s.cause === 'handshake_failed'), JSON.stringify(scheduled));
    scheduled.forEach((s, n) => {
      const bound = Math.min(300 * 1.5 ** n, cap);
      assert.ok(s.delay >= 100 && s.delay <= bound, `delay ${n}: ${s.delay} outside [100, ${bound}]`);
    });
    assert.ok(new Set(scheduled.map((s) => s.delay)).size >= scheduled.length - 1, `delays ${scheduled.map((s) => s.delay)} look unjittered`);
    await page.evaluate(() => { window.c.send('back'); });
    await waitEvents(page, (e) => ofType(e, 'message').some((m) => m.data === 'back'), 'echo after the restart');
    await page.evaluate(() => window.c.close());
    await context.close();
    await g.stop();
  });

  test('a graceful restart closes with 1012 and a hint the client waits', { timeout: 60_000 }, async () => {
    const g = await gateway('drain', RESTART_CONFIG);
    await g.start();
    const { context, page } = await harness(g);
    await page.evaluate(() => { window.c = window.make('/ws/echo', null, { maxAttemptsPerWindow: null }); });
    await waitEvents(page, (ev) => ofType(ev, 'open').length === 1, 'open');
    const restarted = (async () => { await g.stop('SIGTERM'); await g.start(); })();
    const ev = await waitEvents(page, (e) => ofType(e, 'reconnectscheduled').length >= 1, 'the 1012');
    const closed = ofType(ev, 'close')[0].detail;
    assert.equal(closed.code, 1012);
    const hint = JSON.parse(closed.reason).retry_after_ms;
    assert.ok(hint >= 0 && hint <= 1000, `hint ${hint} ms, want within the 1 s drain`);
    const first = ofType(ev, 'reconnectscheduled')[0].detail;
    assert.equal(first.cause, 'server_restart');
    assert.ok(first.delay >= hint, `scheduled ${first.delay} ms, want at least the hint ${hint}`);
    await restarted;
    await waitEvents(page, (e) => ofType(e, 'open').length === 2, 'back after the restart', 20000);
    await page.evaluate(() => window.c.close());
    await context.close();
    await g.stop();
  });
});

describe('the demo page', { timeout: 120_000 }, () => {
  test('logs in, chats, survives a restart, runs a storm; screenshot', { timeout: 90_000 }, async () => {
    const g = await gateway('demo', DEMO_CONFIG);
    await g.addUser('alice', PASSWORD);
    await g.addUser('bob', PASSWORD);
    await g.start();
    const alice = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const bob = await browser.newContext();
    const a = await alice.newPage();
    const b = await bob.newPage();
    for (const p of [a, b]) p.setDefaultTimeout(15000);
    const pageErrors = [];
    a.on('pageerror', (e) => pageErrors.push(String(e)));

    async function login(page, name) {
      await page.goto(`${g.url}/`);
      await page.waitForSelector('#state-text:has-text("not logged in")');
      await page.fill('#username', name);
      await page.fill('#password', PASSWORD);
      await page.click('#login-btn');
      await page.waitForSelector('#state-text:has-text("connected")');
    }
    await login(a, 'alice');
    await login(b, 'bob');
    assert.equal(await a.isVisible('#session'), true);

    await b.fill('#message', 'hi alice, the limiter is watching');
    await b.click('#send-btn');
    await a.waitForSelector('#messages li:has-text("hi alice, the limiter is watching")');
    await a.fill('#message', 'hello bob');
    await a.click('#send-btn');
    await b.waitForSelector('#messages li:has-text("hello bob")');
    const fromBob = await a.textContent('#messages li:has-text("hi alice") .from');
    assert.equal(fromBob, 'bob');
    assert.equal(await a.getAttribute('#messages li:has-text("hello bob")', 'class'), 'mine');

    // A graceful restart: 1012 with a hint, a scheduled reconnect in the
    // log, and the page back by itself.
    await g.stop('SIGTERM');
    await a.waitForSelector('#log li:has-text("reconnecting in")');
    await g.start();
    await a.waitForSelector('#log li:has-text("reconnected")', { timeout: 20000 });
    await a.waitForSelector('#state-text:has-text("connected")');
    const logText = await a.textContent('#log');
    assert.match(logText, /reconnecting in \d+\.\d s, (server restart|connection lost|handshake failed)/);

    // The storm: 50 raw connections to /ws/echo; the embedded default
    // allows 20 attempts per IP in 5 minutes, so some must be refused.
    await a.fill('#storm-count', '50');
    await a.click('#storm-start');
    await a.waitForFunction(() => document.querySelectorAll('#storm-grid .cell.pending').length === 0, null, { timeout: 20000 });
    const ok = Number(await a.textContent('#storm-ok'));
    const bad = Number(await a.textContent('#storm-bad'));
    assert.equal(ok + bad, 50);
    assert.ok(ok >= 1 && ok <= 20, `accepted ${ok}, want 1..20`);
    assert.ok(bad >= 30, `refused ${bad}, want at least 30`);

    await a.fill('#message', 'storm over: see the grid');
    await a.click('#send-btn');
    await a.waitForSelector('#messages li:has-text("storm over")');
    await mkdir(path.join(repoRoot, 'docs'), { recursive: true });
    await a.screenshot({ path: path.join(repoRoot, 'docs', 'demo.png'), fullPage: true });
    assert.deepEqual(pageErrors, []);
    await alice.close();
    await bob.close();
    await g.stop();
  });
});
