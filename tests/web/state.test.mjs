// state.test.mjs: the runtime's URL-state logic (web/state.js), without a browser. A link is
// untrusted text: every value it carries must come out inside the declared range or be refused
// with a notice that does not repeat it; a state written to the hash must read back exactly;
// and the JavaScript clamp must agree with the engine's own (mlm_param_clamp, run in wasm), so
// a control never shows a value the engine would not use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  SEED_MAX, T_MAX, clampParam, decodeParam, formatReadout, formatValue, logPosition, logValue, parseHash,
  parseNumber, readWidgetState, statePairs, writeWidgetState,
} from '../../web/state.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const P = [
  { name: 'lr', label: 'Learning rate', kind: 'float', min: 0.001, max: 3, step: 0, def: 0.1, log: true },
  { name: 'x0', label: 'Start', kind: 'float', min: -4, max: 4, step: 0.1, def: 3, log: false },
  { name: 'n', label: 'Points', kind: 'int', min: 2, max: 200, step: 1, def: 40, log: false },
  { name: 'mode', label: 'Mode', kind: 'choice', min: 0, max: 2, step: 1, def: 0, log: false,
    choices: [['full', 'Full batch'], ['sgd', 'Stochastic'], ['mini', 'Mini-batch']] },
  { name: 'scale', label: 'Scale', kind: 'bool', min: 0, max: 1, step: 1, def: 1, log: false },
];

test('numbers: only plain decimal notation is a number', () => {
  for (const s of ['1', '-2.5', '+3', '.5', '5.', '1e-3', '2E+4', ' 7 ']) assert.ok(Number.isFinite(parseNumber(s)), s);
  for (const s of ['', 'abc', 'NaN', 'Infinity', '0x10', '1,5', '1e', '--1', '<b>', '9'.repeat(100)]) {
    assert.ok(Number.isNaN(parseNumber(s)), s);
  }
  assert.equal(parseNumber('1e309'), Infinity); // a number, too large: clamping deals with it
});

test('clamp: range, grid, rounding and non-finite values', () => {
  assert.equal(clampParam(P[0], 10), 3);
  assert.equal(clampParam(P[0], 0), 0.001);
  assert.equal(clampParam(P[0], NaN), 0.1);
  assert.equal(clampParam(P[0], Infinity), 0.1);
  assert.equal(clampParam(P[1], 1.04), 1); // onto the 0.1 grid measured from min
  assert.equal(clampParam(P[1], -1.72), -1.7); // and written as people write it, not -1.6999999999999997
  assert.equal(clampParam(P[2], 7.6), 8);
  assert.equal(clampParam(P[3], 2.4), 2);
  assert.equal(clampParam(P[3], 99), 2);
  assert.equal(clampParam(P[4], 0.2), 0);
  assert.equal(clampParam(P[4], 5), 1);
});

test('a hostile hash leaves every value in range and never echoes itself', () => {
  const hostile = ['abc', 'NaN', '1e309', '-1e309', '<img src=x onerror=alert(1)>', '9'.repeat(10000), '%E0%A4%A', ''];
  for (const v of hostile) {
    const hash = '#' + P.map((p) => `w.${p.name}=${v.startsWith('%') ? v : encodeURIComponent(v)}`).join('&');
    const st = readWidgetState(hash, 'w', P);
    for (const [i, val] of Object.entries(st.params)) {
      const p = P[i];
      assert.ok(Number.isFinite(val) && val >= p.min && val <= p.max, `${p.name} from ${v.slice(0, 20)}: ${val}`);
    }
    for (const n of st.notices) {
      assert.ok(!n.includes('<') && !n.includes('NaN') && !n.includes('Infinity') && !n.includes('999999'), n);
    }
  }
  const big = readWidgetState('#w.lr=1e309&w.x0=-1e300&w.n=1e5', 'w', P);
  assert.deepEqual(big.params, { 1: -4, 2: 200 }, 'overflow is refused, large values are clamped');
  assert.equal(big.notices.length, 3, 'each refusal and clamp is reported');
});

test('seed and step: refused when not whole and non-negative, clamped when too large', () => {
  assert.equal(readWidgetState('#w.seed=7', 'w', P).seed, 7);
  assert.equal(readWidgetState('#w.seed=-5', 'w', P).seed, undefined);
  assert.equal(readWidgetState('#w.seed=1.5', 'w', P).seed, undefined);
  assert.equal(readWidgetState('#w.seed=1e99', 'w', P).seed, SEED_MAX);
  assert.equal(readWidgetState('#w.t=1e99', 'w', P).t, T_MAX);
  assert.equal(readWidgetState('#w.t=-3', 'w', P).t, undefined);
  assert.equal(readWidgetState('#w.t=40', 'w', P).t, 40);
});

