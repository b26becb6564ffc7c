// run.js: one run of a module, driven. A Run owns the engine Instance and its Timeline of
// checkpoints and knows how to play it at a pace, take single steps, go to any step (restoring the
// nearest checkpoint at or before it, then replaying in budgeted slices) and restart it. It does
// not know the page: it reports what happened through one listener, `(event) => void`, with
// events 'end' (the run reached a final or non-running status), 'arrived' (a replay or a single
// step landed where it was asked to), 'failed' (a restart could not start: see reason) and
// 'restarted' (the module's own input restarted the run).
//
// The same class runs on the main thread (widget.js) and inside the Web Worker (worker.js) for
// modules that declare `worker`; on the page, a RemoteRun (web/remote.js) answers with the same
// interface. It also answers like an Instance (steps, status,
// final, statusStep, reason, views, panels, set, get, pointer, draw), so code that reads the run
// does not care which it holds.
import { Timeline } from './engine.js';
import { T_MAX } from './state.js';

// The largest step a link may ask this module for: what it replays in about two seconds, when
// the module declares it ("t_max" in its manifest), else the bound every link has (T_MAX).
export function linkCap(manifest) {
  const t = Math.floor(Number(manifest.t_max));
  return t > 0 ? Math.min(t, T_MAX) : T_MAX;
}

// Memory the checkpoints of one run may take (a page may hold several runs, and phones have
// little memory): the timeline keeps as many snapshots as fit (at least 48, at most 2048), so a
// scrub replays as few steps as possible (the playground: at most 128 over 70,000 steps).
export const CHECKPOINT_BYTES = 16 << 20;

export class Run {
  constructor(inst, listener = () => {}) {
    this.inst = inst;
    this.manifest = inst.manifest;
    this.emit = listener;
    this.timeline = new Timeline();
    this.seed = 1;
    this.running = false;
    this.replayTo = -1;     // a step to reach before stopping (link restore, timeline), or -1
    this.carry = 0;         // fractional steps owed by the player
    this.msPerStep = 0.05;  // measured; sets how many steps fit in a budget
    this.lastN = 0;         // steps in the last timed slice (0: none yet)
    this.speed = inst.manifest.speed || 30; // steps per second while playing
    this.maxStep = 0;       // furthest step reached in this run: the timeline's end
    this.replays = 0;       // steps taken to reach a step already seen (for tests and the bench)
    this.restores = 0;      // checkpoints restored
    this.maxDt = 1000 / 60; // the most wall time one tick may turn into steps
    this.restDrawn = -1;    // the step last drawn at rest (drawn twice: see draw)
  }

  // ---- the Instance's face ----
  get steps() { return this.inst.steps; }
  get status() { return this.inst.status; }
  get final() { return this.inst.final; }
  get statusStep() { return this.inst.statusStep; }
  get reason() { return this.inst.reason; }
  get views() { return this.inst.views; }
  get panels() { return this.inst.panels; }
  set(i, v) { return this.inst.set(i, v); }
  get(i) { return this.inst.get(i); }
  // Let the module fill its views. The first drawing at rest is followed by a second: a module
  // may spread a costly picture over two drawings while training (the playground's boundary
  // refreshes half its rows a frame) and completes it when drawn again at the same step, so a
  // paused run always shows the whole picture, wherever the run lives.
  draw() {
    this.inst.draw();
    if (this.active) this.restDrawn = -1;
    else if (this.restDrawn !== this.steps) {
      this.inst.draw();
      this.restDrawn = this.steps;
    }
  }
  destroy() { this.inst.destroy(); }

  // The step a link should name: where a replay is going, else where the run is.
  get target() { return this.replayTo >= 0 ? this.replayTo : this.steps; }
  // Something to do in the frame loop.
  get active() { return this.running || this.replayTo >= 0; }

  // The module's own pointer input (panels flagged "pointer"). The input lives in the run's
  // state, so it changes the run from this step on: checkpoints after it no longer hold.
  // A module that returns 1 restarted the run (a point that training sees was added).
  pointer(panel, kind, x, y) {
    const r = this.inst.pointer(panel, kind, x, y);
    this.changed(r);
    return r;
  }

  action(k) {
    const r = this.inst.action ? this.inst.action(k) : 0;
    this.changed(r);
    return r;
  }

  // Read the reader's input (link text) into a fresh run: true, or false when refused.
  inputSet(text) {
    if (!this.inst.inputSet) return false;
    const ok = this.inst.inputSet(text);
    if (ok) this.begun();
    return ok;
  }

  inputGet() { return this.inst.inputGet ? this.inst.inputGet() : ''; }

  changed(restarted) {
    if (restarted === 1) {
      this.begun();
      this.emit('restarted');
    } else {
      // Checkpoints after this step were taken without the new input.
      const s = this.steps;
      this.timeline.truncate(s);
      this.maxStep = s;
    }
  }

  // ---- driving ----

  setSpeed(stepsPerSecond) { this.speed = stepsPerSecond; }

