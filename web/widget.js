// widget.js: one live widget, built entirely from its module's declaration (the JSON manifest
// the generator put in the page): the panels, the controls, the player (play / pause / step /
// reset / speed), the timeline, the status line and the URL state. Nothing here knows a module;
// a new chapter's widget works without a line of new JavaScript.
//
// DOM contract (tests/browser/harness.mjs relies on it): figure.widget[data-widget][data-id]
// [data-status = loading | paused | running | converged | diverged | finished]; every parameter control is a
// labelled form element named after its parameter; the seed control is named "seed"; the step
// count is in [data-role="step"]; buttons are named Play (or Play again) / Pause, Step, Reset,
// Defaults, Copy link, Save… (opens the export panel of web/export.js: Picture (PNG), Data (JSON),
// Curves (CSV), Animation (GIF), Cancel), Enlarge (Close while enlarged: the figure then has class
// widget-enlarged and role dialog); a parameter's row is `hidden` while its condition ("when") does not hold.
// Live regions: the status text and the notice only (changes of state, never every frame).
import { openRun } from './remote.js';
import { linkCap } from './run.js';
import { drawPanel, readTheme } from './render.js';
import { panelSignature, sameSignature } from './changes.js';
import { SEED_MAX, applies, checkText, clampParam, decodeSeed, formatReadout, formatValue, logPosition, logValue, parseNumber,
  readWidgetState, statePairs } from './state.js';
import { claimScroll, copyText, currentQuery, linkTo, migrate, namesHeading, writeAddress } from './links.js';
import { SHORTCUTS, bindKeyboardPointer, bindShortcuts, buildHelp } from './keys.js';
import { action as inputAction, hasInput, inputGet, inputSet, pointer as inputPointer } from './input.js';

const SPEEDS = [0.25, 0.5, 1, 2, 4, 16, 64];
const DEFAULT_SEED = 1;
// A canvas' text alternative follows the run, but not every frame: at most this often while playing.
const ALT_EVERY_MS = 3000;

let uid = 0;

