// widget.js: one live widget, built entirely from its module's declaration (the JSON manifest
// the generator put in the page): the panels, the controls, the player (play / pause / step /
// reset / speed), the timeline, the status line and the URL state. Nothing here knows a module;
// a new chapter's widget works without a line of new JavaScript.
//
// DOM contract (tests/browser/harness.mjs relies on it): figure.widget[data-widget][data-id]
// [data-status = loading | paused | running | converged | diverged | finished]; every parameter control is a
// labelled form element named after its parameter; the seed control is named "seed"; the step
// count is in [data-role="step"]; buttons are named Play (or Play again) / Pause, Step, Reset.
import { openRun } from './remote.js';
import { linkCap } from './run.js';
import { drawPanel, readTheme } from './render.js';
import { SEED_MAX, clampParam, decodeSeed, formatReadout, formatValue, logPosition, logValue, parseHash, parseNumber,
  readWidgetState, statePairs, writeWidgetState } from './state.js';

const SPEEDS = [0.25, 0.5, 1, 2, 4, 16, 64];
const DEFAULT_SEED = 1;

let uid = 0;

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c) e.append(c);
  return e;
}

export class Widget {
  constructor(fig, runtime) {
    this.fig = fig;
    this.rt = runtime;
    this.id = fig.dataset.id;
    this.manifest = JSON.parse(fig.querySelector('script.widget-manifest').textContent);
    this.params = this.manifest.params;
    this.values = this.params.map((p) => p.def);
    this.seed = DEFAULT_SEED;
    this.inst = null;       // the run (web/run.js), once the module is loaded
    this.visible = false;
    this.dirty = true;
    this.speedIndex = SPEEDS.indexOf(1);
    this.caches = this.manifest.panels.map(() => ({}));
    this.notices = [];
    this.build();
    this.applyHash(location.hash, false);
  }

  // ---- construction ----