  // Restart from the current parameters with `seed`; false (and the 'failed' event) when the
  // module refuses them.
  restart(seed, keepRunning) {
    if (seed !== undefined) this.seed = seed;
    this.replayTo = -1;
    this.carry = 0;
    if (!this.inst.reset(this.seed)) {
      this.running = false;
      this.timeline.clear();
      this.maxStep = 0;
      this.emit('failed');
      return false;
    }
    this.begun();
    this.running = !!keepRunning;
    return true;
  }

  // A fresh run at step 0: a new timeline, sized for this module's snapshots.
  begun() {
    const snap = this.inst.snapshot();
    this.timeline.clear();
    this.timeline.fit(snap.length, CHECKPOINT_BYTES);
    this.timeline.offer(0, () => snap);
    this.maxStep = 0;
    this.replayTo = -1;
    this.carry = 0;
    this.restDrawn = -1;
    this.lastN = 0; // new parameters may make a step much dearer: measure again from one step
  }

  play() {
    if (this.final) this.restart(this.seed, true); // "Play again"
    this.running = true;
    this.replayTo = -1;
  }

  pause() {
    this.running = false;
    this.replayTo = -1;
  }

  stepOnce() {
    this.running = false;
    this.replayTo = -1;
    this.advance(1);
    this.emit('arrived');
  }

  // Go to step t of this run (at most the furthest step reached, unless `beyond`: a link may ask
  // for a step not reached yet): restore the nearest checkpoint at or before it when that is
  // closer than where the run is, and replay the rest in tick() (seed and parameters make the
  // replay exact).
  seek(t, beyond = false) {
    this.running = false;
    t = Math.max(0, Math.floor(t));
    if (!beyond) t = Math.min(t, this.maxStep);
    const s = this.steps;
    const cp = this.timeline.before(t);
    if (!cp && this.final) return; // a run that could not start has nowhere to go
    if (cp && (t < s || cp.step > s) && this.inst.restore(cp.snap)) this.restores++;
    this.replayTo = t;
    this.restDrawn = -1;
  }

  // Take up to n steps now, keeping checkpoints; emits 'end' on a change to a final status.
  advance(n) {
    const inst = this.inst;
    const tl = this.timeline;
    let taken = 0;
    while (taken < n) {
      // Stop at checkpoint boundaries so the timeline can take its snapshot.
      const s = inst.steps;
      const chunk = Math.min(n - taken, tl.every - (s % tl.every));
      const k = inst.step(chunk);
      taken += k;
      tl.offer(inst.steps, () => inst.snapshot());
      if (k < chunk || inst.status !== 'running') break;
    }
    const s = inst.steps;
    if (s <= this.maxStep) this.replays += taken;
    else { this.replays += Math.max(0, taken - (s - this.maxStep)); this.maxStep = s; }
    if (inst.final) {
      this.running = false;
      this.replayTo = -1;
      this.emit('end');
    } else if (inst.status !== 'running') {
      // A report that is not final (one of several runs ended): the run carries on, and the
      // engine clears the report at the next step, so it travels with the event.
      this.emit('report', { status: inst.status, reason: inst.reason, step: inst.statusStep });
    }
    return taken;
  }

  // One slice of work: a replay's next steps, or the player's steps for dtMs of wall time, in at
  // most budgetMs of computing. Returns true when something changed.
  tick(dtMs, budgetMs) {
    if (this.replayTo >= 0) {
      const want = this.replayTo - this.steps;
      if (want <= 0) {
        this.replayTo = -1;
        this.emit('arrived');
        return true;
      }
      this.timed(Math.min(want, this.fit(budgetMs)));
      if (this.replayTo >= 0 && this.steps >= this.replayTo) {
        this.replayTo = -1;
        this.emit('arrived');
      }
      return true;
    }
    if (!this.running) return false;
    // At most one 60 Hz frame's worth of steps per frame: when frames come late the run slows
    // down rather than piling more work into each frame (which would make them later still).
    this.carry += (this.speed * Math.min(dtMs, this.maxDt)) / 1000;
    const n = Math.min(Math.floor(this.carry), this.fit(budgetMs));
    if (n <= 0) return false;
    this.carry -= n;
    if (this.carry > 1) this.carry = 0; // the budget, not the clock, set the pace: do not owe steps
    this.timed(n);
    return true;
  }

  // Steps that fit in budgetMs at the measured cost, and at most four times the last slice: a
  // run starts from one step, because a first slice guessed too large (code not yet optimised, a
  // heavier model after a restart) would freeze a frame for a long time.
  fit(budgetMs) {
    const n = Math.max(1, Math.floor(budgetMs / Math.max(this.msPerStep, 1e-4)));
    return Math.min(n, Math.max(1, 4 * this.lastN));
  }

  timed(n) {
    const t0 = performance.now();
    const k = this.advance(n);
    const dt = performance.now() - t0;
    if (k > 0) this.msPerStep = this.lastN ? 0.8 * this.msPerStep + 0.2 * (dt / k) : dt / k;
    this.lastN = k > 0 ? k : this.lastN;
    return k;
  }
}
