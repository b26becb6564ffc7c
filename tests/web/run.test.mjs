// run.test.mjs: the driven run (web/run.js) and its timeline of checkpoints (web/engine.js),
// with real engine modules in wasm under Node: going to a step restores the nearest checkpoint at
// or before it (forward as well as back) and replays only the rest; what it lands on is the state
// a straight run reaches; the reader's input cuts the timeline where it changed the run.
//
// Run: node --test tests/web/run.test.mjs   (after `make site build/native/mlmrun`)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Instance, Timeline } from '../../web/engine.js';
import { Run, linkCap, CHECKPOINT_BYTES } from '../../web/run.js';
import { T_MAX } from '../../web/state.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const wasmDir = path.join(root, 'build/wasm');
const mlmrun = path.join(root, 'build/native/mlmrun');
const ready = fs.existsSync(mlmrun) && fs.existsSync(path.join(wasmDir, 'playground.mjs'));

async function open(name, listener) {
  const manifest = JSON.parse(execFileSync(mlmrun, [name, '--manifest'], { encoding: 'utf8' }));
  const create = (await import(pathToFileURL(path.join(wasmDir, name + '.mjs')).href)).default;
  const M = await create({ wasmBinary: fs.readFileSync(path.join(wasmDir, name + '.wasm')) });
  return new Run(new Instance(M, manifest), listener);
}

// Tick until the replay lands (each tick a slice of at most `budget` ms).
function land(run, budget = 50) {
  for (let i = 0; run.replayTo >= 0 && i < 1e6; i++) run.tick(0, budget);
  assert.equal(run.replayTo, -1, 'the replay landed');
}

const same = (a, b) => a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

test('Timeline: before() is the latest mark at or before t; thinning keeps the spacing', () => {
  const tl = new Timeline(8, 4);
  for (let s = 0; s <= 200; s++) tl.offer(s, () => new Uint8Array([s & 255]));
  assert.ok(tl.marks.length <= 8);
  // After thinning every mark sits on the (doubled) spacing, so a replay is shorter than it.
  for (const m of tl.marks) assert.equal(m.step % tl.every, 0);
  for (let t = 0; t <= 200; t++) {
    const b = tl.before(t);
    const linear = tl.marks.filter((m) => m.step <= t).pop() || null;
    assert.equal(b, linear, `before(${t})`);
    assert.ok(t - b.step < tl.every, `step ${t} is within one spacing of a checkpoint`);
  }
  assert.equal(tl.before(-1), null);
  tl.truncate(100);
  assert.ok(tl.marks.every((m) => m.step <= 100) && tl.marks.length > 0);
  tl.fit(1 << 20, CHECKPOINT_BYTES);
  assert.equal(tl.cap, 48);
  tl.fit(1000, CHECKPOINT_BYTES);
  assert.equal(tl.cap, 2048);
});

test('linkCap: a module may declare how far a link replays; otherwise T_MAX', () => {
  assert.equal(linkCap({}), T_MAX);
  assert.equal(linkCap({ t_max: 2500 }), 2500);
  assert.equal(linkCap({ t_max: 1e9 }), T_MAX);
  assert.equal(linkCap({ t_max: 0 }), T_MAX);
});

test('seek forward restores the nearest checkpoint at or before the target', { skip: !ready && 'build first' }, async () => {
  const events = [];
  const run = await open('playground', (e) => events.push(e));
  assert.ok(run.restart(1, false));
  const N = 6000;
  run.seek(N, true); // a link's step: nothing to restore yet, a replay from 0
  land(run);
  assert.equal(run.steps, N);
  assert.equal(run.maxStep, N);
  assert.equal(run.replays, 0, 'steps never taken before are not replays');
  const straight = run.inst.snapshot();
  const every = run.timeline.every;
  assert.ok(every < 200, `checkpoints every ${every} steps`);

  run.seek(0);
  land(run);
  assert.equal(run.steps, 0);
  const target = N - 7;
  const before = run.replays, restores = run.restores;
  run.seek(target);
  land(run);
  assert.equal(run.steps, target);
  assert.equal(run.restores, restores + 1, 'a checkpoint was restored');
  assert.ok(run.replays - before < every, `replayed ${run.replays - before} steps, not ${target}`);
  // The end of the run again: exactly the bytes the straight run had there.
  run.seek(N);
  land(run);
  assert.ok(same(run.inst.snapshot(), straight), 'the state at the end is the straight run\'s');
  assert.ok(events.includes('arrived'));
});

