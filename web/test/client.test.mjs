// ReconnectingWebSocket against a scripted WebSocket and a manual clock:
// every decision is checked without sleeping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReconnectingWebSocket, DEFAULTS } from '../static/wsgate.js';
import { FakeClock, fakeSocketClass, fakeFetch, recorder, sequence, settle } from './fakes.mjs';

const EVENTS = ['connecting', 'open', 'message', 'close', 'error', 'reconnectscheduled', 'ratelimited', 'giveup', 'paused'];

// client builds a client over fakes; extra options override.
function client(script, options = {}, url = 'ws://127.0.0.1:1/ws/echo') {
  const clock = new FakeClock();
  const WS = fakeSocketClass(script);
  const rws = new ReconnectingWebSocket(url, options.protocols ?? null, {
    WebSocket: WS,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    now: clock.now,
    random: () => 0.5,
    navigator: null,
    document: null,
    window: null,
    location: null,
    fetch: null,
    maxAttemptsPerWindow: null,
    ...options,
  });
  const events = recorder(rws, EVENTS);
  return { rws, clock, WS, events };
}

test('jitter none: the scheduled delays are the old formula', async () => {
  const { clock, events } = client(() => 'fail', { jitter: 'none', maxReconnectAttempts: 12 });
  for (let i = 0; i < 12; i++) await clock.runNext();
  await settle();
  const got = events.of('reconnectscheduled').map((e) => e.delay);
  const want = [];
  for (let n = 0; n < 12; n++) want.push(Math.round(Math.min(1000 * Math.pow(1.5, n), 30000)));
  assert.deepEqual(got, want);
  assert.deepEqual(events.of('reconnectscheduled').map((e) => e.attempt), want.map((_, i) => i + 1));
});

test('full jitter: scheduled delays stay within [floor, cap] and use random()', async () => {
  const draws = [0, 0.99, 0.3, 0.7, 0.01, 0.5, 0.999, 0.2, 0.8, 0.4, 0.6, 0.9];
  const { clock, events } = client(() => 'fail', { random: sequence(...draws), maxReconnectAttempts: draws.length });
  for (let i = 0; i < draws.length; i++) await clock.runNext();
  const delays = events.of('reconnectscheduled').map((e) => e.delay);
  assert.equal(delays.length, draws.length);
  delays.forEach((d, n) => {
    const cap = Math.min(1000 * Math.pow(1.5, n), 30000);
    assert.ok(d >= DEFAULTS.minReconnectInterval && d <= cap, `delay ${n}: got ${d}, want within [500, ${cap}]`);
    assert.equal(d, Math.round(500 + draws[n] * (cap - 500)), `delay ${n} follows the draw`);
  });
});

test('maxReconnectAttempts makes exactly that many reconnect attempts, then gives up', async () => {
  for (const max of [0, 1, 3]) {
    const { clock, WS, events, rws } = client(() => 'fail', { maxReconnectAttempts: max });
    for (let i = 0; i < max + 3; i++) await clock.runNext();
    assert.equal(WS.sockets.length, 1 + max, `max ${max}: got ${WS.sockets.length} sockets, want ${1 + max}`);
    assert.equal(events.of('giveup').length, 1);
    assert.equal(events.of('giveup')[0].cause, 'max_attempts');
    assert.equal(rws.readyState, ReconnectingWebSocket.CLOSED);
    assert.equal(clock.pending, 0, 'no timer left behind');
    assert.ok(WS.sockets.every((s) => s.readyState === 3), 'no socket left open');
  }
});

test('close() during the wait cancels the pending reconnect', async () => {
  const { clock, WS, events, rws } = client((s, i) => (i === 0 ? { close: 1011 } : 'open'));
  await settle();
  assert.equal(events.of('reconnectscheduled').length, 1);
  rws.close();
  assert.equal(rws.readyState, ReconnectingWebSocket.CLOSED);
  assert.equal(clock.pending, 0, 'the reconnect timer is cleared');
  await clock.advance(60000);
  assert.equal(WS.sockets.length, 1, 'no new socket after close()');
  const last = events.at(-1);
  assert.equal(last.type, 'close');
  assert.equal(last.code, 1000);
});

