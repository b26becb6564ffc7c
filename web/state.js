// state.js: a widget's parameters, seed, step and input as they travel in the URL, and the rules
// that keep whatever a link carries inside what the module declares. Pure functions, no DOM, so
// node --test checks them directly (tests/web/state.test.mjs).
//
// URL format: page.html?<id>.<name>=<value>&<id>.seed=<seed>&<id>.t=<step>&<id>.in=<input>#heading
// One pair per setting, for any number of widgets on a page, in the query string; the hash is
// left to headings, so following a heading's anchor keeps every widget's state and a link can
// name a heading and carry state at once. Links of the older form carried the pairs in the hash
// (#<id>.<name>=<value>&...): they still work, their pairs are moved to the query
// (migrateLocation) and whatever in the hash is not a pair stays as the heading.
// Values are numbers, a choice's key, or a text parameter's text (percent-encoded, refused when
// longer than its maximum or holding anything but printable ASCII); `in` is the module's own text over [A-Za-z0-9_.~-].
// Anything a link carries is parsed defensively: a pair that does not decode, names no widget or
// no parameter, or holds a value that is not a number is refused; a number outside its range is
// clamped. Each refusal or clamp comes back as a notice the widget shows, written without echoing
// the raw value (a link is untrusted text).

export const SEED_MAX = 4294967295; // seeds are 32-bit: short in a URL, plenty for a book
export const T_MAX = 100000;        // a link cannot ask for an unbounded replay
export const INPUT_MAX = 1024;      // MLM_INPUT_MAX: the longest input text a module writes
const INPUT = /^[A-Za-z0-9_.~-]+$/;

// A number as a link or a form writes it: optional sign, digits, optional fraction and exponent.
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

export function parseNumber(text) {
  if (typeof text !== 'string' || text.length > 64 || !NUMBER.test(text.trim())) return NaN;
  return Number(text.trim());
}

// The same rule as mlm_param_clamp in engine/core/mlm.c: into [min, max], onto the control's
// grid (measured from min) for linear floats, rounded for int, choice and bool.
export function clampParam(p, v) {
  if (p.kind === 'text') return checkText(p, v) ? p.def : v;
  if (!Number.isFinite(v)) v = p.def;
  v = Math.min(p.max, Math.max(p.min, v));
  if (p.kind !== 'float') {
    v = Math.floor(v + 0.5);
    if (p.kind === 'bool') v = v !== 0 ? 1 : 0;
    if (p.kind === 'choice') v = Math.min(p.choices.length - 1, Math.max(0, v));
  } else if (p.step > 0 && !p.log) {
    v = p.min + Math.floor((v - p.min) / p.step + 0.5) * p.step;
    // Three digits finer than the step, as in C: a URL says -1.7, not -1.6999999999999997.
    let scale = 1000;
    for (let s = p.step; s < 1 && scale < 1e15; s *= 10) scale *= 10;
    v = Math.floor(v * scale + 0.5) / scale;
    v = Math.min(p.max, Math.max(p.min, v));
  }
  return v;
}

// A text parameter (kind "text", mlm_set_text in C) holds at most p.max characters, each printable
// ASCII (' ' to '~'). Returns '' when text may be stored, else why not (a notice's ending).
const TEXT = /^[\x20-\x7e]*$/;
export function checkText(p, text) {
  if (typeof text !== 'string') return 'is not a text';
  if (text.length > p.max) return `is longer than ${p.max} characters`;
  if (!TEXT.test(text)) return 'has characters a text cannot hold (letters, digits, spaces and ASCII signs only)';
  return '';
}

// Shortest text that reads back as the same float64 value: 0.1, not 0.1000000000000000055.
export function formatValue(v) {
  for (let d = 1; d <= 17; d++) {
    const s = Number(v.toPrecision(d));
    if (s === v) return String(s);
  }
  return String(v);
}

// A parameter's value as it appears in a URL: a choice by its key, a switch as 0/1.
export function encodeParam(p, v) {
  if (p.kind === 'text') return String(v); // percent-encoded by writeWidgetState
  if (p.kind === 'choice') return p.choices[v] ? p.choices[v][0] : String(v);
  return formatValue(v);
}

