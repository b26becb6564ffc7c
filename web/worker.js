// worker.js: a Web Worker that owns one widget's run, for modules whose steps are too heavy for a
// frame (the module's manifest says "worker": true). It hosts the same Run (web/run.js) the main
// thread uses, so checkpoints, seeks, replays and links behave identically; the page talks to it
// through RemoteRun (web/remote.js). After each piece of work it lets the module draw and posts a
// frame: the run's state and a copy of every view's numbers, whose buffers are transferred (not
// shared, so a static host needs no special headers).
//
// Messages in: { op: 'open', manifest, wasm (the module's bytes, or null) } first, then { op, args, seq } for the Run's methods
// (set, restart, play, pause, stepOnce, seek, pointer, action, inputSet, setSpeed, tick, draw).
// Messages out: { op: 'opened' } or { op: 'error', message }, then frames:
// { op: 'frame', seq (last command handled), tick (answers a tick), state, events, views?, panels? }.
import { Instance, loadModule } from './engine.js';
import { Run } from './run.js';

// A replay works in slices of this many milliseconds, between which messages are handled and,
// at most every FRAME_MS, a frame is posted so the page shows the replay moving.
const REPLAY_SLICE_MS = 30;
const FRAME_MS = 16;
// Computing per tick while playing: the page sends a tick per animation frame, one at a time.
const PLAY_BUDGET_MS = 12;

let run = null;
let manifest = null;
let seq = 0;
let events = [];
let pumping = false;
let lastFrame = 0;
let pictureSeq = -1; // the command the last picture posted answered
const yieldPort = new MessageChannel();

function state() {
  return {
    steps: run.steps, status: run.status, final: run.final, statusStep: run.statusStep,
    reason: run.reason, maxStep: run.maxStep, running: run.running, replayTo: run.replayTo,
    input: manifest.input ? run.inputGet() : '', replays: run.replays, restores: run.restores,
    values: manifest.params.map((p, i) => run.get(i)),
  };
}

// Post the run's state, and with `picture` the views the module draws now (copied out of the
// wasm heap into buffers of their own, which are transferred).
function post(picture, tick = false) {
  // The page keeps only frames that answer its latest command (remote.js): a picture posted before
  // this command (a replay's last, say) is dropped there, so this answer brings the picture again.
  if (run && pictureSeq !== seq) picture = true;
  const msg = { op: 'frame', seq, tick, state: state(), events };
  events = [];
  const transfer = [];
  if (picture) {
    run.draw();
    msg.views = run.views.map((s) => {
      const data = s.data ? new Float32Array(s.data) : null;
      if (data) transfer.push(data.buffer);
      return { data, count: s.count, w: s.w, h: s.h, version: s.version, text: s.text, value: s.value, hidden: s.hidden,
        x0: s.x0, x1: s.x1, y0: s.y0, y1: s.y1, lo: s.lo, hi: s.hi };
    });
    msg.panels = run.panels.map((p) => ({ ...p }));
    lastFrame = performance.now();
    pictureSeq = seq;
  }
  postMessage(msg, transfer);
}

// Replays run here, not paced by the page: slice after slice until the target is reached, with
// the message queue handled between slices (a new seek or a pause takes effect at once).
function pump() {
  pumping = false;
  if (!run || run.replayTo < 0) return;
  run.tick(0, REPLAY_SLICE_MS);
  const done = run.replayTo < 0;
  if (done || performance.now() - lastFrame >= FRAME_MS) post(true);
  if (!done) schedule();
}

function schedule() {
  if (pumping) return;
  pumping = true;
  yieldPort.port2.postMessage(0);
}
yieldPort.port1.onmessage = pump;

const ops = {
  set: (i, v) => { run.set(i, v); return false; },
  restart: (seed, keep) => { run.restart(seed, keep); return true; },
  play: () => { run.play(); return true; },
  pause: () => { run.pause(); return true; },
  stepOnce: () => { run.stepOnce(); return true; },
  seek: (t, beyond) => { run.seek(t, beyond); schedule(); return true; },
  pointer: (panel, kind, x, y) => { run.pointer(panel, kind, x, y); return true; },
  action: (k) => { run.action(k); return true; },
  inputSet: (text) => { if (!run.inputSet(text)) events.push('refused'); return true; },
  setSpeed: (s) => { run.setSpeed(s); return false; },
  tick: (dt) => run.tick(dt, PLAY_BUDGET_MS),
  draw: () => true,
};

self.onmessage = async (e) => {
  const m = e.data;
  if (m.op === 'open') {
    try {
      manifest = m.manifest;
      const M = await loadModule(manifest.module, m.wasm || undefined);
      run = new Run(new Instance(M, manifest), (ev, info) => events.push(info ? [ev, info] : ev));
      run.maxDt = 100; // ticks come one at a time; a late one still owes its steps (up to 0.1 s)
      postMessage({ op: 'opened' });
    } catch (err) {
      postMessage({ op: 'error', message: err && err.message ? err.message : String(err) });
    }
    return;
  }
  if (!run || !ops[m.op]) return;
  if (m.seq) seq = m.seq;
  const picture = ops[m.op](...(m.args || []));
  post(!!picture, m.op === 'tick');
};