// A DOM element with attributes and children (also used by export.js, loaded on first "Save…").
export function el(tag, attrs = {}, ...children) {
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
    this.notes = new Map(); // what each notice is about ("p:<name>", "seed", "in", "link"...) -> text
    this.pendingInput = ''; // the reader's input a link carries, read into the run when it starts
    this.fromLink = false;  // restored from a link: say so when the replay arrives
    this.altAt = 0;         // when the canvases' text alternatives were last written
    this.build();
    this.applyLocation();
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
      const pe = { cell, canvas, geom: null, alt: '' };
      if (p.click) this.bindPointer(i, canvas, p.click);
      if (p.flags.includes('pointer')) this.bindModulePointer(i, canvas, pe);
      return pe;
    });
    this.panelsEl.append(...this.panelEls.map((p) => p.cell));
    // The module's own buttons ("clear:Clear"), under the panels.
    this.actionBtns = (m.actions || []).map(([key, label], k) => {
      const b = el('button', { type: 'button', class: 'btn btn-small', 'data-action': key, text: label });
      b.addEventListener('click', () => this.pressAction(k));
      return b;
    });
    const actions = this.actionBtns.length ? el('div', { class: 'widget-actions', role: 'group', 'aria-label': 'Input' }, ...this.actionBtns) : null;

    // Player: buttons, speed, step readout, timeline.
    this.playBtn = el('button', { type: 'button', class: 'btn btn-play', text: 'Play', title: 'Play or pause (K or Space)' });
    this.stepBtn = el('button', { type: 'button', class: 'btn', text: 'Step', title: 'Take one training step (.)' });
    this.resetBtn = el('button', { type: 'button', class: 'btn', text: 'Reset', title: 'Start again from step 0 with the same settings and seed (R)' });
    this.speedSel = el('select', { name: '_speed', id: `${base}-speed` });
    for (const [k, s] of SPEEDS.entries()) {
      const per = m.speed * s;
      this.speedSel.append(el('option', { value: String(k), text: `${per >= 10 ? Math.round(per) : formatValue(Number(per.toPrecision(2)))} steps/s` }));
    }
    this.speedSel.value = String(this.speedIndex);
    this.stepOut = el('span', { class: 'widget-step', 'data-role': 'step', 'aria-live': 'off', text: 'Step 0' });
    this.timeSlider = el('input', { type: 'range', name: '_t', min: 0, max: 0, step: 1, value: 0, class: 'widget-timeline',
      'aria-label': 'Timeline: drag back to see earlier steps' });
    const help = buildHelp(this, el, base, this.shortcutLines());
    this.helpBtn = help.button;
    this.helpEl = help.pop;
    this.setHelpLines = help.setLines;
    const player = el('div', { class: 'widget-player', role: 'group', 'aria-label': 'Player' },
      this.playBtn, this.stepBtn, this.resetBtn,
      el('label', { class: 'widget-speed', for: `${base}-speed` }, el('span', { text: 'Speed' }), this.speedSel),
      this.stepOut, this.timeSlider);

    // The status text is the live region (it changes with the run's state: started, paused,
    // converged, diverged); the readouts change every frame and are not announced.
    this.statusText = el('span', { class: 'widget-status-text', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true', text: 'Loading the engine…' });
    this.readouts = el('span', { class: 'widget-readouts', 'aria-live': 'off' });
    const status = el('p', { class: 'widget-status' }, this.statusText, this.readouts);
    this.noticeEl = el('p', { class: 'widget-notice', role: 'status', 'aria-live': 'polite', hidden: true });

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
    // Defaults (the chapter's settings back) and the link to this run.
    this.defaultsBtn = el('button', { type: 'button', class: 'btn btn-small', text: 'Defaults',
      title: 'Put back the settings and seed this chapter started with (Reset keeps your settings)' });
    this.copyBtn = el('button', { type: 'button', class: 'btn btn-small', text: 'Copy link to this run',
      title: 'Copy a link that reopens this widget with these settings, this seed, this step and your input' });
    this.copyOut = el('span', { class: 'widget-copied', 'aria-live': 'polite' });
    // Save the run as files (web/export.js, loaded on the first press) and the full-window view.
    this.saveBtn = el('button', { type: 'button', class: 'btn btn-small', text: 'Save…', 'aria-expanded': 'false',
      title: 'Save this run: a picture (PNG), its data (JSON, CSV) or an animation (GIF), each with the link to it' });
    this.enlargeBtn = el('button', { type: 'button', class: 'btn btn-small widget-enlarge-btn', text: 'Enlarge',
      title: 'Show this widget in the whole window (Escape closes it)' });
    grid.append(el('div', { class: 'control control-links' }, this.defaultsBtn, this.copyBtn, this.saveBtn, this.enlargeBtn,
      this.helpBtn, this.copyOut));
    this.refreshApplies();

    body.append(...[this.panelsEl, actions, player, status, this.noticeEl, grid, this.helpEl].filter(Boolean));
    this.bindEvents();
  }

  // What the help popover lists: the widget's shortcuts, then what its panels and sliders take.
  shortcutLines(hidden = []) {
    const lines = SHORTCUTS.slice();
    this.manifest.panels.forEach((p, i) => {
      if (hidden[i]) return;
      const name = p.title || p.name;
      if (p.click) lines.push(['arrow keys', `on “${name}”: move the starting point (with Shift: in larger steps)`]);
      if (p.flags.includes('pointer')) {
        lines.push(['arrow keys', `on “${name}”: move the cursor`]);
        lines.push(['Space or Enter', `on “${name}”: press at the cursor`]);
        lines.push(['Shift + arrow keys', `on “${name}”: press and drag (draw)`]);
      }
    });
    lines.push(['arrow keys, Home, End', 'on the timeline: go back and forth through the run']);
    lines.push(['Tab', 'move between the controls; arrow keys change a slider']);
    lines.push(['Escape', 'leave the enlarged view (the Enlarge button opens it)']);
    return lines;
  }

  toggleHelp() { if (this.helpOpen) this.closeHelp(true); else this.openHelp(); }

  openHelp() {
    this.helpOpen = true;
    this.helpReturn = document.activeElement;
    this.helpEl.hidden = false;
    this.helpBtn.setAttribute('aria-expanded', 'true');
    this.helpEl.focus(); // scrolls it into view when it opened below the fold
  }

  closeHelp(refocus) {
    if (!this.helpOpen) return;
    this.helpOpen = false;
    this.helpEl.hidden = true;
    this.helpBtn.setAttribute('aria-expanded', 'false');
    if (refocus) {
      const back = this.helpReturn && this.fig.contains(this.helpReturn) && this.helpReturn !== this.helpEl ? this.helpReturn : this.helpBtn;
      back.focus();
    }
  }

  // Show only the controls whose condition holds (re-run on every change of a parameter).
  refreshApplies() {
    for (const c of this.controls) {
      if (!c) continue;
      const hide = !applies(this.params, this.values, c.i);
      if (c.row.hidden !== hide) c.row.hidden = hide;
    }
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
    } else if (p.kind === 'text') {
      // Typed text: set as the input's value, never as markup, whatever a link carried.
      input = el('input', { type: 'text', name: p.name, id, maxlength: p.max, spellcheck: 'false', autocomplete: 'off',
        autocapitalize: 'off', 'aria-describedby': `${id}-help` });
    } else if (p.log) {
      // A log-scale slider cannot hold the value itself; it moves a number box that does.
      range = el('input', { type: 'range', min: 0, max: 1000, step: 1, 'aria-label': `${p.label} (logarithmic slider)`,
        'aria-describedby': `${id}-help` });
      input = el('input', { type: 'number', name: p.name, id, min: p.min, max: p.max, step: 'any', inputmode: 'decimal',
        'aria-describedby': `${id}-help` });
    } else {
      input = el('input', { type: 'range', name: p.name, id, min: p.min, max: p.max,
        step: p.step > 0 ? p.step : p.kind === 'int' ? 1 : 'any', 'aria-describedby': `${id}-help` });
      // A readout beside its slider: the slider itself announces its value, so this is not live.
      out = el('output', { for: id, 'aria-live': 'off' });
    }
    // A text's error, from the module's view `<name>_error` ("position:reason"): the text with a
    // caret under that character and the reason, as plain text.
    const errEl = p.kind === 'text' ? el('pre', { class: 'text-error', id: `${id}-error`, 'aria-live': 'polite', hidden: true }) : null;
    const row = el('div', { class: `control control-${p.kind}${p.log ? ' control-log' : ''}` }, label, range, input, out, errEl, help);
    const c = { p, i, row, input, range, out, errEl, errView: errEl ? this.manifest.views.findIndex((v) => v.name === `${p.name}_error` && v.kind === 'text' && v.panel === -1) : -1 };

    // Every notice about this value is replaced (or dropped) by what the latest change says.
    const key = `p:${p.name}`;
    const range_ = `from ${formatValue(p.min)} to ${formatValue(p.max)}`;
    const commit = (raw, final, typed = false) => {
      if (!Number.isFinite(raw)) {
        this.note(key, `“${p.label}” needs a number ${range_}; it was left at ${formatValue(this.values[i])}.`);
        this.showControl(c, true);
        return;
      }
      const v = this.setParam(i, raw);
      if (typed && (raw < p.min || raw > p.max)) {
        this.note(key, `“${p.label}” goes ${range_}: ${formatValue(raw)} was clamped to ${formatValue(v)}.`);
      }
      this.showControl(c, final);
    };
    if (p.kind === 'text') {
      // Enter or leaving the box commits the text; the run restarts with it.
      input.addEventListener('change', () => {
        const why = checkText(p, input.value);
        if (why) this.note(key, `“${p.label}” ${why}; it was left as it was.`);
        else this.setParam(i, input.value);
        this.showControl(c, !!why);
      });
    } else if (p.kind === 'choice') input.addEventListener('change', () => commit(p.choices.findIndex(([k]) => k === input.value), true));
    else if (p.kind === 'bool') input.addEventListener('change', () => commit(input.checked ? 1 : 0, true));
    else if (range) {
      range.addEventListener('input', () => commit(logValue(p, Number(range.value)), false));
      input.addEventListener('change', () => commit(parseNumber(input.value), true, true));
    } else {
      input.addEventListener('input', () => commit(Number(input.value), false));
      input.addEventListener('change', () => commit(Number(input.value), true));
    }
    return c;
  }

  // Views that carry a text parameter's error are shown under its box, not in the status line.
  get textErrorViews() {
    if (!this._textErrorViews) this._textErrorViews = new Set((this.controls || []).filter((c) => c && c.errView >= 0).map((c) => c.errView));
    return this._textErrorViews;
  }

  showTextError(c, st) {
    const m = !st.hidden && /^(\d+):(.*)$/s.exec(st.text || '');
    const typed = String(this.values[c.i]);
    // The reason first (it fits a phone), then the text and the caret, which scroll together.
    const text = m ? `${m[2]}:\n${typed}\n${' '.repeat(Math.min(Number(m[1]), typed.length))}^` : '';
    if (c.errEl.textContent !== text) {
      c.errEl.textContent = text;
      c.errEl.hidden = !m;
      c.input.setAttribute('aria-invalid', m ? 'true' : 'false');
      if (m) c.input.setAttribute('aria-errormessage', c.errEl.id);
    }
  }

  // Bring control c in line with the stored value (`full`: rewrite the typed text too).
  showControl(c, full = true) {
    const v = this.values[c.i];
    const { p, input, range, out } = c;
    if (p.kind === 'text') { if (full || document.activeElement !== input) input.value = v; }
    else if (p.kind === 'choice') input.value = p.choices[v] ? p.choices[v][0] : '';
    else if (p.kind === 'bool') input.checked = v !== 0;
    else if (range) {
      range.value = String(logPosition(p, v));
      // The slider's position is 0 to 1000; what a screen reader must say is the value.
      range.setAttribute('aria-valuetext', `${p.label} ${formatValue(v)}`);
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
      (p.flags.includes('pointer') ? '. Press, drag or draw here with a mouse, pen or finger; or with the keyboard: arrow keys move a cursor, Space presses, Shift with an arrow drags.' : '');
  }

  bindEvents() {
    this.playBtn.addEventListener('click', () => this.toggle());
    this.stepBtn.addEventListener('click', () => this.stepOnce());
    this.resetBtn.addEventListener('click', () => this.resetRun());
    this.defaultsBtn.addEventListener('click', () => this.restoreDefaults());
    this.copyBtn.addEventListener('click', () => this.copyLink());
    this.saveBtn.addEventListener('click', () => this.toggleExport());
    this.enlargeBtn.addEventListener('click', () => this.toggleEnlarge());
    this.speedSel.addEventListener('change', () => {
      const k = parseInt(this.speedSel.value, 10);
      this.speedIndex = k >= 0 && k < SPEEDS.length ? k : SPEEDS.indexOf(1);
    });
    this.timeSlider.addEventListener('input', () => this.seek(parseInt(this.timeSlider.value, 10) || 0));
    this.timeSlider.addEventListener('change', () => this.saveHash());
    this.seedInput.addEventListener('change', () => {
      const r = decodeSeed(this.seedInput.value);
      if (r.refused) {
        this.note('seed', `The seed must be a whole number from 0 to ${SEED_MAX}; it was left at ${this.seed}.`);
        this.seedInput.value = String(this.seed);
        return;
      }
      this.note('seed', r.clamped ? `The seed goes from 0 to ${SEED_MAX}; it was set to ${r.value}.` : null);
      this.seed = r.value;
      this.seedInput.value = String(r.value);
      this.restart(this.running);
      this.saveHash();
    });
    this.seedBtn.addEventListener('click', () => {
      this.note('seed', null);
      this.seed = Math.floor(Math.random() * 1e6);
      this.seedInput.value = String(this.seed);
      this.restart(this.running);
      this.saveHash();
    });
    // Keys for the whole widget wherever focus is in it (keys.js).
    bindShortcuts(this);
  }

  resetRun() {
    this.fromLink = false;
    this.restart(false);
    this.saveHash();
  }

  // The chapter's settings and seed back (the reader's input stays, as after Reset).
  restoreDefaults() {
    this.values = this.params.map((p, i) => (this.inst ? this.inst.set(i, p.def) : p.def));
    this.seed = DEFAULT_SEED;
    this.seedInput.value = String(this.seed);
    for (const c of this.controls) if (c) this.showControl(c);
    this.refreshApplies();
    this.notes.clear();
    this.renderNotes();
    this.fromLink = false;
    this.restart(this.running);
    this.saveHash();
  }

  // A module's action button: the module may restart the run (1), as a restart of ours would.
  pressAction(k) {
    if (!this.inst) return;
    if (inputAction(this.inst, k) === 1) this.restart(this.running);
    this.dirty = true;
    this.rt.wake();
    this.saveHashSoon();
  }

  async copyLink() {
    const url = linkTo(this.id, this.linkPairs(true));
    if (!this.running) this.saveHash();
    const ok = await copyText(url);
    this.copyBtn.dataset.href = url;
    this.copyOut.textContent = ok ? 'Link copied.' : `Your browser refused to copy; the link is ${url}`;
    clearTimeout(this.copyTimer);
    this.copyTimer = setTimeout(() => { this.copyOut.textContent = ''; }, ok ? 4000 : 30000);
  }

  // The export panel lives in web/export.js, fetched the first time a reader asks for it.
  async toggleExport() {
    try {
      const mod = await import('./export.js');
      mod.toggleExport(this);
    } catch (e) {
      this.copyOut.textContent = `Saving is not available: ${e && e.message ? e.message : e}`;
    }
  }

  // ---- the enlarged view: the widget over the whole window ----
  // The figure itself is laid out full-window (no copy: the run, controls and focus stay), its
  // panels get the height the window leaves them and are redrawn at that size by the resize
  // observer (runtime.js), not scaled. Escape, the button (now "Close") or Tab-trapped focus.

  toggleEnlarge() { if (this.enlarged) this.closeEnlarged(true); else this.openEnlarged(); }

  openEnlarged() {
    if (this.enlarged) return;
    this.enlarged = true;
    this.enlargeReturn = document.activeElement;
    this.panelHeight = this.panelsEl.style.getPropertyValue('--panel-height');
    // No panel gets smaller than it was on the page.
    this.pageHeight = Math.max(0, ...this.panelEls.filter((pe) => !pe.cell.hidden).map((pe) => pe.canvas.clientHeight));
    this.fig.classList.add('widget-enlarged');
    this.fig.setAttribute('role', 'dialog');
    this.fig.setAttribute('aria-modal', 'true');
    this.fig.setAttribute('aria-label', `${this.fig.querySelector(':scope > figcaption')?.textContent.trim() || 'Widget'} (enlarged)`);
    document.documentElement.classList.add('widget-enlarged-open');
    this.enlargeBtn.textContent = 'Close';
    this.enlargeBtn.title = 'Back to the page (Escape)';
    this.onEnlargedKey = (e) => {
      if (e.key === 'Escape' && !e.defaultPrevented && !this.helpOpen) { this.closeEnlarged(true); e.preventDefault(); }
    };
    this.onEnlargedFocus = (e) => { if (!this.fig.contains(e.target)) this.enlargeBtn.focus(); };
    this.onEnlargedResize = () => this.fitEnlarged();
    document.addEventListener('keydown', this.onEnlargedKey);
    document.addEventListener('focusin', this.onEnlargedFocus);
    addEventListener('resize', this.onEnlargedResize);
    this.fitEnlarged();
    this.fig.scrollTop = 0;
    this.enlargeBtn.focus();
    this.visible = true;
    this.dirty = true;
    this.rt.wake();
  }

  closeEnlarged(refocus) {
    if (!this.enlarged) return;
    this.enlarged = false;
    document.removeEventListener('keydown', this.onEnlargedKey);
    document.removeEventListener('focusin', this.onEnlargedFocus);
    removeEventListener('resize', this.onEnlargedResize);
    this.fig.classList.remove('widget-enlarged');
    this.fig.removeAttribute('role');
    this.fig.removeAttribute('aria-modal');
    this.fig.removeAttribute('aria-label');
    document.documentElement.classList.remove('widget-enlarged-open');
    if (this.panelHeight) this.panelsEl.style.setProperty('--panel-height', this.panelHeight);
    else this.panelsEl.style.removeProperty('--panel-height');
    this.panelsEl.style.gridTemplateColumns = '';
    for (const pe of this.panelEls) pe.canvas.style.minHeight = '';
    this.enlargeBtn.textContent = 'Enlarge';
    this.enlargeBtn.title = 'Show this widget in the whole window (Escape closes it)';
    if (refocus) {
      this.fig.scrollIntoView({ block: 'nearest' });
      this.enlargeBtn.focus();
    }
    this.dirty = true;
    this.rt.wake();
  }

  // Panels as tall as the window allows once the rest of the widget (player, status, controls)
  // has its room, at least 240 px and at least their height on the page (on a short window the
  // controls scroll below); rows counted as laid out now.
  fitEnlarged() {
    const cells = this.panelEls.filter((pe) => !pe.cell.hidden);
    if (!cells.length) return;
    const probe = 200;
    // As many columns as there are narrow panels, up to what the width holds (the stylesheet's
    // auto-fit would leave empty columns beside them when a wide panel spans the row below).
    const narrow = cells.filter((pe) => !pe.cell.classList.contains('wide')).length;
    const fits = Math.max(1, Math.floor(this.panelsEl.clientWidth / 224));
    this.panelsEl.style.gridTemplateColumns = `repeat(${Math.max(1, Math.min(narrow || 1, fits))}, minmax(0, 1fr))`;
    this.panelsEl.style.setProperty('--panel-height', `${probe}px`);
    for (const pe of cells) pe.canvas.style.minHeight = '';
    const rows = new Set(cells.map((pe) => pe.cell.offsetTop)).size;
    // What the widget's body needs besides the panels (the caption may scroll below).
    const body = this.panelsEl.parentElement;
    const cs = getComputedStyle(this.fig);
    const rest = body.offsetHeight - rows * probe + parseFloat(cs.paddingTop) + parseFloat(cs.paddingBottom);
    const room = Math.floor((window.innerHeight - rest) / rows) - 4;
    this.panelsEl.style.setProperty('--panel-height', `${Math.max(240, this.pageHeight || 0, Math.min(room, 2000))}px`);
    this.dirty = true;
    this.rt.wake();
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
  // The module says (1) when the input changed what training sees: the run restarted.
  bindModulePointer(i, canvas, pe) {
    canvas.classList.add('drawable');
    let down = false;
    const pass = (kind, x, y) => {
      if (!this.inst) return;
      if (inputPointer(this.inst, i, kind, x, y) === 1) this.restart(this.running);
      this.dirty = true;
      this.rt.wake();
      if (kind === 2) this.saveHashSoon(); // the input is part of the link
    };
    const send = (e, kind) => {
      const g = pe.geom;
      if (!g || !this.inst) return;
      const r = canvas.getBoundingClientRect();
      const [x, y] = g.toData(e.clientX - r.left, e.clientY - r.top);
      pass(kind, x, y);
    };
    bindKeyboardPointer(pe.cell, canvas, () => pe.geom, pass);
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
  // A parameter that does not apply now (its "when" does not hold) cannot matter to the run:
  // storing it never restarts. A change may show or hide other controls.
  setParam(i, raw, restart = true) {
    const p = this.params[i];
    const mattered = applies(this.params, this.values, i);
    const v = this.inst ? this.inst.set(i, raw) : clampParam(p, raw);
    const changed = v !== this.values[i];
    this.values[i] = v;
    if (changed) {
      this.note(`p:${p.name}`, null); // what was said about the old value is out of date
      this.refreshApplies();
    }
    if (changed && restart && mattered) {
      this.fromLink = false;
      this.restart(this.running);
      this.saveHashSoon();
    }
    return v;
  }

  // Read this widget's state from the address when the page opens. A link that speaks of this
  // widget loads its module now (not when the reader scrolls near) and, unless the link names a
  // heading, the first such widget scrolls into view.
  applyLocation() {
    migrate();
    const st = readWidgetState(currentQuery(), this.id, this.params);
    this.applyState(st, false);
    if (!st.any) return;
    if (!namesHeading() && claimScroll()) {
      this.scrollWanted = true;
      requestAnimationFrame(() => this.scrollHere());
    }
    this.load();
  }

  scrollHere() {
    this.fig.scrollIntoView({ block: 'start' });
    this.scrolledAt = window.scrollY;
  }

  // Apply a state read from a link (st from readWidgetState); `restart`: to a loaded run now.
  applyState(st, restart) {
    this.values = this.params.map((p) => p.def);
    for (const [i, v] of Object.entries(st.params)) this.values[i] = v;
    this.seed = st.seed ?? DEFAULT_SEED;
    this.seedInput.value = String(this.seed);
    this.pendingT = st.t ?? 0;
    this.pendingInput = st.input ?? '';
    this.fromLink = st.any;
    for (const c of this.controls) if (c) this.showControl(c);
    this.refreshApplies();
    this.notes.clear();
    st.notes.forEach((n, k) => this.notes.set(n.key === 'link' ? `link:${k}` : n.key, n.text));
    this.renderNotes();
    if (restart && this.inst) this.start();
  }

  // Called by the runtime on hashchange: an old-style link followed within the page moves its
  // pairs to the query; this widget takes them if they speak of it. A heading's anchor moves
  // nothing, so every run is left alone.
  hashDiffers() {
    return migrate().some(([id]) => id === this.id);
  }

  applyHash(hash, restart) {
    this.applyState(readWidgetState(currentQuery(), this.id, this.params), restart);
  }

  // A notice about one thing (key): replaced by the next about it, dropped with null.
  note(key, text) {
    if (text) this.notes.set(key, text);
    else if (!this.notes.delete(key)) return;
    this.renderNotes();
  }

  // Notices not about one value (a whole list, as older code passes them): each kept once, all
  // replaced by the next list.
  notify(lines) {
    for (const k of [...this.notes.keys()]) if (k.startsWith('msg:')) this.notes.delete(k);
    const have = new Set(this.notes.values());
    lines.forEach((text, k) => { if (text && !have.has(text)) this.notes.set(`msg:${k}`, text); });
    this.renderNotes();
  }

  renderNotes() {
    const all = [...this.notes.values()];
    this.notices = all.slice(0, 3);
    if (all.length > 3) this.notices.push(`…and ${all.length - 3} more settings in the link were not usable.`);
    const text = this.notices.join(' ');
    if (this.noticeEl.textContent !== text) this.noticeEl.textContent = text;
    this.noticeEl.hidden = !text;
  }

  // The pairs that reproduce this run. During a replay the step is the replay's target, never a
  // step it is passing through; while playing, the address leaves the step out (it would be
  // stale in a moment) but a copied link takes the step on screen.
  linkPairs(copy) {
    let t;
    if (!this.inst) t = this.pendingT || 0;
    else if (this.replayTo >= 0) t = this.replayTo;
    else t = this.running && !copy ? 0 : this.inst.steps;
    const input = this.inst ? inputGet(this.inst) : this.pendingInput;
    return statePairs(this.params, this.values, this.seed, DEFAULT_SEED, t, input);
  }

  // The address mirrors the state: written on every settled change, never every frame.
  saveHash() {
    clearTimeout(this.hashTimer);
    this.hashTimer = 0;
    writeAddress(this.id, this.linkPairs(false));
  }

  saveHashSoon() {
    if (!this.hashTimer) this.hashTimer = setTimeout(() => this.saveHash(), 120);
  }

  // A replay (from a link, or the timeline) reached its step.
  replayDone() {
    this.saveHash();
    if (this.fromLink && this.linkTarget === this.inst.steps && !this.running && !this.inst.final) {
      this.setStatus('paused', `Paused at step ${this.inst.steps.toLocaleString('en-US')} (from the link).`);
    }
    this.linkTarget = -1;
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
        // The page may have grown above the widget while the module loaded (fonts, math): land
        // on it again, unless the reader has scrolled meanwhile.
        if (this.scrollWanted && Math.abs(window.scrollY - this.scrolledAt) < 2) this.scrollHere();
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
      this.replayDone();
    } else if (ev === 'refused') {
      this.note('in', 'The link\'s input (a drawing or a point) could not be read, so it was ignored.');
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
    this.refreshApplies();
    this.restart(false);
    this.takeLinkInput();
    let t = this.pendingT;
    this.pendingT = 0;
    this.linkTarget = -1;
    if (this.inst.status !== 'running') return; // the run could not start: restart said why
    if (t > 0) {
      const cap = linkCap(this.manifest);
      const n = (x) => x.toLocaleString('en-US');
      if (t > cap) {
        this.note('t', `The link asked for step ${n(t)}; this widget replays at most ${n(cap)} steps from a link (about two seconds of computing), so it stopped there.`);
        t = cap;
      }
      this.linkTarget = this.fromLink ? t : -1;
      this.setStatus('paused', `Going to step ${n(t)} (from the link)…`);
      this.inst.seek(t, true);
    } else if (this.fromLink) {
      this.setStatus('paused', 'Paused at step 0 (from the link): press Play, or Step to take one update.');
    }
  }

  // The reader's input a link carries, read into the fresh run (mlm_reset keeps it from then on);
  // a malformed one is refused with a notice and the rest of the link still applies.
  takeLinkInput() {
    const text = this.pendingInput;
    this.pendingInput = '';
    if (!text) return;
    if (this.manifest.input !== true || !hasInput(this.inst)) {
      this.note('in', 'The link carries an input (a drawing or a point), which this widget does not take, so it was ignored.');
    } else if (!inputSet(this.inst, text)) {
      this.note('in', 'The link\'s input (a drawing or a point) could not be read, so it was ignored.');
    }
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
  // A widget recording an animation (web/export.js) keeps replaying when scrolled out of view.
  tick(dtMs, budgetMs) {
    if (!this.inst || !(this.visible || this.recording)) return;
    this.inst.setSpeed(this.manifest.speed * SPEEDS[this.speedIndex]);
    if (this.inst.tick(dtMs, budgetMs)) this.dirty = true;
  }

  get active() { return !!this.inst && (this.visible || this.recording) && this.inst.active; }
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
      if (pst.hidden) { pe.sig = null; return; }
      const c = pe.canvas;
      const W = c.clientWidth, H = c.clientHeight;
      if (!W || !H) { pe.sig = null; return; }
      const bw = Math.round(W * dpr), bh = Math.round(H * dpr);
      const views = [];
      this.manifest.views.forEach((v, k) => { if (v.panel === i) views.push({ decl: v, st: inst.views[k] }); });
      // A panel whose inputs are those of the picture it shows is left as it is (web/changes.js).
      const sig = panelSignature(bw, bh, W, H, theme, pst, views);
      sig.cache = this.caches[i];
      if (!pe.watched) { // a canvas the browser dropped and gave back blank is drawn again
        pe.watched = true;
        c.addEventListener('contextrestored', () => { pe.sig = null; this.dirty = true; this.rt.wake(); });
      }
      if (pe.sig && pe.sig.cache === sig.cache && c.width === bw && c.height === bh && sameSignature(pe.sig, sig)) return;
      pe.sig = sig;
      if (c.width !== bw || c.height !== bh) { c.width = bw; c.height = bh; }
      const ctx = c.getContext('2d');
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      pe.geom = drawPanel(ctx, W, H, decl, pst, views, theme, this.caches[i]);
      this.showLegend(pe, pe.geom.legend);
      this.fitHeight(pe, pe.geom);
    });
    // Readouts for the status line: views declared with no panel.
    const parts = [];
    this.manifest.views.forEach((v, k) => {
      if (v.panel !== -1 || inst.views[k].hidden || this.textErrorViews.has(k)) return;
      if (v.kind === 'scalar') {
        const pct = v.flags.includes('percent') && Number.isFinite(inst.views[k].value) ? ' %' : '';
        parts.push(`${v.label} ${formatReadout(inst.views[k].value, v.flags.includes('int'))}${pct}`);
      }
      else if (v.kind === 'text' && inst.views[k].text) parts.push(inst.views[k].text);
    });
    const text = parts.join(' · ');
    if (this.readouts.textContent !== text) this.readouts.textContent = text;
    for (const c of this.controls) if (c && c.errView >= 0) this.showTextError(c, inst.views[c.errView]);
    const s = inst.pictureSteps ?? inst.steps; // a worker's run: the step its picture shows
    const stepText = `Step ${s.toLocaleString('en-US')}`;
    if (this.stepOut.textContent !== stepText) this.stepOut.textContent = stepText;
    // Written only when they differ: each write invalidates the slider's style and layout.
    const max = String(this.maxStep), now = String(s);
    if (this.timeSlider.max !== max) this.timeSlider.max = max;
    if (document.activeElement !== this.timeSlider && this.timeSlider.value !== now) this.timeSlider.value = now;
    if (this.timeSlider.getAttribute('aria-valuetext') !== stepText) this.timeSlider.setAttribute('aria-valuetext', stepText);
    this.describeNow(text);
    // The help lists the panels on show.
    const shown = inst.panels.map((p) => (p.hidden ? 1 : 0)).join('');
    if (shown !== this.helpPanels) {
      this.helpPanels = shown;
      this.setHelpLines(this.shortcutLines(inst.panels.map((p) => p.hidden)));
    }
    this.dirty = false;
  }

  // Each canvas' text alternative: what the panel is, then what the run shows now (status, step,
  // the panel's own readouts, the widget's). Rewritten when the state changes or, while playing,
  // every few seconds: never every frame.
  describeNow(readouts) {
    const inst = this.inst;
    const key = `${this.status}|${this.statusText.textContent}`;
    const now = performance.now();
    if (key === this.altKey && now - this.altAt < ALT_EVERY_MS && (this.running || this.replayTo >= 0)) return;
    if (key === this.altKey && !this.running && this.replayTo < 0 && this.altStep === inst.steps) return;
    this.altKey = key;
    this.altAt = now;
    this.altStep = inst.steps;
    const state = `${this.statusText.textContent} Step ${inst.steps.toLocaleString('en-US')}.`;
    this.panelEls.forEach((pe, i) => {
      const own = [];
      this.manifest.views.forEach((v, k) => {
        if (v.panel !== i || inst.views[k].hidden) return;
        if (v.kind === 'scalar') own.push(`${v.label} ${formatReadout(inst.views[k].value, v.flags.includes('int'))}`);
        else if (v.kind === 'text' && inst.views[k].text) own.push(inst.views[k].text);
      });
      const parts = [this.describePanel(i), state, own.join('; '), readouts].filter(Boolean);
      const alt = parts.join(' ').replace(/\s+/g, ' ').slice(0, 600);
      if (pe.alt !== alt) { pe.alt = alt; pe.canvas.setAttribute('aria-label', alt); }
    });
  }
}
