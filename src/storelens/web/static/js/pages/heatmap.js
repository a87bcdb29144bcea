// Heatmap: the server's picture of presence (and flow arrows) on the floor plan for a date
// range, and the zones ranked by presence per square metre (hot / cold), from the heat grid.

import {api} from '../api.js';
import {rangeParams, rangePicker} from '../range.js';
import {centroid, fmtDuration, fmtInt, h, notice, pointInPolygon, setChildren} from '../util.js';

/** Person-seconds per zone from the heat grid: cells whose centre lies in the zone. */
export function zoneHeat(grid, zones) {
  const out = [];
  for (const z of zones) {
    let seconds = 0, cells = 0;
    for (let r = 0; r < grid.rows; r++) {
      const y = grid.origin_xy_m[1] + (r + 0.5) * grid.cell_m;
      for (let c = 0; c < grid.cols; c++) {
        const x = grid.origin_xy_m[0] + (c + 0.5) * grid.cell_m;
        if (pointInPolygon(x, y, z.polygon)) { seconds += grid.seconds[r][c]; cells += 1; }
      }
    }
    if (!cells) {  // a zone smaller than a cell, or off the grid: the cell under its centre
      const [x, y] = centroid(z.polygon);
      const c = Math.floor((x - grid.origin_xy_m[0]) / grid.cell_m), r = Math.floor((y - grid.origin_xy_m[1]) / grid.cell_m);
      if (r >= 0 && r < grid.rows && c >= 0 && c < grid.cols) seconds = grid.seconds[r][c];
    }
    const area = polygonAreaM2(z.polygon);
    out.push({name: z.name, kind: z.kind, seconds, area, density: area > 0 ? seconds / area : 0});
  }
  return out.sort((a, b) => b.density - a.density);
}

function polygonAreaM2(p) {
  let a = 0;
  for (let i = 0, j = p.length - 1; i < p.length; j = i++) a += p[j][0] * p[i][1] - p[i][0] * p[j][1];
  return Math.abs(a) / 2;
}

