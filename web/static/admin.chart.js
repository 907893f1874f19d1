// A small SVG line chart for the admin dashboard: time on x, one line per
// series, a few round y ticks, a legend with the latest values and a
// hover cursor. No dependencies and no build step.

const SVG = 'http://www.w3.org/2000/svg';
const PAD = { left: 56, right: 12, top: 10, bottom: 22 };
const TICKS = 4; // horizontal grid lines above zero
const MIN_SPAN = 30_000; // the least time shown, in ms
const TIME_STEPS = [5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000]; // vertical grid lines

/**
 * @typedef {{ name: string, label?: string, color: string, points: Array<[number, number]>, area?: boolean }} Series
 * points are [time in ms, value]; a value of null leaves a gap.
 */

/**
 * LineChart draws series into one <svg> and its legend list.
 */
export class LineChart {
  /**
   * @param {Element} figure the chart's <figure> holding an svg.plot and ul.legend
   * @param {{ format?: (v: number) => string, span?: number, minMax?: number, empty?: string }} [opts]
   *   format: y values as text; span: the time shown, in ms (default 5 min);
   *   minMax: the least top of the y axis, so flat zero lines stay at the bottom;
   *   empty: the text shown while there is no series at all.
   */
  constructor(figure, opts = {}) {
    this.svg = figure.querySelector('svg.plot');
    this.legend = figure.querySelector('ul.legend');
    this.format = opts.format || formatNumber;
    this.span = opts.span || 5 * 60_000;
    this.minMax = opts.minMax ?? 1;
    this.empty = opts.empty || 'waiting for data…';
    this.binary = opts.format === formatBytes;
    this.series = [];
    this.svg.addEventListener('pointermove', (e) => this.hover(e));
    this.svg.addEventListener('pointerleave', () => this.hover(null));
  }

  /**
   * draw replaces the series and redraws, ending the time axis at now.
   * @param {Series[]} series
   * @param {number} now
   */
  draw(series, now) {
    this.series = series;
    this.now = now;
    const { width, height } = this.size();
    this.svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    this.svg.replaceChildren();

    // A young history fills the width instead of hugging the right edge.
    const first = Math.min(now, ...series.flatMap((s) => s.points.map((p) => p[0])));
    this.shown = Math.min(this.span, Math.max(MIN_SPAN, now - first));
    const t0 = now - this.shown;
    const values = series.flatMap((s) => visible(s.points, t0).map((p) => p[1] ?? 0));
    const step = this.niceStep(Math.max(this.minMax, ...values) / TICKS);
    const top = step * TICKS;
    this.x = (t) => PAD.left + ((t - t0) / this.shown) * (width - PAD.left - PAD.right);
    this.y = (v) => height - PAD.bottom - (v / top) * (height - PAD.top - PAD.bottom);
    this.drawGrid(step, t0, width, height);
    for (const s of series) this.drawSeries(s, t0);
    if (!series.some((s) => s.points.length > 1)) {
      this.text(width / 2, height / 2, series.length ? 'waiting for data…' : this.empty, 'empty', 'middle');
    }
    this.drawLegend(series);
  }

  // niceStep rounds a grid step up to a round number: decimal, or for
  // sizes a round number of KiB, MiB or GiB.
  niceStep(raw) {
    if (!this.binary || raw < 1024) return niceCeil(raw);
    const unit = 1024 ** Math.floor(Math.log(raw) / Math.log(1024));
    return niceCeil(raw / unit) * unit;
  }

  size() {
    const r = this.svg.getBoundingClientRect();
    return { width: Math.max(200, Math.round(r.width)), height: Math.max(120, Math.round(r.height)) };
  }

  drawGrid(step, t0, width, height) {
    for (let i = 0; i <= TICKS; i++) {
      const y = this.y(step * i);
      this.line(PAD.left, y, width - PAD.right, y, 'gridline');
      this.text(PAD.left - 8, y + 4, this.format(step * i), 'axis', 'end');
    }
    const every = TIME_STEPS.find((d) => this.shown / d <= 6) || TIME_STEPS[TIME_STEPS.length - 1];
    for (let t = Math.ceil(t0 / every) * every; t <= this.now; t += every) {
      const x = this.x(t);
      this.line(x, PAD.top, x, height - PAD.bottom, 'gridline');
      // A label at the very edge would run into the y axis or off the plot.
      if (x > PAD.left + 24 && x < width - PAD.right - 24) {
        this.text(x, height - 6, clock(t, every < 60_000), 'axis', 'middle');
      }
    }
  }

