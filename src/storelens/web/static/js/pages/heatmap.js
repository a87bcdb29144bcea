// Heatmap: the server's picture of time spent and the main routes on the plan (one renderer for
// the PNG, the API and this page), its colour bar and units, the zones ranked per m² with the
// share of visitors who reached them, and where people went next (Sankey). Every number comes
// from GET /api/heatmap; nothing is recomputed here.

import {api} from '../api.js';
import {csvHref, csvLink, headWithCsv} from '../csv.js';
import {WIDTH_STEP, colourBar, loadPlan, movesList, planParams, sankeyDiagram} from '../flows.js';
import {rangeParams, rangePicker} from '../range.js';
import {fmtInt, fmtPct, h, notice, onWidthChange, setChildren} from '../util.js';

const label = (zone) => zone.replace(/_/g, ' ');
/** Visitor-minutes per m², to two or three figures: 575, 44.2, 9.9, 0.4. */
const fmtRate = (v) => (v >= 100 ? fmtInt(v) : v.toPrecision(v > 0 ? Math.min(3, Math.max(1, 2 + Math.floor(Math.log10(v)))) : 1));

export function createHeatmapPage(app) {
  const {store} = app;
  let routes = true;
  let staff = false;
  let camera = '';
  let loadedKey = null;
  let objectUrl = null;
  let request = 0;
  let width = 0;
  let stopSankey = () => {};

  const modeButtons = [true, false].map((on) => h('button', {
    type: 'button', class: 'seg', dataset: {routes: String(on)}, 'aria-pressed': String(on === routes),
    onclick: () => { routes = on; load(); },
  }, on ? 'Time spent + routes' : 'Time spent'));
  const staffBox = h('label', {class: 'check'}, h('input', {type: 'checkbox', id: 'heatmap-staff',
    onchange: (e) => { staff = e.target.checked; load(); }}), 'Staff areas');
  const cameraSelect = store.cameras.length > 1
    ? h('select', {'aria-label': 'Camera', onchange: (e) => { camera = e.target.value; load(); }},
      h('option', {value: ''}, 'All cameras'), store.cameras.map((c) => h('option', {value: c.id}, c.id)))
    : null;
  const message = h('div', {id: 'heatmap-message'});
  const img = h('img', {id: 'heatmap-img', class: 'heatmap-img', alt: 'Heatmap of the store floor: time spent and main routes'});
  const legend = h('div', {class: 'heat-legend'});
  const figure = h('figure', {class: 'heatmap-figure', hidden: true}, img, h('figcaption', {}, legend));
  const total = h('div', {class: 'muted small', id: 'heatmap-total'});
  const zonesBox = h('div', {id: 'heatmap-zones'});
  const zonesCsv = csvLink('/api/heatmap', {}, 'the zones ranked');
  const flowsBox = h('div', {id: 'heatmap-flows'});

  const el = h('section', {'aria-label': 'Heatmap'},
    h('div', {class: 'page-head'}, h('h1', {}, 'Heatmap')),
    h('div', {class: 'card toolbar'}, rangePicker(app),
      h('div', {class: 'segmented', role: 'group', 'aria-label': 'Show'}, modeButtons), staffBox, cameraSelect),
    h('div', {class: 'report-grid'},
      h('div', {class: 'card'}, h('h2', {}, 'Where people spent time'), message, figure, total),
      h('div', {class: 'card'}, headWithCsv('Hot and cold zones', zonesCsv),
        h('p', {class: 'muted small'}, 'Visitor-minutes per m² of each zone\'s walkable floor, and the share of the store\'s visitors who went into it.'),
        zonesBox)),
    h('div', {class: 'card'}, h('h2', {}, 'Where people went next'),
      h('p', {class: 'muted small'}, 'Moves from one zone straight to the next: each ribbon as thick as the people who made it.'),
      flowsBox));

  const params = () => ({...rangeParams(app.range), camera: camera || null, staff});
  const key = () => JSON.stringify([params(), routes]);

  async function load() {
    for (const b of modeButtons) b.setAttribute('aria-pressed', String(b.dataset.routes === String(routes)));
    loadedKey = key();
    zonesCsv.href = csvHref('/api/heatmap', params());
    const mine = ++request;
    setChildren(message, notice('loading', 'Loading…'));
    el.dataset.state = 'loading';
    try {
      const [report, url] = await Promise.all([
        api('/api/heatmap', {params: params()}),
        loadPlan(img, planParams(params(), width || message.clientWidth, routes), objectUrl),
      ]);
      objectUrl = url;
      if (mine !== request) return;
      figure.hidden = false;
      const empty = !(report.total_person_s > 0);
      setChildren(message, empty ? notice('empty', 'No data for this range: nobody was seen on the floor.') : null);
      renderLegend(report);
      const came = report.visitors ? `; ${fmtInt(report.visitors)} visitors came in` : '';
      total.textContent = empty ? '' : `${fmtInt(report.total_person_s / 60)} visitor-minutes on the floor in all (${app.fmt.short(report.start)} – ${app.fmt.short(report.end)})${came}.`;
      renderZones(report, empty);
      renderFlows(report);
      el.dataset.state = empty ? 'empty' : 'ready';
    } catch (err) {
      if (mine !== request) return;
      figure.hidden = true;
      total.textContent = '';
      setChildren(zonesBox);
      setChildren(flowsBox);
      setChildren(message, notice('error', `Cannot load the heatmap: ${err.message}.`));
      el.dataset.state = 'error';
    }
  }

  function renderLegend(report) {
    const notes = [];
    if (routes && report.routes.length) {
      notes.push(h('span', {class: 'legend-item', id: 'heatmap-routes-note'}, h('span', {class: 'route-swatch'}),
        `the ${report.routes.length} busiest moves between zones, as thick as the people who made them`));
    }
    if (report.left_out.length) {
      notes.push(h('span', {class: 'legend-item', id: 'heatmap-staff-note'}, h('span', {class: 'hatch-swatch'}),
        `staff only, not shown: ${report.left_out.map(label).join(', ')}`));
    }
    setChildren(legend, colourBar(report.scale, `Time spent on the floor: ${report.scale.unit}, over the range`),
      h('div', {class: 'legend'}, notes));
  }

  function renderZones(report, empty) {
    if (!report.zones.length) { setChildren(zonesBox, notice('empty', 'The store config has no zones.')); return; }
    if (empty) { setChildren(zonesBox, notice('empty', 'No data for this range.')); return; }
    const ranked = report.zones;
    const max = Math.max(...ranked.map((z) => z.minutes_per_m2), 1e-9);
    const rows = ranked.map((z, i) => {
      const tag = ranked.length > 1 && i === 0 && z.minutes_per_m2 > 0 ? h('span', {class: 'badge badge-hot'}, 'hot')
        : ranked.length > 1 && i === ranked.length - 1 ? h('span', {class: 'badge badge-cold'}, 'cold') : null;
      return h('tr', {dataset: {zone: z.name}},
        h('td', {}, label(z.name), ' ', tag),
        h('td', {class: 'num', 'data-label': 'Per m²'}, fmtRate(z.minutes_per_m2)),
        h('td', {class: 'num', 'data-label': 'Visitors', title: `${fmtInt(z.visitors)} visitors`}, fmtPct(z.share)),
        h('td', {class: 'bar-cell hide-narrow'}, h('span', {class: 'bar'}, h('span', {class: 'bar-fill', style: {width: `${(100 * z.minutes_per_m2) / max}%`}}))));
    });
    setChildren(zonesBox, h('div', {class: 'table-wrap'}, h('table', {class: 'table', id: 'heat-zones'},
      h('thead', {}, h('tr', {}, h('th', {}, 'Zone'), h('th', {class: 'num', title: 'visitor-minutes per m²'}, 'Per m²'),
        h('th', {class: 'num', title: 'share of the store\'s visitors who went into the zone'}, 'Visitors'), h('th', {class: 'hide-narrow'}, ''))),
      h('tbody', {}, rows))),
    report.left_out.length ? h('p', {class: 'muted small'}, `Staff-only zones are not ranked: ${report.left_out.map(label).join(', ')}.`) : null);
  }

  function renderFlows(report) {
    stopSankey();
    stopSankey = () => {};
    if (!report.sankey.links.length) { setChildren(flowsBox, notice('empty', 'No moves between zones in this range.')); return; }
    setChildren(flowsBox);
    stopSankey = sankeyDiagram(flowsBox, report.sankey, 'Moves between zones');
    flowsBox.append(h('p', {class: 'muted small'}, `The ${report.sankey.links.length} busiest moves (${fmtInt(report.sankey.people)} of ${fmtInt(report.sankey.all_people)}):`),
      movesList(report.sankey.links, 'heatmap-moves'));
  }

  onWidthChange(message, (w) => {  // the card's inner width, which the picture fills
    const changed = width && Math.round(w / WIDTH_STEP) !== Math.round(width / WIDTH_STEP);
    width = w;
    if (changed && !el.hidden && loadedKey !== null) load();
  });
  app.addEventListener('range', () => { if (!el.hidden) load(); });
  return {el, show() { if (loadedKey !== key()) load(); }};
}
