// remote.js: where a widget's run lives. openRun() loads the module and returns either a Run
// (web/run.js) on the main thread, or, for a module whose manifest says "worker": true, a
// RemoteRun: the same interface, answered from a Web Worker (web/worker.js) that hosts the Run.
// The page keeps the latest state and views the worker posted, so reading the run (steps, status,
// views...) never waits; commands are posted and take effect in order.
//
// globalThis.MLM_WORKER (true or false), set before the page's scripts run, puts every module in a
// worker or none: for tests and measurements, never set by the book itself.
import { Instance, loadModule } from './engine.js';
import { Run } from './run.js';
import { clampParam } from './state.js';

export function wantsWorker(manifest) {
  const force = globalThis.MLM_WORKER;
  if (force === true || force === false) return force;
  return manifest.worker === true;
}

export async function openRun(manifest, listener) {
  if (wantsWorker(manifest) && typeof Worker === 'function') {
    try {
      return await RemoteRun.open(manifest, listener);
    } catch (e) {
      console.warn(`${manifest.module}: the worker could not start (${e && e.message ? e.message : e}); running on the page`);
    }
  }
  const M = await loadModule(manifest.module);
  return new Run(new Instance(M, manifest), listener);
}

// One download of a module's wasm per page, however many of its widgets run in workers: each
// worker gets a copy of the bytes to compile (three CNN widgets fetched its 88 KB three times,
// since a worker's own fetch shares nothing with its siblings').
const wasmFetched = new Map();
function wasmBytes(name) {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) return Promise.resolve(null);
  if (!wasmFetched.has(name)) {
    const p = fetch(new URL(`../engine/${name}.wasm`, import.meta.url))
      .then((r) => (r.ok ? r.arrayBuffer() : null))
      .catch(() => null); // the worker then fetches the file itself
    wasmFetched.set(name, p);
  }
  return wasmFetched.get(name);
}

const blankView = () => ({ data: null, count: 0, w: 0, h: 0, version: 0, text: '', value: 0, hidden: false,
  x0: 0, x1: 0, y0: 0, y1: 0, lo: 0, hi: 0 });