  build() {
    const m = this.manifest;
    const body = this.fig.querySelector('.widget-body') || this.fig.appendChild(el('div', { class: 'widget-body' }));
    body.replaceChildren();
    const base = `${this.fig.id || 'w'}-${++uid}`;

    this.panelsEl = el('div', { class: 'widget-panels' });
    const h = parseInt(this.fig.dataset.height, 10);
    if (h > 0) this.panelsEl.style.setProperty('--panel-height', `${h}px`);
    this.panelEls = m.panels.map((p, i) => {
      const canvas = el('canvas', { role: 'img', 'aria-label': this.describePanel(i) });
      const cell = el('div', { class: 'widget-panel' + (p.flags.includes('wide') ? ' wide' : ''), 'data-panel': p.name }, canvas);
      if (p.click) this.bindPointer(i, canvas, p.click);
      if (p.flags.includes('pointer')) this.bindModulePointer(i, canvas);
      return { cell, canvas, geom: null };
    });
    this.panelsEl.append(...this.panelEls.map((p) => p.cell));

    // Player: buttons, speed, step readout, timeline.
    this.playBtn = el('button', { type: 'button', class: 'btn btn-play', text: 'Play' });
    this.stepBtn = el('button', { type: 'button', class: 'btn', text: 'Step', title: 'Take one training step (→)' });
    this.resetBtn = el('button', { type: 'button', class: 'btn', text: 'Reset', title: 'Start again from step 0 with the same settings and seed' });
    this.speedSel = el('select', { name: '_speed', id: `${base}-speed` });
    for (const [k, s] of SPEEDS.entries()) {
      const per = m.speed * s;
      this.speedSel.append(el('option', { value: String(k), text: `${per >= 10 ? Math.round(per) : formatValue(Number(per.toPrecision(2)))} steps/s` }));
    }
    this.speedSel.value = String(this.speedIndex);
    this.stepOut = el('span', { class: 'widget-step', 'data-role': 'step', 'aria-live': 'off', text: 'Step 0' });
    this.timeSlider = el('input', { type: 'range', name: '_t', min: 0, max: 0, step: 1, value: 0, class: 'widget-timeline',
      'aria-label': 'Timeline: drag back to see earlier steps' });
    const player = el('div', { class: 'widget-player', role: 'group', 'aria-label': 'Player' },
      this.playBtn, this.stepBtn, this.resetBtn,
      el('label', { class: 'widget-speed', for: `${base}-speed` }, el('span', { text: 'Speed' }), this.speedSel),
      this.stepOut, this.timeSlider);

    this.statusText = el('span', { class: 'widget-status-text', text: 'Loading the engine…' });
    this.readouts = el('span', { class: 'widget-readouts' });
    const status = el('p', { class: 'widget-status', role: 'status', 'aria-live': 'polite' }, this.statusText, this.readouts);
    this.noticeEl = el('p', { class: 'widget-notice', hidden: true });

    // Controls for the parameters the chapter shows, then the seed.
    this.controls = this.params.map((p, i) => (p.show === false ? null : this.buildControl(p, i, base)));
    // In the order the chapter's `controls` line lists them (declaration order otherwise).
    const ordered = this.controls.filter(Boolean).sort((a, b) => (a.p.order || 0) - (b.p.order || 0) || a.i - b.i);
    const grid = el('div', { class: 'widget-controls' }, ...ordered.map((c) => c.row));
    this.seedInput = el('input', { type: 'number', name: 'seed', id: `${base}-seed`, min: 0, max: SEED_MAX, step: 1,
      inputmode: 'numeric', value: this.seed });
    this.seedBtn = el('button', { type: 'button', class: 'btn btn-small', text: 'New seed', title: 'Draw a new random seed and start again' });
    const random = m.random !== false;
    const seedRow = el('div', { class: 'control control-seed' },
      el('label', { for: `${base}-seed`, text: random ? 'Seed' : 'Seed (unused: this run has no randomness)',
        title: random ? 'Every random choice of the run comes from this number: the same seed gives the same run'
          : 'Nothing in this run is random: the same settings always give the same run' }),
      this.seedInput, this.seedBtn);
    if (!random) this.seedInput.disabled = this.seedBtn.disabled = true;
    grid.append(seedRow);

    body.append(this.panelsEl, player, status, this.noticeEl, grid);
    this.bindEvents();
  }

  buildControl(p, i, base) {
    const id = `${base}-${p.name}`;
    const label = el('label', { for: id, text: p.label, title: p.help });
    const help = el('span', { class: 'visually-hidden', id: `${id}-help`, text: p.help });
    let input, range = null, out = null;
    if (p.kind === 'choice') {
      input = el('select', { name: p.name, id, 'aria-describedby': `${id}-help` });
      for (const [key, text] of p.choices) input.append(el('option', { value: key, text }));
    } else if (p.kind === 'bool') {
      input = el('input', { type: 'checkbox', name: p.name, id, 'aria-describedby': `${id}-help` });
    } else if (p.log) {
      // A log-scale slider cannot hold the value itself; it moves a number box that does.
      range = el('input', { type: 'range', min: 0, max: 1000, step: 1, 'aria-label': `${p.label} (logarithmic slider)` });
      input = el('input', { type: 'number', name: p.name, id, min: p.min, max: p.max, step: 'any', inputmode: 'decimal',
        'aria-describedby': `${id}-help` });
    } else {
      input = el('input', { type: 'range', name: p.name, id, min: p.min, max: p.max,
        step: p.step > 0 ? p.step : p.kind === 'int' ? 1 : 'any', 'aria-describedby': `${id}-help` });
      out = el('output', { for: id });
    }
    const row = el('div', { class: `control control-${p.kind}${p.log ? ' control-log' : ''}` }, label, range, input, out, help);
    const c = { p, i, row, input, range, out };

    const commit = (raw, final) => {
      const v = Number.isFinite(raw) ? this.setParam(i, raw) : NaN;
      if (!Number.isFinite(v)) {
        this.notify([`“${p.label}” needs a number from ${formatValue(p.min)} to ${formatValue(p.max)}; it was left at ${formatValue(this.values[i])}.`]);
      }
      this.showControl(c, final || !Number.isFinite(v));
    };
    if (p.kind === 'choice') input.addEventListener('change', () => commit(p.choices.findIndex(([k]) => k === input.value), true));
    else if (p.kind === 'bool') input.addEventListener('change', () => commit(input.checked ? 1 : 0, true));
    else if (range) {
      range.addEventListener('input', () => commit(logValue(p, Number(range.value)), false));
      input.addEventListener('change', () => commit(parseNumber(input.value), true));
    } else {
      input.addEventListener('input', () => commit(Number(input.value), false));
      input.addEventListener('change', () => commit(Number(input.value), true));
    }
    return c;
  }