test('close() while open closes the socket once and fires close with its code', async () => {
  const { clock, WS, events, rws } = client(() => 'open');
  await settle();
  assert.equal(rws.readyState, ReconnectingWebSocket.OPEN);
  rws.close(4000, 'bye');
  assert.equal(rws.readyState, ReconnectingWebSocket.CLOSING);
  await settle();
  assert.equal(rws.readyState, ReconnectingWebSocket.CLOSED);
  assert.deepEqual(WS.sockets[0].closedWith, { code: 4000, reason: 'bye' });
  const closes = events.of('close');
  assert.equal(closes.length, 1);
  assert.equal(closes[0].code, 4000);
  assert.equal(closes[0].reason, 'bye');
  assert.equal(closes[0].wasClean, true);
  await clock.advance(120000);
  assert.equal(WS.sockets.length, 1);
  assert.equal(clock.pending, 0);
});

test('open() after close() connects again (the forced-close flag resets)', async () => {
  const { WS, events, rws } = client(() => 'open');
  await settle();
  rws.close();
  await settle();
  rws.open();
  await settle();
  assert.equal(WS.sockets.length, 2);
  assert.equal(rws.readyState, ReconnectingWebSocket.OPEN);
  assert.equal(events.of('open').length, 2);
});

test('the close-code table decides stop, backoff, hint and retry', async () => {
  const cases = [
    { code: 1008, giveup: 'policy_violation' },
    { code: 1003, giveup: 'unsupported_data' },
    { code: 1007, giveup: 'invalid_data' },
    { code: 1009, giveup: 'message_too_big' },
    { code: 4403, giveup: 'forbidden' },
    { code: 1000, delay: 750, cause: 'closed_by_server' },
    { code: 1001, delay: 750, cause: 'closed_by_server' },
    { code: 1011, delay: 750, cause: 'server_error' },
    { code: 1012, reason: '{"retry_after_ms":4000}', delay: 4500, cause: 'server_restart' },
    { code: 4429, reason: '{"retry_after_ms":9000}', delay: 9500, cause: 'rate_limited', limited: true },
    { code: 4503, reason: '{"retry_after_ms":2000}', delay: 2500, cause: 'over_capacity', limited: true },
    { code: 4503, reason: '', delay: 750, cause: 'over_capacity', limited: true },
    { code: 4408, delay: 250, cause: 'session_expired' },
  ];
  for (const c of cases) {
    const { events, rws } = client((s, i) => (i === 0 ? { close: c.code, reason: c.reason } : 'hang'));
    await settle();
    const label = `code ${c.code} ${c.reason || ''}`;
    if (c.giveup) {
      assert.equal(events.of('giveup').length, 1, label);
      assert.equal(events.of('giveup')[0].cause, c.giveup, label);
      assert.equal(events.of('giveup')[0].code, c.code, label);
      assert.equal(events.of('reconnectscheduled').length, 0, label);
      assert.equal(events.of('close').length, 1, `${label}: one close event`);
      assert.equal(rws.readyState, ReconnectingWebSocket.CLOSED, label);
      continue;
    }
    const [scheduled] = events.of('reconnectscheduled');
    assert.ok(scheduled, `${label}: want a reconnect`);
    assert.equal(scheduled.delay, c.delay, label);
    assert.equal(scheduled.cause, c.cause, label);
    assert.equal(events.of('ratelimited').length, c.limited ? 1 : 0, `${label}: ratelimited events`);
    const [closed] = events.of('close');
    assert.equal(closed.code, c.code, label);
    rws.close();
  }
});

test('a retry hint gets jitter on top, never less than the hint', async () => {
  for (const r of [0, 0.25, 0.999]) {
    const { events, rws } = client((s, i) => (i === 0 ? { close: 4429, reason: '{"retry_after_ms":3000}' } : 'hang'), { random: () => r });
    await settle();
    const { delay } = events.of('reconnectscheduled')[0];
    assert.ok(delay >= 3000 && delay <= 4000, `r=${r}: got ${delay}, want within [3000, 4000]`);
    rws.close();
  }
});

test('4401 fetches a fresh token once, then stops', async () => {
  let n = 0;
  const getToken = () => `t${n++}`;
  const { clock, WS, events } = client(() => ({ close: 4401 }), { getToken });
  for (let i = 0; i < 5; i++) await clock.runNext();
  assert.equal(WS.sockets.length, 2, 'the first try and one retry');
  assert.deepEqual(WS.sockets.map((s) => s.protocols.at(-1)), ['wsgate.token.t0', 'wsgate.token.t1']);
  assert.equal(events.of('giveup')[0].cause, 'bad_token');
});

