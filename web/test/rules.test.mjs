// The client's pure rules: backoff, jitter bounds, close codes, hints and
// the attempt window, checked against simple reference models.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  backoffDelay, capDelay, closeAction, parseRetryAfter, parseRetryHint, DEFAULTS,
} from '../static/wsgate.js';

const legacy = { ...DEFAULTS, jitter: 'none' };

test('jitter none: delays equal the old client formula', () => {
  const cases = [
    { name: 'defaults', o: legacy },
    { name: 'fast decay', o: { ...legacy, reconnectInterval: 200, reconnectDecay: 2, maxReconnectInterval: 5000 } },
    { name: 'no decay', o: { ...legacy, reconnectDecay: 1 } },
  ];
  for (const { name, o } of cases) {
    for (let n = 0; n < 20; n++) {
      const want = Math.min(o.reconnectInterval * Math.pow(o.reconnectDecay, n), o.maxReconnectInterval);
      const got = backoffDelay(n, o, () => { throw new Error('jitter none must not draw'); });
      assert.equal(got, want, `${name} n=${n}: got ${got}, want ${want}`);
    }
  }
});

test('full jitter: every delay lies within [floor, cap]', () => {
  const o = { ...DEFAULTS, jitter: 'full', minReconnectInterval: 300 };
  const draws = [0, 1e-9, 0.25, 0.5, 0.999999, 0.9999999999];
  for (let n = 0; n < 25; n++) {
    const cap = Math.min(o.reconnectInterval * Math.pow(o.reconnectDecay, n), o.maxReconnectInterval);
    for (const r of draws) {
      const got = backoffDelay(n, o, () => r);
      assert.ok(got >= o.minReconnectInterval && got <= cap, `n=${n} r=${r}: got ${got}, want within [300, ${cap}]`);
    }
    assert.equal(backoffDelay(n, o, () => 0), o.minReconnectInterval, 'random 0 gives the floor');
  }
});

test('full jitter: draws spread over the range, not one value', () => {
  const o = { ...DEFAULTS, jitter: 'full' };
  const seen = new Set();
  for (let i = 0; i < 200; i++) seen.add(Math.round(backoffDelay(6, o) / 100));
  assert.ok(seen.size > 20, `got ${seen.size} distinct delays (in 100 ms buckets), want many`);
});

test('the floor never lifts a delay above its cap', () => {
  const o = { ...DEFAULTS, jitter: 'full', reconnectInterval: 100, minReconnectInterval: 700 };
  for (const r of [0, 0.5, 0.99]) assert.equal(backoffDelay(0, o, () => r), 100, `r=${r}`);
  assert.equal(backoffDelay(0, { ...o, jitter: 'none' }), 100, 'jitter none is the old formula');
});

test('closeAction follows the close-code table', () => {
  const cases = [
    [1000, '', true, 'backoff'],
    [1001, '', true, 'backoff'],
    [1003, '', true, 'stop'],
    [1007, '', true, 'stop'],
    [1008, '', true, 'stop'],
    [1009, '', true, 'stop'],
    [4403, '', true, 'stop'],
    [1011, '', true, 'backoff'],
    [1012, '{"retry_after_ms": 2500}', true, 'hint', 2500],
    [1012, '', true, 'hint', null],
    [4401, '', true, 'auth'],
    [4408, '', true, 'now'],
    [4429, '{"retry_after_ms":7000}', true, 'hint', 7000],
    [4503, '{"retry_after_ms":1200}', true, 'hint', 1200],
    [4503, '', true, 'hint', null],
    [1006, '', false, 'backoff'],
    [1006, '', true, 'backoff'],
    [4000, '', true, 'backoff'],
  ];
  for (const [code, reason, opened, action, hint] of cases) {
    const got = closeAction(code, reason, opened);
    assert.equal(got.action, action, `code ${code}: got ${got.action}, want ${action}`);
    if (hint !== undefined) assert.equal(got.hintMs, hint, `code ${code}: got hint ${got.hintMs}, want ${hint}`);
  }
  assert.equal(closeAction(1006, '', false).cause, 'handshake_failed');
  assert.equal(closeAction(1006, '', true).cause, 'connection_lost');
  assert.equal(closeAction(4429, '').cause, 'rate_limited');
});

test('parseRetryHint reads retry_after_ms and refuses garbage', () => {
  const cases = [
    ['{"retry_after_ms": 1500}', 1500],
    ['{"retry_after_ms":0}', 0],
    ['{"retry_after_ms": 1499.2}', 1500],
    ['{"retry_after_ms": "800"}', 800],
    ['retry_after_ms=900', 900],
    ['rate limited; retry_after_ms: 42', 42],
    ['{"reason":"rate_limited_ip","retry_after_ms":3000}', 3000],
    ['', null],
    [undefined, null],
    ['{"retry_after_ms": -5}', null],
    ['{"retry_after_ms": null}', null],
    ['{"retry_after_ms": "soon"}', null],
    ['{"retry_after_ms": 1e400}', null],
    ['{broken', null],
    ['going away', null],
  ];
  for (const [reason, want] of cases) {
    assert.equal(parseRetryHint(reason), want, `reason ${JSON.stringify(reason)}`);
  }
});

test('parseRetryAfter reads seconds and HTTP dates', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const cases = [
    ['3', 3000],
    [' 12 ', 12000],
    ['0', 0],
    ['1.5', 1500],
    ['Thu, 01 Jan 2026 00:00:05 GMT', 5000],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0],
    ['', null],
    [null, null],
    ['soon', null],
    ['-1', null],
  ];
  for (const [value, want] of cases) {
    assert.equal(parseRetryAfter(value, now), want, `value ${JSON.stringify(value)}`);
  }
});

// capModel is the reference: try every millisecond until the window admits.
function capModel(times, now, max, windowMs) {
  for (let d = 0; ; d++) {
    const t = now + d;
    if (times.filter((x) => x > t - windowMs && x <= t).length < max) return d;
  }
}

test('capDelay matches a brute-force model of the attempt window', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let round = 0; round < 300; round++) {
    const max = 1 + Math.floor(rand() * 5);
    const windowMs = 10 + Math.floor(rand() * 200);
    const times = [];
    let t = 0;
    for (let i = 0; i < Math.floor(rand() * 10); i++) times.push((t += Math.floor(rand() * 60)));
    const now = t + Math.floor(rand() * 100);
    const want = capModel(times, now, max, windowMs);
    const got = capDelay(times, now, max, windowMs);
    assert.equal(got, want, `times=${times} now=${now} max=${max} window=${windowMs}`);
  }
  assert.equal(capDelay([1, 2, 3], 3, null, 100), 0, 'no cap configured');
});
