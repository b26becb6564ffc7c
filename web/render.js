// render.js: the one canvas renderer for the view vocabulary of engine/core/mlm.h. A panel is a
// plot with axes; views are drawn into it by kind (field, segments, curve, trail, arrows, points,
// markers, and text or scalar readouts), in that order, so context sits under subject. Values are
// read in place from the wasm heap (see engine.js); anything non-finite is skipped, never drawn.
// Fields are the expensive part: a heatmap image and contour paths are cached per field version
// and plot geometry, so a frame that only moves a trail redraws only lines.

import { STRIDE } from './engine.js';
import { formatReadout } from './state.js';

const FLAG = (v, f) => v.flags.includes(f);

// Okabe and Ito's colour-blind-safe palette; index 0 is the ink colour of the theme.
export const PALETTE_LIGHT = ['#1b1b1b', '#E69F00', '#56B4E9', '#009E73', '#C9B800', '#0072B2', '#D55E00', '#CC79A7'];
export const PALETTE_DARK = ['#ececec', '#F0B030', '#6EC3F2', '#2EC495', '#F0E442', '#4AA3E8', '#F07A30', '#E08FC0'];

// Read the theme from CSS custom properties on `el` (book.css sets them for light and dark).
export function readTheme(el) {
  const cs = getComputedStyle(el);
  const get = (name, fallback) => (cs.getPropertyValue(name) || '').trim() || fallback;
  const dark = get('--plot-scheme', 'light') === 'dark';
  return {
    dark,
    bg: get('--plot-bg', dark ? '#1d2024' : '#ffffff'),
    ink: get('--plot-ink', dark ? '#e6e6e6' : '#1b1b1b'),
    muted: get('--plot-muted', dark ? '#9aa0a6' : '#5f6368'),
    grid: get('--plot-grid', dark ? '#2f343a' : '#eceff1'),
    palette: dark ? PALETTE_DARK : PALETTE_LIGHT,
    font: get('--plot-font', 'system-ui, -apple-system, "Segoe UI", sans-serif'),
  };
}

// ---- axes ----

