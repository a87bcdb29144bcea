// The floor plan on a <canvas>: outline, zones, counting lines (floor metres -> pixels), an
// optional plan image, and people as dots that glide between updates.

import {centroid, onWidthChange, pointInPolygon} from './util.js';

const ZONE_COLOURS = {
  entrance: '#16a34a', aisle: '#2563eb', checkout_queue: '#d97706', restricted: '#dc2626',
};
const DEFAULT_ZONE_COLOUR = '#7c3aed';
const CAMERA_COLOURS = ['#1d4ed8', '#c026d3', '#0891b2', '#ea580c', '#4d7c0f', '#be123c'];
const GLIDE_MS = 350;
const FOOTER_PX = 18;  // strip under the plan for the scale bar

export class FloorView {
  /**
   * @param {HTMLElement} container where the canvas goes (its width sets the size)
   * @param {object} store GET /api/store
   * @param {object} options maxHeight (px), showLabels
   */
  constructor(container, store, {maxHeight = 520, showLabels = true} = {}) {
    this.store = store;
    this.maxHeight = maxHeight;
    this.showLabels = showLabels;
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'floor-canvas';
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Floor plan with people on it');
    this.canvas.dataset.people = '0';
    container.append(this.canvas);
    this.image = null;
    this.people = new Map();  // key -> {x, y, fromX, fromY, camera, inside}
    this.glideStart = 0;
    this.frame = 0;
    this.cameraColour = new Map((store.cameras || []).map((c, i) => [c.id, CAMERA_COLOURS[i % CAMERA_COLOURS.length]]));
    this.bounds = this.computeBounds();
    this.stopResize = onWidthChange(container, (w) => this.resize(w));
    if (store.floor_plan_image && store.metres_per_pixel && store.origin_px) this.loadImage();
  }

  loadImage() {
    const img = new Image();
    img.onload = () => { this.image = img; this.bounds = this.computeBounds(); this.resize(this.canvas.parentElement.clientWidth); };
    img.onerror = () => { this.image = null; };
    img.src = '/api/floor-plan';
  }

  /** Whether floor y grows up the screen (a map); with a plan image, as the image says. */
  get yUp() {
    return !(this.image && this.store.flip_y === false);
  }

  /** Image pixel (u, v) -> floor metres. */
  imageToFloor(u, v) {
    const s = this.store, mpp = s.metres_per_pixel, [ox, oy] = s.origin_px;
    return [(u - ox) * mpp, (s.flip_y === false ? v - oy : oy - v) * mpp];
  }