test('4401 without a token source stops at once', async () => {
  const { WS, events } = client(() => ({ close: 4401 }));
  await settle();
  assert.equal(WS.sockets.length, 1);
  assert.equal(events.of('giveup').length, 1);
});

test('1006 before open backs off with jitter and is not mistaken for a lost connection', async () => {
  const { events } = client(() => 'fail', { random: () => 0.2 });
  await settle();
  const [s] = events.of('reconnectscheduled');
  assert.equal(s.cause, 'handshake_failed');
  assert.equal(s.delay, 600);
  assert.equal(events.of('close').length, 1, 'the first failure fires close, like the old client');
});

test('fresh token before every attempt, never reused, offered as subprotocols', async () => {
  let n = 0;
  const tokens = [];
  const getToken = ({ endpoint }) => {
    assert.equal(endpoint, '/ws/chat');
    const t = `tok${n++}`;
    tokens.push(t);
    return t;
  };
  const { clock, WS } = client((s, i) => (i < 4 ? 'fail' : 'open'), { getToken, protocols: ['chat.v1'] }, 'ws://127.0.0.1:1/ws/chat?channel=x');
  for (let i = 0; i < 4; i++) await clock.runNext();
  assert.equal(WS.sockets.length, 5);
  const offered = WS.sockets.map((s) => s.protocols);
  offered.forEach((p, i) => assert.deepEqual(p, ['chat.v1', 'wsgate', `wsgate.token.${tokens[i]}`]));
  assert.equal(new Set(tokens).size, tokens.length, 'no token used twice');
  assert.ok(WS.sockets.every((s) => !s.url.includes('tok')), 'the token stays out of the URL');
});

test('tokenUrl: POST with credentials naming the endpoint; 429 waits Retry-After plus jitter', async () => {
  const fetch = fakeFetch((n) => (n === 0 ? { status: 429, headers: { 'Retry-After': '7' }, body: { error: 'rate_limited', retry_after: 7 } } : `fresh${n}`));
  const { clock, WS, events } = client(() => 'open', { fetch, tokenUrl: '/api/ws-token' }, 'ws://127.0.0.1:1/ws/chat');
  await settle();
  assert.equal(WS.sockets.length, 0, 'no handshake without a token');
  const [limited] = events.of('ratelimited');
  assert.equal(limited.source, 'token');
  const [s] = events.of('reconnectscheduled');
  assert.ok(s.delay >= 7000 && s.delay <= 8000, `got ${s.delay}, want within [7000, 8000]`);
  await clock.runNext();
  assert.equal(WS.sockets.length, 1);
  assert.deepEqual(WS.sockets[0].protocols, ['wsgate', 'wsgate.token.fresh1']);
  const [first] = fetch.calls;
  assert.equal(first.url, 'http://127.0.0.1:1/api/ws-token');
  assert.equal(first.init.method, 'POST');
  assert.equal(first.init.credentials, 'include');
  assert.deepEqual(first.body, { endpoint: '/ws/chat' });
});

test('tokenUrl: 401 gives up, 500 backs off', async () => {
  const denied = client(() => 'open', { fetch: fakeFetch(() => ({ status: 401, body: { error: 'authentication_required' } })), tokenUrl: '/t' });
  await settle();
  assert.equal(denied.events.of('giveup')[0].cause, 'unauthorized');
  assert.equal(denied.WS.sockets.length, 0);

  const broken = client(() => 'open', { fetch: fakeFetch((n) => (n === 0 ? { status: 500, body: null } : 'ok')), tokenUrl: '/t' });
  await settle();
  assert.equal(broken.events.of('reconnectscheduled')[0].cause, 'token_error');
  await broken.clock.runNext();
  assert.equal(broken.rws.readyState, ReconnectingWebSocket.OPEN);
});

