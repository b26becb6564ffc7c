// parity.test.mjs: every engine module gives the same numbers in wasm (run in Node) as natively
// (build/native/mlmrun), bit for bit, at the defaults and across its parameter ranges.
// Both builds use -ffp-contract=off, so any difference is a real one (a libm function that rounds
// differently, a wasm-only code path): a mismatch is reported per view with its size in ULPs,
// never tolerated silently. Modules are found in build/wasm/; nothing here names one.
//
// Run: node --test tests/web/   (after `make site build/native/mlmrun`)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const wasmDir = path.join(root, 'build/wasm');
const mlmrun = path.join(root, 'build/native/mlmrun');
const STEPS = 300;

// Layout of mlm_view_state in wasm32 (engine/core/wasm.c asserts these offsets).
const VIEW_BYTES = 56;

const modules = fs.existsSync(wasmDir)
  ? fs.readdirSync(wasmDir).filter((f) => f.endsWith('.mjs')).map((f) => f.slice(0, -4)).sort()
  : [];
// MLM_ONLY_MODULES=a,b (tests/run.sh sets it from MLM_ONLY=slug, for `make check NAME=slug`):
// compare only these modules.
const onlyModules = (process.env.MLM_ONLY_MODULES || '').split(',').filter(Boolean);
for (const m of onlyModules) {
  if (modules.length && !modules.includes(m)) throw new Error(`MLM_ONLY_MODULES names ${m}, which build/wasm does not have`);
}
const compared = onlyModules.length ? modules.filter((m) => onlyModules.includes(m)) : modules;

