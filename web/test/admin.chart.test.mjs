// Unit tests of the admin dashboard's number helpers (admin.chart.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { niceCeil, formatNumber, formatBytes } from '../static/admin.chart.js';

test('niceCeil rounds up to 1, 2, 2.5 or 5 times a power of ten', () => {
  const cases = [[0, 1], [-3, 1], [NaN, 1], [0.3, 0.5], [1, 1], [1.01, 2], [2.2, 2.5], [3, 5], [7, 10], [26, 50], [25600, 50000]];
  for (const [v, want] of cases) assert.equal(niceCeil(v), want, `niceCeil(${v})`);
  // Property: the answer is never below v and at most 2.5 times it.
  for (let i = 0; i < 1000; i++) {
    const v = Math.random() * 10 ** (Math.floor(Math.random() * 12) - 4);
    const got = niceCeil(v);
    assert.ok(got >= v && got <= v * 2.5 + 1e-12, `niceCeil(${v}) = ${got}`);
  }
});

test('formatNumber and formatBytes stay short', () => {
  const numbers = [[0, '0'], [7, '7'], [0.25, '0.25'], [3.333, '3.33'], [999, '999'], [1250, '1.25k'], [12345, '12.3k'], [2.5e6, '2.5M']];
  for (const [v, want] of numbers) assert.equal(formatNumber(v), want, `formatNumber(${v})`);
  const sizes = [[0, '0 B'], [1023, '1023 B'], [1536, '1.5 KiB'], [102400, '100 KiB'], [5 * 2 ** 30, '5 GiB']];
  for (const [v, want] of sizes) assert.equal(formatBytes(v), want, `formatBytes(${v})`);
});