test('the attempt counter resets only after minUptime of a healthy connection', async () => {
  // Each socket opens, then the server drops it after `life` ms.
  let life = 100;
  const { clock, WS, events, rws } = client(() => 'open', { jitter: 'none', minUptime: 5000 });
  const dropAfter = async (ms) => { await clock.advance(ms); WS.sockets.at(-1).serverClose(1011); await settle(); };
  await settle();
  await dropAfter(life);
  await clock.runNext();
  await dropAfter(life);
  await clock.runNext();
  await dropAfter(life);
  assert.deepEqual(events.of('reconnectscheduled').map((e) => e.delay), [1000, 1500, 2250], 'short-lived connections keep backing off');
  await clock.runNext();
  life = 6000;
  await dropAfter(life);
  assert.equal(events.of('reconnectscheduled').at(-1).delay, 1000, 'a healthy connection resets the backoff');
  rws.close();
});

test('the client-side attempt window caps attempts', async () => {
  const created = [];
  const box = {};
  const made = client(() => { created.push(box.clock ? box.clock.t : null); return 'fail'; }, { jitter: 'none', reconnectInterval: 10, reconnectDecay: 1, maxAttemptsPerWindow: 3, attemptWindow: 60000 });
  const { clock, events } = made;
  box.clock = clock;
  for (let i = 0; i < 8; i++) await clock.runNext();
  assert.ok(created.length >= 5, `got ${created.length} attempts, want the run to cross a window`);
  for (const t of created) {
    const inWindow = created.filter((x) => x > t - 60000 && x <= t).length;
    assert.ok(inWindow <= 3, `got ${inWindow} attempts in the minute before ${t}, want at most 3`);
  }
  const limited = events.of('ratelimited');
  assert.ok(limited.length >= 1);
  assert.equal(limited[0].source, 'client');
  assert.equal(limited[0].cause, 'client_limit');
  const capped = events.of('reconnectscheduled').find((e) => e.cause === 'client_limit');
  assert.ok(capped.delay >= 60000 - 30, `got ${capped.delay}, want the rest of the window`);
});

test('the send queue is bounded and flushed in order on open', async () => {
  const { WS, rws } = client(() => 'hang', { maxQueuedMessages: 3 });
  await settle();
  assert.equal(rws.send('a'), true);
  assert.equal(rws.send('b'), true);
  assert.equal(rws.send('c'), true);
  assert.equal(rws.send('d'), false, 'the fourth message is dropped');
  assert.equal(rws.queuedMessages, 3);
  WS.sockets[0].accept();
  assert.deepEqual(WS.sockets[0].sent, ['a', 'b', 'c']);
  assert.equal(rws.queuedMessages, 0);
  assert.equal(rws.send('e'), true);
  assert.deepEqual(WS.sockets[0].sent, ['a', 'b', 'c', 'e']);
  rws.close();
  await settle();
  assert.equal(rws.send('f'), false, 'nothing is queued after close()');
});

test('send() never throws while reconnecting, and a queue of 0 drops', async () => {
  const { rws } = client(() => 'fail', { maxQueuedMessages: 0 });
  await settle();
  assert.doesNotThrow(() => rws.send('x'));
  assert.equal(rws.send('x'), false);
  rws.close();
});

test('messages and legacy handler properties', async () => {
  const { WS, rws } = client(() => 'open');
  const seen = [];
  rws.onopen = (e) => seen.push(['open', e.isReconnect]);
  rws.onmessage = (e) => seen.push(['message', e.data]);
  rws.onclose = (e) => seen.push(['close', e.code]);
  rws.onconnecting = () => seen.push(['connecting']);
  await settle();
  WS.sockets[0].receive('hi');
  WS.sockets[0].serverClose(1001);
  await settle();
  assert.deepEqual(seen, [['connecting'], ['open', false], ['message', 'hi'], ['close', 1001], ['connecting']]);
});

test('the legacy options object is accepted with the old meanings', async () => {
  const legacy = {
    debug: false, automaticOpen: false, reconnectInterval: 200, maxReconnectInterval: 1000,
    reconnectDecay: 2, timeoutInterval: 300, maxReconnectAttempts: 4, binaryType: 'arraybuffer',
  };
  const { rws, clock, WS, events } = client(() => 'hang', { ...legacy, jitter: 'none' });
  await settle();
  assert.equal(WS.sockets.length, 0, 'automaticOpen false waits for open()');
  for (const [k, v] of Object.entries(legacy)) if (k !== 'binaryType') assert.equal(rws[k], v, k);
  assert.equal(rws.binaryType, 'arraybuffer');
  rws.open();
  for (let i = 0; i < 12; i++) await clock.runNext();
  assert.equal(WS.sockets[0].binaryType, 'arraybuffer');
  assert.equal(WS.sockets.length, 5, 'one attempt plus four reconnects, each ended by the timeout');
  assert.deepEqual(events.of('reconnectscheduled').map((e) => e.delay), [200, 400, 800, 1000]);
  assert.ok(events.of('reconnectscheduled').every((e) => e.cause === 'timeout'));
  assert.ok(WS.sockets.every((s) => s.readyState >= 2), 'every timed-out socket was closed');
  assert.equal(clock.pending, 0, 'no connect timer survives');
});

