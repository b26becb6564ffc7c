// runtime.js: the page's entry point. It finds every widget the generator mounted, loads each
// module only when its widget comes near the viewport, and runs all widgets from one
// requestAnimationFrame loop with a shared per-frame budget for training steps, so a page with
// several widgets stays smooth. Widgets off-screen take no steps; a page with nothing playing
// runs no loop at all. It also follows the colour scheme, reduced motion, and links that change
// the hash while the page is open.
import { Widget } from './widget.js';
import { readTheme } from './render.js';

// Milliseconds of training per frame, shared by the widgets that are playing: 60 frames per
// second leave 16.7 ms, and drawing and the browser need the rest.
const STEP_BUDGET_MS = 6;
// A replay (a link's step, a drag on the timeline) with nothing else stepping on the page may take
// more: nothing moves but the replay, and it should land soon.
const REPLAY_BUDGET_MS = 8;
// What a frame may take in all, steps and drawing: the step budget gives way to drawing that
// costs more than the rest (measured, a running average over frames).
const FRAME_WORK_MS = 12;
// Under reduced motion a playing widget is redrawn a few times a second, not every frame.
const REDUCED_REDRAW_MS = 400;

const reduced = matchMedia('(prefers-reduced-motion: reduce)');
const darkQuery = matchMedia('(prefers-color-scheme: dark)');

const runtime = {
  widgets: [],
  frame: 0,
  last: 0,
  theme: null,
  lastDraw: new Map(),
  drawMs: 0,   // what drawing has cost a frame lately
  // Ask for a frame: called whenever a widget has something to do or to draw.
  wake() {
    if (!this.frame) this.frame = requestAnimationFrame((t) => this.loop(t));
  },
  loop(now) {
    this.frame = 0;
    const dt = this.last ? now - this.last : 16.7;
    this.last = now;
    const active = this.widgets.filter((w) => w.active);
    // Widgets whose run lives in a Web Worker take no time here: only the others share the budget.
    const local = active.filter((w) => !w.inst.remote);
    const alone = local.length === 1 && !local[0].running;
    const share = Math.min(alone ? REPLAY_BUDGET_MS : STEP_BUDGET_MS, FRAME_WORK_MS - this.drawMs);
    const budget = Math.max(1, share) / Math.max(1, local.length);
    // A widget on the page steps before drawing; a worker's tick is only posted, and is posted
    // after drawing (below), so on a busy machine the worker's burst of steps does not take the
    // core the page is drawing on. The page draws the worker's latest picture either way.
    for (const w of local) w.tick(dt, budget);
    this.theme ||= readTheme(document.body);
    const t0 = performance.now();
    let drawn = 0;
    for (const w of this.widgets) {
      if (!w.dirty || !w.inst || !w.visible) continue;
      if (reduced.matches && w.running) {
        const t = this.lastDraw.get(w) || 0;
        if (now - t < REDUCED_REDRAW_MS) continue;
      }
      this.lastDraw.set(w, now);
      w.draw(this.theme);
      drawn++;
    }
    if (drawn) this.drawMs = 0.8 * this.drawMs + 0.2 * (performance.now() - t0);
    if (this.widgets.some((w) => w.active || (w.dirty && w.inst && w.visible))) this.wake();
    else this.last = 0;
    for (const w of active) if (w.inst.remote) w.tick(dt, budget);
  },
  redrawAll() {
    this.theme = null;
    for (const w of this.widgets) w.dirty = true;
    this.wake();
  },
};

function init() {
  const figs = [...document.querySelectorAll('figure.widget[data-widget]')];
  for (const fig of figs) {
    try {
      runtime.widgets.push(new Widget(fig, runtime));
    } catch (e) {
      const body = fig.querySelector('.widget-body');
      if (body) body.textContent = `This widget could not be set up: ${e.message}`;
    }
  }
  // Load a module when its widget is within a screen of the viewport; step only while visible.
  const near = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      const w = runtime.widgets.find((x) => x.fig === e.target);
      if (w) { w.load(); near.unobserve(e.target); }
    }
  }, { rootMargin: '100% 0px' });
  const seen = new IntersectionObserver((entries) => {
    for (const e of entries) {
      const w = runtime.widgets.find((x) => x.fig === e.target);
      if (!w) continue;
      w.visible = e.isIntersecting;
      if (w.visible) { w.dirty = true; runtime.wake(); }
    }
  });
  // Canvases follow their boxes: redraw at the new size (and device pixel ratio).
  const sized = new ResizeObserver((entries) => {
    for (const e of entries) {
      const w = runtime.widgets.find((x) => x.panelsEl === e.target);
      if (w) w.dirty = true;
    }
    runtime.wake();
  });
  for (const w of runtime.widgets) {
    near.observe(w.fig);
    seen.observe(w.fig);
    sized.observe(w.panelsEl);
  }
  darkQuery.addEventListener('change', () => runtime.redrawAll());
  // The reader's theme switch (web/theme.js) changes the colours book.css gives the canvases.
  document.addEventListener('mlm-themechange', () => runtime.redrawAll());
  // A link followed within the page (or a hash edited by hand) sets the widgets it names.
  addEventListener('hashchange', () => {
    // Only widgets the new hash speaks of change: a jump to a heading leaves every run alone.
    for (const w of runtime.widgets) if (w.hashDiffers(location.hash)) w.applyHash(location.hash, true);
    runtime.wake();
  });
  matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`).addEventListener?.('change', () => runtime.redrawAll());
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else init();
