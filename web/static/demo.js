// demo.js drives the demo page: log in, chat over /ws/chat with the bundled
// client, show every state change and scheduled reconnect, and a storm of
// connections against /ws/echo to watch the per-IP limiter answer.
import { ReconnectingWebSocket } from './wsgate.js';

const $ = (id) => document.getElementById(id);
const CHAT = '/ws/chat';
const ECHO = '/ws/echo';

const CLOSE_NAMES = {
  1000: 'normal', 1001: 'going away', 1003: 'unsupported data', 1005: 'no status', 1006: 'abnormal',
  1007: 'invalid UTF-8', 1008: 'policy violation', 1009: 'too big', 1011: 'server error',
  1012: 'server restarting', 4401: 'bad token', 4403: 'forbidden', 4408: 'session expired',
  4429: 'rate limited', 4503: 'over capacity',
};

let chat = null;          // the ReconnectingWebSocket of the chat
let channel = 'lobby';    // the channel we want to be in, kept across reconnects
let me = sessionStorage.getItem('wsgate-demo-user') || '';
let countdown = null;     // {until, text, kind} while a reconnect is pending

// ---- connection state indicator --------------------------------------

function setState(kind, text) {
  $('state').className = `state state-${kind}`;
  $('state-text').textContent = text;
}

function startCountdown(delay, label, kind) {
  countdown = { until: performance.now() + delay, label, kind };
  tick();
}

function tick() {
  if (!countdown) return;
  const left = Math.max(0, countdown.until - performance.now());
  setState(countdown.kind, `${countdown.label} in ${(left / 1000).toFixed(1)} s`);
  if (left > 0) setTimeout(tick, 100);
}

// ---- the log -----------------------------------------------------------

function log(text, kind = '') {
  const li = document.createElement('li');
  const t = document.createElement('time');
  t.textContent = new Date().toLocaleTimeString([], { hour12: false });
  li.append(t, text);
  if (kind) li.className = `k-${kind}`;
  const list = $('log');
  list.append(li);
  while (list.children.length > 300) list.firstElementChild.remove();
  list.scrollTop = list.scrollHeight;
}

const human = (cause) => String(cause).replace(/_/g, ' ');
const closeText = (code) => `${code}${CLOSE_NAMES[code] ? ` ${CLOSE_NAMES[code]}` : ''}`;

// ---- chat ---------------------------------------------------------------

function connect() {
  if (chat) chat.close();
  const rws = new ReconnectingWebSocket(CHAT, null, { tokenUrl: '/api/ws-token', reportErrors: true });
  chat = rws;
  rws.addEventListener('connecting', (e) => {
    if (rws !== chat) return;
    if (!e.isReconnect) log('connecting to /ws/chat');
    if (!countdown) setState('connecting', 'connecting…');
  });
  rws.addEventListener('open', (e) => {
    if (rws !== chat) return;
    countdown = null;
    setState('open', `connected · #${channel}`);
    log(e.isReconnect ? 'reconnected' : 'connected', 'open');
    showSession(true);
    // The server starts every connection in the default channel.
    if (channel !== 'lobby') rws.send(JSON.stringify({ handler: 'change_channel', channel }));
    else $('current-channel').textContent = channel;
  });
  let wasOpen = false;
  rws.addEventListener('open', () => { wasOpen = true; });
  rws.addEventListener('close', (e) => {
    // Failed attempts are told by the reconnect and giveup lines.
    if (rws !== chat || !wasOpen) return;
    wasOpen = false;
    log(`closed: ${closeText(e.code)}${e.reason ? ` “${e.reason}”` : ''}`, e.code === 1000 ? '' : 'bad');
  });
  rws.addEventListener('reconnectscheduled', (e) => {
    if (rws !== chat) return;
    const limited = e.cause === 'rate_limited' || e.cause === 'client_limit' || e.cause === 'over_capacity';
    log(`reconnecting in ${(e.delay / 1000).toFixed(1)} s, ${human(e.cause)} (attempt ${e.attempt})`, limited ? 'bad' : 'wait');
    startCountdown(e.delay, limited ? 'rate limited · retry' : 'reconnecting', limited ? 'limited' : 'waiting');
  });
  rws.addEventListener('ratelimited', (e) => {
    if (rws !== chat) return;
    const who = { server: 'the server', token: 'the token endpoint', client: 'this client’s own cap' }[e.source];
    log(`rate limited by ${who}${e.hintMs ? `: wait at least ${(e.hintMs / 1000).toFixed(1)} s` : ''}`, 'bad');
  });
  rws.addEventListener('paused', (e) => {
    if (rws !== chat) return;
    countdown = null;
    setState('waiting', `paused · ${e.reason}`);
    log(`paused while ${e.reason}`, 'wait');
  });
  rws.addEventListener('error', (e) => {
    if (rws !== chat) return;
    if (e.status && e.status !== 401) log(`token request failed: HTTP ${e.status}`, 'bad');
  });
  rws.addEventListener('giveup', (e) => {
    if (rws !== chat) return;
    countdown = null;
    if (e.cause === 'unauthorized') {
      setState('idle', 'not logged in');
      log('not logged in: log in to connect');
      showSession(false);
      return;
    }
    setState('closed', `stopped · ${human(e.cause)}`);
    log(`gave up: ${human(e.cause)}${e.code ? ` (${closeText(e.code)})` : ''}`, 'bad');
  });
  rws.addEventListener('message', (e) => onChatMessage(e.data));
}