function native(args) {
  return execFileSync(mlmrun, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
}

// mlmrun prints floats with %.9g; a non-finite value would print as nan/inf, which is not JSON.
// Turn those into strings so the comparison can name them instead of failing to parse.
function parseNative(text) {
  return JSON.parse(text.replace(/([[,:])(-?)(nan|inf)\b/gi, '$1"$2$3"'));
}

function nativeFloat(s) {
  if (typeof s === 'number') return Math.fround(s);
  const t = String(s).toLowerCase();
  if (t.includes('nan')) return NaN;
  return t.startsWith('-') ? -Infinity : Infinity;
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
// Distance in units in the last place between two float32 values (ordered as integers).
function ulps(a, b) {
  const key = (x) => {
    f32[0] = x;
    const i = i32[0];
    return i < 0 ? -2147483648 - i : i;
  };
  return Math.abs(key(a) - key(b));
}

function same(a, b) {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

// Configurations to compare: the defaults with two seeds and a single step, then every choice of
// every CHOICE parameter, both values of every BOOL, and min and max of every FLOAT and INT
// (the extremes are where divergence handling and clamping live).
function configs(manifest) {
  const list = [
    { name: 'defaults, seed 1', seed: 1, steps: STEPS, set: {} },
    { name: 'defaults, seed 12345', seed: 12345, steps: 1, set: {} },
    { name: 'defaults, seed 7', seed: 7, steps: STEPS, set: {} },
  ];
  for (const p of manifest.params) {
    if (p.kind === 'choice') {
      p.choices.forEach(([key], k) => {
        if (k !== p.def) list.push({ name: `${p.name}=${key}`, seed: 3, steps: STEPS, set: { [p.name]: k } });
      });
    } else if (p.kind === 'bool') {
      list.push({ name: `${p.name}=${p.def ? 0 : 1}`, seed: 3, steps: STEPS, set: { [p.name]: p.def ? 0 : 1 } });
    } else if (p.kind === 'text') {
      // a text of every operation the shared expression parser knows, and one it refuses: both
      // sides must read each the same way, whatever the module makes of it
      for (const v of ['sin(x)*cos(x) + exp(-x^2)/sqrt(1+x^2) - log(2+tanh(x)) + sigmoid(x)*abs(x) - relu(x-1)^3 + tan(x/4)', 'x^*1']) {
        list.push({ name: `${p.name}=${v}`, seed: 3, steps: STEPS, set: { [p.name]: v } });
      }
    } else {
      for (const v of [p.min, p.max]) {
        if (v !== p.def) list.push({ name: `${p.name}=${v}`, seed: 3, steps: STEPS, set: { [p.name]: v } });
      }
    }
  }
  return list;
}

function runNative(name, manifest, cfg) {
  const args = [name, '--seed', String(cfg.seed), '--steps', String(cfg.steps)];
  for (const [k, v] of Object.entries(cfg.set)) {
    const p = manifest.params.find((q) => q.name === k);
    args.push(`${k}=${p.kind === 'choice' ? p.choices[v][0] : String(v)}`);
  }
  return parseNative(native(args));
}

function runWasm(M, manifest, cfg) {
  const inst = M._mlm_js_create();
  assert.ok(inst, 'mlm_js_create returned NULL');
  try {
    manifest.params.forEach((p, i) => {
      if (!(p.name in cfg.set)) return;
      if (p.kind === 'text') {
        const buf = M._mlm_js_input_buffer();
        M.HEAPU8.set(new TextEncoder().encode(cfg.set[p.name] + '\0'), buf);
        assert.equal(M._mlm_js_set_text(inst, i, buf), 0, `mlm_js_set_text ${p.name}`);
      } else M._mlm_js_set(inst, i, cfg.set[p.name]);
    });
    assert.equal(M._mlm_js_reset(inst, cfg.seed), 0, 'mlm_js_reset failed: ' + M.UTF8ToString(M._mlm_js_reason(inst)));
    // The same loop as mlmrun: mlm_step stops early when the status changes.
    let taken = 0;
    while (taken < cfg.steps) {
      const k = M._mlm_js_step(inst, cfg.steps - taken);
      taken += k;
      if (k === 0) break;
    }
    M._mlm_js_draw(inst);
    const floats = manifest.views.map((v, i) => M._mlm_js_view_floats(inst, i));
    // Read the heap only after the last call: memory growth replaces the buffer.
    const heapF = M.HEAPF32, heapI = M.HEAP32;
    const base = M._mlm_js_views(inst);
    const views = manifest.views.map((v, i) => {
      const at = (base + i * VIEW_BYTES) >> 2;
      const data = heapI[at] >>> 2;
      if (v.kind === 'scalar') return [heapF[at + 6]];
      if (v.kind === 'text') return [];
      const n = floats[i];
      if (!data || n <= 0) return [];
      return Array.from(heapF.subarray(data, data + n));
    });
    return { steps: M._mlm_js_steps(inst), status: M._mlm_js_status(inst), final: M._mlm_js_final(inst), views };
  } finally {
    M._mlm_js_destroy(inst);
  }
}

function compare(manifest, nat, wasm) {
  const problems = [];
  if (nat.steps !== wasm.steps) problems.push(`steps: native ${nat.steps}, wasm ${wasm.steps}`);
  if (nat.status !== wasm.status) problems.push(`status: native ${nat.status}, wasm ${wasm.status}`);
  if (nat.final !== wasm.final) problems.push(`final: native ${nat.final}, wasm ${wasm.final}`);
  manifest.views.forEach((v, i) => {
    const a = nat.views[v.name];
    const b = wasm.views[i];
    if (!Array.isArray(a)) return problems.push(`view ${v.name}: missing from mlmrun's output`);
    if (a.length !== b.length) return problems.push(`view ${v.name} (${v.kind}): native ${a.length} floats, wasm ${b.length}`);
    let differ = 0, worst = 0, first = -1, nonfinite = 0;
    for (let j = 0; j < a.length; j++) {
      const x = nativeFloat(a[j]);
      if (!Number.isFinite(x)) nonfinite++;
      if (!same(x, b[j])) {
        differ++;
        if (first < 0) first = j;
        worst = Math.max(worst, Number.isFinite(x) && Number.isFinite(b[j]) ? ulps(x, b[j]) : Infinity);
      }
    }
    if (nonfinite) problems.push(`view ${v.name}: ${nonfinite} non-finite values reach the view natively`);
    if (differ) {
      problems.push(`view ${v.name} (${v.kind}): ${differ} of ${a.length} floats differ, worst by ${worst} ULP ` +
        `(first at [${first}]: native ${a[first]}, wasm ${b[first]})`);
    }
  });
  return problems;
}

test('wasm modules and the native runner are built', () => {
  assert.ok(fs.existsSync(mlmrun), `${mlmrun} is missing: run make build/native/mlmrun`);
  assert.ok(modules.length > 0, `no modules in ${wasmDir}: run make site`);
  const listed = native(['--list']).trim().split('\n').sort();
  assert.deepEqual(modules, listed, 'build/wasm and the native registry hold different modules');
});

for (const name of compared) {
  test(`parity: ${name}`, async (t) => {
    const manifest = JSON.parse(native([name, '--manifest']));
    const create = (await import(pathToFileURL(path.join(wasmDir, name + '.mjs')).href)).default;
    const M = await create({ wasmBinary: fs.readFileSync(path.join(wasmDir, name + '.wasm')) });
    assert.ok(M.HEAPF32 && M.HEAP32, 'the glue does not expose HEAPF32/HEAP32');
    assert.equal(M._mlm_js_n_params(), manifest.params.length, 'parameter count');
    assert.equal(M._mlm_js_n_views(), manifest.views.length, 'view count');
    assert.equal(M._mlm_js_n_panels(), manifest.panels.length, 'panel count');
    // The contract's newer exports are there, and agree with the manifest: whether each
    // parameter applies at the defaults (its "when"), whether the module asks for a worker.
    for (const f of ['input_get', 'input_set', 'input_buffer', 'action', 'applies', 'worker']) {
      assert.equal(typeof M['_mlm_js_' + f], 'function', `mlm_js_${f} is not exported`);
    }
    assert.equal(M._mlm_js_worker(), manifest.worker ? 1 : 0, 'worker flag');
    {
      const inst = M._mlm_js_create();
      assert.equal(M._mlm_js_reset(inst, 1), 0, 'reset at the defaults');
      manifest.params.forEach((p, i) => {
        let want = 1;
        if (p.when) {
          const on = manifest.params[p.when.on].def;
          want = ('min' in p.when ? on >= p.when.min : p.when.keys.includes(on)) ? 1 : 0;
          // a condition on a parameter that is itself conditional holds only if that one applies
          if (want && manifest.params[p.when.on].when) want = M._mlm_js_applies(inst, p.when.on);
        }
        assert.equal(M._mlm_js_applies(inst, i), want, `${p.name} applies at the defaults`);
      });
      // an input text refused in wasm as natively: a character no link carries
      if (manifest.input) {
        const buf = M._mlm_js_input_buffer();
        M.HEAPU8.set(new TextEncoder().encode('bad text\0'), buf);
        assert.equal(M._mlm_js_input_set(inst, buf), -1, 'a text with a space is refused');
      }
      M._mlm_js_destroy(inst);
    }
    for (const cfg of configs(manifest)) {
      await t.test(`${cfg.name}, ${cfg.steps} step${cfg.steps === 1 ? '' : 's'}`, () => {
        const problems = compare(manifest, runNative(name, manifest, cfg), runWasm(M, manifest, cfg));
        assert.deepEqual(problems, [], `${name} (${cfg.name}) differs between wasm and native:\n  ` + problems.join('\n  '));
      });
    }
  });
}