test('choices by key or index; switches as 0/1 or true/false', () => {
  assert.equal(decodeParam(P[3], 'sgd').value, 1);
  assert.equal(decodeParam(P[3], '2').value, 2);
  assert.ok(decodeParam(P[3], '3').refused);
  assert.ok(decodeParam(P[3], 'SGD').refused);
  assert.equal(decodeParam(P[4], 'false').value, 0);
  assert.ok(decodeParam(P[4], 'yes').refused);
});

test('pairs for other widgets, unknown keys and broken encodings', () => {
  const pairs = parseHash('#a.lr=1&b.x0=2&%E0%A4%A=1&nodot=3&.x=1&c.=2&&=&d.n=%3Cb%3E');
  assert.deepEqual(pairs, [['a', 'lr', '1'], ['b', 'x0', '2'], ['d', 'n', '<b>']]);
  const st = readWidgetState('#w.nosuch=1&v.lr=2', 'w', P);
  assert.deepEqual(st.params, {});
  assert.equal(st.notices.length, 1);
});

test('a state written to the hash reads back exactly, other widgets untouched', () => {
  const values = [0.0123, -1.7, 120, 2, 0];
  const h1 = writeWidgetState('#other.lr=0.5&section-2', 'w', statePairs(P, values, 42, 1, 17));
  assert.ok(h1.startsWith('#other.lr=0.5&section-2&'), h1);
  const st = readWidgetState(h1, 'w', P);
  assert.deepEqual(Object.values(st.params), values.filter((v, i) => v !== P[i].def));
  assert.equal(st.seed, 42);
  assert.equal(st.t, 17);
  assert.deepEqual(st.notices, []);
  // Defaults are not written; writing again replaces, never duplicates.
  const h2 = writeWidgetState(h1, 'w', statePairs(P, P.map((p) => p.def), 1, 1, 0));
  assert.equal(h2, '#other.lr=0.5&section-2');
});

test('formatValue is the shortest text that reads back as the same number', () => {
  let x = 0.1;
  for (let k = 0; k < 2000; k++) {
    x = (x * 9301 + 49297) % 233280 / 233280 * Math.pow(10, (k % 13) - 6) * (k % 2 ? -1 : 1);
    const s = formatValue(x);
    assert.equal(Number(s), x);
    assert.ok(s.length <= 26, s);
  }
  assert.equal(formatValue(0.1), '0.1');
  assert.equal(formatValue(3), '3');
});

test('log sliders: position and value are inverse to within one tick', () => {
  const p = P[0];
  for (let pos = 0; pos <= 1000; pos += 37) {
    const v = logValue(p, pos);
    assert.ok(v >= p.min && v <= p.max);
    assert.ok(Math.abs(logPosition(p, v) - pos) <= 1, `${pos} -> ${v} -> ${logPosition(p, v)}`);
  }
});

test('readouts never show NaN or Infinity', () => {
  for (const v of [NaN, Infinity, -Infinity]) assert.equal(formatReadout(v), '—');
  assert.equal(formatReadout(1234.5678), '1235');
  assert.equal(formatReadout(2.5e-5), '2.50×10⁻⁵');
  assert.equal(formatReadout(12345, true), '12,345');
});

// The engine clamps every value it is given (mlm_param_clamp); the controls clamp before the
// engine has loaded (clampParam). They must agree, value for value, on every declared parameter.
const wasmDir = path.join(root, 'build/wasm');
const built = fs.existsSync(wasmDir) ? fs.readdirSync(wasmDir).filter((f) => f.endsWith('.mjs')) : [];
for (const file of built) {
  const name = file.slice(0, -4);
  test(`clamp agrees with the engine: ${name}`, async () => {
    const create = (await import(pathToFileURL(path.join(wasmDir, file)).href)).default;
    const M = await create({ wasmBinary: fs.readFileSync(path.join(wasmDir, name + '.wasm')) });
    const { execFileSync } = await import('node:child_process');
    const manifest = JSON.parse(execFileSync(path.join(root, 'build/native/mlmrun'), [name, '--manifest'], { encoding: 'utf8' }));
    const inst = M._mlm_js_create();
    try {
      manifest.params.forEach((p, i) => {
        const span = p.max - p.min;
        const probes = [p.min, p.max, p.def, p.min - 1, p.max + 1, p.min + span * 0.3137, p.min + span * 0.5 + 1e-7,
          -1e308, 1e308, NaN, Infinity, -Infinity, 0, 0.5, -0.5];
        for (const v of probes) {
          const js = clampParam(p, v), c = M._mlm_js_set(inst, i, v);
          assert.ok(Object.is(js, c) || Math.abs(js - c) <= 1e-12 * Math.max(1, Math.abs(c)), `${p.name}(${v}): JS ${js}, engine ${c}`);
        }
      });
    } finally {
      M._mlm_js_destroy(inst);
    }
  });
}