  computeBounds() {
    const s = this.store, pts = [];
    if (s.outline) pts.push(...s.outline);
    for (const z of s.zones || []) pts.push(...z.polygon);
    for (const ln of s.lines || []) pts.push(ln.a, ln.b);
    if (this.image) {
      pts.push(this.imageToFloor(0, 0), this.imageToFloor(this.image.naturalWidth, this.image.naturalHeight));
    }
    if (!pts.length) pts.push([0, 0], [10, 10]);
    const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
    const pad = 0.04 * Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys), 1);
    return {x0: Math.min(...xs) - pad, x1: Math.max(...xs) + pad, y0: Math.min(...ys) - pad, y1: Math.max(...ys) + pad};
  }

  resize(width) {
    const b = this.bounds, w = b.x1 - b.x0, hM = b.y1 - b.y0;
    const maxH = Math.min(this.maxHeight, Math.max(220, window.innerHeight * 0.6));
    const scale = Math.min(width / w, (maxH - FOOTER_PX) / hM);
    const cssW = Math.floor(width), cssH = Math.ceil(hM * scale) + FOOTER_PX;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.style.height = `${cssH}px`;
    this.canvas.width = Math.round(cssW * dpr);
    this.canvas.height = Math.round(cssH * dpr);
    this.view = {scale, dpr, offX: (cssW - w * scale) / 2, cssW, cssH};
    this.draw();
  }

  /** Floor metres -> CSS pixels. */
  toPx(x, y) {
    const b = this.bounds, v = this.view;
    const py = this.yUp ? (b.y1 - y) * v.scale : (y - b.y0) * v.scale;
    return [v.offX + (x - b.x0) * v.scale, py];
  }

  /** New positions: the PositionsOut of the API ({cameras: {id: [{track_id, x_m, y_m}]}}). */
  setPositions(positions) {
    const next = new Map();
    const outline = this.store.outline;
    for (const [camera, points] of Object.entries((positions && positions.cameras) || {})) {
      for (const p of points) {
        const key = `${camera}/${p.track_id}`;
        const old = this.people.get(key);
        const cur = old ? this.current(old) : [p.x_m, p.y_m];
        next.set(key, {
          x: p.x_m, y: p.y_m, fromX: cur[0], fromY: cur[1], camera,
          inside: outline ? pointInPolygon(p.x_m, p.y_m, outline) : true,
        });
      }
    }
    this.people = next;
    this.canvas.dataset.people = String(next.size);
    this.glideStart = performance.now();
    this.animate();
  }

  current(p) {
    const t = Math.min(1, (performance.now() - this.glideStart) / GLIDE_MS);
    const e = t * (2 - t);
    return [p.fromX + (p.x - p.fromX) * e, p.fromY + (p.y - p.fromY) * e];
  }

  animate() {
    cancelAnimationFrame(this.frame);
    const step = () => {
      this.draw();
      if (performance.now() - this.glideStart < GLIDE_MS) this.frame = requestAnimationFrame(step);
    };
    this.frame = requestAnimationFrame(step);
  }

  polygon(ctx, points) {
    ctx.beginPath();
    points.forEach(([x, y], i) => {
      const [px, py] = this.toPx(x, y);
      if (i) ctx.lineTo(px, py); else ctx.moveTo(px, py);
    });
    ctx.closePath();
  }

  draw() {
    if (!this.view) return;
    const ctx = this.canvas.getContext('2d'), v = this.view, s = this.store;
    ctx.setTransform(v.dpr, 0, 0, v.dpr, 0, 0);
    ctx.clearRect(0, 0, v.cssW, v.cssH);
    ctx.fillStyle = '#f1f5f9';
    ctx.fillRect(0, 0, v.cssW, v.cssH);
    if (this.image) {
      const [x0, y0] = this.toPx(...this.imageToFloor(0, 0));
      const [x1, y1] = this.toPx(...this.imageToFloor(this.image.naturalWidth, this.image.naturalHeight));
      ctx.globalAlpha = 0.85;
      ctx.drawImage(this.image, Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
      ctx.globalAlpha = 1;
    }
    if (s.outline) {
      this.polygon(ctx, s.outline);
      ctx.fillStyle = this.image ? 'rgba(255,255,255,0.25)' : '#ffffff';
      ctx.fill();
      ctx.lineWidth = 3;
      ctx.strokeStyle = '#334155';
      ctx.stroke();
    }
    const labelSize = Math.max(12, Math.min(14, v.scale * 0.45));
    const labels = [];  // boxes of the labels drawn, so that none is drawn over another
    for (const z of s.zones || []) {
      const colour = ZONE_COLOURS[z.kind] || DEFAULT_ZONE_COLOUR;
      this.polygon(ctx, z.polygon);
      ctx.fillStyle = colour + '22';
      ctx.fill();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = colour;
      ctx.setLineDash(z.kind === 'restricted' ? [6, 4] : []);
      ctx.stroke();
      ctx.setLineDash([]);
      if (this.showLabels) this.label(ctx, z, colour, labelSize, labels);
    }
    this.canvas.dataset.labels = labels.map((b) => b.zone).join(' ');  // the zones named on the plan
    for (const ln of s.lines || []) {
      const [ax, ay] = this.toPx(...ln.a), [bx, by] = this.toPx(...ln.b);
      const passer = ln.kind === 'passerby';
      ctx.beginPath();
      ctx.moveTo(ax, ay);
      ctx.lineTo(bx, by);
      ctx.lineWidth = passer ? 2 : 4;
      ctx.strokeStyle = passer ? '#94a3b8' : '#16a34a';
      ctx.setLineDash(passer ? [5, 5] : []);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    this.drawScale(ctx);
    for (const p of this.people.values()) {
      const [x, y] = this.toPx(...this.current(p));
      const r = Math.max(4, Math.min(8, v.scale * 0.25));
      ctx.beginPath();
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.fillStyle = p.inside ? this.cameraColour.get(p.camera) || CAMERA_COLOURS[0] : '#ffffff';
      ctx.fill();
      ctx.lineWidth = 2;
      ctx.strokeStyle = p.inside ? '#ffffff' : '#64748b';
      ctx.stroke();
    }
  }

  /** The zone's name at its centre, at a readable size (12 px at least, also on a phone): across
   * the zone if it fits, else along a tall narrow zone, else on a white tag over the zone; left out
   * only where it would cover another label. ``placed`` collects the drawn labels' boxes. */
  label(ctx, zone, colour, size, placed) {
    const px = zone.polygon.map((p) => this.toPx(...p));
    const width = Math.max(...px.map((p) => p[0])) - Math.min(...px.map((p) => p[0]));
    const height = Math.max(...px.map((p) => p[1])) - Math.min(...px.map((p) => p[1]));
    const text = zone.name.replace(/_/g, ' ');
    const [cx, cy] = this.toPx(...centroid(zone.polygon));
    const free = (box) => !placed.some((o) => box.x0 < o.x1 && o.x0 < box.x1 && box.y0 < o.y1 && o.y0 < box.y1);
    ctx.save();
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (const s of [size, 12]) {
      ctx.font = `600 ${s}px system-ui, sans-serif`;
      const w = ctx.measureText(text).width;
      const across = w <= width - 4 && s <= height - 2;
      const along = !across && w <= height - 4 && s <= width - 2 && height >= 1.5 * width;  // tall and narrow
      const box = across ? {zone: zone.name, x0: cx - w / 2, x1: cx + w / 2, y0: cy - s / 2, y1: cy + s / 2}
        : {zone: zone.name, x0: cx - s / 2, x1: cx + s / 2, y0: cy - w / 2, y1: cy + w / 2};
      if ((across || along) && free(box)) {
        ctx.fillStyle = colour;
        ctx.translate(cx, cy);
        if (along) ctx.rotate(-Math.PI / 2);
        ctx.fillText(text, 0, 0);
        ctx.restore();
        placed.push(box);
        return;
      }
    }
    const s = 12;  // too small a zone for its name: a tag, which may reach past the zone's edges
    ctx.font = `600 ${s}px system-ui, sans-serif`;
    const w = ctx.measureText(text).width + 8, hTag = s + 6;
    const x0 = Math.max(2, Math.min(this.view.cssW - w - 2, cx - w / 2));
    const box = {zone: zone.name, x0, x1: x0 + w, y0: cy - hTag / 2, y1: cy + hTag / 2};
    if (free(box)) {
      ctx.fillStyle = 'rgba(255,255,255,0.9)';
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1;
      ctx.beginPath();
      if (ctx.roundRect) ctx.roundRect(box.x0, box.y0, w, hTag, 4); else ctx.rect(box.x0, box.y0, w, hTag);
      ctx.fill();
      ctx.stroke();
      ctx.fillStyle = colour;
      ctx.fillText(text, box.x0 + w / 2, cy + 0.5);
      placed.push(box);
    }
    ctx.restore();
  }

  drawScale(ctx) {
    const v = this.view;
    const target = 90 / v.scale;  // metres in ~90 px
    const steps = [0.5, 1, 2, 5, 10, 20, 50, 100];
    const m = steps.find((s) => s >= target * 0.6) || steps[steps.length - 1];
    const len = m * v.scale, x = v.cssW - len - 10, y = v.cssH - 4;
    ctx.strokeStyle = '#475569';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x, y - 5); ctx.lineTo(x, y); ctx.lineTo(x + len, y); ctx.lineTo(x + len, y - 5);
    ctx.stroke();
    ctx.fillStyle = '#475569';
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'right';
    ctx.textBaseline = 'bottom';
    ctx.fillText(`${m} m`, x - 6, y + 2);
  }

  destroy() {
    cancelAnimationFrame(this.frame);
    this.stopResize();
    this.canvas.remove();
  }
}
