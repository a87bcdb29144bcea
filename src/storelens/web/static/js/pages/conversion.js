// Conversion: till receipts against the buying units who came in, per hour, day or week; per zone
// (units who stayed there and bought its categories); optionally against the period before or the
// same days a week earlier, with the uncertainty small counts leave.

import {api} from '../api.js';
import {barChart} from '../charts.js';
import {csvLink, headWithCsv} from '../csv.js';
import {rangeDays, rangeParams, rangePicker} from '../range.js';
import {addDays, fmtInt, fmtPct, h, notice, setChildren} from '../util.js';

const MAX_HOURLY_DAYS = 93;
const COLOURS = {conversion: '#16a34a', units: '#2563eb', receipts: '#f59e0b'};
const COMPARE = {none: 'No comparison', previous: 'Period before', week: 'A week earlier'};

const money = (v) => (v === null || v === undefined ? '–'
  : v.toLocaleString('en-GB', {minimumFractionDigits: 2, maximumFractionDigits: 2}));
const points = (v) => (v === null || v === undefined ? '–' : `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(100 * v).toFixed(1)} pts`);
const signedPct = (v) => (v === null || v === undefined ? '–' : `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(100 * v).toFixed(0)}%`);
const interval = (lo, hi, fmt) => (lo === null || lo === undefined ? '' : `95%: ${fmt(lo)} to ${hi === null ? 'no bound' : fmt(hi)}`);

function shortDay(isoDate) {
  const [y, m, d] = isoDate.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d));
  return `${t.toLocaleDateString('en-GB', {weekday: 'short', timeZone: 'UTC'})} ${d}`;
}

/** The range to compare with, as the API's compare_from / compare_to (dates; `to` exclusive). */
export function compareParams(range, mode) {
  const {from, to} = rangeParams(range);
  if (mode === 'previous') return {compare_from: addDays(from, -rangeDays(range)), compare_to: from};
  if (mode === 'week') return {compare_from: addDays(from, -7), compare_to: addDays(to, -7)};
  return {};
}

