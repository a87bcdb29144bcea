// Small SVG charts drawn to the container's width (redrawn when it changes): grouped bars,
// and a colour scale for grid tables. No library.

import {h, onWidthChange} from './util.js';

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element: s('rect', {x: 1}, child, 'text'). */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  for (const c of children) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** A round axis maximum and tick step for values up to max. */
function niceScale(max, integer = false, ticks = 4) {
  if (!(max > 0)) return integer ? {top: 1, step: 1} : {top: 1, step: 0.25};
  const raw = max / ticks, mag = 10 ** Math.floor(Math.log10(raw));
  const mults = integer && mag <= 1 ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10];
  let step = mults.map((m) => m * mag).find((st) => st >= raw);
  if (integer) step = Math.max(1, Math.round(step));
  return {top: Math.ceil(max / step) * step, step};
}

/**
 * Grouped bar chart.
 * @param {HTMLElement} container
 * @param {object} spec labels: string[]; series: [{name, values: (number|null)[], colour}];
 *   format(v) for ticks and tips; height (px); integer: ticks on whole numbers; title (aria label)
 * @returns {() => void} stop redrawing on resize
 */
export function barChart(container, spec) {
  const {labels, series, format = (v) => String(v), height = 220, integer = false, title = 'chart'} = spec;
  const tips = spec.tips || labels;
  const legend = series.length > 1
    ? h('div', {class: 'legend'}, series.map((se) => h('span', {class: 'legend-item'},
      h('span', {class: 'swatch', style: {background: se.colour}}), se.name)))
    : null;
  const holder = h('div', {class: 'chart'});
  container.append(...(legend ? [legend, holder] : [holder]));
  const draw = (width) => {
    const m = {top: 10, right: 8, bottom: 26, left: 44};
    const w = Math.max(120, width), iw = w - m.left - m.right, ih = height - m.top - m.bottom;
    const max = Math.max(0, ...series.flatMap((se) => se.values.map((v) => v || 0)));
    const {top, step} = niceScale(max, integer);
    const svg = s('svg', {width: w, height, viewBox: `0 0 ${w} ${height}`, role: 'img', 'aria-label': title, class: 'chart-svg'});
    for (let v = 0; v <= top + 1e-9; v += step) {
      const y = m.top + ih - (v / top) * ih;
      svg.append(s('line', {x1: m.left, x2: w - m.right, y1: y, y2: y, class: v ? 'grid' : 'axis'}));
      svg.append(s('text', {x: m.left - 6, y: y + 4, 'text-anchor': 'end', class: 'tick'}, format(v)));
    }
    const n = labels.length, band = iw / Math.max(1, n);
    const gap = Math.min(6, band * 0.2), barW = Math.max(1, (band - gap) / series.length);
    const widest = Math.max(1, ...labels.map((l) => l.length)) * 6.4 + 8;  // px at 11px type
    const labelEvery = Math.max(1, Math.ceil(widest / band));
    labels.forEach((label, i) => {
      const x0 = m.left + i * band + gap / 2;
      series.forEach((se, k) => {
        const v = se.values[i];
        const bh = v ? (v / top) * ih : 0;
        const rect = s('rect', {x: x0 + k * barW, y: m.top + ih - bh, width: Math.max(0.5, barW - (series.length > 1 ? 1 : 0)), height: bh, fill: se.colour, rx: 1.5},
          s('title', {}, `${tips[i]} · ${se.name}: ${v === null || v === undefined ? 'no data' : format(v)}`));
        svg.append(rect);
      });
      if (i % labelEvery === 0) {
        svg.append(s('text', {x: m.left + i * band + band / 2, y: height - 8, 'text-anchor': 'middle', class: 'tick'}, label));
      }
    });
    holder.replaceChildren(svg);
  };
  return onWidthChange(holder, draw);
}

/** Background colour for v in [0, max] on a white -> blue -> dark blue scale. */
export function heatColour(v, max) {
  if (!(v > 0) || !(max > 0)) return '#f8fafc';
  const t = Math.min(1, v / max);
  const light = 96 - 60 * t;
  return `hsl(221 83% ${light}%)`;
}

/** Text colour readable on heatColour(v, max). */
export function heatText(v, max) {
  return max > 0 && v / max > 0.55 ? '#ffffff' : '#0f172a';
}