export function createHeatmapPage(app) {
  const {store} = app;
  let mode = 'presence';
  let camera = '';
  let loadedKey = null;
  let objectUrl = null;
  let request = 0;

  const modeButtons = ['presence', 'flow'].map((m) => h('button', {
    type: 'button', class: 'seg', dataset: {mode: m}, 'aria-pressed': String(m === mode),
    onclick: () => { mode = m; load(); },
  }, m === 'presence' ? 'Presence' : 'Presence + flow'));
  const cameraSelect = store.cameras.length > 1
    ? h('select', {'aria-label': 'Camera', onchange: (e) => { camera = e.target.value; load(); }},
      h('option', {value: ''}, 'All cameras'), store.cameras.map((c) => h('option', {value: c.id}, c.id)))
    : null;
  const message = h('div', {id: 'heatmap-message'});
  const img = h('img', {id: 'heatmap-img', class: 'heatmap-img', alt: 'Heatmap of the store floor'});
  const figure = h('figure', {class: 'heatmap-figure', hidden: true}, img,
    h('figcaption', {class: 'legend'},
      h('span', {class: 'legend-item'}, h('span', {class: 'jet'}), 'time spent: little → most (square-root scale)'),
      h('span', {class: 'legend-item muted', id: 'heatmap-mode-note'}),
      h('a', {class: 'legend-item', id: 'heatmap-full', target: '_blank', rel: 'noopener'}, 'open full size')));
  const fullSize = figure.querySelector('#heatmap-full');
  const total = h('div', {class: 'muted small', id: 'heatmap-total'});
  const zonesBox = h('div', {id: 'heatmap-zones'});

  const el = h('section', {'aria-label': 'Heatmap'},
    h('div', {class: 'page-head'}, h('h1', {}, 'Heatmap')),
    h('div', {class: 'card toolbar'}, rangePicker(app),
      h('div', {class: 'segmented', role: 'group', 'aria-label': 'Show'}, modeButtons), cameraSelect),
    h('div', {class: 'report-grid'},
      h('div', {class: 'card'}, h('h2', {}, 'Where people spent time'), message, figure, total),
      h('div', {class: 'card'}, h('h2', {}, 'Hot and cold zones'),
        h('p', {class: 'muted small'}, 'Time spent per square metre of each zone.'), zonesBox)));

  async function load() {
    for (const b of modeButtons) b.setAttribute('aria-pressed', String(b.dataset.mode === mode));
    const params = {...rangeParams(app.range), camera: camera || null};
    loadedKey = JSON.stringify([params, mode]);
    const mine = ++request;
    setChildren(message, notice('loading', 'Loading…'));
    el.dataset.state = 'loading';
    try {
      const [grid, blob] = await Promise.all([
        api('/api/heatmap', {params}),
        api('/api/heatmap.png', {params: {...params, flow: mode === 'flow'}, as: 'blob'}),
      ]);
      if (mine !== request) return;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
      objectUrl = URL.createObjectURL(blob);
      await new Promise((resolve) => { img.onload = img.onerror = resolve; img.src = objectUrl; });
      figure.hidden = false;
      document.getElementById('heatmap-mode-note').textContent =
        mode === 'flow' ? 'arrows: the main direction people walked' : '';
      const empty = !(grid.total_person_s > 0);
      setChildren(message, empty ? notice('empty', 'No data for this range: nobody was seen on the floor.') : null);
      total.textContent = empty ? '' : `${fmtDuration(grid.total_person_s)} of presence in total (${app.fmt.short(grid.start)} – ${app.fmt.short(grid.end)}).`;
      fullSize.href = objectUrl;
      renderZones(grid, empty);
      el.dataset.state = empty ? 'empty' : 'ready';
    } catch (err) {
      if (mine !== request) return;
      figure.hidden = true;
      total.textContent = '';
      setChildren(zonesBox);
      setChildren(message, notice('error', `Cannot load the heatmap: ${err.message}.`));
      el.dataset.state = 'error';
    }
  }

  function renderZones(grid, empty) {
    if (!store.zones.length) { setChildren(zonesBox, notice('empty', 'The store config has no zones.')); return; }
    if (empty) { setChildren(zonesBox, notice('empty', 'No data for this range.')); return; }
    const ranked = zoneHeat(grid, store.zones);
    const max = Math.max(...ranked.map((z) => z.density), 1e-9);
    const rows = ranked.map((z, i) => {
      const tag = ranked.length > 1 && i === 0 && z.density > 0 ? h('span', {class: 'badge badge-hot'}, 'hot')
        : ranked.length > 1 && i === ranked.length - 1 ? h('span', {class: 'badge badge-cold'}, 'cold') : null;
      return h('tr', {dataset: {zone: z.name}},
        h('td', {}, z.name.replace(/_/g, ' '), ' ', tag),
        h('td', {class: 'num'}, fmtDuration(z.seconds)),
        h('td', {class: 'num'}, `${fmtInt(z.density)} s/m²`),
        h('td', {class: 'bar-cell'}, h('span', {class: 'bar'}, h('span', {class: 'bar-fill', style: {width: `${(100 * z.density) / max}%`}}))));
    });
    setChildren(zonesBox, h('div', {class: 'table-wrap'}, h('table', {class: 'table', id: 'heat-zones'},
      h('thead', {}, h('tr', {}, h('th', {}, 'Zone'), h('th', {class: 'num'}, 'Time'), h('th', {class: 'num'}, 'Per m²'), h('th', {}, ''))),
      h('tbody', {}, rows))));
  }

  app.addEventListener('range', () => { if (!el.hidden) load(); });
  return {
    el,
    show() {
      if (loadedKey !== JSON.stringify([{...rangeParams(app.range), camera: camera || null}, mode])) load();
    },
  };
}
