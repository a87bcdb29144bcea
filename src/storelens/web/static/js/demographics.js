// Visitors by age band and gender (cameras with `demographics: true`), for the Traffic page:
// counts per visit only; the server never sends anything about a face.

import {barChart} from './charts.js';
import {csvLink, headWithCsv} from './csv.js';
import {fmtInt, fmtPct, h, notice} from './util.js';

const BAND_COLOURS = ['#fde68a', '#fbbf24', '#f97316', '#c2410c', '#7c2d12'];
const GENDER_COLOURS = {female: '#db2777', male: '#0891b2'};

// Appends the demographics cards to `container` (its CSV link: the table, for `query`); returns
// the charts' stop functions.
export function renderDemographics(container, d, labels, busyIndexes, query) {
  const card = h('div', {class: 'card', id: 'demographics-card'},
    headWithCsv(`Visitors by age band and gender per ${d.bucket}`,
      csvLink('/api/demographics', {...query, table: 'totals'}, 'visitors by age band and gender')),
    h('p', {class: 'muted small'}, `Estimated from faces seen by ${d.cameras.join(', ')}, one estimate per visit; `
      + 'visits without a clear face are not counted. Estimates, not facts: see the README for accuracy and bias.'));
  container.append(card);
  if (!d.visits) {
    card.append(notice('empty', 'No visit with an estimate in this range.'));
    return [];
  }
  const buckets = busyIndexes.map((i) => d.buckets[i]);
  const sum = (rows) => rows.reduce((a, b) => a + b, 0);
  const total = d.visits;
  const rows = d.age_bands.map((band, i) => h('tr', {},
    h('th', {scope: 'row'}, band),
    d.genders.map((_, j) => h('td', {class: 'num'}, fmtInt(d.totals[i][j]))),
    h('td', {class: 'num'}, fmtPct(sum(d.totals[i]) / total, 0))));
  card.append(h('div', {class: 'table-wrap'}, h('table', {class: 'table table-narrow', id: 'demographics-table'},
    h('thead', {}, h('tr', {}, h('th', {}, 'Age band'), d.genders.map((g) => h('th', {class: 'num'}, g)),
      h('th', {class: 'num'}, 'share'))),
    h('tbody', {}, rows))));
  const byBand = h('div', {}), byGender = h('div', {});
  card.append(byBand, byGender);
  return [
    barChart(byBand, {
      title: 'Visitors by age band', labels, integer: true, format: fmtInt,
      series: d.age_bands.map((band, i) => ({name: band, colour: BAND_COLOURS[i % BAND_COLOURS.length],
        values: buckets.map((b) => sum(b.visits[i]))})),
    }),
    barChart(byGender, {
      title: 'Visitors by gender', labels, integer: true, format: fmtInt,
      series: d.genders.map((g, j) => ({name: g, colour: GENDER_COLOURS[g] || '#64748b',
        values: buckets.map((b) => sum(b.visits.map((row) => row[j])))})),
    }),
  ];
}