function niceStep(span, target, integer) {
  const raw = span / Math.max(1, target);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  const st = (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
  return integer ? Math.max(1, Math.round(st)) : st; // a count of steps has no half steps
}

// Ticks from a to b at a 1-2-5 spacing giving about `target` of them; whole numbers only on an
// integer axis (steps, epochs).
export function linearTicks(a, b, target, integer = false) {
  if (!(b > a)) return [a];
  const st = niceStep(b - a, target, integer);
  const out = [];
  for (let v = Math.ceil(a / st - 1e-9) * st; v <= b + st * 1e-9; v += st) out.push(Math.abs(v) < st * 1e-9 ? 0 : v);
  return out;
}

// An axis that counts steps or epochs: its ticks are whole numbers, and before the first step it
// shows 0 to a few steps rather than -0.5 to 0.5.
export function isIntegerAxis(label) { return /\b(steps?|epochs?|iterations?)\b/i.test(label || ''); }

// a, b are log10 of the range; ticks at powers of ten (with 2 and 5 when few decades show).
function logTicks(a, b) {
  const out = [];
  const lo = Math.floor(a), hi = Math.ceil(b);
  const mult = hi - lo <= 2 ? [1, 2, 5] : [1];
  const every = Math.max(1, Math.ceil((hi - lo) / 6));
  for (let e = lo; e <= hi; e += every) for (const m of mult) {
    const v = Math.log10(m) + e;
    if (v >= a - 1e-9 && v <= b + 1e-9) out.push(v);
  }
  // A range narrower than 1-2-5 spacing (0.53 to 0.8, say): plain evenly spaced values instead.
  if (out.length < 2) return linearTicks(Math.pow(10, a), Math.pow(10, b), 3).filter((v) => v > 0).map(Math.log10);
  return out;
}

function tickLabel(v, log, step) {
  if (log) {
    const x = Math.pow(10, v);
    if (Math.abs(v) >= 4) return `1e${Math.round(v)}`;
    return String(Number(x.toPrecision(3)));
  }
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(0);
  const digits = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(digits);
}

// ---- ranges ----

// Extent of the visible data of `views` along one axis (0: x, 1: y), in axis units (log10 when
// log); null when there is nothing finite to fit.
function dataExtent(views, axis, log) {
  let lo = Infinity, hi = -Infinity;
  const take = (v) => {
    if (!Number.isFinite(v)) return;
    if (log) { if (v <= 0) return; v = Math.log10(v); }
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  };
  for (const { decl, st } of views) {
    if (st.hidden) continue;
    const d = st.data;
    if (decl.kind === 'field') {
      if (st.w > 0) { take(axis ? st.y0 : st.x0); take(axis ? st.y1 : st.x1); }
      continue;
    }
    if (!d) continue;
    const stride = decl.kind === 'tiles' ? 3 + st.w * st.h : STRIDE[decl.kind];
    if (!stride || decl.kind === 'field') continue;
    for (let i = 0; i + stride <= d.length; i += stride) {
      if (decl.kind === 'tiles') { take(d[i + axis] - d[i + 2] / 2); take(d[i + axis] + d[i + 2] / 2); continue; }
      take(d[i + axis]);
      if (decl.kind === 'segments' || decl.kind === 'edges') take(d[i + 2 + axis]);
      if (decl.kind === 'arrows') take(d[i + axis] + d[i + 2 + axis]);
      if (decl.kind === 'bars' && axis === 1) take(0);
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

// The range an automatic axis shows for data spanning r = [lo, hi], padded by `frac` of the span
// on each side. A degenerate span (one value, or several equal ones) gets a range around it; on
// an integer axis it runs from the value to a few steps on (from 0, not -0.5, to 5), never below
// zero when the data are not.
export function autoRange(r, frac, integer = false) {
  let [a, b] = r;
  if (integer) {
    if (b - a < 5) b = a + 5;
    const p = (b - a) * frac;
    return [a >= 0 ? Math.max(a - p, a > 0 ? 0 : -p) : a - p, b + p];
  }
  if (b - a < 1e-12 * Math.max(1, Math.abs(a))) { const d = Math.max(Math.abs(a) * 0.1, 0.5); a -= d; b += d; }
  const p = (b - a) * frac;
  return [a - p, b + p];
}

// ---- layout helpers (pure: no canvas, so tests run them in node) ----

// The left margin for y tick labels of the given pixel widths, and where the y axis title goes
// (the centre of its rotated line): the title's line, a gap, the longest label, a gap, the frame.
// The title never touches a tick label: it sits in its own band left of the widest one.
export function yAxisLayout(widths, fontPx, hasTitle, base) {
  const tick = widths.length ? Math.max(...widths) : 0;
  const band = hasTitle ? fontPx + 4 : 0; // the rotated title's line height and a margin
  const L = Math.max(base, Math.ceil(2 + band + tick + 5 + 2));
  const titleX = 2 + band / 2;
  return { L, titleX, tickRight: L - 5 };
}

// Which of `spots` ([x, y] corners, in order of preference) can take a w x h box without hiding
// any of `pts` ([x0, y0, x1, y1, ...] pixel positions of data) within `margin` pixels, nor
// overlapping any rectangle of `avoid` ([x, y, w, h]). Returns the index, or -1 when none is free.
export function placeBox(spots, w, h, pts, margin = 0, avoid = [], bounds = null) {
  for (let k = 0; k < spots.length; k++) {
    const [x, y] = spots[k];
    if (bounds && (x < bounds[0] - 0.5 || y < bounds[1] - 0.5 || x + w > bounds[2] + 0.5 || y + h > bounds[3] + 0.5)) continue;
    if (avoid.some(([ax, ay, aw, ah]) => x < ax + aw && ax < x + w && y < ay + ah && ay < y + h)) continue;
    const x0 = x - margin, x1 = x + w + margin, y0 = y - margin, y1 = y + h + margin;
    let hit = false;
    for (let i = 0; i + 1 < pts.length; i += 2) {
      if (pts[i] >= x0 && pts[i] <= x1 && pts[i + 1] >= y0 && pts[i + 1] <= y1) { hit = true; break; }
    }
    if (!hit) return k;
  }
  return -1;
}

// The largest scale (at most 1) at which text boxes centred at items [{ x, y, w }] (w: width at
// scale 1, in pixels) of height h do not overlap, keeping `gap` pixels between neighbours: for
// each pair, separation along x or along y is enough.
export function labelScale(items, h, gap = 2) {
  let s = 1;
  for (let i = 0; i < items.length; i++) {
    const a = items[i];
    for (let j = i + 1; j < items.length; j++) {
      const b = items[j];
      const dx = Math.abs(a.x - b.x), dy = Math.abs(a.y - b.y);
      const need = Math.max((2 * dx - 2 * gap) / (a.w + b.w), (dy - gap) / h);
      if (need < s) s = Math.max(0, need);
    }
  }
  return s;
}

// ---- fields: colour map, heatmap image and contour lines ----

// A perceptually ordered map (after viridis), sampled at 9 stops and interpolated.
const STOPS = [[68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
  [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37]];
function colormap(t, out, k) {
  t = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(t)), f = t - i;
  const a = STOPS[i], b = STOPS[i + 1];
  out[k] = a[0] + (b[0] - a[0]) * f;
  out[k + 1] = a[1] + (b[1] - a[1]) * f;
  out[k + 2] = a[2] + (b[2] - a[2]) * f;
}

// The colour of value v for a view: viridis (default), diverging (blue above 0, orange below)
// or grey (paper to ink), over [lo, hi] (diverging: [-m, m]). Writes r, g, b into out[k..k+2].
const PALE = [[247, 247, 247], [44, 47, 52]], BLUE = [0, 114, 178], ORANGE = [213, 94, 0];
const PAPER = [[252, 252, 250], [24, 26, 29]], INK = [[24, 24, 24], [236, 236, 236]];
function mapKind(flags) { return flags.includes('diverging') ? 'diverging' : flags.includes('gray') ? 'gray' : 'viridis'; }

// 256 colours per map and scheme, packed as the bytes of an ImageData pixel (r, g, b, 255 in
// memory order), so colouring a 100 x 100 field is one table look-up per cell.
const LUTS = new Map();
function lut(kind, dark) {
  const key = kind + (dark ? ':dark' : '');
  let L = LUTS.get(key);
  if (L) return L;
  L = new Uint32Array(256);
  const bytes = new Uint8Array(L.buffer), rgb = [0, 0, 0], d = dark ? 1 : 0;
  const mix = (a, b, t) => { for (let c = 0; c < 3; c++) rgb[c] = a[c] + (b[c] - a[c]) * t; };
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    if (kind === 'diverging') mix(PALE[d], t >= 0.5 ? BLUE : ORANGE, Math.abs(2 * t - 1));
    else if (kind === 'gray') mix(PAPER[d], INK[d], t);
    else colormap(t, rgb, 0);
    bytes[4 * i] = rgb[0]; bytes[4 * i + 1] = rgb[1]; bytes[4 * i + 2] = rgb[2]; bytes[4 * i + 3] = 255;
  }
  LUTS.set(key, L);
  return L;
}

// Value to table index for a map over [lo, hi] (diverging: symmetric about 0, [-m, m]).
function indexer(kind, flags, lo, hi) {
  const q = (t) => (t <= 0 ? 0 : t >= 1 ? 255 : (t * 255 + 0.5) | 0);
  if (kind === 'diverging') {
    const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    return (v) => q((v / m + 1) / 2);
  }
  const span = hi - lo || 1;
  if (kind === 'gray') return (v) => q((v - lo) / span);
  const norm = normaliser(lo, hi, flags.includes('log_levels'));
  return (v) => q(norm(v));
}

// The colour of value v (r, g, b into out[k..k+2]), from the same tables.
function painter(flags, lo, hi, dark) {
  const kind = mapKind(flags), bytes = new Uint8Array(lut(kind, dark).buffer), index = indexer(kind, flags, lo, hi);
  return (v, out, k) => { const i = 4 * index(v); out[k] = bytes[i]; out[k + 1] = bytes[i + 1]; out[k + 2] = bytes[i + 2]; };
}

// The radius of NODES discs: `r` unless two nodes are closer than 2.4 r on screen (a deep tree
// in a short panel), then 0.42 of the closest distance, so neighbours never overlap (at least
// 3 px). n (x, y, value) triples in d, placed by sx, sy; beyond 300 nodes, r as given.
export function nodeRadius(d, n, sx, sy, r) {
  if (n > 300) return r;
  let m = Infinity;
  for (let i = 0; i < n; i++) {
    const X = sx(d[3 * i]), Y = sy(d[3 * i + 1]);
    if (!Number.isFinite(X) || !Number.isFinite(Y)) continue;
    for (let j = i + 1; j < n; j++) {
      const dx = sx(d[3 * j]) - X, dy = sy(d[3 * j + 1]) - Y, q = dx * dx + dy * dy;
      if (q < m) m = q;
    }
  }
  return Number.isFinite(m) ? Math.max(3, Math.min(r, 0.42 * Math.sqrt(m))) : r;
}

// The radius of a bubble (MLM_VIEW_BUBBLES) of size s, for points of radius r0: the area grows
// in proportion to s (size 1: an ordinary point) between 0.3 and 5 times a point's radius, never
// under 1.2 px; a negative size counts as 0.
export function bubbleRadius(s, r0) {
  return Math.max(1.2, r0 * Math.min(5, Math.max(0.3, Math.sqrt(Math.max(0, s)))));
}

// ---- class fields (MLM_COLOR_CLASSES): decision regions, the winning probability as lightness ----

// A cell's value v = k + q: class k (its whole part) in palette colour (color + k) mod 8, mixed
// from the pale ground (q = 0: no preference) to the full colour (q near 1: certain). Returns
// the packed pixel (r, g, b, 255 in memory order), or 0 (transparent) for a non-finite value.
const CLASS_LEVELS = 64;
const CLASS_LUTS = new Map();
export function classPixel(v, color, dark) {
  if (!Number.isFinite(v)) return 0;
  const key = dark ? 'dark' : 'light';
  let L = CLASS_LUTS.get(key);
  if (!L) {
    L = new Uint32Array(8 * CLASS_LEVELS);
    const bytes = new Uint8Array(L.buffer), pal = dark ? PALETTE_DARK : PALETTE_LIGHT, pale = PALE[dark ? 1 : 0];
    for (let c = 0; c < 8; c++) {
      const h = pal[c], rgb = [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
      for (let l = 0; l < CLASS_LEVELS; l++) {
        const t = 0.12 + 0.88 * (l / (CLASS_LEVELS - 1)), k = 4 * (c * CLASS_LEVELS + l);
        for (let j = 0; j < 3; j++) bytes[k + j] = Math.round(pale[j] + (rgb[j] - pale[j]) * t);
        bytes[k + 3] = 255;
      }
    }
    CLASS_LUTS.set(key, L);
  }
  const k = Math.floor(v), q = Math.min(1, Math.max(0, v - k));
  const c = (((color + k) % 8) + 8) % 8, l = Math.min(CLASS_LEVELS - 1, Math.floor(q * CLASS_LEVELS));
  return L[c * CLASS_LEVELS + l];
}

// The borders between classes of a class field: for each class present, the half level of its
// indicator (1 where a cell holds that class, 0 elsewhere), traced like any level line.
function traceClassBorders(path, d, w, h, px) {
  const classes = new Set();
  for (let i = 0; i < d.length; i++) if (Number.isFinite(d[i])) classes.add(Math.floor(d[i]));
  if (classes.size < 2) return;
  const ind = new Float32Array(d.length);
  for (const k of classes) {
    for (let i = 0; i < d.length; i++) ind[i] = Number.isFinite(d[i]) ? (Math.floor(d[i]) === k ? 1 : 0) : NaN;
    traceLevel(path, ind, w, h, 0.5, px);
  }
}

function css(rgb) { return `rgb(${rgb[0] | 0},${rgb[1] | 0},${rgb[2] | 0})`; }

function fieldRange(d) {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

// Maps a field value to [0, 1] for colour: linear, or log of the distance from the minimum.
function normaliser(lo, hi, logLevels) {
  const span = hi - lo || 1;
  if (!logLevels) return (v) => (v - lo) / span;
  const eps = span * 1e-4, a = Math.log(eps), b = Math.log(span + eps);
  return (v) => (Math.log(v - lo + eps) - a) / (b - a);
}

function contourLevels(lo, hi, logLevels, n) {
  const span = hi - lo;
  if (!(span > 0)) return [];
  const out = [];
  if (logLevels) {
    const a = Math.log(span * 2e-4), b = Math.log(span * 0.9);
    for (let k = 0; k < n; k++) out.push(lo + Math.exp(a + ((b - a) * k) / (n - 1)));
  } else {
    for (let k = 1; k <= n; k++) out.push(lo + (span * k) / (n + 1));
  }
  return out;
}

// Marching squares: the segments of level lines of a w x h grid (row 0 at y0), appended to
// `path` in pixel coordinates by `px(i, j)` (fractional grid indices).
function traceLevel(path, d, w, h, level, px) {
  const edge = (i0, j0, i1, j1) => {
    const a = d[j0 * w + i0], b = d[j1 * w + i1];
    const t = (level - a) / (b - a);
    return px(i0 + (i1 - i0) * t, j0 + (j1 - j0) * t);
  };
  for (let j = 0; j + 1 < h; j++) {
    for (let i = 0; i + 1 < w; i++) {
      const v00 = d[j * w + i], v10 = d[j * w + i + 1], v01 = d[(j + 1) * w + i], v11 = d[(j + 1) * w + i + 1];
      if (!(Number.isFinite(v00) && Number.isFinite(v10) && Number.isFinite(v01) && Number.isFinite(v11))) continue;
      const c = (v00 > level ? 1 : 0) | (v10 > level ? 2 : 0) | (v11 > level ? 4 : 0) | (v01 > level ? 8 : 0);
      if (c === 0 || c === 15) continue;
      // Crossing points on the four cell edges, computed only when used.
      const B = () => edge(i, j, i + 1, j), R = () => edge(i + 1, j, i + 1, j + 1);
      const T = () => edge(i, j + 1, i + 1, j + 1), L = () => edge(i, j, i, j + 1);
      const seg = (p, q) => { path.moveTo(p[0], p[1]); path.lineTo(q[0], q[1]); };
      switch (c) {
        case 1: case 14: seg(L(), B()); break;
        case 2: case 13: seg(B(), R()); break;
        case 3: case 12: seg(L(), R()); break;
        case 4: case 11: seg(R(), T()); break;
        case 6: case 9: seg(B(), T()); break;
        case 7: case 8: seg(L(), T()); break;
        case 5: seg(L(), T()); seg(B(), R()); break;  // saddle cells: either pairing is a valid
        case 10: seg(L(), B()); seg(R(), T()); break; // level set; pick one consistently
      }
    }
  }
}

// ---- the panel ----

// Draws one panel. `views` is [{ decl, st }] for the views of this panel, in declaration order;
// `cache` is a per-panel object the renderer keeps its field images in. Returns the geometry a
// pointer handler needs to turn pixels into data coordinates.
export function drawPanel(ctx, W, H, decl, pst, views, theme, cache) {
  const flags = decl.flags;
  const logX = flags.includes('log_x'), logY = flags.includes('log_y');
  const small = W < 300;
  const bare = flags.includes('noaxes');
  const intX = !logX && isIntegerAxis(decl.xlabel), intY = !logY && isIntegerAxis(decl.ylabel);
  const tickFont = `${small ? 10 : 11}px ${theme.font}`, titlePx = small ? 11 : 12;
  const baseL = bare ? 6 : small ? 40 : 48, R = bare ? 6 : 10, T0 = decl.title ? 24 : 8, B = bare ? 6 : decl.xlabel ? 36 : 22;

  // Ranges: the module's, unless the axis is automatic or the module left it empty.
  const fixed = (a, b) => Number.isFinite(a) && Number.isFinite(b) && b > a;
  const fixedX = !flags.includes('auto_x') && fixed(pst.x0, pst.x1), fixedY = !flags.includes('auto_y') && fixed(pst.y0, pst.y1);
  const xr0 = fixedX ? (logX ? [Math.log10(Math.max(pst.x0, 1e-300)), Math.log10(pst.x1)] : [pst.x0, pst.x1])
    : autoRange(dataExtent(views, 0, logX) || [0, intX ? 0 : 1], 0.03, intX);
  const yr0 = fixedY ? (logY ? [Math.log10(Math.max(pst.y0, 1e-300)), Math.log10(pst.y1)] : [pst.y0, pst.y1])
    : autoRange(dataExtent(views, 1, logY) || [0, intY ? 0 : 1], 0.06, intY);
  const equal = flags.includes('equal') && !logX && !logY;
  // An equal panel with the module's own ranges keeps their shape: its plot box is fitted inside
  // the canvas with the same scale on both axes (centred across, at the top), and on a phone it asks for
  // a canvas tall enough to show the box at full width (geometry.height).
  const fitted = equal && fixedX && fixedY;
  const aspect = (yr0[1] - yr0[0]) / (xr0[1] - xr0[0]);

  // The plot box for a left margin of l: its corner, size, ranges and y ticks.
  const layout = (l) => {
    let left = l, top = T0, pw = Math.max(10, W - l - R), ph = Math.max(10, H - T0 - B);
    let xr = xr0, yr = yr0;
    if (fitted) {
      if (ph > pw * aspect) ph = Math.max(10, pw * aspect); // slack below: titles stay level in a row
      else { const w = Math.max(10, ph / aspect); left += (pw - w) / 2; pw = w; }
    } else if (equal) {
      // Same data units per pixel on both axes: widen whichever range is relatively narrower.
      const ux = (xr[1] - xr[0]) / pw, uy = (yr[1] - yr[0]) / ph;
      if (ux > uy) { const c = (yr[0] + yr[1]) / 2, h = (ux * ph) / 2; yr = [c - h, c + h]; }
      else { const c = (xr[0] + xr[1]) / 2, h = (uy * pw) / 2; xr = [c - h, c + h]; }
    }
    const yt = logY ? logTicks(yr[0], yr[1]) : linearTicks(yr[0], yr[1], Math.max(3, Math.floor(ph / 45)), intY);
    return { l, left, top, pw, ph, xr, yr, yt };
  };
  // The left margin makes room for the widest y tick label and, left of it, the axis title.
  ctx.font = tickFont;
  const yLabelWidths = (g) => {
    const step = g.yt.length > 1 ? g.yt[1] - g.yt[0] : 1;
    return g.yt.map((v) => ctx.measureText(tickLabel(v, logY, step)).width);
  };
  let g = layout(baseL), yl = null;
  if (!bare) {
    for (let k = 0; k < 2; k++) {
      yl = yAxisLayout(yLabelWidths(g), titlePx, !!decl.ylabel, baseL);
      if (yl.L <= g.l) break;
      g = layout(yl.L);
    }
  }
  const L = g.left, T = g.top, pw = g.pw, ph = g.ph, yt = g.yt;
  const xr = g.xr, yr = g.yr;
  const wantHeight = fitted && W < 560 ? Math.round(Math.min(T0 + B + (W - (yl ? yl.L : baseL) - R) * aspect, 1.25 * W)) : 0;
  const ax = pw / (xr[1] - xr[0]), ay = ph / (yr[1] - yr[0]);
  const sx = logX ? (x) => L + (Math.log10(x) - xr[0]) * ax : (x) => L + (x - xr[0]) * ax;
  const sy = logY ? (y) => T + ph - (Math.log10(y) - yr[0]) * ay : (y) => T + ph - (y - yr[0]) * ay;
  const ok = (x, y) => Number.isFinite(x) && Number.isFinite(y) && (!logX || x > 0) && (!logY || y > 0);

  ctx.fillStyle = theme.bg;
  ctx.fillRect(0, 0, W, H);
  ctx.save();
  ctx.beginPath();
  ctx.rect(L, T, pw, ph);
  ctx.clip();

  // Fields: heatmap first (it is the ground), then grid lines, then level lines.
  const fields = views.filter(({ decl: v, st }) => v.kind === 'field' && !st.hidden && st.data && st.w > 1 && st.h > 1);
  const geomKey = `${W}x${H}:${xr}:${yr}`;
  for (const { decl: v, st } of fields) {
    if (!FLAG(v, 'heatmap')) continue;
    const c = (cache[v.name] ||= {});
    if (c.imgVersion !== st.version || c.imgW !== st.w || c.imgH !== st.h || c.imgDark !== theme.dark || !c.img) {
      const [lo, hi] = st.hi > st.lo ? [st.lo, st.hi] : fieldRange(st.data);
      const kind = mapKind(v.flags), L = lut(kind, theme.dark), index = indexer(kind, v.flags, lo, hi);
      const same = c.img && c.imgW === st.w && c.imgH === st.h;
      const img = same ? c.img : makeCanvas(st.w, st.h);
      const g = img.getContext('2d');
      const id = same && c.id ? c.id : g.createImageData(st.w, st.h);
      const px = new Uint32Array(id.data.buffer), d = st.data, w = st.w;
      const classes = FLAG(v, 'classes');
      for (let j = 0; j < st.h; j++) {
        const row = (st.h - 1 - j) * w, src = j * w;
        for (let i = 0; i < w; i++) {
          const val = d[src + i];
          if (classes) px[row + i] = classPixel(val, v.color, theme.dark);
          else px[row + i] = val === val && val !== Infinity && val !== -Infinity ? L[index(val)] : 0;
        }
      }
      g.putImageData(id, 0, 0);
      Object.assign(c, { img, id, imgVersion: st.version, imgW: st.w, imgH: st.h, imgDark: theme.dark });
    }
    const plain = !FLAG(v, 'diverging') && !FLAG(v, 'gray') && !FLAG(v, 'classes');
    ctx.globalAlpha = FLAG(v, 'faint') ? 0.35 : !plain ? 0.9 : theme.dark ? 0.55 : 0.42;
    ctx.imageSmoothingEnabled = true;
    const x0 = sx(st.x0), x1 = sx(st.x1), y0 = sy(st.y0), y1 = sy(st.y1);
    const dx = (x1 - x0) / (st.w - 1) / 2, dy = (y0 - y1) / (st.h - 1) / 2;
    ctx.drawImage(c.img, x0 - dx, y1 - dy, x1 - x0 + 2 * dx, y0 - y1 + 2 * dy);
    ctx.globalAlpha = 1;
  }

  // Grid lines at the ticks.
  const xt = logX ? logTicks(xr[0], xr[1]) : linearTicks(xr[0], xr[1], Math.max(3, Math.floor(pw / 60)), intX);
  const gx = (v) => L + (v - xr[0]) * ax, gy = (v) => T + ph - (v - yr[0]) * ay;
  if (!bare) {
    ctx.strokeStyle = theme.grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const v of xt) { const p = Math.round(gx(v)) + 0.5; ctx.moveTo(p, T); ctx.lineTo(p, T + ph); }
    for (const v of yt) { const p = Math.round(gy(v)) + 0.5; ctx.moveTo(L, p); ctx.lineTo(L + pw, p); }
    ctx.stroke();
  }

  for (const { decl: v, st } of fields) {
    if (!FLAG(v, 'contour')) continue;
    const c = (cache[v.name] ||= {});
    if (c.lineVersion !== st.version || c.lineKey !== geomKey || !c.lines) {
      const [lo, hi] = fieldRange(st.data);
      const levels = contourLevels(lo, hi, FLAG(v, 'log_levels'), 12);
      const fx = (st.x1 - st.x0) / (st.w - 1), fy = (st.y1 - st.y0) / (st.h - 1);
      const px = (i, j) => [sx(st.x0 + i * fx), sy(st.y0 + j * fy)];
      c.lines = new Path2D();
      if (FLAG(v, 'classes')) traceClassBorders(c.lines, st.data, st.w, st.h, px);
      else for (const level of levels) traceLevel(c.lines, st.data, st.w, st.h, level, px);
      c.lineVersion = st.version;
      c.lineKey = geomKey;
    }
    ctx.strokeStyle = FLAG(v, 'heatmap') ? (theme.dark ? 'rgba(255,255,255,0.45)' : 'rgba(255,255,255,0.75)') : theme.muted;
    ctx.globalAlpha = FLAG(v, 'heatmap') ? 1 : 0.6;
    ctx.lineWidth = 1;
    ctx.stroke(c.lines);
    ctx.globalAlpha = 1;
  }

  // Small images: each tile a w x h grid drawn as a square in data units.
  for (const { decl: v, st } of views) {
    if (v.kind !== 'tiles' || st.hidden || !st.data || st.count <= 0 || st.w <= 0 || st.h <= 0) continue;
    drawTiles(ctx, v, st, sx, sy, theme, cache);
  }

  // Lines and marks, in the order that keeps the subject on top.
  const order = ['segments', 'edges', 'bars', 'curve', 'trail', 'arrows', 'nodes', 'bubbles', 'points', 'markers'];
  const drawable = views.filter(({ decl: v, st }) => order.includes(v.kind) && !st.hidden && st.data && st.count > 0)
    .sort((a, b) => order.indexOf(a.decl.kind) - order.indexOf(b.decl.kind));
  for (const { decl: v, st } of drawable) {
    const col = theme.palette[((v.color % 8) + 8) % 8];
    const d = st.data, n = st.count;
    ctx.globalAlpha = FLAG(v, 'faint') ? 0.45 : 1;
    ctx.setLineDash(FLAG(v, 'dashed') ? [5, 4] : []);
    ctx.strokeStyle = col;
    ctx.fillStyle = col;
    if (v.kind === 'curve' || v.kind === 'trail') {
      ctx.lineWidth = v.kind === 'curve' ? 2 : 1.6;
      ctx.lineJoin = 'round';
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < n; i++) {
        const x = d[2 * i], y = d[2 * i + 1];
        if (!ok(x, y)) { pen = false; continue; }
        const X = sx(x), Y = sy(y);
        if (pen) ctx.lineTo(X, Y); else ctx.moveTo(X, Y);
        pen = true;
      }
      ctx.stroke();
      if (v.kind === 'trail') {
        ctx.setLineDash([]);
        if (n <= 160) {
          for (let i = 0; i < n - 1; i++) {
            const x = d[2 * i], y = d[2 * i + 1];
            if (!ok(x, y)) continue;
            ctx.beginPath();
            ctx.arc(sx(x), sy(y), 2.2, 0, 2 * Math.PI);
            ctx.fill();
          }
        }
        const x = d[2 * n - 2], y = d[2 * n - 1];
        if (ok(x, y)) {
          ctx.beginPath();
          ctx.arc(sx(x), sy(y), 5, 0, 2 * Math.PI);
          ctx.fill();
          ctx.lineWidth = 2;
          ctx.strokeStyle = theme.bg;
          ctx.stroke();
        }
      }
    } else if (v.kind === 'segments') {
      ctx.lineWidth = 1.2;
      ctx.beginPath();
      for (let i = 0; i < n; i++) {
        const x0 = d[4 * i], y0 = d[4 * i + 1], x1 = d[4 * i + 2], y1 = d[4 * i + 3];
        if (!ok(x0, y0) || !ok(x1, y1)) continue;
        ctx.moveTo(sx(x0), sy(y0));
        ctx.lineTo(sx(x1), sy(y1));
      }
      ctx.stroke();
    } else if (v.kind === 'arrows') {
      ctx.lineWidth = 1.3;
      ctx.beginPath();
      for (let i = 0; i < n; i++) {
        const x = d[4 * i], y = d[4 * i + 1], ex = x + d[4 * i + 2], ey = y + d[4 * i + 3];
        if (!ok(x, y) || !ok(ex, ey)) continue;
        const X0 = sx(x), Y0 = sy(y), X1 = sx(ex), Y1 = sy(ey);
        const len = Math.hypot(X1 - X0, Y1 - Y0);
        if (len < 0.5) continue;
        const hl = Math.min(6, len * 0.45), ux = (X1 - X0) / len, uy = (Y1 - Y0) / len;
        ctx.moveTo(X0, Y0);
        ctx.lineTo(X1, Y1);
        ctx.moveTo(X1 - hl * (ux - 0.5 * uy), Y1 - hl * (uy + 0.5 * ux));
        ctx.lineTo(X1, Y1);
        ctx.lineTo(X1 - hl * (ux + 0.5 * uy), Y1 - hl * (uy - 0.5 * ux));
      }
      ctx.stroke();
    } else if (v.kind === 'bars') {
      let gap = Infinity;
      for (let i = 1; i < n; i++) gap = Math.min(gap, Math.abs(d[2 * i] - d[2 * i - 2]));
      const half = (Number.isFinite(gap) && gap > 0 ? gap : 1) * 0.4;
      for (let i = 0; i < n; i++) {
        const x = d[2 * i], y = d[2 * i + 1];
        const base = logY ? Math.pow(10, yr[0]) : 0;
        if (!ok(x, y) || !ok(x, base)) continue;
        const X0 = sx(x - half), X1 = sx(x + half), Y0 = sy(base), Y1 = sy(y);
        ctx.fillRect(Math.min(X0, X1), Math.min(Y0, Y1), Math.abs(X1 - X0), Math.abs(Y1 - Y0));
      }
    } else if (v.kind === 'edges') {
      let m = st.hi > 0 ? st.hi : 0;
      if (!m) for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(d[5 * i + 4]) || 0);
      m = m || 1;
      // Edges fall into 8 strengths x 2 signs; each bucket is one path and one stroke, so a
      // network of hundreds of connections is drawn in at most 16 calls.
      const buckets = new Map();
      for (let i = 0; i < n; i++) {
        const x0 = d[5 * i], y0 = d[5 * i + 1], x1 = d[5 * i + 2], y1 = d[5 * i + 3], w = d[5 * i + 4];
        if (!ok(x0, y0) || !ok(x1, y1) || !Number.isFinite(w)) continue;
        const level = Math.min(7, Math.floor((Math.abs(w) / m) * 8));
        const key = (w >= 0 ? 8 : 0) + level;
        let p = buckets.get(key);
        if (!p) buckets.set(key, (p = new Path2D()));
        p.moveTo(sx(x0), sy(y0));
        p.lineTo(sx(x1), sy(y1));
      }
      ctx.lineCap = 'round';
      for (const [key, p] of buckets) {
        const t = ((key & 7) + 0.5) / 8;
        ctx.strokeStyle = css(key & 8 ? BLUE : ORANGE);
        ctx.globalAlpha = (FLAG(v, 'faint') ? 0.3 : 0.2) + 0.8 * t;
        ctx.lineWidth = 0.6 + 4.4 * t;
        ctx.stroke(p);
      }
      ctx.globalAlpha = 1;
    } else if (v.kind === 'nodes') {
      let lo = st.lo, hi = st.hi;
      if (!(hi > lo)) {
        lo = Infinity; hi = -Infinity;
        for (let i = 0; i < n; i++) { const z = d[3 * i + 2]; if (Number.isFinite(z)) { lo = Math.min(lo, z); hi = Math.max(hi, z); } }
        if (!(hi >= lo)) { lo = -1; hi = 1; }
      }
      const paint = painter(FLAG(v, 'gray') ? ['gray'] : ['diverging'], lo, hi, theme.dark);
      const rgb = [0, 0, 0], classes = FLAG(v, 'classes'), px1 = new Uint8Array(4);
      const r = nodeRadius(d, n, sx, sy, Math.max(5, Math.min(13, Math.min(pw, ph) / 22)));
      ctx.lineWidth = 1.2;
      for (let i = 0; i < n; i++) {
        const x = d[3 * i], y = d[3 * i + 1], z = d[3 * i + 2];
        if (!ok(x, y)) continue;
        if (classes) { // class k + strength q, as in a class field (MLM_COLOR_CLASSES)
          new Uint32Array(px1.buffer)[0] = classPixel(Number.isFinite(z) ? z : 0, v.color, theme.dark);
          rgb[0] = px1[0]; rgb[1] = px1[1]; rgb[2] = px1[2];
        } else paint(Number.isFinite(z) ? z : 0, rgb, 0);
        ctx.fillStyle = css(rgb);
        ctx.beginPath();
        ctx.arc(sx(x), sy(y), r, 0, 2 * Math.PI);
        ctx.fill();
        ctx.strokeStyle = theme.ink;
        ctx.stroke();
      }
    } else if (v.kind === 'points') {
      // One path per colour, filled and outlined once: hundreds of points cost a few draw calls.
      const r = n > 400 ? 2.2 : n > 120 ? 3 : 4;
      const paths = new Map();
      for (let i = 0; i < n; i++) {
        const x = d[3 * i], y = d[3 * i + 1];
        if (!ok(x, y)) continue;
        const cls = (((v.color + (Math.round(d[3 * i + 2]) || 0)) % 8) + 8) % 8;
        let p = paths.get(cls);
        if (!p) paths.set(cls, (p = new Path2D()));
        const X = sx(x), Y = sy(y);
        p.moveTo(X + r, Y);
        p.arc(X, Y, r, 0, 2 * Math.PI);
      }
      ctx.lineWidth = 1;
      ctx.strokeStyle = theme.bg;
      for (const [cls, p] of paths) {
        ctx.fillStyle = theme.palette[cls];
        ctx.fill(p);
        ctx.stroke(p);
      }
    } else if (v.kind === 'bubbles') {
      // Points whose areas follow their sizes (sample weights; bubbleRadius). Heavier points are
      // drawn last, on top.
      const r0 = n > 400 ? 2.2 : n > 120 ? 3 : 4, items = [];
      for (let i = 0; i < n; i++) {
        const x = d[4 * i], y = d[4 * i + 1], s = d[4 * i + 3];
        if (!ok(x, y) || !Number.isFinite(s)) continue;
        items.push([sx(x), sy(y), bubbleRadius(s, r0), (((v.color + (Math.round(d[4 * i + 2]) || 0)) % 8) + 8) % 8]);
      }
      items.sort((a, b) => a[2] - b[2]);
      ctx.lineWidth = 1;
      ctx.strokeStyle = theme.bg;
      for (const [X, Y, r, cls] of items) {
        ctx.fillStyle = theme.palette[cls];
        ctx.beginPath();
        ctx.arc(X, Y, r, 0, 2 * Math.PI);
        ctx.fill();
        ctx.stroke();
      }
    } else if (v.kind === 'markers') {
      for (let i = 0; i < n; i++) {
        const x = d[2 * i], y = d[2 * i + 1];
        if (!ok(x, y)) continue;
        const X = sx(x), Y = sy(y), s = 6;
        ctx.beginPath();
        ctx.moveTo(X - s, Y - s); ctx.lineTo(X + s, Y + s);
        ctx.moveTo(X - s, Y + s); ctx.lineTo(X + s, Y - s);
        ctx.lineWidth = 5;
        ctx.strokeStyle = theme.bg;
        ctx.stroke();
        ctx.lineWidth = 2.5;
        ctx.strokeStyle = col;
        ctx.stroke();
      }
    }
    ctx.globalAlpha = 1;
    ctx.setLineDash([]);
  }
  // Text at points: one line of the view's text per item. The font shrinks until neighbouring
  // labels no longer run together ("17 10" must not read "1710"); labels that would need a font
  // under 7 px are left out, and the page is told so (notes, below the canvas).
  const notes = [];
  for (const { decl: v, st } of views) {
    if (v.kind !== 'labels' || st.hidden || !st.data || !st.text) continue;
    const lines = st.text.split('\n');
    const basePx = small ? 10 : 11;
    ctx.font = `${basePx}px ${theme.font}`;
    const items = [];
    for (let i = 0; i < st.count && i < lines.length; i++) {
      const x = st.data[2 * i], y = st.data[2 * i + 1];
      if (!ok(x, y) || !lines[i]) continue;
      items.push({ x: sx(x), y: sy(y), w: ctx.measureText(lines[i]).width, text: lines[i] });
    }
    const px = items.length <= 400 ? Math.floor(basePx * labelScale(items, basePx, 2) * 2) / 2 : basePx;
    if (px < 7) {
      notes.push({ text: `${v.label || 'Numbers'} left out: too small to read at this width (widen the window to see them)` });
      continue;
    }
    ctx.font = `${px}px ${theme.font}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.lineWidth = Math.min(3, px / 3.5);
    ctx.strokeStyle = theme.bg;
    ctx.fillStyle = v.color ? theme.palette[v.color % 8] : theme.ink;
    for (const it of items) {
      ctx.strokeText(it.text, it.x, it.y);
      ctx.fillText(it.text, it.x, it.y);
    }
  }
  ctx.restore();

  // Frame, tick labels, axis labels, title.
  if (!bare) {
    ctx.strokeStyle = theme.muted;
    ctx.lineWidth = 1;
    ctx.strokeRect(L + 0.5, T + 0.5, pw - 1, ph - 1);
    ctx.fillStyle = theme.muted;
    ctx.font = tickFont;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const xstep = xt.length > 1 ? xt[1] - xt[0] : 1, ystep = yt.length > 1 ? yt[1] - yt[0] : 1;
    let lastRight = -Infinity;
    for (const v of xt) {
      const s = tickLabel(v, logX, xstep), X = gx(v), wdt = ctx.measureText(s).width;
      if (X - wdt / 2 < lastRight + 4) continue; // never let labels overlap
      ctx.fillText(s, Math.min(Math.max(X, L + wdt / 2), L + pw - wdt / 2), T + ph + 4);
      lastRight = X + wdt / 2;
    }
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const v of yt) ctx.fillText(tickLabel(v, logY, ystep), L - 5, Math.min(Math.max(gy(v), T + 5), T + ph - 5));
    ctx.fillStyle = theme.ink;
    ctx.font = `${titlePx}px ${theme.font}`;
    if (decl.xlabel) {
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      ctx.fillText(decl.xlabel + (logX ? ' (log)' : ''), L + pw / 2, T + ph + B - 2);
    }
    if (decl.ylabel) {
      ctx.save();
      ctx.translate(L - (yl.L - yl.titleX), T + ph / 2); // in its own band, left of the tick labels
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(decl.ylabel + (logY ? ' (log)' : ''), 0, 0);
      ctx.restore();
    }
  }
  if (decl.title) {
    ctx.fillStyle = theme.ink; // set here: a panel without axes skipped the labels that set it
    ctx.font = `600 ${small ? 12 : 13}px ${theme.font}`;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    ctx.fillText(decl.title, L, T - 8, pw);
  }

  // Readouts (top left unless that hides a marked point) and the legend (a corner where it
  // hides no data). What finds no free corner is handed back for the page to show under the
  // canvas: a legend over the data, or readouts over every marker.
  const lines = [];
  for (const { decl: v, st } of views) {
    if (st.hidden) continue;
    if (v.kind === 'text' && st.text) lines.push(st.text);
    if (v.kind === 'scalar') lines.push(`${v.label} ${formatReadout(st.value, FLAG(v, 'int'))}${FLAG(v, 'percent') && Number.isFinite(st.value) ? ' %' : ''}`);
  }
  ctx.font = `${small ? 10.5 : 11.5}px ${theme.font}`;
  const inner = [L + 6, T + 6, L + pw - 6, T + ph - 6];
  const corners = (w, h) => [[L + 6, T + 6], [L + pw - 6 - w, T + 6], [L + 6, T + ph - 6 - h], [L + pw - 6 - w, T + ph - 6 - h]];
  const below = [];
  const taken = [];
  if (lines.length) {
    const entries = lines.map((t) => ({ text: t }));
    const size = boxSize(ctx, entries, pw - 12);
    const marks = [];
    for (const { decl: v, st } of views) {
      if (v.kind !== 'markers' || st.hidden || !st.data) continue;
      for (let i = 0; i < st.count; i++) if (ok(st.data[2 * i], st.data[2 * i + 1])) marks.push(sx(st.data[2 * i]), sy(st.data[2 * i + 1]));
    }
    const spots = corners(size.w, size.h);
    const k = marks.length ? placeBox(spots, size.w, size.h, marks, 8, [], inner) : 0;
    if (k < 0) below.push(...entries);
    else {
      box(ctx, theme, spots[k][0], spots[k][1], entries, pw - 12);
      taken.push([spots[k][0], spots[k][1], size.w, size.h]);
    }
  }
  const legend = views.filter(({ decl: v, st }) => FLAG(v, 'legend') && !st.hidden && v.label)
    .map(({ decl: v }) => ({ text: v.label, color: theme.palette[((v.color % 8) + 8) % 8], kind: v.kind, dashed: FLAG(v, 'dashed') }));
  if (legend.length) {
    const size = boxSize(ctx, legend, pw - 12);
    // Never a legend covering much of the plot (many entries, a phone-sized panel).
    let k = -1, spots = [];
    if (size.w * size.h <= 0.2 * pw * ph) {
      spots = corners(size.w, size.h);
      spots = [spots[1], spots[3], spots[2], spots[0]]; // top right first, top left last
      k = placeBox(spots, size.w, size.h, samplePoints(views, sx, sy, ok), 6, taken, inner);
    }
    if (k < 0) below.push(...legend);
    else box(ctx, theme, spots[k][0], spots[k][1], legend, pw - 12);
  }
  const pageLegend = below.length || notes.length ? [...below, ...notes] : null;

  return {
    legend: pageLegend, // entries for the page to list under the canvas ({ text } alone: a note)
    height: wantHeight, // > 0: the CSS height this panel would like (an equal panel on a phone)
    plot: { L, T, pw, ph },
    toData(px, py) {
      let x = xr[0] + (px - L) / ax, y = yr[0] + (T + ph - py) / ay;
      if (logX) x = Math.pow(10, x);
      if (logY) y = Math.pow(10, y);
      return [x, y];
    },
    inside: (px, py) => px >= L && px <= L + pw && py >= T && py <= T + ph,
    span: [xr[1] - xr[0], yr[1] - yr[0]],
  };
}

// Tiles: each item is (cx, cy, size) then a w x h image, row 0 at the top. One scratch canvas of
// w x h is reused for every tile; small images stay crisp (no smoothing), large ones smooth.
function drawTiles(ctx, v, st, sx, sy, theme, cache) {
  const { w, h, count, data } = st;
  const stride = 3 + w * h;
  // All tiles go into one atlas image, filled with one putImageData, so the browser uploads one
  // texture a frame however many tiles there are.
  const cols = Math.max(1, Math.min(count, Math.floor(4096 / w))), rows = Math.ceil(count / cols);
  const c = (cache[v.name] ||= {});
  if (!c.atlas || c.aw !== cols * w || c.ah !== rows * h) {
    c.atlas = makeCanvas(cols * w, rows * h);
    c.aw = cols * w;
    c.ah = rows * h;
    c.pixels = c.atlas.getContext('2d').createImageData(c.aw, c.ah);
  }
  const px = new Uint32Array(c.pixels.data.buffer);
  const kind = mapKind(v.flags), L = lut(kind, theme.dark);
  const fixedRange = st.hi > st.lo;
  for (let t = 0; t < count; t++) {
    const o = t * stride;
    let lo = st.lo, hi = st.hi;
    if (!fixedRange) {
      lo = Infinity; hi = -Infinity;
      for (let k = 0; k < w * h; k++) { const z = data[o + 3 + k]; if (Number.isFinite(z)) { if (z < lo) lo = z; if (z > hi) hi = z; } }
      if (!(hi >= lo)) { lo = 0; hi = 1; }
    }
    const index = indexer(kind, v.flags, lo, hi);
    const ox = (t % cols) * w, oy = Math.floor(t / cols) * h;
    for (let r = 0; r < h; r++) {
      const dst = (oy + r) * c.aw + ox, src = o + 3 + r * w;
      for (let k = 0; k < w; k++) {
        const z = data[src + k];
        px[dst + k] = L[index(Number.isFinite(z) ? z : lo)];
      }
    }
  }
  c.atlas.getContext('2d').putImageData(c.pixels, 0, 0);
  ctx.imageSmoothingEnabled = w >= 24;
  ctx.strokeStyle = theme.grid;
  ctx.lineWidth = 1;
  for (let t = 0; t < count; t++) {
    const o = t * stride;
    const cx = data[o], cy = data[o + 1], size = data[o + 2];
    if (!Number.isFinite(cx) || !Number.isFinite(cy) || !(size > 0)) continue;
    const X0 = sx(cx - size / 2), X1 = sx(cx + size / 2), Y0 = sy(cy + size / 2), Y1 = sy(cy - size / 2);
    const x = Math.min(X0, X1), y = Math.min(Y0, Y1), dw = Math.abs(X1 - X0), dh = Math.abs(Y1 - Y0);
    ctx.drawImage(c.atlas, (t % cols) * w, Math.floor(t / cols) * h, w, h, x, y, dw, dh);
    ctx.strokeRect(x + 0.5, y + 0.5, dw - 1, dh - 1);
  }
  ctx.imageSmoothingEnabled = true;
}

// Pixel positions of (at most about 4000 of) the marks drawn in a panel, as [x0, y0, x1, ...],
// including points along each line segment so a legend avoids lines as well as dots.
function samplePoints(views, sx, sy, ok) {
  const out = [];
  for (const { decl: v, st } of views) {
    if (st.hidden || !st.data || !(st.count > 0)) continue;
    const stride = { curve: 2, trail: 2, points: 3, markers: 2, bars: 2, nodes: 3 }[v.kind];
    if (!stride) continue;
    const n = st.count, every = Math.max(1, Math.floor(n / 1000));
    let px = NaN, py = NaN;
    for (let i = 0; i < n; i += every) {
      const x = st.data[stride * i], y = st.data[stride * i + 1];
      if (!ok(x, y)) { px = NaN; continue; }
      const X = sx(x), Y = sy(y);
      out.push(X, Y);
      if ((v.kind === 'curve' || v.kind === 'trail') && Number.isFinite(px)) {
        for (let k = 1; k < 4; k++) out.push(px + ((X - px) * k) / 4, py + ((Y - py) * k) / 4);
      }
      px = X; py = Y;
    }
  }
  return out;
}

// The size of box() for these entries in the current font.
function boxSize(ctx, entries, maxW) {
  const sample = entries.some((e) => e.color) ? 22 : 0;
  return { w: Math.min(maxW, Math.max(...entries.map((e) => ctx.measureText(e.text).width)) + sample + 10), h: entries.length * 16 + 6 };
}

// A translucent box of lines at (x, y); legend entries carry a colour sample.
function box(ctx, theme, x, y, entries, maxW) {
  const lh = 16, pad = 5;
  const sample = entries.some((e) => e.color) ? 22 : 0;
  const w = boxSize(ctx, entries, maxW).w;
  ctx.fillStyle = theme.bg;
  ctx.globalAlpha = 0.85;
  ctx.fillRect(x, y, w, entries.length * lh + 2 * pad - 4);
  ctx.globalAlpha = 1;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  entries.forEach((e, k) => {
    const cy = y + pad + k * lh + 6;
    if (e.color) {
      ctx.strokeStyle = e.color;
      ctx.fillStyle = e.color;
      ctx.lineWidth = 2.5;
      ctx.setLineDash(e.dashed ? [4, 3] : []);
      if (e.kind === 'points' || e.kind === 'nodes' || e.kind === 'bubbles') {
        ctx.beginPath(); ctx.arc(x + pad + 8, cy, 3.5, 0, 2 * Math.PI); ctx.fill();
      } else if (e.kind === 'markers') {
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.moveTo(x + pad + 4, cy - 4); ctx.lineTo(x + pad + 12, cy + 4);
        ctx.moveTo(x + pad + 4, cy + 4); ctx.lineTo(x + pad + 12, cy - 4);
        ctx.stroke();
      } else if (e.kind === 'bars') {
        ctx.fillRect(x + pad + 3, cy - 5, 10, 10);
      } else {
        ctx.beginPath(); ctx.moveTo(x + pad, cy); ctx.lineTo(x + pad + 16, cy); ctx.stroke();
      }
      ctx.setLineDash([]);
    }
    ctx.fillStyle = theme.ink;
    ctx.fillText(e.text, x + pad + sample, cy, w - sample - 2 * pad);
  });
}

// OffscreenCanvas where there is one, a detached <canvas> elsewhere: both work with drawImage.
function makeCanvas(w, h) {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(w, h);
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  return c;
}
