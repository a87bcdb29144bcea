// Live: occupancy now, today's visitors vs the same weekday last week, the floor plan with
// people on it, open alerts (acknowledge: manager), and the siren switch.

import {api} from '../api.js';
import {FloorView} from '../floor.js';
import {fmtDuration, fmtInt, fmtPct, h, notice, setChildren, weekdayName, addDays} from '../util.js';

function kpi(id, label) {
  const value = h('div', {class: 'kpi-value', id}, '–');
  const sub = h('div', {class: 'kpi-sub'});
  return {el: h('div', {class: 'card kpi'}, h('div', {class: 'kpi-label'}, label), value, sub), value, sub};
}

function comparison(now, before, day) {
  if (before === null) return h('span', {class: 'muted'}, `no data for last ${day}`);
  const diff = now - before;
  const sign = diff > 0 ? '+' : diff < 0 ? '−' : '±';
  const pct = before > 0 ? ` (${sign}${Math.abs(Math.round((100 * diff) / before))}%)` : '';
  return h('span', {class: diff > 0 ? 'up' : diff < 0 ? 'down' : ''},
    `${sign}${Math.abs(diff)}${pct} vs ${fmtInt(before)} last ${day}`);
}

export function createLivePage(app) {
  const {feed, fmt, store} = app;
  const status = h('div', {class: 'live-status', id: 'live-status'}, 'Connecting…');
  const k = {
    inside: kpi('kpi-inside', 'In store now'),
    entries: kpi('kpi-entries', 'Visitors in today'),
    exits: kpi('kpi-exits', 'Visitors out today'),
    passers: kpi('kpi-passers', 'Passers-by today'),
    alerts: kpi('kpi-alerts', 'Open alerts'),
  };
  const floorBox = h('div', {class: 'floor-box'});
  const floorNote = h('p', {class: 'legend'},
    h('span', {class: 'legend-item'}, h('span', {class: 'dot dot-in'}), 'person in the store'),
    h('span', {class: 'legend-item'}, h('span', {class: 'dot dot-out'}), 'outside the walls'),
    h('span', {class: 'legend-item'}, h('span', {class: 'line-entrance'}), 'entrance line'),
    h('span', {class: 'legend-item'}, h('span', {class: 'line-passerby'}), 'passer-by line'),
    h('span', {id: 'people-count', class: 'legend-item muted'}));
  const zonesList = h('ul', {class: 'zone-bars', id: 'zone-occupancy'});
  const queueList = h('ul', {class: 'queues', id: 'queues'});
  const alertsHead = h('h2', {}, 'Open alerts');
  const alertsNote = h('div', {id: 'alerts-note'});
  const alertsFlash = h('div', {id: 'alerts-flash'});  // the outcome of the last acknowledgement
  const alertsList = h('ul', {class: 'alerts', id: 'alerts-list'});
  const sirenState = h('span', {class: 'siren-state', id: 'siren-state'}, '–');
  const sirenWho = h('div', {class: 'muted small', id: 'siren-who'});
  const sirenSound = h('div', {class: 'small', id: 'siren-sound'});
  const sirenError = h('div', {class: 'small error-text', role: 'alert'});
  const sirenButton = app.canManage
    ? h('button', {type: 'button', class: 'btn', id: 'siren-toggle', onclick: () => toggleSiren()}, 'Switch on')
    : null;

  const el = h('section', {'aria-label': 'Live'},
    h('div', {class: 'page-head'}, h('h1', {}, 'Live'), status),
    h('div', {class: 'kpis'}, Object.values(k).map((c) => c.el)),
    h('div', {class: 'live-grid'},
      h('div', {class: 'live-col'},
        h('div', {class: 'card area-floor'}, h('h2', {}, 'Floor plan'), floorBox, floorNote),
        h('div', {class: 'card area-zones'}, h('h2', {}, 'People per zone now'), zonesList)),
      h('div', {class: 'live-col'},
        h('div', {class: 'card area-alerts'}, alertsHead, alertsFlash, alertsNote, alertsList),
        h('div', {class: 'card area-queue'}, h('h2', {}, 'Checkout queue'), queueList),
        h('div', {class: 'card area-siren'}, h('h2', {}, 'Siren'),
          h('div', {class: 'siren-row'}, sirenState, sirenButton), sirenWho, sirenSound, sirenError,
          app.canManage ? null : h('p', {class: 'muted small'}, 'Only managers can switch the siren.')))));

  let floor = null;
  let lastSiren = null;
  const acking = new Set();

  function renderStatus() {
    const when = feed.state ? fmt.time(feed.state.summary.generated_at) : '';
    if (feed.error && !feed.state) {
      setChildren(status, h('span', {class: 'pulse pulse-err'}), `Cannot load live data: ${feed.error.message}`);
    } else if (feed.error) {
      setChildren(status, h('span', {class: 'pulse pulse-err'}), `Connection problem (${feed.error.message}); showing data from ${when}`);
    } else if (feed.mode === 'live') {
      setChildren(status, h('span', {class: 'pulse pulse-ok'}), `Live · updated ${when}`);
    } else if (feed.mode === 'polling') {
      setChildren(status, h('span', {class: 'pulse pulse-warn'}), `Live stream unavailable: refreshing every second · ${when}`);
    } else {
      setChildren(status, h('span', {class: 'pulse'}), 'Connecting…');
    }
    status.dataset.mode = feed.mode;
  }

  function renderKpis(s) {
    const day = weekdayName(addDays(s.day_start.slice(0, 10), -7));
    k.inside.value.textContent = fmtInt(s.occupancy.store);
    const counted = s.visitors.entries - s.visitors.exits;
    setChildren(k.inside.sub, s.occupancy.as_of ? `seen on the floor, ${fmt.time(s.occupancy.as_of)}` : 'nobody in view',
      counted !== s.occupancy.store ? h('div', {class: 'muted', id: 'kpi-inside-why'},
        `in − out at the door today: ${fmtInt(counted)} (staff, and anyone inside before counting began, are seen but not counted)`) : null);
    k.entries.value.textContent = fmtInt(s.visitors.entries);
    const provisional = s.visitors.provisional_units ? `, ${fmtInt(s.visitors.provisional_units)} of them still inside (provisional)` : '';
    setChildren(k.entries.sub, comparison(s.visitors.entries, s.visitors.last_week_entries, day),
      h('div', {id: 'kpi-units'}, `${fmtInt(s.visitors.units)} buying units${provisional}`));
    k.exits.value.textContent = fmtInt(s.visitors.exits);
    setChildren(k.exits.sub, comparison(s.visitors.exits, s.visitors.last_week_exits, day));
    k.passers.value.textContent = fmtInt(s.passers_by);
    setChildren(k.passers.sub, h('div', {}, comparison(s.passers_by, s.last_week_passers_by, day)),
      h('div', {}, s.capture_rate === null ? 'capture rate: no passers-by' : `capture rate ${fmtPct(s.capture_rate)}`));
    k.alerts.value.textContent = fmtInt(s.open_alerts);
    k.alerts.el.classList.toggle('kpi-alarm', s.open_alerts > 0);
    setChildren(k.alerts.sub, s.open_alerts ? 'need attention' : 'all clear');
  }

  function renderZones(s) {
    const counts = s.occupancy.zones || {};
    const names = Object.keys(counts);
    if (!names.length) { setChildren(zonesList, h('li', {class: 'muted'}, 'No zones in the store config.')); return; }
    const max = Math.max(1, ...Object.values(counts));
    const kinds = new Map(store.zones.map((z) => [z.name, z.kind]));
    setChildren(zonesList, names.map((name) => h('li', {dataset: {zone: name}},
      h('span', {class: 'zone-name'}, name.replace(/_/g, ' '), h('span', {class: 'zone-kind'}, (kinds.get(name) || '').replace(/_/g, ' '))),
      h('span', {class: 'bar'}, h('span', {class: 'bar-fill', style: {width: `${(100 * counts[name]) / max}%`}})),
      h('span', {class: 'zone-count'}, fmtInt(counts[name])))));
  }

  function renderQueues(s) {
    const queues = s.queues || [];
    if (!queues.length) { setChildren(queueList, h('li', {class: 'muted'}, 'No checkout queue zone in the store config.')); return; }
    setChildren(queueList, queues.map((q) => {
      const long = q.open_till_at > 0 && q.length >= q.open_till_at;
      const served = q.served_from === 'receipts' ? 'paid' : 'left the queue';
      const wait = q.wait_s === null ? 'no one served in the last 15 min'
        : `wait about ${fmtDuration(q.wait_s)} (last 15 min: ${fmtInt(q.served)} ${served})`;
      return h('li', {class: long ? 'queue queue-long' : 'queue', dataset: {zone: q.zone}},
        h('span', {class: 'zone-name'}, q.zone.replace(/_/g, ' ')),
        h('span', {class: 'queue-length'}, `${fmtInt(q.length)} in queue`),
        h('div', {class: 'muted small'}, wait),
        q.open_till_at > 0 ? h('div', {class: long ? 'small error-text' : 'muted small'},
          long ? `open a till: ${fmtInt(q.open_till_at)} or more waiting` : `alerts at ${fmtInt(q.open_till_at)} waiting`) : null);
    }));
  }

  function renderAlerts(state) {
    const s = state.summary, alerts = state.alerts || [];
    alertsHead.textContent = `Open alerts (${fmtInt(s.open_alerts)})`;
    setChildren(alertsNote, s.open_alerts > alerts.length
      ? h('p', {class: 'muted small'}, `Showing the newest ${alerts.length}.`) : null);
    if (!alerts.length) {
      setChildren(alertsList, h('li', {class: 'empty'}, 'No open alerts.'));
      return;
    }
    setChildren(alertsList, alerts.map((a) => h('li', {class: `alert alert-${a.kind}`, dataset: {alertId: String(a.id)}},
      h('div', {class: 'alert-main'},
        h('span', {class: 'badge badge-alert'}, a.kind),
        h('strong', {}, a.message || a.kind),
        h('div', {class: 'muted small'}, `${fmt.full(a.ts)} · zone ${a.zone} · camera ${a.camera_id}`)),
      app.canManage
        ? h('button', {type: 'button', class: 'btn btn-small ack-btn', disabled: acking.has(a.id),
          onclick: (e) => acknowledge(a, e.currentTarget)}, acking.has(a.id) ? 'Acknowledging…' : 'Acknowledge')
        : null)));
  }

  let flashTimer = 0;
  function flash(message) {
    setChildren(alertsFlash, message);
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => setChildren(alertsFlash), 8000);
  }

  async function acknowledge(alert, button) {
    acking.add(alert.id);
    button.disabled = true;
    button.textContent = 'Acknowledging…';
    try {
      await api(`/api/alerts/${alert.id}/ack`, {method: 'POST'});
      feed.hideAlert(alert.id);
      feed.patch((st) => {
        const before = st.alerts.length;
        st.alerts = st.alerts.filter((a) => a.id !== alert.id);
        if (st.alerts.length < before) st.summary.open_alerts = Math.max(0, st.summary.open_alerts - 1);
      });
      flash(h('p', {class: 'notice notice-info', role: 'status'}, `Acknowledged: ${alert.message || alert.kind}.`));
    } catch (err) {
      button.disabled = false;
      button.textContent = 'Acknowledge';
      flash(notice('error', `Cannot acknowledge: ${err.message}.`));
    } finally {
      acking.delete(alert.id);
    }
  }

  function renderSiren(s) {
    sirenState.textContent = s.siren ? 'ON' : 'OFF';
    sirenState.classList.toggle('on', s.siren);
    el.dataset.siren = s.siren ? 'on' : 'off';
    if (sirenButton) sirenButton.textContent = s.siren ? 'Switch off' : 'Switch on';
    const beeper = app.beeper;
    if (!s.siren) sirenSound.textContent = 'Alerts are silent.';
    else if (!s.open_alerts) sirenSound.textContent = 'Armed: beeps while an alert is open.';
    else if (beeper.audible) sirenSound.textContent = 'Beeping: an alert is open.';
    else sirenSound.textContent = 'An alert is open: click anywhere on the page to let this browser beep.';
    sirenSound.className = `small ${s.siren && s.open_alerts ? 'error-text' : 'muted'}`;
    sirenSound.dataset.beeping = String(beeper.active);
    if (lastSiren !== s.siren) { lastSiren = s.siren; loadSirenDetail(); }
  }

  async function loadSirenDetail() {
    try {
      const d = await api('/api/siren');
      sirenWho.textContent = d.changed_at ? `Switched ${d.on ? 'on' : 'off'} by ${d.changed_by} at ${fmt.full(d.changed_at)}` : 'Never switched on.';
    } catch (err) {
      sirenWho.textContent = '';
    }
  }

  async function toggleSiren() {
    const on = !(feed.state && feed.state.summary.siren);
    sirenButton.disabled = true;
    sirenError.textContent = '';
    app.beeper.unlock();
    try {
      const d = await api('/api/siren', {method: 'PUT', body: {on}});
      feed.patch((st) => { st.summary.siren = d.on; });
    } catch (err) {
      sirenError.textContent = `Cannot switch the siren: ${err.message}.`;
    } finally {
      sirenButton.disabled = false;
    }
  }

  function render() {
    renderStatus();
    const state = feed.state;
    if (!state) return;
    renderKpis(state.summary);
    renderZones(state.summary);
    renderQueues(state.summary);
    renderAlerts(state);
    renderSiren(state.summary);
    if (floor) {
      floor.setPositions(state.positions);
      const n = Number(floor.canvas.dataset.people);
      document.getElementById('people-count').textContent =
        state.positions.as_of ? `${n} in view · ${fmt.time(state.positions.as_of)}` : 'nobody in view';
    }
  }

  feed.addEventListener('update', render);
  app.beeper.addEventListener('change', () => feed.state && renderSiren(feed.state.summary));
  return {
    el,
    show() {
      if (!floor) {
        if (!store.outline && !store.floor_plan_image && !store.zones.length) {
          floorBox.append(notice('empty', 'The store config has no outline, plan image or zones to draw.'));
        } else {
          floor = new FloorView(floorBox, store);
        }
      }
      render();
    },
  };
}
