// The admin dashboard in a real browser (Debian's Chromium driven by
// playwright-core) against a real wsgate on loopback: the login form for
// visitors, the refusal of a user without the admin permission, live
// charts that draw non-empty series once traffic flows, the tables of the
// most rejected keys, and a screenshot kept for the README (docs/admin.png).
// Every wait is bounded; the process and the browser end in the after hook.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import WebSocket from 'ws';
import { Gateway, buildBinary, chromiumPath, haveChromium, launchChromium, repoRoot, sleep, tempDir } from './gateway.mjs';

const PASSWORD = 'correct horse battery staple';

// Small limits so that a few seconds of traffic show accepted and
// rejected attempts of several reasons. Loopback is a trusted proxy, so
// the test plays clients of several addresses through X-Forwarded-For.
const CONFIG = `
drain_timeout = "1s"
trusted_proxies = ["127.0.0.1/32"]
[token]
max_per_minute = 8

[[endpoint]]
path = "/ws/echo"
handler = "echo"
require_token = false
rate_limit_max_attempts = 12
rate_limit_window = "1m"

[[endpoint]]
path = "/ws/chat"
handler = "channels"
require_token = true
rate_limit_max_attempts = 3
rate_limit_window = "1m"
`;

let tmp;
let browser;
let gw;
const sockets = [];

before(async () => {
  assert.ok(haveChromium, `Chromium is missing at ${chromiumPath}: run scripts/install-test-deps.sh`);
  tmp = await tempDir();
  const bin = await buildBinary(tmp.dir);
  gw = new Gateway(bin, tmp.dir, 'admin', CONFIG);
  await gw.addUser('root', PASSWORD, ['admin']);
  await gw.addUser('alice', PASSWORD);
  await gw.start();
  browser = await launchChromium();
}, { timeout: 300_000 });

after(async () => {
  for (const ws of sockets) ws.terminate();
  if (gw) await gw.stop('SIGKILL');
  if (browser) await browser.close().catch(() => {});
  if (tmp) await tmp.cleanup();
}, { timeout: 30_000 });

// openWS opens one WebSocket to path and resolves with its HTTP answer:
// 101 (kept open; onOpen gets the socket) or the refusal's status.
function openWS(pathAndQuery, headers = {}, onOpen = () => {}) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${gw.url.replace('http', 'ws')}${pathAndQuery}`, { headers });
    sockets.push(ws);
    ws.on('open', () => { onOpen(ws); resolve(101); });
    ws.on('unexpected-response', (_req, res) => { res.resume(); ws.terminate(); resolve(res.statusCode); });
    ws.on('error', () => resolve(0));
  });
}

// createAPIKey runs `wsgate apikey create NAME --perm admin` and answers the
// key it prints once.
async function createAPIKey(name) {
  const { stdout } = await promisify(execFile)(gw.bin,
    ['apikey', 'create', name, '--perm', 'admin', '--config', gw.config], { timeout: 30_000 });
  return stdout.trim();
}

// login answers the session cookie of a user.
async function login(user) {
  const res = await fetch(`${gw.url}/api/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: user, password: PASSWORD }),
  });
  assert.equal(res.status, 204, `login ${user}`);
  return res.headers.get('set-cookie').split(';')[0];
}

// from makes the headers of a client at ip behind the trusted proxy.
const from = (ip, extra = {}) => ({ 'X-Forwarded-For': ip, ...extra });