function onChatMessage(raw) {
  let m;
  try { m = JSON.parse(raw); } catch { return system(`(unreadable frame) ${String(raw).slice(0, 80)}`); }
  if (m.type === 'message') {
    const text = m.data && typeof m.data.text === 'string' ? m.data.text : JSON.stringify(m.data);
    addMessage(m.from, text);
  } else if (m.type === 'channel') {
    channel = m.channel;
    $('current-channel').textContent = channel;
    $('channel').value = channel;
    if (chat && chat.readyState === ReconnectingWebSocket.OPEN) setState('open', `connected · #${channel}`);
    system(`joined #${channel}`);
  } else if (m.type === 'error') {
    system(`server: ${m.error}${m.message ? ` — ${m.message}` : ''}`);
  }
}

function addMessage(from, text) {
  const li = document.createElement('li');
  if (from && from === me) li.className = 'mine';
  const who = document.createElement('span');
  who.className = 'from';
  who.textContent = from ?? 'server';
  li.append(who, text);
  appendMessage(li);
}

function system(text) {
  const li = document.createElement('li');
  li.className = 'system';
  li.textContent = text;
  appendMessage(li);
}

function appendMessage(li) {
  const list = $('messages');
  list.append(li);
  while (list.children.length > 200) list.firstElementChild.remove();
  list.scrollTop = list.scrollHeight;
}

// ---- account -------------------------------------------------------------

function showSession(loggedIn) {
  $('login-form').hidden = loggedIn;
  $('session').hidden = !loggedIn;
  $('who').textContent = me || 'you';
}

async function login(ev) {
  ev.preventDefault();
  const err = $('login-error');
  err.hidden = true;
  const username = $('username').value.trim();
  const res = await fetch('/api/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: $('password').value }),
  }).catch((e) => ({ ok: false, status: 0, json: async () => ({ message: String(e) }) }));
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    const wait = res.headers && res.headers.get('Retry-After');
    err.textContent = res.status === 401 ? 'Wrong user name or password.'
      : `${body.message || `HTTP ${res.status}`}${wait ? ` (retry in ${wait} s)` : ''}`;
    err.hidden = false;
    return;
  }
  me = username;
  sessionStorage.setItem('wsgate-demo-user', me);
  $('password').value = '';
  log(`logged in as ${me}`);
  showSession(true);
  connect();
}

async function logout() {
  if (chat) chat.close(1000, 'logout');
  chat = null;
  await fetch('/api/logout', { method: 'POST', credentials: 'same-origin' }).catch(() => {});
  sessionStorage.removeItem('wsgate-demo-user');
  me = '';
  countdown = null;
  setState('idle', 'not logged in');
  log('logged out');
  showSession(false);
}

// ---- storm ---------------------------------------------------------------

let storm = [];

