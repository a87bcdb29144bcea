// The live state (summary, open alerts, positions): pushed by the server-sent event stream
// /api/live, with polling every second as the fallback while the stream is down.

import {api} from './api.js';
import {addDays} from './util.js';

const POLL_MS = 1000;
const SSE_OPEN_TIMEOUT_MS = 3000;  // stream not open by then: poll meanwhile
const SSE_RETRY_MS = 5000;         // after the browser gave up on the stream
const POLL_ALERT_DAYS = 30;        // polled alerts: the open ones of the last month

export class LiveFeed extends EventTarget {
  constructor() {
    super();
    this.state = null;       // {summary, alerts, positions}
    this.mode = 'connecting'; // 'live' (stream), 'polling', 'connecting'
    this.updatedAt = 0;
    this.error = null;
    this.es = null;
    this.pollTimer = 0;
    this.watchdog = 0;
    this.hidden = new Map();  // alert id -> until (ms): acknowledged here, maybe not yet in a pushed state
  }

  start() {
    this.connect();
    this.pollOnce();  // first paint without waiting for the stream
  }

  connect() {
    if (!window.EventSource) { this.startPolling(); return; }
    const es = new EventSource('/api/live');
    this.es = es;
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => { if (es.readyState !== EventSource.OPEN) this.startPolling(); }, SSE_OPEN_TIMEOUT_MS);
    es.addEventListener('live', (event) => {
      try {
        this.set(JSON.parse(event.data), 'live');
        this.stopPolling();
      } catch (err) {
        console.error('bad live event', err);
      }
    });
    es.addEventListener('error', () => {
      this.startPolling();
      if (es.readyState === EventSource.CLOSED) {  // refused (e.g. 401): the browser will not retry
        es.close();
        setTimeout(() => { if (this.es === es) this.connect(); }, SSE_RETRY_MS);
      }
    });
  }

  startPolling() {
    if (this.pollTimer) return;
    this.mode = 'polling';
    this.emit();
    this.pollTimer = setInterval(() => this.pollOnce(), POLL_MS);
  }

  stopPolling() {
    clearInterval(this.pollTimer);
    this.pollTimer = 0;
  }

  /** Read the live state with three plain requests (the polling fallback, and a forced refresh). */
  async pollOnce() {
    try {
      const today = this.state ? this.state.summary.day_start.slice(0, 10) : null;
      const [summary, positions, alerts] = await Promise.all([
        api('/api/summary'),
        api('/api/positions/live'),
        api('/api/alerts', {params: {state: 'open', limit: 5, from: today ? addDays(today, -POLL_ALERT_DAYS) : null}}),
      ]);
      if (this.state && this.mode === 'live') return;  // the stream answered first: it is as new or newer
      this.set({summary, positions, alerts}, this.pollTimer ? 'polling' : this.mode);
    } catch (err) {
      this.error = err;
      this.emit();
    }
  }

  set(state, mode) {
    const now = Date.now();
    for (const [id, until] of this.hidden) if (until < now) this.hidden.delete(id);
    if (this.hidden.size && state.alerts) state.alerts = state.alerts.filter((a) => !this.hidden.has(a.id));
    this.state = state;
    this.mode = mode;
    this.error = null;
    this.updatedAt = Date.now();
    this.emit();
  }

  /** Leave an alert out of states computed before its acknowledgement reached the server. */
  hideAlert(id, forMs = 5000) {
    this.hidden.set(id, Date.now() + forMs);
  }

  /** Change the state locally until the server's next push (e.g. an alert just acknowledged). */
  patch(fn) {
    if (!this.state) return;
    fn(this.state);
    this.emit();
  }

  emit() {
    this.dispatchEvent(new Event('update'));
  }
}
