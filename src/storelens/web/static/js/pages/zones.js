// Zones: visits and dwell per zone, the dwell-time distribution, and transitions between zones.

import {api} from '../api.js';
import {barChart, heatColour, heatText} from '../charts.js';
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

    const table = h('div', {class: 'card'}, h('h2', {}, 'Visits and dwell time'),
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
    const card = h('div', {class: 'card'}, h('h2', {}, 'Where people went next'),
      h('p', {class: 'muted small'}, 'People who went from the zone of the row straight to the zone of the column.'));
    if (!z.transitions.length) { card.append(notice('empty', 'No moves between zones in this range.')); return card; }
    const names = z.zones.map((zone) => zone.name);
    for (const t of z.transitions) for (const n of [t.from_zone, t.to_zone]) if (!names.includes(n)) names.push(n);
    const count = new Map(z.transitions.map((t) => [`${t.from_zone}\u0000${t.to_zone}`, t.people]));
    const max = Math.max(...z.transitions.map((t) => t.people));
    const label = (n) => n.replace(/_/g, ' ');
    card.append(h('div', {class: 'table-wrap'}, h('table', {class: 'matrix', id: 'transitions'},
      h('thead', {}, h('tr', {}, h('th', {class: 'corner'}, 'from \\ to'), names.map((n) => h('th', {}, label(n))))),
      h('tbody', {}, names.map((from) => h('tr', {},
        h('th', {scope: 'row'}, label(from)),
        names.map((to) => {
          const v = count.get(`${from}\u0000${to}`) || 0;
          return h('td', {class: 'num', title: `${label(from)} → ${label(to)}: ${v}`,
            style: {background: heatColour(v, max), color: heatText(v, max)}}, v ? fmtInt(v) : '');
        })))))));
    return card;
  }

  app.addEventListener('range', () => { if (!el.hidden) load(); });
  return {el, show() { if (loadedKey !== JSON.stringify(rangeParams(app.range))) load(); }};
}
