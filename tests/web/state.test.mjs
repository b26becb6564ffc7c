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
  INPUT_MAX, SEED_MAX, T_MAX, applies, checkText, clampParam, decodeInput, decodeParam, formatReadout, formatValue, logPosition,
  logValue, migrateLocation, parseHash, parseNumber, readWidgetState, statePairs, writeWidgetState,
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

// ---- the query-string design (SPEC §2): state in ?id.name=v, headings alone in the hash ----

test('state is written to the query string and reads back from it, headings untouched', () => {
  const values = [0.0123, -1.7, 120, 2, 0];
  const q = writeWidgetState('?other.lr=0.5', 'w', statePairs(P, values, 42, 1, 17, 'AbC-_.~9'));
  assert.ok(q.startsWith('?other.lr=0.5&w.'), q);
  const st = readWidgetState(q, 'w', P);
  assert.deepEqual(Object.values(st.params), values.filter((v, i) => v !== P[i].def));
  assert.equal(st.seed, 42);
  assert.equal(st.t, 17);
  assert.equal(st.input, 'AbC-_.~9');
  assert.ok(st.any);
  assert.equal(readWidgetState(q, 'nobody', P).any, false);
  // An empty query reads as no state; writing defaults over the only widget leaves nothing.
  assert.equal(writeWidgetState('', 'w', []), '');
  assert.equal(writeWidgetState('?w.n=3', 'w', []), '');
  // Unrelated query parameters (no "id." key) survive.
  assert.equal(writeWidgetState('?utm=1&w.n=3', 'w', [['n', '4']]), '?utm=1&w.n=4');
});

test('old links: pairs in the hash move to the query, a heading stays in the hash', () => {
  assert.deepEqual(migrateLocation('', '#main.lr=0.3&main.t=40'), { search: '?main.lr=0.3&main.t=40', hash: '', moved: true });
  // A heading alone is not state.
  assert.deepEqual(migrateLocation('?main.lr=0.3', '#the-gradient'), { search: '?main.lr=0.3', hash: '#the-gradient', moved: false });
  // Mixed: the pairs move, the heading stays; a key in both takes the hash's (newer) value.
  assert.deepEqual(migrateLocation('?main.lr=0.1&b.n=2', '#main.lr=0.3&sec-2'),
    { search: '?b.n=2&main.lr=0.3', hash: '#sec-2', moved: true });
  assert.deepEqual(migrateLocation('', ''), { search: '', hash: '', moved: false });
  // What moved reads exactly as the old hash did.
  const old = '#w.lr=0.02&w.seed=9&w.t=12';
  assert.deepEqual(readWidgetState(migrateLocation('', old).search, 'w', P).params, readWidgetState(old, 'w', P).params);
  assert.equal(readWidgetState(migrateLocation('', old).search, 'w', P).t, 12);
});

test('the reader\'s input: its alphabet and length, refused with a notice that does not echo it', () => {
  assert.equal(decodeInput('a-Z_0.9~').value, 'a-Z_0.9~');
  for (const bad of ['', 'a b', '<b>', 'a/b', 'é', 'x'.repeat(INPUT_MAX + 1)]) assert.ok(decodeInput(bad).refused, bad);
  assert.equal(decodeInput('x'.repeat(INPUT_MAX)).value.length, INPUT_MAX);
  const st = readWidgetState('?w.in=%3Cimg%3E&w.n=9', 'w', P);
  assert.equal(st.input, undefined);
  assert.equal(st.params[2], 9, 'the rest of the link still applies');
  assert.deepEqual(st.notes.map((n) => n.key), ['in']);
  assert.ok(!st.notes[0].text.includes('<'), st.notes[0].text);
});

test('notes say what they are about, and name the value kept', () => {
  const st = readWidgetState('?w.seed=1e99&w.x0=99&w.lr=abc&w.t=-1&w.zz=1', 'w', P);
  assert.deepEqual(st.notes.map((n) => n.key), ['seed', 'p:x0', 'p:lr', 't', 'link']);
  assert.match(st.notes[0].text, /clamped to 4294967295\b/);
  assert.match(st.notes[1].text, /clamped to 4\b/);
  assert.equal(st.seed, SEED_MAX);
});