function stormCounts() {
  const cells = [...$('storm-grid').children];
  const n = (cls) => cells.filter((c) => c.classList.contains(cls)).length;
  $('storm-ok').textContent = n('ok');
  $('storm-bad').textContent = n('bad');
  $('storm-wait').textContent = n('wait') + n('pending');
  const settled = cells.length > 0 && n('pending') === 0 && n('wait') === 0;
  if (settled) {
    $('storm-note').textContent = `${n('ok')} of ${cells.length} accepted. The server admits a fixed number of attempts per IP in a sliding window; `
      + 'the rest were refused before the upgrade (a browser only sees close 1006, so the bundled client backs off with jitter instead of hammering).';
  }
}

function stopStorm() {
  for (const s of storm) s.close();
  storm = [];
}

function startStorm(ev) {
  ev.preventDefault();
  stopStorm();
  const n = Math.min(200, Math.max(1, Number($('storm-count').value) || 50));
  const mode = $('storm-mode').value;
  const grid = $('storm-grid');
  grid.replaceChildren();
  $('storm-note').textContent = '';
  const url = new URL(ECHO, location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  for (let i = 0; i < n; i++) {
    const cell = document.createElement('div');
    cell.className = 'cell pending';
    grid.append(cell);
    const mark = (cls, title) => { cell.className = `cell ${cls}`; cell.title = title; stormCounts(); };
    if (mode === 'raw') {
      const ws = new WebSocket(url);
      let opened = false;
      ws.onopen = () => { opened = true; mark('ok', `#${i + 1} accepted`); };
      ws.onclose = (e) => { if (!opened) mark('bad', `#${i + 1} refused (${closeText(e.code)})`); else if (cell.classList.contains('ok')) mark('', `#${i + 1} closed`); };
      storm.push(ws);
    } else {
      // Chromium lets one handshake per host be pending at a time, so a
      // storm queues: a long connect timeout keeps that from reading as failure.
      const rws = new ReconnectingWebSocket(url, null, { maxReconnectAttempts: 4, timeoutInterval: 15000, reportErrors: false });
      rws.addEventListener('open', () => mark('ok', `#${i + 1} accepted`));
      rws.addEventListener('reconnectscheduled', (e) => mark('wait', `#${i + 1} retry in ${(e.delay / 1000).toFixed(1)} s (${human(e.cause)})`));
      rws.addEventListener('giveup', (e) => mark('bad', `#${i + 1} gave up (${human(e.cause)})`));
      storm.push(rws);
    }
  }
  log(`storm: ${n} ${mode === 'raw' ? 'raw WebSockets' : 'wsgate clients'} to ${ECHO}`);
  stormCounts();
}

// ---- wiring ----------------------------------------------------------------

$('login-form').addEventListener('submit', login);
$('logout-btn').addEventListener('click', logout);
$('drop-btn').addEventListener('click', () => { if (chat) { log('reconnecting now (refresh)'); chat.refresh(); } });
$('disconnect-btn').addEventListener('click', () => {
  if (!chat) return;
  chat.close(1000, 'closed by the page');
  countdown = null;
  setState('idle', 'disconnected');
  $('disconnect-btn').hidden = true;
  $('connect-btn').hidden = false;
});
$('connect-btn').addEventListener('click', () => {
  $('disconnect-btn').hidden = false;
  $('connect-btn').hidden = true;
  connect();
});
$('send-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = $('message');
  const text = input.value.trim();
  if (!text || !chat) return;
  const sent = chat.send(JSON.stringify({ handler: 'publish', data: { text } }));
  if (!sent) system('not sent: disconnected and the send queue is full');
  else if (chat.readyState !== ReconnectingWebSocket.OPEN) system('queued: will be sent when the connection is back');
  input.value = '';
});
$('channel-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const want = $('channel').value.trim();
  if (!want || !chat) return;
  channel = want;
  chat.send(JSON.stringify({ handler: 'change_channel', channel: want }));
});
$('clear-log').addEventListener('click', () => $('log').replaceChildren());
$('storm-form').addEventListener('submit', startStorm);
$('storm-stop').addEventListener('click', () => { stopStorm(); $('storm-grid').replaceChildren(); stormCounts(); $('storm-note').textContent = ''; });

// Try at once: a session cookie from an earlier visit makes the token
// request succeed; without one the client gives up with "unauthorized"
// and the login form shows.
showSession(false);
connect();

// For tests and the curious: the live client.
window.wsgateDemo = { get client() { return chat; } };