  // Bring control c in line with the stored value (`full`: rewrite the typed text too).
  showControl(c, full = true) {
    const v = this.values[c.i];
    const { p, input, range, out } = c;
    if (p.kind === 'choice') input.value = p.choices[v] ? p.choices[v][0] : '';
    else if (p.kind === 'bool') input.checked = v !== 0;
    else if (range) {
      range.value = String(logPosition(p, v));
      if (full || document.activeElement !== input) input.value = formatValue(v);
    } else {
      input.value = String(v);
      out.textContent = formatReadout(v, p.kind === 'int');
    }
  }

  describePanel(i) {
    const p = this.manifest.panels[i];
    const kinds = this.manifest.views.filter((v) => v.panel === i).map((v) => v.label).filter(Boolean);
    const axes = p.flags.includes('noaxes') ? '' : `: ${p.xlabel || 'x'} against ${p.ylabel || 'y'}`;
    return `${p.title || p.name}${axes}${kinds.length ? `, showing ${kinds.join(', ')}` : ''}` +
      (p.click ? '. Click or drag to choose the starting point; arrow keys move it.' : '') +
      (p.flags.includes('pointer') ? '. Press, drag or draw here with a mouse, pen or finger.' : '');
  }

  bindEvents() {
    this.playBtn.addEventListener('click', () => this.toggle());
    this.stepBtn.addEventListener('click', () => this.stepOnce());
    this.resetBtn.addEventListener('click', () => { this.restart(false); this.saveHash(); });
    this.speedSel.addEventListener('change', () => {
      const k = parseInt(this.speedSel.value, 10);
      this.speedIndex = k >= 0 && k < SPEEDS.length ? k : SPEEDS.indexOf(1);
    });
    this.timeSlider.addEventListener('input', () => this.seek(parseInt(this.timeSlider.value, 10) || 0));
    this.timeSlider.addEventListener('change', () => this.saveHash());
    this.seedInput.addEventListener('change', () => {
      const r = decodeSeed(this.seedInput.value);
      if (r.refused) {
        this.notify([`The seed must be a whole number from 0 to ${SEED_MAX}; it was left at ${this.seed}.`]);
        this.seedInput.value = String(this.seed);
        return;
      }
      this.seed = r.value;
      this.seedInput.value = String(r.value);
      this.restart(this.running);
      this.saveHash();
    });
    this.seedBtn.addEventListener('click', () => {
      this.seed = Math.floor(Math.random() * 1e6);
      this.seedInput.value = String(this.seed);
      this.restart(this.running);
      this.saveHash();
    });
    // Keys for the whole widget when focus is on a canvas or a button: space plays or pauses,
    // the right arrow steps, r resets.
    this.fig.addEventListener('keydown', (e) => {
      const t = e.target;
      if (e.altKey || e.ctrlKey || e.metaKey || !(t instanceof HTMLCanvasElement)) return;
      if (e.key === ' ' || e.key === 'k') { this.toggle(); e.preventDefault(); }
      else if (e.key === '.' ) { this.stepOnce(); e.preventDefault(); }
      else if (e.key === 'r') { this.restart(false); this.saveHash(); e.preventDefault(); }
    });
  }

