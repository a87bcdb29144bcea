// Small DOM, date and number helpers shared by every page (no dependencies).

/** Create an element: h('div', {class: 'x', onclick: fn}, child, 'text', [more children]). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'style' && typeof value === 'object') Object.assign(el.style, value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace all children of el. */
export function setChildren(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A message box: kind is 'info', 'empty', 'warn', 'error' or 'loading'. */
export function notice(kind, text) {
  return h('p', {class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status'}, text);
}

export const fmtInt = (n) => (n === null || n === undefined ? '–' : Math.round(n).toLocaleString('en-GB'));
export const fmtPct = (r, digits = 0) => (r === null || r === undefined ? '–' : `${(100 * r).toFixed(digits)}%`);

/** Seconds as "45 s", "3 min 20 s", "1 h 05 min" (compact: "45s", "3m 20s", "1h 05m"). */
export function fmtDuration(s, compact = false) {
  if (s === null || s === undefined || !Number.isFinite(s)) return '–';
  const [sec, min, hr] = compact ? ['s', 'm', 'h'] : [' s', ' min', ' h'];
  if (s === 0) return `0${sec}`;
  if (s < 9.95) return `${s.toFixed(1)}${sec}`;
  const whole = Math.round(s);
  if (whole < 60) return `${whole}${sec}`;
  if (whole < 3600) {
    const m = Math.floor(whole / 60), r = whole % 60;
    return r ? `${m}${min} ${r}${sec}` : `${m}${min}`;
  }
  const minutes = Math.round(s / 60);
  return `${Math.floor(minutes / 60)}${hr} ${String(minutes % 60).padStart(2, '0')}${min}`;
}

/** Formatters of times on the store's clock (its IANA zone), made once per zone. */
export function timeFormats(timeZone) {
  const make = (opts) => {
    try { return new Intl.DateTimeFormat('en-GB', {timeZone, ...opts}); }
    catch { return new Intl.DateTimeFormat('en-GB', opts); }  // unknown zone: browser's own
  };
  const time = make({hour: '2-digit', minute: '2-digit', second: '2-digit'});
  const hm = make({hour: '2-digit', minute: '2-digit'});
  const day = make({weekday: 'short', day: 'numeric', month: 'short'});
  const short = make({weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit'});
  const full = make({weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit'});
  const f = (fmt) => (iso) => (iso ? fmt.format(new Date(iso)) : '–');
  return {time: f(time), hm: f(hm), day: f(day), short: f(short), full: f(full)};
}

// ---- calendar dates as 'YYYY-MM-DD' strings (no time zone involved)

export function addDays(isoDate, n) {
  const [y, m, d] = isoDate.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return t.toISOString().slice(0, 10);
}

export function daysBetween(a, b) {
  const ms = (s) => Date.UTC(...s.split('-').map((v, i) => Number(v) - (i === 1 ? 1 : 0)));
  return Math.round((ms(b) - ms(a)) / 86400000);
}

export function weekdayName(isoDate) {
  const [y, m, d] = isoDate.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-GB', {weekday: 'long', timeZone: 'UTC'});
}

// ---- geometry in floor metres

export function pointInPolygon(x, y, polygon) {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i], [xj, yj] = polygon[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export function polygonArea(polygon) {
  let a = 0;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    a += polygon[j][0] * polygon[i][1] - polygon[i][0] * polygon[j][1];
  }
  return Math.abs(a) / 2;
}

export function centroid(polygon) {
  const n = polygon.length;
  return [polygon.reduce((s, p) => s + p[0], 0) / n, polygon.reduce((s, p) => s + p[1], 0) / n];
}

/** Call fn(width) now and whenever el's width changes (debounced to one call per frame). */
export function onWidthChange(el, fn) {
  let last = -1, frame = 0;
  const observer = new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      const w = el.clientWidth;
      if (w !== last && w > 0) { last = w; fn(w); }
    });
  });
  observer.observe(el);
  return () => observer.disconnect();
}