// Read one parameter from URL text. Returns { value } or { refused: 'why' }; value is clamped,
// and { clamped: true } is set when clamping changed it.
export function decodeParam(p, text) {
  if (p.kind === 'text') {
    const why = checkText(p, text);
    return why ? { refused: why } : { value: text };
  }
  if (p.kind === 'choice') {
    const k = p.choices.findIndex(([key]) => key === text);
    if (k >= 0) return { value: k };
    const n = parseNumber(text);
    if (Number.isInteger(n) && n >= 0 && n < p.choices.length) return { value: n };
    return { refused: `is not one of its choices (${p.choices.map(([key]) => key).join(', ')})` };
  }
  if (p.kind === 'bool') {
    if (text === '1' || text === 'true') return { value: 1 };
    if (text === '0' || text === 'false') return { value: 0 };
    return { refused: 'is not a switch value (0 or 1)' };
  }
  const n = parseNumber(text);
  if (Number.isNaN(n)) return { refused: 'is not a number' };
  if (!Number.isFinite(n)) return { refused: 'is too large to use' };
  const v = clampParam(p, n);
  const clamped = !(Math.abs(v - n) <= 1e-12 * Math.max(1, Math.abs(n)));
  return { value: v, clamped };
}

export function decodeSeed(text) {
  const n = parseNumber(text);
  if (!Number.isInteger(n) || n < 0) return { refused: 'is not a whole number from 0 up' };
  if (n > SEED_MAX) return { value: SEED_MAX, clamped: true };
  return { value: n };
}

export function decodeStep(text) {
  const n = parseNumber(text);
  if (!Number.isInteger(n) || n < 0) return { refused: 'is not a step number' };
  if (n > T_MAX) return { value: T_MAX, clamped: true };
  return { value: n };
}

// The reader's input (a drawn digit, a probe point) as a link carries it: the module decides
// whether it means anything (mlm_input_set); here only its alphabet and length are checked.
export function decodeInput(text) {
  if (typeof text !== 'string' || !text.length) return { refused: 'is empty' };
  if (text.length > INPUT_MAX) return { refused: 'is too long' };
  if (!INPUT.test(text)) return { refused: 'has characters an input never holds' };
  return { value: text };
}

