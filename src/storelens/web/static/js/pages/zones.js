// Zones: visits and dwell per zone, the dwell-time distribution, and where people went next (the
// server's Sankey of moves between zones, the busiest listed, and the main routes on the plan).

import {api} from '../api.js';
import {barChart} from '../charts.js';
import {csvLink, headWithCsv} from '../csv.js';
import {loadPlan, movesList, planParams, sankeyDiagram} from '../flows.js';
import {rangeParams, rangePicker} from '../range.js';
import {fmtDuration, fmtInt, h, notice, setChildren} from '../util.js';

function binLabel(b) {
  const short = (s) => (s >= 3600 ? `${s / 3600}h` : s >= 60 ? `${s / 60}m` : `${s}s`);
  return b.to_s === null ? `${short(b.from_s)}+` : b.from_s === 0 ? `<${short(b.to_s)}` : short(b.from_s);
}

function binTitle(b) {
  const short = (s) => (s >= 3600 ? `${s / 3600} h` : s >= 60 ? `${s / 60} min` : `${s} s`);
  return b.to_s === null ? `${short(b.from_s)} or more` : `${short(b.from_s)} to ${short(b.to_s)}`;
}

export function createZonesPage(app) {
  let loadedKey = null;
  let request = 0;
  let stopCharts = [];
  let routesUrl = null;
  const message = h('div', {id: 'zones-message'});
  const body = h('div', {});
  const el = h('section', {'aria-label': 'Zones'},
    h('div', {class: 'page-head'}, h('h1', {}, 'Zones')),
    h('div', {class: 'card toolbar'}, rangePicker(app)),
    message, body);

  async function load() {
    loadedKey = JSON.stringify(rangeParams(app.range));
    const mine = ++request;
    setChildren(message, notice('loading', 'Loading…'));
    try {
      const z = await api('/api/zones', {params: rangeParams(app.range)});
      if (mine !== request) return;
      render(z);
    } catch (err) {
      if (mine !== request) return;
      clear();
      setChildren(message, notice('error', `Cannot load zones: ${err.message}.`));
      el.dataset.state = 'error';
    }
  }

  function clear() {
    stopCharts.forEach((stop) => stop());
    stopCharts = [];
    setChildren(body);
  }

  function render(z) {
    clear();
    const visits = z.zones.reduce((n, zone) => n + zone.visits, 0);
    el.dataset.state = visits ? 'ready' : 'empty';
    if (!z.zones.length) { setChildren(message, notice('empty', 'The store config has no zones.')); return; }
    setChildren(message, visits ? null : notice('empty', 'No data for this range: no zone visits were recorded.'));
    if (!visits) return;

    const table = h('div', {class: 'card'},
      headWithCsv('Visits and dwell time', csvLink('/api/zones', rangeParams(app.range), 'visits and dwell time per zone')),
      h('div', {class: 'table-wrap'}, h('table', {class: 'table', id: 'zones-table'},
        h('thead', {}, h('tr', {}, ['Zone', 'Kind', 'Visits', 'Mean', 'Median', '75%', '90%', 'Longest']
          .map((t, i) => h('th', {class: `${i > 1 ? 'num' : ''} ${[1, 5, 6, 7].includes(i) ? 'hide-narrow' : ''}`}, t)))),
        h('tbody', {}, z.zones.map((zone) => h('tr', {dataset: {zone: zone.name}},
          h('td', {}, zone.name.replace(/_/g, ' ')),
          h('td', {class: 'muted hide-narrow'}, zone.kind ? zone.kind.replace(/_/g, ' ') : 'not in config'),
          h('td', {class: 'num'}, fmtInt(zone.visits)),
          ['mean', 'p50', 'p75', 'p90', 'max'].map((k) => h('td', {class: `num ${k === 'p50' ? '' : k === 'mean' ? '' : 'hide-narrow'}`}, zone.dwell_s ? fmtDuration(zone.dwell_s[k], true) : '–'))))))));

    const hist = h('div', {class: 'card'}, h('h2', {}, 'How long visits lasted'),
      h('p', {class: 'muted small'}, 'Visits per dwell-time band, per zone.'));
    const grid = h('div', {class: 'small-multiples'});
    hist.append(grid);
    body.append(table, hist, transitions(z));
    for (const zone of z.zones.filter((zz) => zz.visits)) {
      const box = h('div', {class: 'small-multiple'}, h('h3', {},
        h('span', {class: 'zone-title'}, zone.name.replace(/_/g, ' ')), h('span', {class: 'muted'}, ` · ${fmtInt(zone.visits)} visits`)));
      grid.append(box);
      stopCharts.push(barChart(box, {
        title: `Dwell time in ${zone.name}`, height: 150, integer: true, format: fmtInt,
        labels: zone.histogram.map(binLabel), tips: zone.histogram.map(binTitle),
        series: [{name: 'visits', values: zone.histogram.map((b) => b.visits), colour: '#7c3aed'}],
      }));
    }
  }

  function transitions(z) {
    const card = h('div', {class: 'card', id: 'zones-flows'}, headWithCsv('Where people went next',
      csvLink('/api/zones', {...rangeParams(app.range), table: 'transitions'}, 'the moves between zones')),
      h('p', {class: 'muted small'}, 'Moves from one zone straight to the next: each ribbon as thick as the people who made it; the plan shows the busiest as routes.'));
    if (!z.sankey.links.length) { card.append(notice('empty', 'No moves between zones in this range.')); return card; }
    const diagram = h('div', {});
    const img = h('img', {id: 'zones-routes-img', class: 'heatmap-img', alt: 'Main routes between zones on the store plan'});
    card.append(h('div', {class: 'report-grid'}, diagram,
      h('figure', {class: 'heatmap-figure'}, img,
        h('figcaption', {class: 'legend'}, h('span', {class: 'legend-item'}, h('span', {class: 'route-swatch'}),
          'the busiest moves on the plan, as thick as the people who made them; colours: time spent (see Heatmap)')))));
    stopCharts.push(sankeyDiagram(diagram, z.sankey, 'Moves between zones'));
    diagram.append(h('p', {class: 'muted small'}, `The ${z.sankey.links.length} busiest moves (${fmtInt(z.sankey.people)} of ${fmtInt(z.sankey.all_people)}):`),
      movesList(z.sankey.links, 'zones-moves'));
    if (z.left_out.length) diagram.append(h('p', {class: 'muted small'}, `Staff-only zones left out: ${z.left_out.map((n) => n.replace(/_/g, ' ')).join(', ')}.`));
    requestAnimationFrame(async () => {  // once the card is laid out, the plan at its width
      const mine = request;
      try {
        const url = await loadPlan(img, planParams(rangeParams(app.range), img.parentElement.clientWidth || 600, true), routesUrl);
        if (mine === request) routesUrl = url; else URL.revokeObjectURL(url);
      } catch (err) {
        img.replaceWith(notice('error', `Cannot load the routes: ${err.message}.`));
      }
    });
    return card;
  }

  app.addEventListener('range', () => { if (!el.hidden) load(); });
  return {el, show() { if (loadedKey !== JSON.stringify(rangeParams(app.range))) load(); }};
}