  drawSeries(s, t0) {
    const pts = visible(s.points, t0);
    let d = '';
    let pen = false;
    for (const [t, v] of pts) {
      if (v == null) { pen = false; continue; }
      d += `${pen ? 'L' : 'M'}${this.x(t).toFixed(1)},${this.y(v).toFixed(1)}`;
      pen = true;
    }
    const path = this.el('path', { d, class: 'series', stroke: s.color });
    path.dataset.series = s.name;
    path.dataset.points = String(pts.filter((p) => p[1] != null).length);
    path.dataset.max = String(Math.max(0, ...pts.map((p) => p[1] ?? 0)));
    if (s.area && pts.length > 1) {
      const base = this.y(0).toFixed(1);
      const first = this.x(pts[0][0]).toFixed(1);
      const last = this.x(pts[pts.length - 1][0]).toFixed(1);
      this.el('path', { d: `${d}L${last},${base}L${first},${base}Z`, class: 'area', fill: s.color });
    }
    this.svg.append(path);
  }

  drawLegend(series, at) {
    const items = series.map((s) => {
      const li = document.createElement('li');
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = s.color;
      const val = document.createElement('span');
      val.className = 'val';
      const v = valueAt(s.points, at);
      val.textContent = v == null ? '–' : this.format(v);
      li.append(sw, s.label || s.name, ' ', val);
      return li;
    });
    this.legend.replaceChildren(...items);
  }

  // hover shows a cursor and the legend's values at the pointer's time.
  hover(e) {
    this.svg.querySelector('.cursor')?.remove();
    if (!e || !this.x) {
      this.drawLegend(this.series);
      return;
    }
    const r = this.svg.getBoundingClientRect();
    const { width, height } = this.size();
    const px = ((e.clientX - r.left) / r.width) * width;
    if (px < PAD.left || px > width - PAD.right) return;
    const t = this.now - this.shown + ((px - PAD.left) / (width - PAD.left - PAD.right)) * this.shown;
    this.line(px, PAD.top, px, height - PAD.bottom, 'cursor');
    this.drawLegend(this.series, t);
  }

  line(x1, y1, x2, y2, cls) {
    return this.el('line', { x1, y1, x2, y2, class: cls });
  }

  text(x, y, s, cls, anchor) {
    const t = this.el('text', { x, y, class: cls, 'text-anchor': anchor });
    t.textContent = s;
    return t;
  }

  el(name, attrs) {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    this.svg.append(e);
    return e;
  }
}

// visible keeps the points from t0 on, plus the one before so lines enter
// from the left edge.
function visible(points, t0) {
  const i = points.findIndex((p) => p[0] >= t0);
  if (i < 0) return [];
  return points.slice(Math.max(0, i - 1));
}

// valueAt is the latest value at or before t (the last one without t).
function valueAt(points, t) {
  for (let i = points.length - 1; i >= 0; i--) {
    if (t == null || points[i][0] <= t) return points[i][1];
  }
  return null;
}

// niceCeil rounds up to 1, 2, 2.5 or 5 times a power of ten.
export function niceCeil(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

/** formatNumber writes 1234 as 1.2k and small rates with one decimal. */
export function formatNumber(v) {
  const a = Math.abs(v);
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e3) return `${trim(v / 1e3)}k`;
  if (a > 0 && a < 10 && !Number.isInteger(v)) return String(Number(v.toFixed(2)));
  return String(Math.round(v));
}

/** formatBytes writes a size in B, KiB, MiB or GiB. */
export function formatBytes(v) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? Math.round(v) : trim(v)} ${units[i]}`;
}

function trim(v) {
  if (v >= 100) return String(Math.round(v));
  return String(Number(v.toFixed(v >= 10 ? 1 : 2)));
}

function clock(t, seconds) {
  return new Date(t).toTimeString().slice(0, seconds ? 8 : 5);
}