export function createConversionPage(app) {
  let bucket = 'auto';
  let mode = 'none';
  let loadedKey = null;
  let request = 0;
  let stopCharts = [];

  const bucketButtons = ['hour', 'day', 'week'].map((b) => h('button', {
    type: 'button', class: 'seg', dataset: {bucket: b}, onclick: () => { bucket = b; load(); },
  }, `Per ${b}`));
  const compareSelect = h('select', {name: 'compare', 'aria-label': 'Compare with',
    onchange: (e) => { mode = e.target.value; load(); }},
  Object.entries(COMPARE).map(([value, label]) => h('option', {value}, label)));
  const message = h('div', {id: 'conversion-message'});
  const totals = h('div', {class: 'kpis kpis-4', id: 'conversion-totals'});
  const body = h('div', {});
  const el = h('section', {'aria-label': 'Conversion'},
    h('div', {class: 'page-head'}, h('h1', {}, 'Conversion')),
    h('div', {class: 'card toolbar'}, rangePicker(app),
      h('div', {class: 'segmented', role: 'group', 'aria-label': 'Bucket'}, bucketButtons),
      h('label', {class: 'check'}, 'Compare with ', compareSelect)),
    message, totals, body);

  function chosenBucket() {
    const days = rangeDays(app.range);
    if (bucket === 'hour' && days > MAX_HOURLY_DAYS) return 'day';
    if (bucket === 'auto') return days <= 2 ? 'hour' : days <= 62 ? 'day' : 'week';
    return bucket;
  }

  function query() {
    return {...rangeParams(app.range), bucket: chosenBucket(), ...compareParams(app.range, mode)};
  }

  async function load() {
    const b = chosenBucket();
    for (const btn of bucketButtons) {
      btn.setAttribute('aria-pressed', String(btn.dataset.bucket === b));
      btn.disabled = btn.dataset.bucket === 'hour' && rangeDays(app.range) > MAX_HOURLY_DAYS;
    }
    loadedKey = JSON.stringify(query());
    const mine = ++request;
    setChildren(message, notice('loading', 'Loading…'));
    try {
      const c = await api('/api/conversion', {params: query()});
      if (mine !== request) return;
      render(c);
    } catch (err) {
      if (mine !== request) return;
      clear();
      setChildren(message, notice('error', `Cannot load conversion: ${err.message}.`));
      el.dataset.state = 'error';
    }
  }

  function clear() {
    stopCharts.forEach((stop) => stop());
    stopCharts = [];
    setChildren(totals);
    setChildren(body);
  }

  function kpi(label, value, id, ...sub) {
    return h('div', {class: 'card kpi'}, h('div', {class: 'kpi-label'}, label),
      h('div', {class: 'kpi-value', id}, value), h('div', {class: 'kpi-sub'}, sub));
  }

  function render(c) {
    clear();
    const cur = c.current, t = cur.totals, prev = c.previous, cmp = c.comparison;
    const empty = !(t.units || cur.receipts_all);
    el.dataset.state = empty ? 'empty' : 'ready';
    if (empty) {
      setChildren(message, notice('empty', 'No data for this range: no visitors came in and no receipts were imported '
        + '(storelens pos import, or POST /api/pos/receipts from the till).'));
      return;
    }
    setChildren(message, cur.receipts_all ? null : notice('warn',
      'No receipts in this range: import the till\'s export (storelens pos import) to see conversion.'));
    const vs = (now, before, fmt) => (prev && before !== null && before !== undefined
      ? h('span', {class: now > before ? 'up' : now < before ? 'down' : ''}, ` · ${fmt(before)} before`) : null);
    setChildren(totals,
      kpi('Conversion', fmtPct(t.conversion, 1), 'kpi-conversion',
        h('span', {}, interval(t.conversion_low, t.conversion_high, (v) => fmtPct(v, 0))),
        vs(t.conversion, prev && prev.totals.conversion, (v) => fmtPct(v, 1))),
      kpi('Receipts', fmtInt(t.receipts), 'kpi-receipts',
        `for ${fmtInt(t.units)} buying units (${fmtInt(cur.people)} visitors)${t.returns ? `, ${fmtInt(t.returns)} returns` : ''}`),
      kpi('Average ticket', money(t.average_ticket), 'kpi-ticket', vs(t.average_ticket, prev && prev.totals.average_ticket, money)),
      kpi('Sales per unit', money(t.sales_per_unit), 'kpi-per-unit', `sales ${money(t.sales)}`,
        vs(t.sales_per_unit, prev && prev.totals.sales_per_unit, money)));
    if (cmp) body.append(comparisonCard(c));
    body.append(chartsGrid(c), zonesCard(c));
  }

  function comparisonCard(c) {
    const cmp = c.comparison, prev = c.previous;
    const row = (label, value, ci) => h('tr', {}, h('th', {scope: 'row'}, label), h('td', {class: 'num'}, value),
      h('td', {class: 'muted small'}, ci));
    const uplift = cmp.uplift === null
      ? h('td', {class: 'num'}, prev.totals.receipts ? '–' : 'no sales before')
      : null;
    return h('div', {class: 'card', id: 'conversion-comparison'},
      h('h2', {}, `Against ${COMPARE[mode].toLowerCase()}: ${prev.start.slice(0, 10)} to ${addDays(prev.end.slice(0, 10), -1)}`),
      h('div', {class: 'table-wrap'}, h('table', {class: 'table table-narrow', id: 'comparison-table'}, h('tbody', {},
        row('Conversion before', fmtPct(prev.totals.conversion, 1), `${fmtInt(prev.totals.receipts)} receipts / ${fmtInt(prev.totals.units)} units`),
        row('Difference', points(cmp.difference), interval(cmp.difference_low, cmp.difference_high, points)),
        uplift ? h('tr', {}, h('th', {scope: 'row'}, 'Uplift'), uplift, h('td', {}))
          : row('Uplift', signedPct(cmp.uplift), interval(cmp.uplift_low, cmp.uplift_high, signedPct)),
        row('Average ticket', signedPct(cmp.average_ticket_change), ''),
        row('Sales per unit', signedPct(cmp.sales_per_unit_change), '')))),
      h('p', {class: 'muted small'}, `${c.intervals}. An interval that spans 0 means the change may be chance.`));
  }

  function chartsGrid(c) {
    const cur = c.current, b = c.bucket;
    let buckets = cur.buckets;
    if (b === 'hour') {  // hours before the first and after the last unit or receipt: left out
      const busy = buckets.map((x) => x.units + x.receipts > 0);
      buckets = buckets.slice(busy.indexOf(true), busy.lastIndexOf(true) + 1);
    }
    const single = rangeDays(app.range) === 1;
    const labels = buckets.map((x) => (b === 'hour' ? (single ? x.start.slice(11, 13) : `${shortDay(x.start.slice(0, 10))} ${x.start.slice(11, 13)}h`)
      : shortDay(x.start.slice(0, 10))));
    const rate = h('div', {class: 'card', id: 'conversion-chart'},
      headWithCsv(`Conversion per ${b}`, csvLink('/api/conversion', {...query(), table: 'buckets'}, `conversion per ${b}`)),
      h('p', {class: 'muted small'}, 'Receipts over the buying units who came in, in each bucket; empty where nobody came in.'));
    const counts = h('div', {class: 'card'}, h('h2', {}, `Buying units and receipts per ${b}`));
    stopCharts.push(barChart(rate, {title: 'Conversion', labels, format: (v) => fmtPct(v),
      series: [{name: 'conversion', values: buckets.map((x) => x.conversion), colour: COLOURS.conversion}]}));
    stopCharts.push(barChart(counts, {title: 'Buying units and receipts', labels, integer: true, format: fmtInt,
      series: [{name: 'buying units', values: buckets.map((x) => x.units), colour: COLOURS.units},
        {name: 'receipts', values: buckets.map((x) => x.receipts), colour: COLOURS.receipts}]}));
    return h('div', {class: 'report-grid'}, rate, counts);
  }

  function zonesCard(c) {
    const cur = c.current, prev = c.previous;
    const before = new Map((prev ? prev.zones : []).map((z) => [z.zone, z]));
    const card = h('div', {class: 'card', id: 'conversion-zones'},
      headWithCsv('Zone conversion', csvLink('/api/conversion', {...query(), table: 'zones'}, 'conversion per zone')),
      h('p', {class: 'muted small'}, `Of the buying units who stayed in a zone, the share whose receipt has a line of the zone's categories. `
        + `${fmtInt(cur.receipts_matched)} of ${fmtInt(cur.receipts_all)} receipts were matched to the unit paying at the till; only those count here.`));
    if (!cur.zones.length) { card.append(notice('empty', 'No zone lists product categories: add categories to the zones in the store config.')); return card; }
    const heads = ['Zone', 'Categories', 'Stayed', 'Bought', 'Conversion', ...(prev ? ['Before'] : []), 'Receipts', 'Category sales'];
    card.append(h('div', {class: 'table-wrap'}, h('table', {class: 'table table-stack', id: 'conversion-zones-table'},
      h('thead', {}, h('tr', {}, heads.map((t, i) => h('th', {class: i > 1 ? 'num' : ''}, t)))),
      h('tbody', {}, cur.zones.map((z) => h('tr', {dataset: {zone: z.zone}},
        h('td', {}, z.zone.replace(/_/g, ' ')),
        h('td', {class: 'muted', 'data-label': 'Categories'}, z.categories.join(', ')),
        h('td', {class: 'num', 'data-label': 'Stayed'}, fmtInt(z.units)),
        h('td', {class: 'num', 'data-label': 'Bought'}, fmtInt(z.buyers)),
        h('td', {class: 'num', 'data-label': 'Conversion', title: interval(z.conversion_low, z.conversion_high, (v) => fmtPct(v, 0))},
          fmtPct(z.conversion, 0)),
        prev ? h('td', {class: 'num', 'data-label': 'Before'}, before.has(z.zone) ? fmtPct(before.get(z.zone).conversion, 0) : '–') : null,
        h('td', {class: 'num', 'data-label': 'Receipts', title: 'Receipts with a line of its categories, whoever paid'},
          fmtInt(z.category_receipts)),
        h('td', {class: 'num', 'data-label': 'Category sales'}, money(z.category_sales))))))));
    return card;
  }

  app.addEventListener('range', () => { if (!el.hidden) load(); });
  return {el, show() { if (loadedKey !== JSON.stringify(query())) load(); }};
}
