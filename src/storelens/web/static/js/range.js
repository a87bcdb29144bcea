// The date range of the report pages: from / to calendar dates (both included) on the store's
// clock, shared by Heatmap, Traffic and Zones. The API's `to` is exclusive: the day after.

import {addDays, daysBetween, h} from './util.js';

export const MAX_DAYS = 400;

export function rangeParams(range) {
  return {from: range.from, to: addDays(range.to, 1)};
}

export function rangeDays(range) {
  return daysBetween(range.from, range.to) + 1;
}

/** The picker: two date inputs and presets; calls app.setRange on a valid change. */
export function rangePicker(app) {
  const from = h('input', {type: 'date', name: 'from', 'aria-label': 'From date', max: app.today});
  const to = h('input', {type: 'date', name: 'to', 'aria-label': 'To date', max: app.today});
  const error = h('span', {class: 'range-error', role: 'alert'});
  const sync = () => {
    from.value = app.range.from;
    to.value = app.range.to;
    for (const b of presets.querySelectorAll('button')) b.classList.toggle('active', b.dataset.days === String(presetOf(app)));
  };
  const apply = () => {
    error.textContent = '';
    if (!from.value || !to.value) { error.textContent = 'pick both dates'; return; }
    if (from.value > to.value) { error.textContent = '"from" is after "to"'; return; }
    if (rangeDays({from: from.value, to: to.value}) > MAX_DAYS) { error.textContent = `at most ${MAX_DAYS} days`; return; }
    app.setRange({from: from.value, to: to.value});
  };
  from.addEventListener('change', apply);
  to.addEventListener('change', apply);
  const preset = (label, days) => h('button', {type: 'button', class: 'btn btn-small', dataset: {days: String(days)},
    onclick: () => app.setRange({from: addDays(app.today, 1 - days), to: app.today})}, label);
  const presets = h('span', {class: 'presets'}, preset('Today', 1), preset('7 days', 7), preset('30 days', 30));
  const el = h('div', {class: 'range-picker'},
    h('label', {}, 'From ', from), h('label', {}, 'To ', to), presets, error);
  app.addEventListener('range', sync);
  sync();
  return el;
}

function presetOf(app) {
  return app.range.to === app.today ? rangeDays(app.range) : null;
}