test('the connect timer is cleared after a fast failure', async () => {
  const { clock, events, rws } = client((s, i) => (i === 0 ? 'fail' : 'open'), { timeoutInterval: 2000 });
  await settle();
  assert.equal(clock.pending, 1, 'only the reconnect timer');
  await clock.runNext();
  assert.equal(rws.readyState, ReconnectingWebSocket.OPEN);
  assert.equal(clock.pending, 1, 'only the uptime timer');
  await clock.advance(10000);
  assert.equal(events.of('reconnectscheduled').length, 1, 'no spurious timeout');
  rws.close();
});

test('refresh() reconnects at once with a fresh token', async () => {
  let n = 0;
  const { WS, events, rws } = client(() => 'open', { getToken: () => `r${n++}` });
  await settle();
  rws.refresh();
  await settle();
  assert.equal(WS.sockets.length, 2);
  assert.deepEqual(WS.sockets[0].closedWith, { code: 1000, reason: 'refresh' });
  assert.equal(WS.sockets[1].protocols.at(-1), 'wsgate.token.r1');
  assert.deepEqual(events.of('open').map((e) => e.isReconnect), [false, true]);
  rws.close();
});

test('reconnecting pauses while offline and resumes on online', async () => {
  const win = new EventTarget();
  const nav = { onLine: true };
  const { clock, WS, events, rws } = client((s, i) => (i === 0 ? { close: 1011 } : 'open'), { window: win, navigator: nav });
  await settle();
  nav.onLine = false;
  await clock.runNext();
  assert.equal(WS.sockets.length, 1, 'no attempt while offline');
  assert.equal(events.of('paused')[0].reason, 'offline');
  assert.equal(rws.pausedReason, 'offline');
  await clock.advance(600000);
  assert.equal(WS.sockets.length, 1);
  nav.onLine = true;
  win.dispatchEvent(new Event('online'));
  assert.equal(events.of('reconnectscheduled').at(-1).cause, 'online');
  await clock.runNext();
  assert.equal(rws.readyState, ReconnectingWebSocket.OPEN);
  rws.close();
});

test('reconnecting pauses while the page is hidden and resumes when visible', async () => {
  const doc = new EventTarget();
  doc.visibilityState = 'hidden';
  const { clock, WS, events, rws } = client((s, i) => (i === 0 ? { close: 1001 } : 'open'), { document: doc });
  await settle();
  assert.equal(rws.readyState, ReconnectingWebSocket.CONNECTING);
  await clock.runNext();
  assert.equal(events.of('paused')[0].reason, 'hidden');
  assert.equal(WS.sockets.length, 1);
  doc.visibilityState = 'visible';
  doc.dispatchEvent(new Event('visibilitychange'));
  await clock.runNext();
  assert.equal(WS.sockets.length, 2);
  assert.equal(rws.readyState, ReconnectingWebSocket.OPEN);
  rws.close();
});

test('error reports are small, opt-in and rate limited', async () => {
  const fetch = fakeFetch(() => ({ status: 204, body: null }));
  const { clock } = client(() => ({ close: 1011 }), { fetch, reportErrors: true, maxReportsPerMinute: 3 });
  for (let i = 0; i < 8; i++) await clock.runNext();
  const reports = fetch.calls.filter((c) => c.url.endsWith('/api/client-errors'));
  assert.equal(reports.length, 3);
  for (const r of reports) {
    assert.deepEqual(Object.keys(r.body).sort(), ['attempt', 'code', 'delay', 'kind']);
    assert.equal(r.body.kind, 'server_error');
    assert.equal(r.body.code, 1011);
  }
  const quiet = fakeFetch(() => ({ status: 204, body: null }));
  const off = client(() => ({ close: 1011 }), { fetch: quiet });
  for (let i = 0; i < 3; i++) await off.clock.runNext();
  assert.equal(quiet.calls.length, 0, 'no reports unless asked');
});