test('conditional parameters: a control applies only while its condition holds', () => {
  const Q = [
    { name: 'opt', kind: 'choice', min: 0, max: 2, step: 1, def: 0, choices: [['sgd', 'SGD'], ['mom', 'Momentum'], ['adam', 'Adam']] },
    { name: 'mu', kind: 'float', min: 0, max: 1, step: 0.01, def: 0.9, when: { on: 0, keys: [1] } },
    { name: 'layers', kind: 'int', min: 0, max: 6, step: 1, def: 2 },
    { name: 'n3', kind: 'int', min: 1, max: 8, step: 1, def: 4, when: { on: 2, min: 3 } },
    { name: 'beta', kind: 'float', min: 0, max: 1, step: 0.1, def: 0.5, when: { on: 1, min: 0.5 } }, // depends on mu
  ];
  assert.equal(applies(Q, [0, 0.9, 2, 4, 0.5], 1), false);
  assert.equal(applies(Q, [1, 0.9, 2, 4, 0.5], 1), true);
  assert.equal(applies(Q, [1, 0.9, 2, 4, 0.5], 3), false);
  assert.equal(applies(Q, [1, 0.9, 3, 4, 0.5], 3), true);
  assert.equal(applies(Q, [1, 0.9, 6, 4, 0.5], 3), true);
  // beta hangs on mu, which does not apply under SGD: beta does not either.
  assert.equal(applies(Q, [0, 0.9, 2, 4, 0.5], 4), false);
  assert.equal(applies(Q, [1, 0.9, 2, 4, 0.5], 4), true);
  // A value that cannot matter is left out of the link.
  const pairs = statePairs(Q, [2, 0.5, 2, 7, 0.1], 1, 1, 0);
  assert.deepEqual(pairs, [['opt', 'adam']]);
  assert.deepEqual(statePairs(Q, [1, 0.5, 3, 7, 0.5], 1, 1, 0), [['opt', 'mom'], ['mu', '0.5'], ['layers', '3'], ['n3', '7']]);
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
        // A text is not clamped but checked (checkText here, mlm_text_check in the engine, each
        // tested on its own: the text test below and test_mlm); mlm_js_set answers its length.
        if (p.kind === 'text') return;
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

test('text parameters: percent-encoded, length-limited, printable ASCII, never echoed', () => {
  const F = { name: 'f', label: 'f(x)', kind: 'text', min: 0, max: 24, step: 0, def: 'sin(x)', log: false };
  const params = [...P, F];
  const values = params.map((p) => p.def);
  // anything a reader may type goes out and comes back exactly, signs and spaces included
  for (const text of ['x^2 + 1', '-x*(3/4)', 'a&b=c#d?e%f', 'x+y', '"q" <b>', '']) {
    values[5] = text;
    const q = writeWidgetState('', 'w', statePairs(params, values, 1, 1, 0));
    assert.equal(readWidgetState(q, 'w', params).params[5], text === 'sin(x)' ? undefined : text, q);
    if (text) assert.ok(!/[ ^&#<"%+]/.test(q.slice(q.indexOf('=') + 1).replace(/%[0-9A-F]{2}/g, '')), q);
  }
  // the default stays out of the link
  values[5] = 'sin(x)';
  assert.deepEqual(statePairs(params, values, 1, 1, 0), []);
  // too long, control characters, anything past ASCII: refused with a notice that does not echo it
  for (const raw of ['x'.repeat(25), 'x%0Ay', 'x%00', '%C3%A9', '%3Cscript%3Ealert(1)%3C%2Fscript%3E%3Cscript%3E']) {
    const st = readWidgetState(`?w.f=${raw}`, 'w', params);
    assert.equal(st.params[5], undefined, raw);
    assert.equal(st.notices.length, 1, raw);
    assert.ok(!st.notices[0].includes('script') && !st.notices[0].includes('xxxx'), st.notices[0]);
  }
  assert.equal(readWidgetState('?w.f=x%5E3', 'w', params).params[5], 'x^3');
  // a '+' in a link is a space, as in any form-encoded query
  assert.equal(readWidgetState('?w.f=x+1', 'w', params).params[5], 'x 1');
  // exactly max characters is fine
  assert.equal(checkText(F, 'x'.repeat(24)), '');
  assert.match(checkText(F, 'x'.repeat(25)), /longer than 24/);
  assert.equal(clampParam(F, 'x\u0007'), 'sin(x)');
  assert.equal(clampParam(F, 3), 'sin(x)');
  assert.equal(clampParam(F, 'cos(x)'), 'cos(x)');
});