export class RemoteRun {
  static async open(manifest, listener) {
    const wasm = await wasmBytes(manifest.module);
    return new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
      const fail = (msg) => { worker.terminate(); reject(new Error(msg)); };
      worker.onerror = (e) => { e.preventDefault?.(); fail(e.message || 'the worker script failed'); };
      worker.onmessage = (e) => {
        if (e.data.op === 'opened') resolve(new RemoteRun(worker, manifest, listener));
        else if (e.data.op === 'error') fail(e.data.message);
      };
      worker.postMessage({ op: 'open', manifest, wasm });
    });
  }

  constructor(worker, manifest, listener) {
    this.worker = worker;
    this.manifest = manifest;
    this.emit = listener;
    this.remote = true;
    this.seq = 0;           // commands sent
    this.ticking = false;   // a tick is in flight
    this.owed = 0;          // milliseconds of wall time not yet sent with a tick
    this.speed = 0;
    this.pending = [];      // events heard, told once the state they speak of has arrived
    this.values = manifest.params.map((p) => p.def);
    this.st = { steps: 0, status: 'running', final: false, statusStep: 0, reason: '', maxStep: 0, running: false,
      replayTo: -1, input: '', replays: 0, restores: 0 };
    this.views = manifest.views.map(blankView);
    this.pictureStep = 0;
    this.panels = manifest.panels.map(() => ({ x0: 0, x1: 1, y0: 0, y1: 1, hidden: false }));
    this.frames = 0;        // pictures received
    worker.onmessage = (e) => this.receive(e.data);
    worker.onerror = (e) => { e.preventDefault?.(); this.st.running = false; this.st.replayTo = -1;
      this.st.reason = `the worker stopped: ${e.message || 'an error'}`; this.emit('failed'); };
  }

  send(op, ...args) { this.worker.postMessage({ op, args, seq: ++this.seq }); }

  receive(m) {
    if (m.op !== 'frame') return;
    if (m.events && m.events.length) this.pending.push(...m.events);
    // A frame computed before the latest command is out of date: its picture and events wait for
    // the reply to that command (the worker answers every command, in order).
    if (m.tick) this.ticking = false;
    if (m.seq !== this.seq) return;
    Object.assign(this.st, m.state);
    this.values = m.state.values;
    if (m.views) {
      this.pictureStep = this.st.steps;
      m.views.forEach((v, k) => Object.assign(this.views[k], v));
      m.panels.forEach((p, k) => Object.assign(this.panels[k], p));
      this.frames++;
    }
    const evs = this.pending;
    this.pending = [];
    for (const ev of evs) { if (Array.isArray(ev)) this.emit(ev[0], ev[1]); else this.emit(ev); }
    this.emit('frame');
  }

  // ---- the Instance's face, from the latest frame ----
  get steps() { return this.st.steps; }
  // The step the latest picture (views and readouts) shows. Step, Reset and a restart count at
  // once, before the worker answers with the picture; the step the page shows waits for it, so
  // that a step number never sits beside the previous step's readouts.
  get pictureSteps() { return this.pictureStep; }
  get status() { return this.st.status; }
  get final() { return this.st.final; }
  get statusStep() { return this.st.statusStep; }
  get reason() { return this.st.reason; }
  get maxStep() { return this.st.maxStep; }
  get running() { return this.st.running; }
  get replayTo() { return this.st.replayTo; }
  get replays() { return this.st.replays; }
  get restores() { return this.st.restores; }
  get target() { return this.st.replayTo >= 0 ? this.st.replayTo : this.st.steps; }
  get active() { return this.st.running || this.st.replayTo >= 0; }

  // The engine clamps by the same rule as clampParam (state.js), so the page knows the stored
  // value without waiting for the worker.
  set(i, v) {
    const c = clampParam(this.manifest.params[i], v);
    this.values[i] = c;
    this.send('set', i, v);
    return c;
  }

  get(i) { return this.values[i]; }
  draw() {}
  inputGet() { return this.st.input; }
  // Refusal comes back as the 'refused' event (the worker answers after the page has moved on).
  inputSet(text) { this.send('inputSet', String(text)); return true; }
  pointer(panel, kind, x, y) { this.send('pointer', panel, kind, x, y); return 0; }
  action(k) { this.send('action', k); return 0; }
  destroy() { this.worker.terminate(); }

  // ---- driving: posted, with the state the page reads updated at once where it is certain ----
  setSpeed(s) { if (s !== this.speed) { this.speed = s; this.send('setSpeed', s); } }

  restart(seed, keepRunning) {
    Object.assign(this.st, { steps: 0, maxStep: 0, status: 'running', final: false, running: !!keepRunning, replayTo: -1 });
    this.send('restart', seed, !!keepRunning);
    return true;
  }

  play() {
    if (this.st.final) Object.assign(this.st, { steps: 0, maxStep: 0, status: 'running', final: false });
    this.st.running = true;
    this.st.replayTo = -1;
    this.send('play');
  }

  // The worker may have taken steps the page has not seen yet: once its answer is in, the run
  // says it has arrived, so the page shows (and the address names) the step it really stopped at.
  pause() {
    const was = this.active;
    this.st.running = false;
    this.st.replayTo = -1;
    this.send('pause');
    if (was) this.pending.push('arrived');
  }

  stepOnce() {
    this.st.running = false;
    this.st.replayTo = -1;
    if (!this.st.final) { this.st.steps++; this.st.maxStep = Math.max(this.st.maxStep, this.st.steps); }
    this.send('stepOnce');
  }

  seek(t, beyond = false) {
    t = Math.max(0, Math.floor(t));
    if (!beyond) t = Math.min(t, this.st.maxStep);
    this.st.running = false;
    this.st.replayTo = t;
    this.send('seek', t, beyond);
  }

  // The worker computes; the page only says how much time has passed, one tick at a time.
  tick(dtMs) {
    if (!this.st.running) { this.owed = 0; return false; }
    this.owed += dtMs;
    if (this.ticking) return false;
    this.ticking = true;
    this.worker.postMessage({ op: 'tick', args: [this.owed], seq: this.seq });
    this.owed = 0;
    return false;
  }
}
