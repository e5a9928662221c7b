// The calculator's chart: principal and interest of each period stacked over the term, drawn as SVG.

import { h } from './dom.js';
import { groupDigits, money } from './format.js';

const PAD = { left: 64, right: 16, top: 36, bottom: 40 };

/** A round step for about four gridlines: 1, 2 or 5 times a power of ten. */
function niceStep(max) {
  const raw = max / 4;
  const power = 10 ** Math.floor(Math.log10(raw || 1));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) || power;
}

/**
 * schedule: [{period, principal, interest}] with decimal strings. Coordinates are floats, which is fine:
 * this only positions pixels; every figure shown as text comes from the strings themselves.
 */
export function paymentChart(schedule, id = 'calc-chart') {
  if (!schedule?.length) return null;
  // A narrower drawing on phones keeps the labels readable once the SVG is scaled to the screen.
  const WIDTH = window.matchMedia('(max-width: 600px)').matches ? 400 : 720;
  const HEIGHT = WIDTH === 720 ? 300 : 280;
  const n = schedule.length;
  const principal = schedule.map((r) => Number(r.principal));
  const interest = schedule.map((r) => Number(r.interest));
  const top = Math.max(...schedule.map((_, i) => principal[i] + interest[i]));
  const step = niceStep(top);
  const yMax = Math.ceil(top / step) * step || 1;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i) => PAD.left + (n === 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const y = (v) => PAD.top + plotH - (v / yMax) * plotH;
  const line = (values) => values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const base = `${x(n - 1).toFixed(1)},${y(0).toFixed(1)} ${x(0).toFixed(1)},${y(0).toFixed(1)}`;
  const totals = principal.map((p, i) => p + interest[i]);
  const interestArea = `${line(totals)} ${[...principal].reverse().map((p, j) => `${x(n - 1 - j).toFixed(1)},${y(p).toFixed(1)}`).join(' ')}`;

  const gridlines = [];
  for (let v = 0; v <= yMax + step / 2; v += step) {
    gridlines.push(
      h('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v).toFixed(1), y2: y(v).toFixed(1), class: 'chart-grid' }),
      h('text', { x: PAD.left - 6, y: (y(v) + 4).toFixed(1), 'text-anchor': 'end', class: 'chart-tick' }, groupDigits(String(Math.round(v)), 0)),
    );
  }
  const years = Math.ceil(n / 12);
  const everyYears = years > 20 ? 5 : years > 8 ? 2 : 1;
  const ticks = [];
  for (let yr = 0; yr <= years; yr += everyYears) {
    const period = Math.min(yr * 12, n) - (yr === 0 ? 0 : 1);
    if (period < 0 || period >= n) continue;
    ticks.push(
      h('line', { x1: x(period).toFixed(1), x2: x(period).toFixed(1), y1: y(0).toFixed(1), y2: (y(0) + 5).toFixed(1), class: 'chart-axis' }),
      h('text', { x: x(period).toFixed(1), y: (y(0) + 18).toFixed(1), 'text-anchor': 'middle', class: 'chart-tick' }, yr === 0 ? '第1期' : `${yr}年`),
    );
  }
  const first = schedule[0];
  const last = schedule[n - 1];
  return h(
    'svg',
    { id, class: 'payment-chart', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-labelledby': `${id}-title ${id}-desc` },
    h('title', { id: `${id}-title` }, '每期还款本金与利息构成图'),
    // what a screen reader says for the picture: the figures as the page shows them elsewhere (1,201.02 元)
    h('desc', { id: `${id}-desc` }, `共${n}期。第1期本金${money(first.principal)}、利息${money(first.interest)}；第${n}期本金${money(last.principal)}、利息${money(last.interest)}。`),
    gridlines,
    h('polygon', { points: `${line(principal)} ${base}`, class: 'chart-principal' }),
    h('polygon', { points: interestArea, class: 'chart-interest' }),
    h('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(0).toFixed(1), y2: y(0).toFixed(1), class: 'chart-axis' }),
    ticks,
    h('text', { x: PAD.left, y: 16, class: 'chart-unit' }, '单位：元/期'),
    h('rect', { x: WIDTH - 190, y: 8, width: 14, height: 14, class: 'chart-principal' }),
    h('text', { x: WIDTH - 170, y: 20, class: 'chart-legend' }, '本金'),
    h('rect', { x: WIDTH - 110, y: 8, width: 14, height: 14, class: 'chart-interest' }),
    h('text', { x: WIDTH - 90, y: 20, class: 'chart-legend' }, '利息'),
  );
}