  // Pointer input in data coordinates: a click or drag sets the two parameters the panel names.
  bindPointer(i, canvas, click) {
    const [nx, ny] = click.split(',').map((s) => this.params.findIndex((p) => p.name === s.trim()));
    if (nx < 0 || ny < 0) return;
    canvas.tabIndex = 0;
    canvas.classList.add('clickable');
    let dragging = false;
    const place = (e) => {
      const g = this.panelEls[i].geom;
      if (!g) return;
      const r = canvas.getBoundingClientRect();
      const px = e.clientX - r.left, py = e.clientY - r.top;
      if (!dragging && !g.inside(px, py)) return;
      const [x, y] = g.toData(px, py);
      this.setPoint(nx, ny, x, y);
    };
    canvas.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      const g = this.panelEls[i].geom;
      const r = canvas.getBoundingClientRect();
      if (!g || !g.inside(e.clientX - r.left, e.clientY - r.top)) return;
      dragging = true;
      canvas.setPointerCapture(e.pointerId);
      place(e);
      e.preventDefault();
    });
    canvas.addEventListener('pointermove', (e) => { if (dragging) place(e); });
    const end = () => {
      if (!dragging) return;
      dragging = false;
      this.saveHash();
      if (!this.inst || !this.inst.final) this.play();
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    canvas.addEventListener('keydown', (e) => {
      const d = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[e.key];
      const g = this.panelEls[i].geom;
      if (!d || !g) return;
      const f = e.shiftKey ? 10 : 50;
      this.setPoint(nx, ny, this.values[nx] + (d[0] * g.span[0]) / f, this.values[ny] + (d[1] * g.span[1]) / f);
      this.saveHash();
      e.preventDefault();
      e.stopPropagation();
    });
  }

  // Pointer input the module itself takes (a digit drawn, a point probed): presses, drags and
  // releases in data coordinates, passed straight through; training is not reset.
  bindModulePointer(i, canvas) {
    canvas.classList.add('drawable');
    let down = false;
    const send = (e, kind) => {
      const g = this.panelEls[i].geom;
      if (!g || !this.inst) return;
      const r = canvas.getBoundingClientRect();
      const [x, y] = g.toData(e.clientX - r.left, e.clientY - r.top);
      this.inst.pointer(i, kind, x, y);
      this.dirty = true;
      this.rt.wake();
    };
    canvas.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      down = true;
      canvas.setPointerCapture(e.pointerId);
      send(e, 0);
      e.preventDefault();
    });
    canvas.addEventListener('pointermove', (e) => { if (down) send(e, 1); });
    const up = (e) => { if (down) { down = false; send(e, 2); } };
    canvas.addEventListener('pointerup', up);
    canvas.addEventListener('pointercancel', up);
  }

  setPoint(nx, ny, x, y) {
    const was = this.running;
    this.setParam(nx, x, false);
    this.setParam(ny, y, false);
    for (const c of this.controls) if (c && (c.i === nx || c.i === ny)) this.showControl(c);
    this.restart(was);
  }

  // ---- parameters and state ----

  // Store parameter i (clamped by the engine when it is loaded, by the same rule here before);
  // restart the run unless told not to. Returns the stored value.
  setParam(i, raw, restart = true) {
    const p = this.params[i];
    const v = this.inst ? this.inst.set(i, raw) : clampParam(p, raw);
    const changed = v !== this.values[i];
    this.values[i] = v;
    if (changed && restart) {
      this.restart(this.running);
      this.saveHashSoon();
    }
    return v;
  }

  // Read this widget's settings from a hash; `restart`: apply them to a loaded run now.
  applyHash(hash, restart) {
    const st = readWidgetState(hash, this.id, this.params);
    this.values = this.params.map((p) => p.def);
    for (const [i, v] of Object.entries(st.params)) this.values[i] = v;
    this.seed = st.seed ?? DEFAULT_SEED;
    this.seedInput.value = String(this.seed);
    this.pendingT = st.t ?? 0;
    for (const c of this.controls) if (c) this.showControl(c);
    this.notify(st.notices);
    if (restart && this.inst) this.start();
  }

  // Does `hash` carry settings for this widget other than the ones it shows now?
  hashDiffers(hash) {
    if (!parseHash(hash).some(([id]) => id === this.id)) return false;
    const t = this.running || !this.inst ? 0 : this.inst.steps;
    return writeWidgetState(hash, this.id, statePairs(this.params, this.values, this.seed, DEFAULT_SEED, t)) !== hash;
  }

  notify(lines) {
    this.notices = lines.slice(0, 3);
    if (lines.length > 3) this.notices.push(`…and ${lines.length - 3} more settings in the link were not usable.`);
    this.noticeEl.textContent = this.notices.join(' ');
    this.noticeEl.hidden = this.notices.length === 0;
  }

  // The URL mirrors the state: written on every settled change, never every frame.
  saveHash() {
    clearTimeout(this.hashTimer);
    this.hashTimer = 0;
    const t = this.running || !this.inst ? 0 : this.inst.steps;
    const next = writeWidgetState(location.hash, this.id, statePairs(this.params, this.values, this.seed, DEFAULT_SEED, t));
    if (next !== location.hash && !(next === '' && location.hash === '#')) {
      history.replaceState(history.state, '', next || location.pathname + location.search);
    }
  }

  saveHashSoon() {
    if (!this.hashTimer) this.hashTimer = setTimeout(() => this.saveHash(), 120);
  }

  // ---- the engine ----
  // The run (web/run.js) owns the instance, the checkpoints and the pace; `this.inst` holds it
  // (a Run on the main thread, or a RemoteRun talking to a Web Worker for modules that declare
  // `worker`) and answers like an Instance: steps, status, final, reason, views, set, pointer.

  get running() { return !!this.inst && this.inst.running; }
  set running(v) { if (this.inst) { if (v) this.inst.play(); else this.inst.pause(); } }
  get maxStep() { return this.inst ? this.inst.maxStep : 0; }
  // The step a replay is going to (a link, the timeline), or -1; the step a link should name.
  get replayTo() { return this.inst ? this.inst.replayTo : -1; }
  get target() { return this.inst ? this.inst.target : 0; }

  async load() {
    if (this.loading) return this.loading;
    this.setStatus('loading');
    this.loading = (async () => {
      try {
        this.inst = await openRun(this.manifest, (ev, info) => this.onRun(ev, info));
        this.fig.mlmRun = this.inst; // for tests and measurements: replays, restores, timeline
        this.start();
      } catch (e) {
        this.fail(`This widget could not start: ${e && e.message ? e.message : e}`);
      }
    })();
    return this.loading;
  }

  fail(msg) {
    if (this.inst) this.inst.pause();
    this.inst = null;
    this.setStatus('paused');
    this.statusText.textContent = msg;
    for (const b of [this.playBtn, this.stepBtn, this.resetBtn]) b.disabled = true;
  }

  // What the run reports: its end, a replay that landed, a restart it could not make.
  onRun(ev, info) {
    const inst = this.inst;
    if (!inst) return;
    this.dirty = true;
    if (ev === 'report') {
      // Not final (one of several runs ended): said in the status line while the run plays on.
      const r = info.reason;
      const word = { converged: 'Converged', diverged: 'Diverged', finished: 'Finished' }[info.status] || 'Stopped';
      this.statusText.textContent = r ? r[0].toUpperCase() + r.slice(1) + (/[.!?]$/.test(r) ? '' : '.')
        : `One run: ${word.toLowerCase()} at step ${info.step.toLocaleString('en-US')}.`;
    } else if (ev === 'end') {
      // The module's reason is a sentence for the reader; the step is in the step readout.
      const r = inst.reason;
      const said = r ? r[0].toUpperCase() + r.slice(1) + (/[.!?]$/.test(r) ? '' : '.') : '';
      const at = `at step ${inst.statusStep.toLocaleString('en-US')}`;
      if (inst.status === 'diverged') this.setStatus('diverged', `Diverged ${at}. ${said}`);
      else if (inst.status === 'converged') this.setStatus('converged', `Converged ${at}. ${said}`);
      else if (inst.status === 'finished') this.setStatus('finished', `Finished ${at}. ${said}`);
      else this.setStatus('paused', said || 'The run is complete.');
      this.saveHash();
    } else if (ev === 'arrived') {
      if (!inst.running && inst.status === 'running' && !inst.final && this.status !== 'paused') this.setStatus('paused');
      this.saveHash();
    } else if (ev === 'failed') {
      this.setStatus('diverged', `This run cannot start: ${inst.reason}`);
    } else if (ev === 'restarted') {
      this.caches = this.manifest.panels.map(() => ({}));
    }
    this.rt.wake();
  }

  // Hand every parameter to the engine (it clamps, and its value is what the controls show),
  // start the run, and replay to the step the link asked for.
  start() {
    this.params.forEach((p, i) => { this.values[i] = this.inst.set(i, this.values[i]); });
    for (const c of this.controls) if (c) this.showControl(c);
    this.restart(false);
    let t = this.pendingT;
    this.pendingT = 0;
    if (t <= 0 || this.inst.status !== 'running') return;
    const cap = linkCap(this.manifest);
    if (t > cap) {
      const n = (x) => x.toLocaleString('en-US');
      this.notify([...this.notices, `The link asked for step ${n(t)}; this widget replays at most ${n(cap)} steps from a link (about two seconds of computing), so it stopped there.`]);
      t = cap;
    }
    this.inst.seek(t, true);
  }

  restart(keepRunning) {
    if (!this.inst) return;
    if (!this.inst.restart(this.seed, keepRunning)) {
      this.draw();
      return; // onRun('failed') said why
    }
    // A new run may number its field versions from 1 again: drop what was cached for the old one.
    this.caches = this.manifest.panels.map(() => ({}));
    this.setStatus(keepRunning ? 'running' : 'paused');
    this.dirty = true;
    this.rt.wake();
  }

  toggle() { if (this.running) this.pause(); else this.play(); }

  play() {
    if (!this.inst) return;
    if (this.inst.final) this.caches = this.manifest.panels.map(() => ({})); // "Play again"
    this.inst.play();
    this.setStatus('running');
    this.rt.wake();
  }

  pause() {
    if (this.inst) this.inst.pause();
    this.setStatus('paused');
    this.dirty = true;
    this.saveHash();
  }

  stepOnce() {
    if (!this.inst) return;
    this.inst.stepOnce();
    if (this.inst.status === 'running' && !this.inst.final) this.setStatus('paused');
    this.dirty = true;
    this.saveHash();
    this.rt.wake();
  }

  // Go to step t of this run: the run restores the nearest checkpoint at or before it (backwards
  // or forwards) and replays the rest in budgeted slices.
  seek(t) {
    if (!this.inst) return;
    this.inst.seek(t);
    this.setStatus('paused');
    this.dirty = true;
    this.rt.wake();
  }

  // Called by the runtime once per animation frame with the time since the last one.
  tick(dtMs, budgetMs) {
    if (!this.inst || !this.visible) return;
    this.inst.setSpeed(this.manifest.speed * SPEEDS[this.speedIndex]);
    if (this.inst.tick(dtMs, budgetMs)) this.dirty = true;
  }

  get active() { return !!this.inst && this.visible && this.inst.active; }
  // A legend too big for its plot, as a list under the canvas (rebuilt only when it changes).
  showLegend(pe, entries) {
    const key = entries ? entries.map((e) => `${e.text}|${e.color}|${e.dashed}|${e.kind}`).join('\n') : '';
    if (pe.legendKey === key) return;
    pe.legendKey = key;
    if (!entries) { if (pe.legendEl) pe.legendEl.remove(); pe.legendEl = null; return; }
    if (!pe.legendEl) pe.legendEl = pe.cell.appendChild(el('ul', { class: 'panel-legend', 'aria-label': 'Legend' }));
    pe.legendEl.replaceChildren(...entries.map((e) => {
      const swatch = el('span', { class: `swatch swatch-${e.kind}${e.dashed ? ' dashed' : ''}`, 'aria-hidden': 'true' });
      swatch.style.setProperty('--swatch', e.color);
      return el('li', {}, swatch, e.text);
    }));
  }

  // The renderer may ask for a taller canvas (an `equal` panel on a phone keeps its shape at full
  // width): granted to a panel alone on its row, as a minimum over the stylesheet's height, and
  // the resize that follows redraws it. No request gives the height back to the stylesheet.
  fitHeight(pe, geom) {
    const alone = pe.cell.offsetWidth >= this.panelsEl.clientWidth - 1;
    const want = geom.height > 0 && alone ? `${geom.height}px` : '';
    if (pe.canvas.style.minHeight !== want) pe.canvas.style.minHeight = want;
  }

  // ---- status and drawing ----

  setStatus(status, text) {
    this.status = status;
    this.fig.dataset.status = status;
    const final = this.inst && this.inst.final;
    this.playBtn.textContent = status === 'running' ? 'Pause' : final ? 'Play again' : 'Play';
    this.playBtn.setAttribute('aria-pressed', status === 'running' ? 'true' : 'false');
    this.stepBtn.disabled = !this.inst || !!final;
    if (text !== undefined) this.statusText.textContent = text;
    else if (status === 'loading') this.statusText.textContent = 'Loading the engine…';
    else if (status === 'running') this.statusText.textContent = 'Running.';
    else if (status === 'paused') {
      this.statusText.textContent = this.inst && this.inst.steps > 0 ? 'Paused.' : 'Ready: press Play, or Step to take one update.';
    }
  }

  draw(theme) {
    const inst = this.inst;
    if (!inst) return;
    theme ||= readTheme(this.fig);
    inst.draw();
    const dpr = window.devicePixelRatio || 1;
    this.manifest.panels.forEach((decl, i) => {
      const pe = this.panelEls[i];
      const pst = inst.panels[i];
      if (pe.cell.hidden !== pst.hidden) pe.cell.hidden = pst.hidden;
      if (pst.hidden) return;
      const c = pe.canvas;
      const W = c.clientWidth, H = c.clientHeight;
      if (!W || !H) return;
      const bw = Math.round(W * dpr), bh = Math.round(H * dpr);
      if (c.width !== bw || c.height !== bh) { c.width = bw; c.height = bh; }
      const ctx = c.getContext('2d');
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      const views = [];
      this.manifest.views.forEach((v, k) => { if (v.panel === i) views.push({ decl: v, st: inst.views[k] }); });
      pe.geom = drawPanel(ctx, W, H, decl, pst, views, theme, this.caches[i]);
      this.showLegend(pe, pe.geom.legend);
      this.fitHeight(pe, pe.geom);
    });
    // Readouts for the status line: views declared with no panel.
    const parts = [];
    this.manifest.views.forEach((v, k) => {
      if (v.panel !== -1 || inst.views[k].hidden) return;
      if (v.kind === 'scalar') {
        const pct = v.flags.includes('percent') && Number.isFinite(inst.views[k].value) ? ' %' : '';
        parts.push(`${v.label} ${formatReadout(inst.views[k].value, v.flags.includes('int'))}${pct}`);
      }
      else if (v.kind === 'text' && inst.views[k].text) parts.push(inst.views[k].text);
    });
    const text = parts.join(' · ');
    if (this.readouts.textContent !== text) this.readouts.textContent = text;
    const s = inst.steps;
    const stepText = `Step ${s.toLocaleString('en-US')}`;
    if (this.stepOut.textContent !== stepText) this.stepOut.textContent = stepText;
    this.timeSlider.max = String(this.maxStep);
    if (document.activeElement !== this.timeSlider) this.timeSlider.value = String(s);
    this.timeSlider.setAttribute('aria-valuetext', stepText);
    this.dirty = false;
  }
}
