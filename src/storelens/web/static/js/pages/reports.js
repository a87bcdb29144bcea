// Reports: the archive of daily reports the server makes each morning (GET /api/reports/daily),
// newest first, each opened as its page in a new tab or downloaded as PDF, with whether it was mailed.

import {api} from '../api.js';
import {fmtInt, fmtPct, h, notice, setChildren} from '../util.js';

/** 'YYYY-MM-DD' as "Sat 7 Mar 2026" (a calendar date: no time zone involved). */
function dayLabel(isoDate) {
  const [y, m, d] = isoDate.split('-').map(Number);
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB',
    {weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC'})
    .formatToParts(new Date(Date.UTC(y, m - 1, d))).map((p) => [p.type, p.value]));
  return `${parts.weekday} ${parts.day} ${parts.month} ${parts.year}`;
}

function mailCell(r, mailed, fmt) {
  if (r.mailed_at) return [h('span', {class: 'badge status-active'}, 'sent'), h('div', {class: 'muted small'}, fmt.short(r.mailed_at))];
  if (r.mail_error) {
    const tries = `${r.mail_attempts} tr${r.mail_attempts === 1 ? 'y' : 'ies'}`;
    return [h('span', {class: 'badge status-error'}, 'not sent'),
      h('div', {class: 'muted small report-error'}, `${r.mail_error} (${tries}${mailed ? '; tried again' : ''})`)];
  }
  return mailed ? h('span', {class: 'badge status-quiet'}, 'waiting') : h('span', {class: 'muted'}, '–');
}

export function createReportsPage(app) {
  const {fmt} = app;
  const message = h('div', {id: 'reports-message'});
  const sub = h('span', {class: 'muted small', id: 'reports-schedule'});
  const tableBox = h('div', {});
  const el = h('section', {'aria-label': 'Reports'},
    h('div', {class: 'page-head'}, h('h1', {}, 'Reports'), sub),
    message,
    h('div', {class: 'card'}, h('h2', {}, 'Daily reports'),
      h('p', {class: 'muted small'}, 'Each report covers a whole day: visitors against the same weekday last week, ',
        'the busiest hours, hot and cold zones with the heatmap, time in each zone, sales and alerts. ',
        'Open it to read it here, or download the PDF to print or forward it.'),
      tableBox));

  function render(body) {
    const mailed = body.mailed;
    sub.textContent = body.daily_at
      ? `made every day at ${body.daily_at} (${body.timezone}) for the day before${mailed ? ', and mailed' : ''}`
      : 'the server does not make daily reports (reports.daily_at is off)';
    el.dataset.state = body.reports.length ? 'ready' : 'empty';
    if (!body.reports.length) {
      setChildren(tableBox, notice('empty', body.daily_at
        ? `No reports yet: the first is made at ${body.daily_at} for the day before. \`storelens report\` makes one now.`
        : 'No reports: set reports.daily_at in the store config for the server to make one each morning.'));
      return;
    }
    setChildren(tableBox, h('div', {class: 'table-wrap'}, h('table', {class: 'table table-stack', id: 'reports-table'},
      h('thead', {}, h('tr', {}, ['Day', 'Visitors', 'Passers-by', 'Capture rate', 'Conversion', 'Alerts', 'Mail']
        .map((t, i) => h('th', {class: `${[1, 2, 3, 4, 5].includes(i) ? 'num' : ''} ${[2, 5].includes(i) ? 'hide-narrow' : ''}`}, t)))),
      h('tbody', {}, body.reports.map((r) => h('tr', {dataset: {day: r.day}},
        h('td', {}, h('strong', {}, dayLabel(r.day)),
          h('div', {class: 'report-links'},
            h('a', {href: r.html_url, target: '_blank', rel: 'noopener', class: 'report-open'}, 'Open report'),
            h('a', {href: r.pdf_url, download: true, class: 'report-pdf'}, 'PDF'))),  // named by the server
        h('td', {class: 'num', 'data-label': 'Visitors'}, r.visitors === null ? 'no data' : fmtInt(r.visitors)),
        h('td', {class: 'num hide-narrow', 'data-label': 'Passers-by'}, fmtInt(r.passers_by)),
        h('td', {class: 'num', 'data-label': 'Capture rate'}, fmtPct(r.capture_rate)),
        h('td', {class: 'num', 'data-label': 'Conversion'}, r.conversion === null ? 'no sales data' : fmtPct(r.conversion, 1)),
        h('td', {class: 'num hide-narrow', 'data-label': 'Alerts'}, fmtInt(r.alerts)),
        h('td', {'data-label': 'Mail'}, h('div', {class: 'report-mail'}, mailCell(r, mailed, fmt)))))))));
  }

  async function load() {
    try {
      const body = await api('/api/reports/daily');
      setChildren(message);
      render(body);
    } catch (err) {
      setChildren(message, notice('error', `Cannot load the reports: ${err.message}.`));
      el.dataset.state = 'error';
    }
  }

  return {el, show() { load(); }};
}
