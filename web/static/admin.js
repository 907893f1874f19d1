// The admin dashboard: polls /api/admin/stats every few seconds, turns the
// counters into rates by differencing two polls, and draws them; polls
// /api/admin/top for the tables. Authentication is the session cookie
// (log in here with POST /api/login) or an API key kept in sessionStorage
// and sent as a Bearer header.
import { LineChart, formatNumber, formatBytes } from './admin.chart.js';

const POLL_MS = 2000;
const TOP_MS = 10000;
const KEEP_MS = 5 * 60_000;
const KEY_STORE = 'wsgate.adminKey';

// Colors per result; every rejection reason of the connect path has one.
const RESULT_COLORS = {
  ok: '#1f9d55',
  rate_limited_ip: '#f08c00',
  rate_limited_user: '#e8590c',
  bad_token: '#ae3ec9',
  forbidden_origin: '#c92a2a',
  over_capacity: '#d6336c',
  bad_channel: '#868e96',
  unavailable: '#495057',
  other: '#0c8599',
};
const PALETTE = ['#3b5bdb', '#0ca678', '#f59f00', '#ae3ec9', '#e8590c', '#1098ad', '#d6336c', '#5c940d'];

const $ = (id) => document.getElementById(id);

/** history holds the polled snapshots of the last KEEP_MS, oldest first. */
const history = [];
let timer = null;
let topTimer = null;
let paused = false;
let selectedKey = null;

const charts = {
  attempts: new LineChart($('c-attempts'), { format: formatNumber }),
  connections: new LineChart($('c-connections'), { format: formatNumber }),
  reconnects: new LineChart($('c-reconnects'), { format: formatNumber }),
  problems: new LineChart($('c-problems'), { format: formatNumber, empty: 'no client reports or refused frames so far' }),
  tokens: new LineChart($('c-tokens'), { format: formatNumber }),
  journal: new LineChart($('c-journal'), { format: formatNumber }),
  database: new LineChart($('c-database'), { format: formatBytes, minMax: 1024 }),
};

// api fetches an admin endpoint with the stored API key, if any. A 401 or
// 403 shows the login panel and throws.
async function api(path, init = {}) {
  const headers = { ...(init.headers || {}) };
  const key = sessionStorage.getItem(KEY_STORE);
  if (key) headers.Authorization = `Bearer ${key}`;
  const res = await fetch(path, { credentials: 'same-origin', ...init, headers });
  if (res.status === 401 || res.status === 403) {
    const body = await res.json().catch(() => ({}));
    showLogin(res.status === 403
      ? 'These credentials lack the admin permission.'
      : body.message || 'Log in to see the dashboard.');
    throw new AuthError(res.status);
  }
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.status === 204 ? null : res.json();
}

class AuthError extends Error {}

// poll fetches one snapshot, keeps it and redraws.
async function poll() {
  try {
    const snap = await api('/api/admin/stats');
    showDashboard();
    if (history.length && snap.uptime_seconds < history[history.length - 1].uptime_seconds) {
      history.length = 0; // the server restarted: its counters did too
    }
    history.push(snap);
    while (history.length > 2 && history[0].now < snap.now - KEEP_MS - 10_000) history.shift();
    render(snap);
    setLive('on', 'live');
  } catch (err) {
    if (err instanceof AuthError) return stop();
    setLive('error', 'server unreachable');
  }
}

// rates turns a counter read by pick(snapshot) into [time, per-second]
// points, one per consecutive pair of polls.
function rates(pick) {
  const out = [];
  for (let i = 1; i < history.length; i++) {
    const a = history[i - 1];
    const b = history[i];
    const dt = (b.now - a.now) / 1000;
    if (dt <= 0) continue;
    out.push([b.now, Math.max(0, (pick(b) - pick(a)) / dt)]);
  }
  return out;
}

const gauge = (pick) => history.map((s) => [s.now, pick(s)]);
const sum = (obj) => Object.values(obj || {}).reduce((a, b) => a + b, 0);

// attemptsBy sums connect attempts of one result over every endpoint.
function attemptsBy(snap, result) {
  let n = 0;
  for (const byResult of Object.values(snap.connect_attempts || {})) n += byResult[result] || 0;
  return n;
}

// reconnectsUpTo is the number of attempts that came within le seconds
// of the same key's previous one (le = Infinity: all with a previous one).
function reconnectsUpTo(snap, le) {
  const h = snap.reconnect_intervals || { count: 0, buckets: [] };
  if (le === Infinity) return h.count;
  const b = h.buckets.find((x) => x.le === le);
  return b ? b.count : 0;
}

// sumOver sums one key over a map of maps (endpoint -> key -> total).
function sumOver(byEndpoint, key) {
  let n = 0;
  for (const m of Object.values(byEndpoint || {})) n += m[key] || 0;
  return n;
}

