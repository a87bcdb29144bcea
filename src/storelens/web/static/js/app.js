// The dashboard: one page with a nav; each view is a module in pages/, shown by the URL hash.

import {api, ApiError} from './api.js';
import {Beeper} from './beeper.js';
import {LiveFeed} from './livefeed.js';
import {notice, setChildren, timeFormats} from './util.js';
import {createLivePage} from './pages/live.js';
import {createHeatmapPage} from './pages/heatmap.js';
import {createTrafficPage} from './pages/traffic.js';
import {createZonesPage} from './pages/zones.js';
import {createCamerasPage} from './pages/cameras.js';
import {createReportsPage} from './pages/reports.js';
import {createConversionPage} from './pages/conversion.js';

const PAGES = {
  live: {title: 'Live', create: createLivePage},
  heatmap: {title: 'Heatmap', create: createHeatmapPage},
  traffic: {title: 'Traffic', create: createTrafficPage},
  zones: {title: 'Zones', create: createZonesPage},
  conversion: {title: 'Conversion', create: createConversionPage},
  reports: {title: 'Reports', create: createReportsPage},
  cameras: {title: 'Cameras', create: createCamerasPage},
};
const MANAGER_ROLES = new Set(['manager', 'admin']);

/** What every page shares: who is logged in, the store, "today", the report range, the live feed. */
class App extends EventTarget {
  constructor(me, store, summary) {
    super();
    this.me = me;
    this.store = store;
    this.canManage = MANAGER_ROLES.has(me.role);
    this.today = summary.day_start.slice(0, 10);  // the store's local date
    this.range = {from: this.today, to: this.today};
    this.fmt = timeFormats(store.timezone);
    this.feed = new LiveFeed();
    this.beeper = new Beeper();
  }

  setRange(range) {
    if (range.from === this.range.from && range.to === this.range.to) return;
    this.range = {...range};
    this.dispatchEvent(new Event('range'));
  }
}

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const navToggle = document.getElementById('nav-toggle');
const views = new Map();
let shown = null;

function route(app) {
  const name = location.hash.replace(/^#/, '').split('?')[0] || 'live';
  const key = PAGES[name] ? name : 'live';
  if (!views.has(key)) {
    const page = PAGES[key].create(app);
    page.el.classList.add('page');
    page.el.id = `page-${key}`;
    main.append(page.el);
    views.set(key, page);
  }
  if (shown && shown !== views.get(key)) { shown.el.hidden = true; shown.hide?.(); }
  shown = views.get(key);
  shown.el.hidden = false;
  shown.show?.();
  document.title = `${PAGES[key].title} · ${app.store.name} · storelens`;
  for (const a of nav.querySelectorAll('a[data-page]')) {
    if (a.dataset.page === key) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  nav.classList.remove('open');
  navToggle.setAttribute('aria-expanded', 'false');
}

function watchAlarm(app) {
  const pill = document.getElementById('alarm');
  const liveLink = nav.querySelector('a[data-page=live]');
  const update = () => {
    const s = app.feed.state && app.feed.state.summary;
    const open = s ? s.open_alerts : 0;
    liveLink.dataset.badge = open ? String(open) : '';
    app.beeper.setActive(Boolean(s && s.siren && open > 0));
    pill.hidden = !(s && open > 0);
    pill.textContent = s ? `${open} open alert${open === 1 ? '' : 's'}${s.siren ? ' · siren on' : ''}` : '';
    pill.classList.toggle('sounding', Boolean(s && s.siren && open > 0));
  };
  app.feed.addEventListener('update', update);
}

async function boot() {
  let me, store, summary;
  try {
    [me, store, summary] = await Promise.all([api('/api/me'), api('/api/store'), api('/api/summary')]);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;  // on the way to the login page
    setChildren(main, notice('error', `Cannot load the dashboard: ${err.message}.`));
    return;
  }
  const app = new App(me, store, summary);
  document.getElementById('store-name').textContent = store.name;
  document.getElementById('user-name').textContent = me.user;
  document.getElementById('user-role').textContent = me.role;
  document.body.dataset.role = me.role;
  document.getElementById('boot').remove();
  navToggle.addEventListener('click', () => {
    const open = nav.classList.toggle('open');
    navToggle.setAttribute('aria-expanded', String(open));
  });
  document.getElementById('logout').addEventListener('click', async () => {
    try { await api('/api/logout', {method: 'POST'}); } catch { /* gone anyway */ }
    location.assign('/login.html');
  });
  watchAlarm(app);
  app.feed.start();
  window.addEventListener('hashchange', () => route(app));
  route(app);
  window.storelens = app;  // for the browser console (and tests)
}

boot();