test('a relative or http URL becomes a ws URL against the page', () => {
  const WS = fakeSocketClass(() => 'hang');
  const common = { WebSocket: WS, automaticOpen: false, navigator: null, document: null, window: null };
  assert.equal(new ReconnectingWebSocket('/ws/chat', null, { ...common, location: { href: 'https://example.test/app' } }).url, 'wss://example.test/ws/chat');
  assert.equal(new ReconnectingWebSocket('http://h:8/ws', null, { ...common, location: null }).url, 'ws://h:8/ws');
});

test('close() from a close listener schedules nothing', async () => {
  const { clock, WS, rws } = client((s, i) => (i === 0 ? { close: 1011 } : 'open'));
  rws.addEventListener('close', () => rws.close());
  await settle();
  assert.equal(rws.readyState, ReconnectingWebSocket.CLOSED);
  assert.equal(clock.pending, 0);
  await clock.advance(60000);
  assert.equal(WS.sockets.length, 1);
});

test('close() from a reconnectscheduled listener cancels that reconnect', async () => {
  const { clock, WS, rws } = client(() => 'fail');
  rws.addEventListener('reconnectscheduled', () => rws.close());
  await settle();
  assert.equal(clock.pending, 0);
  await clock.advance(60000);
  assert.equal(WS.sockets.length, 1);
});

test('open() from a giveup listener starts again', async () => {
  const { clock, WS, events, rws } = client((s, i) => (i === 0 ? { close: 1008 } : 'open'));
  rws.addEventListener('giveup', () => {
    assert.equal(rws.readyState, ReconnectingWebSocket.CLOSED, 'CLOSED before giveup fires');
    rws.open();
  });
  await settle();
  await clock.advance(10);
  assert.equal(WS.sockets.length, 2);
  assert.equal(rws.readyState, ReconnectingWebSocket.OPEN);
  assert.equal(events.of('giveup').length, 1);
  rws.close();
});

test('bufferedAmount counts the bytes waiting in the queue', async () => {
  const { rws } = client(() => 'hang');
  await settle();
  rws.send('héllo');
  rws.send(new Uint8Array(10));
  assert.equal(rws.bufferedAmount, 6 + 10);
  rws.close();
});

test('listeners added after the constructor see the first connecting; close() right away prevents the open', async () => {
  const { WS, events, rws } = client(() => 'open');
  await settle();
  assert.equal(events[0].type, 'connecting');
  assert.equal(events[0].isReconnect, false);
  rws.close();

  const quick = client(() => 'open');
  quick.rws.close();
  await settle();
  assert.equal(quick.WS.sockets.length, 0);
  assert.equal(quick.rws.readyState, ReconnectingWebSocket.CLOSED);
  void WS;
});

test('a first connection made while offline waits for online and is no reconnect', async () => {
  const win = new EventTarget();
  const nav = { onLine: false };
  const { clock, WS, events, rws } = client(() => 'open', { window: win, navigator: nav });
  await settle();
  assert.equal(WS.sockets.length, 0);
  assert.equal(events.of('paused')[0].reason, 'offline');
  nav.onLine = true;
  win.dispatchEvent(new Event('online'));
  await clock.runNext();
  assert.equal(WS.sockets.length, 1);
  assert.deepEqual(events.of('open').map((e) => e.isReconnect), [false]);
  rws.close();
});

test('error reports name the right code for a token 429', async () => {
  const fetch = fakeFetch((n, { url }) => (url.endsWith('/api/client-errors') ? { status: 204, body: null }
    : { status: 429, headers: { 'Retry-After': '2' }, body: { error: 'rate_limited', retry_after: 2 } }));
  const { rws } = client(() => 'open', { fetch, tokenUrl: '/api/ws-token', reportErrors: true });
  await settle();
  const reports = fetch.calls.filter((c) => c.url.endsWith('/api/client-errors')).map((c) => c.body);
  assert.equal(reports.length, 1);
  assert.equal(reports[0].kind, 'rate_limited');
  assert.equal(reports[0].code, 429);
  assert.ok(reports[0].delay >= 2000);
  rws.close();
});