// seen lists the keys that any kept snapshot has under pick(snapshot).
function seen(pick, order = []) {
  const keys = new Set();
  for (const s of history) for (const k of Object.keys(pick(s) || {})) keys.add(k);
  return [...keys].sort((a, b) => rank(order, a) - rank(order, b) || a.localeCompare(b));
}
const rank = (order, k) => (order.includes(k) ? order.indexOf(k) : order.length);

function render(snap) {
  const now = snap.now;
  const results = seen((s) => Object.assign({}, ...Object.values(s.connect_attempts || {})),
    Object.keys(RESULT_COLORS));
  if (!results.includes('ok')) results.unshift('ok');
  charts.attempts.draw(results.map((r) => ({
    name: r,
    label: r === 'ok' ? 'accepted' : r,
    color: RESULT_COLORS[r] || RESULT_COLORS.other,
    points: rates((s) => attemptsBy(s, r)),
    area: r === 'ok',
  })), now);

  const endpoints = snap.endpoints || Object.keys(snap.connections || {});
  charts.connections.draw(endpoints.map((ep, i) => ({
    name: ep, color: PALETTE[i % PALETTE.length], area: true,
    points: gauge((s) => (s.connections || {})[ep] || 0),
  })), now);

  // A storm of clients without backoff piles up under a second; a patient
  // client population spreads to the right.
  charts.reconnects.draw([
    { name: 'under_1s', label: 'under 1 s', color: RESULT_COLORS.over_capacity, points: rates((s) => reconnectsUpTo(s, 1)) },
    { name: '1s_to_10s', label: '1–10 s', color: RESULT_COLORS.rate_limited_ip, points: rates((s) => reconnectsUpTo(s, 10) - reconnectsUpTo(s, 1)) },
    { name: 'over_10s', label: 'over 10 s', color: RESULT_COLORS.ok, points: rates((s) => reconnectsUpTo(s, Infinity) - reconnectsUpTo(s, 10)) },
  ], now);

  const kinds = seen((s) => s.client_errors);
  const reasons = seen((s) => Object.assign({}, ...Object.values(s.violations || {})));
  charts.problems.draw([
    ...kinds.map((k, i) => ({ name: `report:${k}`, label: `report ${k}`, color: PALETTE[i % PALETTE.length],
      points: rates((s) => (s.client_errors || {})[k] || 0) })),
    ...reasons.map((r, i) => ({ name: `violation:${r}`, label: `refused ${r}`, color: PALETTE[(kinds.length + i) % PALETTE.length],
      points: rates((s) => sumOver(s.violations, r)) })),
  ], now);

  const tokenResults = seen((s) => s.token_requests, ['ok', 'rate_limited']);
  if (!tokenResults.length) tokenResults.push('ok');
  charts.tokens.draw(tokenResults.map((r, i) => ({
    name: r, label: r === 'ok' ? 'issued' : r,
    color: r === 'ok' ? RESULT_COLORS.ok : r.startsWith('rate_limited') ? RESULT_COLORS.rate_limited_ip : PALETTE[i % PALETTE.length],
    points: rates((s) => (s.token_requests || {})[r] || 0),
  })), now);

  charts.journal.draw([
    { name: 'queue', label: 'queued', color: PALETTE[0], area: true, points: gauge((s) => s.journal.queue_depth) },
    { name: 'dropped', label: 'dropped / s', color: RESULT_COLORS.over_capacity, points: rates((s) => s.journal.dropped) },
  ], now);
  charts.database.draw([
    { name: 'bytes', label: 'size', color: PALETTE[5], area: true, points: gauge((s) => s.database_bytes) },
  ], now);

  renderTiles(snap);
}

function renderTiles(snap) {
  const last = (pts) => (pts.length ? pts[pts.length - 1][1] : null);
  const accepted = last(rates((s) => attemptsBy(s, 'ok')));
  const rejected = last(rates((s) => sum(Object.values(s.connect_attempts || {}).map((r) => sum(r) - (r.ok || 0)))));
  const tokens = last(rates((s) => sum(s.token_requests)));
  $('t-connections').textContent = formatNumber(sum(snap.connections));
  $('t-accepted').textContent = accepted == null ? '–' : formatNumber(accepted);
  $('t-rejected').textContent = rejected == null ? '–' : formatNumber(rejected);
  $('t-tokens').textContent = tokens == null ? '–' : formatNumber(tokens);
  const lim = snap.limiter || {};
  $('t-keys').textContent = `${formatNumber(lim.ip?.keys || 0)} / ${formatNumber(lim.user?.keys || 0)}`;
  $('t-journal').textContent = `${formatNumber(snap.journal.queue_depth)} · ${formatNumber(snap.journal.dropped)}`;
  $('t-db').textContent = formatBytes(snap.database_bytes);
  $('t-uptime').textContent = formatDuration(snap.uptime_seconds);
  $('updated').textContent = `updated ${new Date(snap.now).toLocaleTimeString()}`;
}

