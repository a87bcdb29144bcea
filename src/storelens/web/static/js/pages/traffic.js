// Traffic: visitors in / out and passers-by per hour or day, capture rate, buying units, the
// staffing (staff on the floor, visitors per staff member) and the weekday x hour grid of mean
// entries (when the store is busiest). Staff are never counted as visitors.

import {api} from '../api.js';
import {barChart, heatColour, heatText} from '../charts.js';
import {csvLink, headWithCsv} from '../csv.js';
import {renderDemographics} from '../demographics.js';
import {rangeDays, rangeParams, rangePicker} from '../range.js';
import {fmtInt, fmtPct, h, notice, setChildren} from '../util.js';

const MAX_HOURLY_DAYS = 93;
const COLOURS = {entries: '#2563eb', exits: '#93c5fd', passers: '#94a3b8', capture: '#16a34a'};

function shortDay(isoDate) {
  const [y, m, d] = isoDate.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d));
  return `${t.toLocaleDateString('en-GB', {weekday: 'short', timeZone: 'UTC'})} ${d}`;
}

export function createTrafficPage(app) {
  let bucket = 'auto';
  let loadedKey = null;
  let request = 0;
  let stopCharts = [];

  const bucketButtons = ['hour', 'day'].map((b) => h('button', {
    type: 'button', class: 'seg', dataset: {bucket: b},
    onclick: () => { bucket = b; load(); },
  }, b === 'hour' ? 'Per hour' : 'Per day'));
  const message = h('div', {id: 'traffic-message'});
  const totals = h('div', {class: 'kpis kpis-4', id: 'traffic-totals'});
  const charts = h('div', {class: 'report-grid'});
  const peak = h('div', {class: 'card', id: 'peak-card'});
  const staffing = h('div', {class: 'card', id: 'staffing-card'});
  const el = h('section', {'aria-label': 'Traffic'},
    h('div', {class: 'page-head'}, h('h1', {}, 'Traffic')),
    h('div', {class: 'card toolbar'}, rangePicker(app),
      h('div', {class: 'segmented', role: 'group', 'aria-label': 'Bucket'}, bucketButtons)),
    message, totals, charts, staffing, peak);

  function chosenBucket() {
    const days = rangeDays(app.range);
    if (days > MAX_HOURLY_DAYS) return 'day';
    if (bucket === 'auto') return days <= 2 ? 'hour' : 'day';
    return bucket;
  }

  function key() {
    return JSON.stringify([rangeParams(app.range), chosenBucket()]);
  }

  async function load() {
    const b = chosenBucket();
    for (const btn of bucketButtons) {
      btn.setAttribute('aria-pressed', String(btn.dataset.bucket === b));
      btn.disabled = btn.dataset.bucket === 'hour' && rangeDays(app.range) > MAX_HOURLY_DAYS;
    }
    loadedKey = key();
    const mine = ++request;
    setChildren(message, notice('loading', 'Loading…'));
    try {
      const query = {...rangeParams(app.range), bucket: b};
      const [t, d] = await Promise.all([api('/api/traffic', {params: query}), api('/api/demographics', {params: query})]);
      if (mine !== request) return;
      render(t, d, query);
    } catch (err) {
      if (mine !== request) return;
      clear();
      setChildren(message, notice('error', `Cannot load traffic: ${err.message}.`));
      el.dataset.state = 'error';
    }
  }

  function clear() {
    stopCharts.forEach((stop) => stop());
    stopCharts = [];
    setChildren(totals);
    setChildren(charts);
    setChildren(peak);
    peak.hidden = true;
    setChildren(staffing);
    staffing.hidden = true;
  }

  function render(t, d, query) {
    clear();
    const tot = t.totals;
    const empty = !(tot.entries || tot.exits || tot.passers_by);
    el.dataset.state = empty ? 'empty' : 'ready';
    setChildren(message, empty ? notice('empty', 'No data for this range: no line crossings were counted.') : null);
    const card = (label, value, sub) => h('div', {class: 'card kpi'}, h('div', {class: 'kpi-label'}, label),
      h('div', {class: 'kpi-value'}, value), h('div', {class: 'kpi-sub'}, sub || ''));
    const prev = t.previous;
    const vs = (now, before) => {
      if (!prev) return h('span', {class: 'muted'}, 'no data for the period before');
      const diff = now - before;
      const sign = diff > 0 ? '+' : diff < 0 ? '−' : '±';
      return h('span', {class: diff > 0 ? 'up' : diff < 0 ? 'down' : ''},
        `${sign}${fmtInt(Math.abs(diff))} vs ${fmtInt(before)} the period before`);
    };
    setChildren(totals,
      card('Visitors in', fmtInt(tot.entries), h('span', {},
        h('span', {id: 'traffic-units'}, `${fmtInt(tot.units)} buying units (groups once) · `),
        vs(tot.entries, prev && prev.entries))),
      card('Visitors out', fmtInt(tot.exits), vs(tot.exits, prev && prev.exits)),
      card('Passers-by', fmtInt(tot.passers_by), vs(tot.passers_by, prev && prev.passers_by)),
      card('Capture rate', fmtPct(tot.capture_rate, 1), tot.capture_rate === null ? 'no passers-by counted'
        : `of the people passing the front, the share who came in${prev && prev.capture_rate !== null
          ? ` (${fmtPct(prev.capture_rate, 1)} the period before)` : ''}`));
    if (empty) return;

    const singleDay = rangeDays(app.range) === 1;
    let kept = t.buckets.map((_, i) => i);
    if (t.bucket === 'hour') {  // hours before the first and after the last crossing: left out
      const busy = t.buckets.map((b) => b.entries + b.exits + b.passers_by > 0);
      kept = kept.slice(busy.indexOf(true), busy.lastIndexOf(true) + 1);
    }
    const buckets = kept.map((i) => t.buckets[i]);
    const labels = buckets.map((b) => (t.bucket === 'day' ? shortDay(b.start.slice(0, 10))
      : singleDay ? b.start.slice(11, 13) : `${shortDay(b.start.slice(0, 10))} ${b.start.slice(11, 13)}h`));
    const visitorsBox = h('div', {class: 'card'}, headWithCsv(`Visitors and passers-by per ${t.bucket}`,
      csvLink('/api/traffic', query, `visitors and passers-by per ${t.bucket}`)));
    const captureBox = h('div', {class: 'card'}, h('h2', {}, `Capture rate per ${t.bucket}`),
      h('p', {class: 'muted small'}, 'Of the people passing the front, the share who came in; empty where nobody passed.'));
    charts.append(visitorsBox, captureBox);
    stopCharts.push(barChart(visitorsBox, {
      title: 'Visitors and passers-by', labels, integer: true, format: fmtInt,
      series: [
        {name: 'visitors in', values: buckets.map((b) => b.entries), colour: COLOURS.entries},
        {name: 'visitors out', values: buckets.map((b) => b.exits), colour: COLOURS.exits},
        {name: 'passers-by', values: buckets.map((b) => b.passers_by), colour: COLOURS.passers},
      ],
    }));
    stopCharts.push(barChart(captureBox, {
      title: 'Capture rate', labels, format: (v) => fmtPct(v),
      series: [{name: 'capture rate', values: buckets.map((b) => b.capture_rate), colour: COLOURS.capture}],
    }));
    if (d.cameras.length) stopCharts.push(...renderDemographics(charts, d, labels, kept, query));
    renderStaffing(t, buckets, labels, query);
    renderPeak(t.peak_grid, query);
  }

  function renderStaffing(t, buckets, labels, query) {
    staffing.hidden = false;
    const tot = t.totals;
    const num = (v, digits) => (v === null || v === undefined ? '–' : v.toFixed(digits));
    const head = headWithCsv(`Staffing: staff on the floor and visitors per staff member, per ${t.bucket}`,
      csvLink('/api/traffic', query, `staffing per ${t.bucket}`));
    if (!tot.staff_hours) {
      setChildren(staffing, head, notice('empty',
        'No staff recognised in this range (staff-only zones, a staff door or the uniform colours tell them; see the store config).'));
      return;
    }
    const rows = buckets.map((b, i) => h('tr', {},
      h('td', {}, labels[i]),
      h('td', {class: 'num', 'data-label': 'Staff on duty'}, num(b.staff_on_duty, 1)),
      h('td', {class: 'num', 'data-label': 'Staff-hours'}, num(b.staff_hours, 1)),
      h('td', {class: 'num', 'data-label': 'Visitors in'}, fmtInt(b.entries)),
      h('td', {class: 'num', 'data-label': 'Buying units'}, fmtInt(b.units)),
      h('td', {class: 'num', 'data-label': 'Visitors per staff'}, num(b.visitors_per_staff, 1))));
    setChildren(staffing, head,
      h('p', {class: 'muted small'}, `Over the range: ${num(tot.staff_on_duty, 1)} staff on the floor on average while any was `
        + `(${num(tot.staff_hours, 1)} staff-hours), ${num(tot.visitors_per_staff, 1)} visitors per staff member. `
        + 'Staff are recognised without faces and left out of every visitor count.'),
      h('div', {class: 'table-wrap'}, h('table', {class: 'table table-stack', id: 'staffing-table'},
        h('thead', {}, h('tr', {}, h('th', {}, t.bucket === 'day' ? 'Day' : 'Hour'), h('th', {class: 'num'}, 'Staff on duty'),
          h('th', {class: 'num'}, 'Staff-hours'), h('th', {class: 'num'}, 'Visitors in'), h('th', {class: 'num'}, 'Buying units'),
          h('th', {class: 'num'}, 'Visitors per staff'))),
        h('tbody', {}, rows))));
  }

  function renderPeak(g, query) {
    peak.hidden = false;
    const max = Math.max(0, ...g.mean_entries.flat());
    const cap = (w) => w.charAt(0).toUpperCase() + w.slice(1);
    const days = g.days.map((n, i) => `${cap(g.weekdays[i])} ${n}`).filter((_, i) => g.days[i]);
    // Only the hours from the first to the last with visitors on any weekday.
    const used = g.hours.map((_, j) => g.mean_entries.some((row) => row[j] > 0));
    const cols = g.hours.map((hr, j) => [hr, j]).slice(used.indexOf(true), used.lastIndexOf(true) + 1);
    const head = h('tr', {}, h('th', {}, ''), cols.map(([hr]) => h('th', {class: 'num'}, String(hr).padStart(2, '0'))));
    const rows = g.weekdays.map((wd, i) => h('tr', {class: g.days[i] ? '' : 'muted-row'},
      h('th', {scope: 'row'}, cap(wd).slice(0, 3)),
      cols.map(([hr, j]) => {
        const v = g.mean_entries[i][j];
        return h('td', {class: 'peak-cell', title: `${cap(wd)} ${hr}:00 · ${v} visitors in on average`,
          style: {background: heatColour(v, max), color: heatText(v, max)}}, v ? (v >= 10 ? Math.round(v) : +v.toFixed(1)) : '');
      })));
    setChildren(peak, headWithCsv('Busiest hours: mean visitors in per weekday and hour',
      csvLink('/api/traffic', {...query, table: 'peak_grid'}, 'the busiest hours grid')),
      h('p', {class: 'muted small'}, `Averaged over the days of each weekday in the range (${days.join(', ') || 'none'}). Darker: busier.`),
      max > 0 ? h('div', {class: 'table-wrap'}, h('table', {class: 'peak-grid', id: 'peak-grid'}, h('thead', {}, head), h('tbody', {}, rows)))
        : notice('empty', 'No visitors in this range.'));
  }

  app.addEventListener('range', () => { if (!el.hidden) load(); });
  return {el, show() { if (loadedKey !== key()) load(); }};
}