test('a seek lands on the state a straight run reaches at that step', { skip: !ready && 'build first' }, async () => {
  const a = await open('optimizers');
  const b = await open('optimizers');
  a.restart(3, false);
  b.restart(3, false);
  a.seek(900, true);
  land(a, 1);
  for (const t of [17, 400, 899, 256, 0, 513]) {
    a.seek(t);
    land(a, 1);
    b.restart(3, false);
    b.advance(t);
    assert.equal(a.steps, t);
    assert.ok(same(a.inst.snapshot(), b.inst.snapshot()), `step ${t}`);
  }
});

test('a run that ends reports it once and stops; play after the end starts again', { skip: !ready && 'build first' }, async () => {
  const events = [];
  const run = await open('linear_regression', (e) => events.push(e));
  run.restart(1, true);
  for (let i = 0; i < 1e5 && run.running; i++) run.tick(1000, 5);
  assert.equal(run.running, false);
  assert.ok(run.final, `the run ended (${run.status})`);
  assert.equal(events.filter((e) => e === 'end').length, 1);
  const end = run.steps;
  run.seek(Math.floor(end / 2));
  land(run);
  assert.equal(run.final, false, 'before its end the run is not final');
  run.play();
  assert.equal(run.running, true);
  assert.equal(run.steps, Math.floor(end / 2), 'play from a scrubbed-back step continues from there');
  run.seek(end);
  land(run);
  assert.ok(run.final);
  run.play();
  assert.equal(run.steps, 0, 'Play again starts from step 0');
});

test('input that changes the run cuts the timeline at that step', { skip: !ready && 'build first' }, async () => {
  const run = await open('digit_reader');
  const panel = run.manifest.panels.findIndex((p) => p.flags.includes('pointer'));
  assert.ok(panel >= 0, 'the digit reader takes pointer input');
  run.restart(1, false);
  run.seek(64, true);
  land(run);
  run.seek(40);
  land(run);
  const r = run.pointer(panel, 0, 0.5, 0.5);
  if (r === 1) {
    assert.equal(run.steps, 0);
  } else {
    assert.equal(run.maxStep, 40, 'the steps after the drawing are gone from the timeline');
    assert.ok(run.timeline.marks.every((m) => m.step <= 40));
  }
});

test('slices start from one step and grow at most fourfold, so no first slice freezes a frame', { skip: !ready && 'build first' }, async () => {
  const run = await open('digit_reader');
  run.restart(1, false);
  run.msPerStep = 1e-3; // a stale estimate from a much cheaper run
  run.begun();
  run.seek(500, true);
  const sizes = [];
  for (let i = 0; i < 6 && run.replayTo >= 0; i++) {
    const s = run.steps;
    run.tick(0, 8);
    sizes.push(run.steps - s);
  }
  assert.equal(sizes[0], 1, 'the first slice of a fresh run is one step');
  for (let i = 1; i < sizes.length; i++) assert.ok(sizes[i] <= 4 * sizes[i - 1], `slices ${sizes}`);
  // After the ramp the measured cost, not the stale guess, sets the slice: a digit-reader step
  // costs well over 0.01 ms, so 8 ms never holds 800 of them.
  assert.ok(run.msPerStep > 0.01, `measured ${run.msPerStep} ms a step`);
  assert.ok(run.fit(8) < 800);
});

// The chapter's own settings for a widget, from the built page (null when it is not built).
function pageManifest(page, id) {
  const f = path.join(root, 'site', page);
  if (!fs.existsSync(f)) return null;
  const html = fs.readFileSync(f, 'utf8');
  for (const m of html.matchAll(/data-id="([^"]+)"[^>]*>\s*<script type="application\/json" class="widget-manifest">(\{.*?\})<\/script>/gs)) {
    if (m[1] === id) return JSON.parse(m[2]);
  }
  return null;
}

test('a report that is not final is told and the run plays on', { skip: !ready && 'build first' }, async () => {
  // Chapter 1's three learning rates: the largest diverges within a few steps, the others go on.
  const manifest = pageManifest('gradient-descent.html', 'three-rates');
  if (!manifest) return;
  const events = [];
  const run = await open(manifest.module, (e, info) => events.push([e, info]));
  manifest.params.forEach((p, i) => run.set(i, p.def));
  run.restart(1, true);
  let reportAt = -1;
  for (let i = 0; i < 2000 && run.running; i++) {
    run.tick(1000 / 60, 5);
    if (reportAt < 0 && events.some(([e]) => e === 'report')) reportAt = run.steps;
  }
  const report = events.find(([e]) => e === 'report');
  assert.ok(report, `a run ended along the way (events: ${events.map(([e]) => e)})`);
  assert.ok(report[1].reason.length > 0 && report[1].step > 0, 'the report carries its reason and step');
  assert.ok(run.steps > report[1].step, `the run played on past step ${report[1].step} (now ${run.steps})`);
  assert.equal(events.filter(([e]) => e === 'end').length, run.final ? 1 : 0);
});