// traffic makes a few seconds of mixed traffic: well-behaved clients that
// stay connected, one address hammering, a foreign origin, guessed tokens,
// a user connecting from many addresses, and token requests past the
// per-user budget. It answers every status seen.
async function traffic(rounds) {
  const statuses = [];
  const cookie = await login('alice');
  for (let round = 0; round < rounds; round++) {
    statuses.push(await openWS('/ws/echo', from(`198.51.100.${round + 1}`)));
    for (let i = 0; i < 2 + (round % 3) * 3; i++) statuses.push(await openWS('/ws/echo', from('203.0.113.66')));
    statuses.push(await openWS('/ws/echo', from('192.0.2.7', { Origin: 'https://evil.example' })));
    statuses.push(await openWS(`/ws/chat?ws_token=${'0'.repeat(64)}`, from(`203.0.113.${9 + (round % 2)}`)));
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${gw.url}/api/ws-token`, { method: 'POST', headers: { Cookie: cookie } });
      statuses.push(res.status);
      if (res.ok) {
        const { token } = await res.json();
        // A client that speaks the protocol badly: its frames are refused.
        statuses.push(await openWS(`/ws/chat?ws_token=${token}`, from(`198.51.100.${100 + round}`, { Cookie: cookie }),
          (sock) => { for (let k = 0; k <= round % 3; k++) sock.send('{not json'); }));
      }
    }
    for (const kind of ['connection_lost', 'rate_limited'].slice(0, 1 + (round % 2))) {
      const res = await fetch(`${gw.url}/api/client-errors`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', ...from(`198.51.100.${round + 1}`) },
        body: JSON.stringify({ kind, code: kind === 'rate_limited' ? 4429 : 1006, delay: 1500, attempt: round }),
      });
      statuses.push(res.status);
    }
    await sleep(700);
  }
  return statuses;
}

// seriesMax reads the largest value a chart's series drew (data-max), by
// series name; a series absent from the chart is missing from the map.
function seriesMax(page, chartId) {
  return page.evaluate((id) => Object.fromEntries(
    [...document.querySelectorAll(`#${id} path.series`)].map((p) => [p.dataset.series, Number(p.dataset.max)])), chartId);
}

async function waitFor(fn, what, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('the admin page', { timeout: 180_000 }, () => {
  test('asks a visitor to log in and refuses a user without admin', { timeout: 30_000 }, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    const res = await page.goto(`${gw.url}/admin`);
    assert.equal(res.status(), 401);
    await page.locator('#login-form').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#dashboard').isVisible(), false);

    const stats = await page.evaluate(() => fetch('/api/admin/stats').then((r) => r.status));
    assert.equal(stats, 401, 'the data stays admin-only');

    await page.fill('#username', 'alice');
    await page.fill('#password', PASSWORD);
    await page.click('#login-form button[type=submit]');
    await waitFor(async () => /admin permission/.test(await page.textContent('#login-reason')), 'the refusal');
    assert.equal(await page.locator('#dashboard').isVisible(), false);
    await context.close();
  });

  test('accepts an API key kept in the tab, and logs out', { timeout: 30_000 }, async () => {
    const key = await createAPIKey('ops');
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    await page.goto(`${gw.url}/admin`);
    await page.fill('#api-key', 'not-a-key');
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/admin/stats')),
      page.click('#key-form button[type=submit]'),
    ]);
    assert.equal(refused.status(), 401);
    assert.equal(refused.request().headers().authorization, 'Bearer not-a-key');
    assert.ok(await page.locator('#login').isVisible());
    assert.equal(await page.locator('#dashboard').isVisible(), false);

    await page.fill('#api-key', key);
    await page.click('#key-form button[type=submit]');
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('wsgate.adminKey')), key);

    // A reload keeps the key (same tab); the page answers 401 yet shows data.
    const res = await page.reload();
    assert.equal(res.status(), 401);
    await page.locator('#dashboard').waitFor({ state: 'visible' });

    await page.click('#logout-btn');
    await page.locator('#login').waitFor({ state: 'visible' });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('wsgate.adminKey')), null);
    await context.close();
  });

  test('draws live charts and tables after traffic', { timeout: 120_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 1000 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    await page.goto(`${gw.url}/admin`);
    await page.fill('#username', 'root');
    await page.fill('#password', PASSWORD);
    await page.click('#login-form button[type=submit]');
    await page.locator('#dashboard').waitFor({ state: 'visible' });

    const statuses = await traffic(10);
    assert.ok(statuses.includes(101) && statuses.includes(429) && statuses.includes(403) && statuses.includes(401),
      `want accepted, rate-limited, forbidden and bad-token answers, got ${statuses}`);

    const attempts = await waitFor(async () => {
      const m = await seriesMax(page, 'c-attempts');
      return m.ok > 0 && m.rate_limited_ip > 0 && m.rate_limited_user > 0 && m.forbidden_origin > 0 &&
        m.bad_token > 0 && m;
    }, 'attempt series');
    assert.ok(attempts.ok > 0, 'accepted attempts drawn');

    const conns = await seriesMax(page, 'c-connections');
    assert.ok(conns['/ws/echo'] > 0, `open connections drawn: ${JSON.stringify(conns)}`);
    const tokens = await waitFor(async () => {
      const m = await seriesMax(page, 'c-tokens');
      return m.ok > 0 && m.rate_limited > 0 && m;
    }, 'token series');
    assert.ok(tokens.ok > 0);
    const problems = await waitFor(async () => {
      const m = await seriesMax(page, 'c-problems');
      return m['report:connection_lost'] > 0 && m['violation:bad_json'] > 0 && m;
    }, 'client report and refused frame series');
    assert.ok(problems['report:rate_limited'] > 0, `reports by kind: ${JSON.stringify(problems)}`);
    const reconnects = await seriesMax(page, 'c-reconnects');
    assert.ok(reconnects.under_1s > 0, `fast reconnects drawn: ${JSON.stringify(reconnects)}`);
    const db = await seriesMax(page, 'c-database');
    assert.ok(db.bytes > 0, 'database size drawn');
    assert.notEqual(await page.textContent('#t-connections'), '–');

    // The tables come from the journal: the hammering address leads, and
    // alice, limited from many addresses, is the top user.
    await page.selectOption('#period', '15m');
    const firstIP = await waitFor(async () => {
      const t = await page.textContent('#top-ip tbody tr:first-child td.key').catch(() => null);
      return t === '203.0.113.66' && t;
    }, 'the top IP table');
    assert.equal(firstIP, '203.0.113.66');
    const firstUser = await waitFor(() => page.textContent('#top-user tbody tr:first-child td.key').catch(() => null), 'the top user table');
    assert.equal(firstUser, 'alice');
    await page.click('#top-ip tbody tr:first-child');
    await page.locator('#attempts tbody tr').first().waitFor();
    assert.equal(await page.textContent('#attempts tbody tr:first-child td:nth-child(3)'), '203.0.113.66');

    // A second wave while the screenshot is taken, so it shows a storm.
    await traffic(4);
    const file = path.join(repoRoot, 'docs', 'admin.png');
    await mkdir(path.dirname(file), { recursive: true });
    await page.screenshot({ path: file, fullPage: true });
    await context.close();
  });
});
