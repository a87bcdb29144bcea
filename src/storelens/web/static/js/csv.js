// "CSV" links beside the dashboard's tables: the same series from the API as a CSV download
// (GET <path>.csv with the page's parameters; the session cookie authenticates it as it does the
// page's own calls, and the server names the file <store>-<endpoint>-<range>.csv).

import {apiUrl} from './api.js';
import {h} from './util.js';

/** Where the CSV form of GET `path` with `params` is. */
export function csvHref(path, params) {
  const url = apiUrl(`${path}.csv`, params);
  return url.pathname + url.search;
}

/** A small "CSV" download link; `what` names the table for its tooltip and for screen readers. */
export function csvLink(path, params, what) {
  const label = `Download ${what} as CSV`;
  return h('a', {class: 'csv-link', href: csvHref(path, params), download: '', title: label, 'aria-label': label}, 'CSV');
}

/** A card's heading with a CSV link at its end (the link wraps under it on a narrow screen). */
export function headWithCsv(title, link) {
  return h('div', {class: 'card-head'}, h('h2', {}, title), link);
}
