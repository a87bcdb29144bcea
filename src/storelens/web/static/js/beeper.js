// An audible alarm with WebAudio: a short beep every second while active.
// Browsers only start audio after a user gesture, so the context is made (or resumed) on the
// first click or key press; until then `audible` is false and the page says so.

export class Beeper extends EventTarget {
  constructor({frequency = 880, beepS = 0.25, everyS = 1.0} = {}) {
    super();
    this.frequency = frequency;
    this.beepS = beepS;
    this.everyS = everyS;
    this.ctx = null;
    this.active = false;
    this.timer = 0;
    this.beeps = 0;
    const unlock = () => this.unlock();
    for (const type of ['pointerdown', 'keydown']) document.addEventListener(type, unlock, {capture: true});
  }

  get audible() {
    return Boolean(this.ctx && this.ctx.state === 'running');
  }

  unlock() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    if (!this.ctx) {
      try { this.ctx = new Ctx(); } catch { return; }
      this.ctx.addEventListener('statechange', () => this.dispatchEvent(new Event('change')));
    }
    if (this.ctx.state === 'suspended') this.ctx.resume().catch(() => {});
  }

  setActive(on) {
    on = Boolean(on);
    if (on === this.active) return;
    this.active = on;
    clearInterval(this.timer);
    this.timer = 0;
    if (on) {
      this.beep();
      this.timer = setInterval(() => this.beep(), this.everyS * 1000);
    }
    this.dispatchEvent(new Event('change'));
  }

  beep() {
    if (!this.audible) return;
    const t = this.ctx.currentTime;
    const osc = this.ctx.createOscillator();
    const gain = this.ctx.createGain();
    osc.type = 'square';
    osc.frequency.value = this.frequency;
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.15, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + this.beepS);
    osc.connect(gain).connect(this.ctx.destination);
    osc.start(t);
    osc.stop(t + this.beepS + 0.02);
    this.beeps += 1;
  }
}