// loadTop fills both tables of the most rejected keys for the period.
async function loadTop() {
  const since = $('period').value;
  try {
    const [ips, users] = await Promise.all([
      api(`/api/admin/top?by=ip&since=${since}&limit=10`),
      api(`/api/admin/top?by=user&since=${since}&limit=10`),
    ]);
    fillTop($('top-ip'), 'ip', ips.top);
    fillTop($('top-user'), 'user', users.top);
    if (selectedKey) loadAttempts(selectedKey);
  } catch (err) {
    if (!(err instanceof AuthError)) setLive('error', 'could not read the journal');
  }
}

function fillTop(table, by, rows) {
  const tbody = table.tBodies[0];
  if (!rows.length) {
    const tr = tbody.insertRow();
    const td = tr.insertCell();
    td.colSpan = 3;
    td.className = 'none';
    td.textContent = 'no rejected attempts in this period';
    tbody.replaceChildren(tr);
    return;
  }
  const top = rows[0].count;
  tbody.replaceChildren(...rows.map(({ key, count }) => {
    const tr = document.createElement('tr');
    const k = cell(tr, key, 'key');
    k.title = `show the latest attempts of ${key}`;
    cell(tr, formatNumber(count), 'num');
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.style.width = `${Math.max(2, (count / top) * 100)}%`;
    cell(tr, '').append(bar);
    if (selectedKey && selectedKey.by === by && selectedKey.key === key) tr.classList.add('selected');
    tr.addEventListener('click', () => {
      selectedKey = { by, key };
      document.querySelectorAll('table.toplist tr.selected').forEach((r) => r.classList.remove('selected'));
      tr.classList.add('selected');
      loadAttempts(selectedKey);
    });
    return tr;
  }));
}

async function loadAttempts({ by, key }) {
  const q = new URLSearchParams({ [by]: key, limit: '12', since: $('period').value });
  let attempts;
  try {
    ({ attempts } = await api(`/api/admin/attempts?${q}`));
  } catch (err) {
    if (!(err instanceof AuthError)) setLive('error', 'could not read the journal');
    return;
  }
  $('attempts-key').textContent = key;
  $('attempts-box').hidden = false;
  $('attempts').tBodies[0].replaceChildren(...attempts.map((a) => {
    const tr = document.createElement('tr');
    cell(tr, new Date(a.at).toLocaleTimeString());
    cell(tr, a.endpoint);
    cell(tr, a.ip, 'key');
    cell(tr, a.user ?? '–');
    cell(tr, a.reason, a.success ? 'result-ok' : 'result-bad');
    return tr;
  }));
}

function cell(tr, text, cls) {
  const td = tr.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function formatDuration(s) {
  if (s < 60) return `${Math.floor(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${Math.floor(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

function setLive(state, text) {
  $('live').className = `live live-${state}`;
  $('live-text').textContent = text;
}

function showLogin(reason) {
  $('login').hidden = false;
  $('dashboard').hidden = true;
  $('pause-btn').hidden = true;
  $('logout-btn').hidden = true;
  $('login-reason').textContent = reason;
  setLive('off', 'not logged in');
}

function showDashboard() {
  if (!$('dashboard').hidden) return;
  $('login').hidden = true;
  $('dashboard').hidden = false;
  $('pause-btn').hidden = false;
  $('logout-btn').hidden = false;
  loadTop();
}

function start() {
  stop();
  paused = false;
  $('pause-btn').textContent = 'Pause';
  poll();
  timer = setInterval(poll, POLL_MS);
  topTimer = setInterval(loadTop, TOP_MS);
}

function stop() {
  clearInterval(timer);
  clearInterval(topTimer);
  timer = topTimer = null;
}

function showError(msg) {
  $('login-error').textContent = msg;
  $('login-error').hidden = !msg;
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  showError('');
  sessionStorage.removeItem(KEY_STORE);
  const res = await fetch('/api/login', {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: $('username').value, password: $('password').value }),
  });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    showError(body.message || `login failed (HTTP ${res.status})`);
    return;
  }
  $('password').value = '';
  start();
});

$('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  showError('');
  sessionStorage.setItem(KEY_STORE, $('api-key').value.trim());
  $('api-key').value = '';
  start();
});

$('logout-btn').addEventListener('click', async () => {
  sessionStorage.removeItem(KEY_STORE);
  await fetch('/api/logout', { method: 'POST', credentials: 'same-origin' }).catch(() => {});
  stop();
  history.length = 0;
  showLogin('Logged out.');
});

$('pause-btn').addEventListener('click', () => {
  if (paused) return start();
  stop();
  paused = true;
  $('pause-btn').textContent = 'Resume';
  setLive('paused', 'paused');
});

$('period').addEventListener('change', loadTop);
window.addEventListener('resize', () => history.length && render(history[history.length - 1]));

start();
