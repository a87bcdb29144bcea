// Cameras: each camera's status from GET /api/cameras, with its calibration from the store
// config, and how the run's writes to the database go from GET /api/storage (both refreshed
// every 5 s while shown).

import {api} from '../api.js';
import {csvLink} from '../csv.js';
import {fmtDuration, fmtInt, h, notice, setChildren} from '../util.js';

const REFRESH_MS = 5000;
const STATUS_TEXT = {active: 'online', quiet: 'quiet', error: 'error', 'no data': 'no data'};
const STORAGE_BADGE = {'up to date': 'status-active', 'catching up': 'status-quiet', 'no report': 'status-no-data'};

/** The "Database writes" facts: what waits in the run's spool, what it dropped, the last outage. */
function storageFacts(s, fmt) {
  const fact = (label, ...value) => [h('dt', {}, label), h('dd', {}, ...value)];
  const outage = s.last_outage;
  const mb = s.waiting_mb > 0 && s.waiting_mb < 0.1 ? '< 0.1' : s.waiting_mb.toFixed(1);
  return [
    s.dropped_points > 0 ? notice('warn', `${fmtInt(s.dropped_points)} positions were dropped: the spool on this box `
      + 'was full (visits, counts and alerts were kept).') : null,
    h('dl', {class: 'facts'},
      fact('Status', h('span', {class: `badge ${STORAGE_BADGE[s.status] || ''}`}, s.status),
        s.reported_at ? null : h('span', {class: 'muted small'}, ' no run of this store has reported its writes yet')),
      s.reported_at ? [
        fact('Last report', fmt.full(s.reported_at)),
        fact('Waiting', s.waiting_batches
          ? `${fmtInt(s.waiting_batches)} batch${s.waiting_batches === 1 ? '' : 'es'} (${mb} MB)` : 'nothing'),
        fact('Last outage', outage
          ? `${fmt.full(outage.start)} for ${fmtDuration(outage.seconds)} (${outage.error})` : 'no outage recorded'),
      ] : null,
      fact('Database', h('code', {}, s.database))),
  ];
}

export function createCamerasPage(app) {
  const {store, fmt} = app;
  const calibrated = new Map(store.cameras.map((c) => [c.id, c]));
  const message = h('div', {id: 'cameras-message'});
  const tableBox = h('div', {});
  const storageBox = h('div', {});
  const updated = h('span', {class: 'muted small'});
  let timer = 0;

  const el = h('section', {'aria-label': 'Cameras'},
    h('div', {class: 'page-head'}, h('h1', {}, 'Cameras'), updated, csvLink('/api/cameras', {}, 'the cameras table')),
    message,
    h('div', {class: 'card'}, tableBox,
      h('p', {class: 'muted small'},
        '"Online": the camera\'s run reported in the last 30 s (or people were seen in the last minute). ',
        '"Quiet": nobody seen for a minute and no report. "Error": the run stopped; the reason is shown.')),
    h('div', {class: 'card', id: 'storage-card'}, h('h2', {}, 'Database writes'), storageBox,
      h('p', {class: 'muted small'},
        'The run keeps its records in a spool on this box until the database has them: while the database is ',
        'down they wait there and nothing is lost. The run reports after writes: during an outage the last report stays.')));

  async function loadStorage() {
    try {
      setChildren(storageBox, storageFacts(await api('/api/storage'), fmt));
    } catch (err) {
      setChildren(storageBox, notice('error', `Cannot load the database status: ${err.message}.`));
    }
  }

  async function load() {
    loadStorage();
    try {
      const cams = await api('/api/cameras');
      setChildren(message);
      updated.textContent = `updated ${fmt.time(new Date().toISOString())}`;
      if (!cams.length) { setChildren(tableBox, notice('empty', 'No cameras in the store config or the database.')); return; }
      setChildren(tableBox, h('div', {class: 'table-wrap'}, h('table', {class: 'table table-stack', id: 'cameras-table'},
        h('thead', {}, h('tr', {}, ['Camera', 'Status', 'Frames/s', 'Calibrated', 'Newest frame', 'Last person seen', 'Ago']
          .map((t, i) => h('th', {class: i === 2 || i === 6 ? 'num' : ''}, t)))),
        h('tbody', {}, cams.map((c) => {
          const cfg = calibrated.get(c.camera_id);
          return h('tr', {dataset: {camera: c.camera_id}},
            h('td', {}, h('strong', {}, c.name), c.name !== c.camera_id ? h('div', {class: 'muted small'}, c.camera_id) : null,
              c.in_config ? null : h('div', {class: 'muted small'}, 'not in the config'),
              c.in_config && c.has_image ? h('a', {class: 'small', href: `/api/cameras/${encodeURIComponent(c.camera_id)}/check.png`,
                target: '_blank', rel: 'noopener'}, 'frame + calibration check') : null,
              c.in_config && !c.has_image ? h('div', {class: 'muted small'}, 'simulated camera: no image to show') : null),
            h('td', {'data-label': 'Status'}, h('span', {class: `badge status-${c.status.replace(' ', '-')}`}, STATUS_TEXT[c.status] || c.status),
              c.last_error ? h('div', {class: 'muted small camera-error'}, c.last_error) : null),
            h('td', {class: 'num', 'data-label': 'Frames/s'},
              c.frames_per_s !== null ? c.frames_per_s.toFixed(1) : (c.fps === null ? '–' : c.fps.toFixed(1))),
            h('td', {'data-label': 'Calibrated'}, cfg ? (cfg.calibrated ? 'yes' : 'no') : '–'),
            h('td', {'data-label': 'Newest frame'}, c.last_frame_at ? fmt.full(c.last_frame_at) : '–'),
            h('td', {'data-label': 'Last person seen'}, c.last_position_at ? fmt.full(c.last_position_at) : 'not today'),
            h('td', {class: 'num', 'data-label': 'Ago'}, c.seconds_since_last_position === null ? '–' : fmtDuration(c.seconds_since_last_position)));
        })))));
    } catch (err) {
      setChildren(message, notice('error', `Cannot load cameras: ${err.message}.`));
    }
  }

  return {
    el,
    show() { load(); clearInterval(timer); timer = setInterval(load, REFRESH_MS); },
    hide() { clearInterval(timer); timer = 0; },
  };
}