// Split a query string or hash (location.search or location.hash) into [id, name, value]
// triples. Pairs that do not decode or have no "id.name" key are skipped; the order of the rest
// is kept.
export function parseHash(hash) {
  const out = [];
  const text = String(hash || '').replace(/^[#?]/, '');
  if (!text || text.length > 100000) return out;
  for (const pair of text.split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    let key, value;
    try {
      key = decodeURIComponent(pair.slice(0, eq));
      value = decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      continue; // broken percent-encoding
    }
    const dot = key.indexOf('.');
    if (dot <= 0 || dot === key.length - 1) continue;
    out.push([key.slice(0, dot), key.slice(dot + 1), value]);
  }
  return out;
}

// The settings a query string (or an old-style hash) holds for widget `id` with declared
// `params`. Returns { params: {index: value}, seed, t, input, notes: [{key, text}], notices:
// [text], any }; absent settings are left undefined, `any` says whether the link spoke of this
// widget at all. A note's key says what it is about ("p:<name>", "seed", "t", "in", "link") so
// the widget can drop it when that value changes.
export function readWidgetState(hash, id, params) {
  const st = { params: {}, seed: undefined, t: undefined, input: undefined, notes: [], notices: [], any: false };
  const note = (key, text) => { st.notes.push({ key, text }); st.notices.push(text); };
  const say = (key, name, r, shown = formatValue) => {
    if (r.refused) note(key, `The link's value for “${name}” ${r.refused}, so it was ignored.`);
    else if (r.clamped) note(key, `The link's value for “${name}” was outside its range and was clamped to ${shown(r.value)}.`);
  };
  for (const [wid, name, value] of parseHash(hash)) {
    if (wid !== id) continue;
    st.any = true;
    if (name === 'seed') {
      const r = decodeSeed(value);
      say('seed', 'seed', r, String);
      if (!r.refused) st.seed = r.value;
    } else if (name === 't') {
      const r = decodeStep(value);
      say('t', 'step', r, String);
      if (!r.refused) st.t = r.value;
    } else if (name === 'in') {
      const r = decodeInput(value);
      say('in', 'input', r);
      if (!r.refused) st.input = r.value;
    } else {
      const i = params.findIndex((p) => p.name === name);
      if (i < 0) {
        note('link', `The link sets “${name.slice(0, 40)}”, which this widget does not have, so it was ignored.`);
        continue;
      }
      const r = decodeParam(params[i], value);
      say(`p:${params[i].name}`, params[i].label || name, r);
      if (!r.refused) st.params[i] = r.value;
    }
  }
  return st;
}

// Is this pair text (no leading ? or #) an "id.name=value" pair?
function isPair(pair) {
  const eq = pair.indexOf('=');
  if (eq <= 0) return false;
  let key;
  try { key = decodeURIComponent(pair.slice(0, eq)); } catch { return false; }
  const dot = key.indexOf('.');
  return dot > 0 && dot < key.length - 1;
}

// The address a page should show for (search, hash): widget pairs found in the hash (links of the
// older form) move to the query, replacing the same keys there; what is left of the hash (a
// heading) stays. Returns { search, hash, moved } with moved true when anything moved.
export function migrateLocation(search, hash) {
  const h = String(hash || '').replace(/^#/, '');
  const s = String(search || '').replace(/^\?/, '');
  if (!h || h.length > 100000) return { search: s ? '?' + s : '', hash: h ? '#' + h : '', moved: false };
  const parts = h.split('&');
  const pairs = parts.filter(isPair);
  if (!pairs.length) return { search: s ? '?' + s : '', hash: '#' + h, moved: false };
  const rest = parts.filter((p) => p && !isPair(p) && !p.includes('='));
  const keyOf = (p) => { try { return decodeURIComponent(p.slice(0, p.indexOf('='))); } catch { return null; } };
  const newKeys = new Set(pairs.map(keyOf));
  const kept = s ? s.split('&').filter((p) => p && !newKeys.has(keyOf(p))) : [];
  const all = [...kept, ...pairs];
  return { search: all.length ? '?' + all.join('&') : '', hash: rest.length ? '#' + rest.join('&') : '', moved: true };
}

// Does parameter i apply with these values? A parameter whose manifest entry has "when"
// ({on, keys} or {on, min}) applies only while that condition holds, and while the parameter it
// depends on applies itself.
export function applies(params, values, i, depth = 0) {
  const w = params[i] && params[i].when;
  if (!w) return true;
  const on = w.on;
  if (!Number.isInteger(on) || on < 0 || on >= params.length || on === i || depth > params.length) return true;
  const v = values[on];
  let ok = true;
  if (Array.isArray(w.keys)) ok = w.keys.includes(v);
  else if (typeof w.min === 'number') ok = v >= w.min;
  return ok && applies(params, values, on, depth + 1);
}

// A new query string (or hash, keeping its leading # or ?; "?" when it has none) with widget
// `id`'s pairs replaced by `pairs` ([name, text] list); other widgets' pairs and anything else are
// kept as they were, in order.
export function writeWidgetState(hash, id, pairs) {
  const lead = /^#/.test(String(hash || '')) ? '#' : '?';
  const keep = String(hash || '').replace(/^[#?]/, '').split('&').filter((pair) => {
    if (!pair) return false;
    const eq = pair.indexOf('=');
    let key;
    try { key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq)); } catch { return false; }
    return !key.startsWith(id + '.');
  });
  const mine = pairs.map(([name, text]) => `${encodeURIComponent(id)}.${encodeURIComponent(name)}=${encodeURIComponent(text)}`);
  const all = [...keep, ...mine];
  return all.length ? lead + all.join('&') : '';
}

// The pairs that describe a widget's state: parameters that apply and differ from the chapter's
// defaults, the seed when it is not the default, the step when there is one to return to, and
// the reader's input when there is any.
export function statePairs(params, values, seed, defaultSeed, t, input = '') {
  const pairs = [];
  params.forEach((p, i) => {
    if (values[i] !== p.def && applies(params, values, i)) pairs.push([p.name, encodeParam(p, values[i])]);
  });
  if (seed !== defaultSeed) pairs.push(['seed', String(seed)]);
  if (t > 0) pairs.push(['t', String(t)]);
  if (input) pairs.push(['in', input]);
  return pairs;
}

// Position of value v on a slider of `ticks` steps for a log-scale parameter, and back.
export function logPosition(p, v, ticks = 1000) {
  const a = Math.log(p.min), b = Math.log(p.max);
  return Math.round(((Math.log(Math.max(p.min, v)) - a) / (b - a)) * ticks);
}

export function logValue(p, pos, ticks = 1000) {
  const a = Math.log(p.min), b = Math.log(p.max);
  const v = Math.exp(a + (b - a) * (pos / ticks));
  // Three significant digits: a slider cannot place a value more finely than that.
  return clampParam(p, Number(v.toPrecision(3)));
}

// Numbers as the widget shows them: 4 significant digits, no exponent for ordinary sizes.
export function formatReadout(v, integer = false) {
  if (!Number.isFinite(v)) return '—';
  if (integer) return Math.round(v).toLocaleString('en-US');
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) {
    const [m, e] = v.toExponential(2).split('e');
    return `${m}×10${[...String(Number(e))].map((c) => SUPERSCRIPT[c]).join('')}`;
  }
  return String(Number(v.toPrecision(4)));
}

const SUPERSCRIPT = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };
