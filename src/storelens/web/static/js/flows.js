// Heatmap and flow pieces shared by the Heatmap and Zones pages, drawn from the server's numbers:
// the plan picture (the server's renderer, at the box's width), the colour bar (stops and ticks as
// the PNG's), the zone-to-zone Sankey (laid out by the server, as the PNG draws it) and the list of
// busiest moves. No layout is worked out here.

import {api} from './api.js';
import {s} from './charts.js';
import {fmtInt, h, onWidthChange} from './util.js';

const label = (zone) => zone.replace(/_/g, ' ');
export const WIDTH_STEP = 40;  // the picture is drawn again only when its box changes by this much (CSS px)

/** The plan picture's URL parameters: the page's report, drawn for a box `width` CSS pixels wide. */
export function planParams(params, width, routes) {
  const dpr = Math.min(3, Math.max(1, window.devicePixelRatio || 1));
  const w = Math.max(240, Math.min(2400, Math.floor(width / WIDTH_STEP) * WIDTH_STEP));
  return {...params, flow: routes, legend: false, width: w, dpr};
}

/** The plan picture of a report into img (resolves when it has loaded or failed); returns its object URL. */
export async function loadPlan(img, params, previousUrl) {
  const blob = await api('/api/heatmap.png', {params, as: 'blob'});
  if (previousUrl) URL.revokeObjectURL(previousUrl);
  const url = URL.createObjectURL(blob);
  await new Promise((resolve) => { img.onload = img.onerror = resolve; img.src = url; });
  return url;
}

/** The colour bar of a heat scale (HeatScaleOut): caption, gradient, ticks at their values. */
export function colourBar(scale, caption) {
  const gradient = scale.colours.map(([at, colour]) => `${colour} ${(100 * at).toFixed(1)}%`).join(', ');
  const ticks = scale.top > 0 ? scale.ticks : [[0, '0']];
  return h('div', {class: 'colour-bar', id: 'heat-legend'},
    h('div', {class: 'colour-bar-caption'}, caption),
    h('div', {class: 'colour-bar-track', style: {background: `linear-gradient(90deg, ${gradient})`}, role: 'img',
      'aria-label': `colour scale from 0 to ${ticks[ticks.length - 1][1]} ${scale.unit}`}),
    h('div', {class: 'colour-bar-ticks'}, ticks.map(([value, text]) => h('span', {class: 'colour-bar-tick',
      style: {left: `${scale.top > 0 ? (100 * value) / scale.top : 0}%`}}, text))));
}

/** Moves (SankeyLinkOut, busiest first) as a list: "entrance → promo 4,690". */
export function movesList(moves, id) {
  return h('ol', {class: 'moves', id}, moves.map((m) => h('li', {},
    h('span', {}, `${label(m.from_zone)} → ${label(m.to_zone)}`), h('span', {class: 'num'}, fmtInt(m.people)))));
}

/**
 * The two-column Sankey (SankeyOut) redrawn to the container's width: bars at the edges, names
 * and counts on their inner side, ribbons as thick as the people who moved.
 * @returns {() => void} stop redrawing on resize
 */
export function sankeyDiagram(container, sankey, title) {
  const holder = h('div', {class: 'sankey'});
  container.append(holder);
  const bars = Math.max(...['from', 'to'].map((side) => sankey.nodes.filter((n) => n.side === side).length));
  const height = Math.max(180, 26 * (bars + 1));
  const draw = (width) => {
    const bar = 10, pad = 4, lineH = 14;
    const x = {from: 0, to: width - bar};
    const y = (v) => pad + v * (height - 2 * pad);
    const svg = s('svg', {width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title, class: 'sankey-svg'});
    for (const link of sankey.links) {
      const x0 = bar, x1 = width - bar, xm = (x0 + x1) / 2;
      const d = `M${x0},${y(link.from_y0)} C${xm},${y(link.from_y0)} ${xm},${y(link.to_y0)} ${x1},${y(link.to_y0)}`
        + ` L${x1},${y(link.to_y1)} C${xm},${y(link.to_y1)} ${xm},${y(link.from_y1)} ${x0},${y(link.from_y1)} Z`;
      svg.append(s('path', {d, fill: sankey.colours[link.from_zone] || '#64748b', class: 'sankey-link'},
        s('title', {}, `${label(link.from_zone)} → ${label(link.to_zone)}: ${fmtInt(link.people)} people`)));
    }
    const floor = {from: 0, to: 0};  // a column's labels stack downwards, never on one another
    for (const node of sankey.nodes) {
      const y0 = y(node.y0), y1 = Math.max(y(node.y1), y0 + 1);
      svg.append(s('rect', {x: x[node.side], y: y0, width: bar, height: y1 - y0, fill: sankey.colours[node.zone] || '#64748b'},
        s('title', {}, `${label(node.zone)}: ${fmtInt(node.people)} people ${node.side === 'from' ? 'left' : 'arrived'}`)));
      const cy = Math.max((y0 + y1) / 2, floor[node.side] + lineH / 2);
      floor[node.side] = cy + lineH / 2;
      const left = node.side === 'from';
      svg.append(s('text', {x: left ? bar + 5 : width - bar - 5, y: cy + 4, 'text-anchor': left ? 'start' : 'end', class: 'sankey-label'},
        `${label(node.zone)} ${fmtInt(node.people)}`));
    }
    holder.replaceChildren(svg);
  };
  return onWidthChange(holder, draw);
}
