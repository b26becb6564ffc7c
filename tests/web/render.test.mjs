// render.test.mjs: the canvas renderer's layout decisions, checked in node against geometry:
// the range and ticks of an axis with nothing yet to show, where the y axis title goes, where a
// legend may go without hiding data, and how far labels must shrink so that neighbours stay apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoRange, linearTicks, isIntegerAxis, yAxisLayout, placeBox, labelScale, classPixel, bubbleRadius, nodeRadius, PALETTE_LIGHT, PALETTE_DARK } from '../../web/render.js';

const whole = (v) => Math.abs(v - Math.round(v)) < 1e-9;

test('a step axis before the first step runs from 0 to a few steps, with whole-number ticks', () => {
  assert.ok(isIntegerAxis('step') && isIntegerAxis('Steps') && isIntegerAxis('epoch'));
  assert.ok(!isIntegerAxis('x') && !isIntegerAxis('w₁') && !isIntegerAxis('f(x)') && !isIntegerAxis(undefined));
  for (const at of [0, 7]) {
    const [a, b] = autoRange([at, at], 0.03, true);
    assert.ok(a <= at && a > at - 0.5, `the range starts at ${a}, not just below ${at}`);
    assert.ok(b >= at + 3 && b <= at + 10, `the range ends at ${b}: not a few steps on from ${at}`);
    const t = linearTicks(a, b, 6, true);
    assert.ok(t.length >= 2, `ticks ${t}`);
    assert.ok(t.every(whole), `ticks at fractions of a step: ${t}`);
    assert.ok(t.includes(at), `no tick at step ${at}: ${t}`);
    assert.ok(t.every((v) => v >= 0), `a negative step: ${t}`);
  }
});

test('a short step axis has no half steps; other axes keep their fine ticks', () => {
  const [a, b] = autoRange([0, 3], 0.03, true);
  const t = linearTicks(a, b, 8, true);
  assert.ok(t.every(whole), `ticks ${t}`);
  const f = linearTicks(0, 3, 8, false);
  assert.ok(f.some((v) => !whole(v)), `a real-valued axis lost its fine ticks: ${f}`);
  // Long step axes are unchanged by the integer rule: 1-2-5 spacing of whole numbers.
  assert.deepEqual(linearTicks(0, 10000, 5, true), [0, 2000, 4000, 6000, 8000, 10000]);
});

test('a degenerate real-valued range surrounds its value', () => {
  for (const v of [0, 0.7, -3, 1e6]) {
    const [a, b] = autoRange([v, v], 0.06, false);
    assert.ok(a < v && v < b && Number.isFinite(b - a) && b - a > 0, `[${a}, ${b}] around ${v}`);
  }
  const [a, b] = autoRange([2, 4], 0.1, false);
  assert.ok(Math.abs(a - 1.8) < 1e-12 && Math.abs(b - 4.2) < 1e-12, `padding: [${a}, ${b}]`);
});

test('the y axis title never overlaps a tick label', () => {
  // "0.76" and "0.755" at 11 px are about 21 and 27 px wide; the title's font is 12 px.
  for (const widths of [[21, 27], [8], [60, 75], []]) {
    for (const base of [40, 48]) {
      const y = yAxisLayout(widths, 12, true, base);
      const widest = widths.length ? Math.max(...widths) : 0;
      const titleRight = y.titleX + 12 / 2;
      assert.ok(y.titleX - 6 >= 0, 'the title is cut at the canvas edge');
      assert.ok(titleRight + 2 <= y.tickRight - widest, `title ends at ${titleRight}, the widest label starts at ${y.tickRight - widest}`);
      assert.ok(y.tickRight < y.L, 'tick labels run into the frame');
      assert.ok(y.L >= base, 'the margin shrank below its base');
    }
  }
  // Without a title the labels need only their own width.
  const y = yAxisLayout([75], 12, false, 40);
  assert.ok(y.tickRight - 75 >= 0 && y.L < yAxisLayout([75], 12, true, 40).L);
});

test('a legend goes to a corner that hides no data, and nowhere when every corner has data', () => {
  // A 300 x 200 plot box at (50, 20); legend 80 x 38. Accuracy curves: a steep rise at the left,
  // then a flat line 3 px under the top edge, the band that matters after training.
  const L = 50, T = 20, W = 300, H = 200, w = 80, h = 38;
  const pts = [];
  for (let x = L; x <= L + 30; x += 2) pts.push(x, T + H - (x - L) * (H - 3) / 30);
  for (let x = L + 30; x <= L + W; x += 2) pts.push(x, T + 3);
  const spots = [[L + W - 6 - w, T + 6], [L + W - 6 - w, T + H - 6 - h], [L + 6, T + H - 6 - h], [L + 6, T + 6]];
  const k = placeBox(spots, w, h, pts, 6);
  assert.equal(k, 1, 'the legend should leave the top (where the curves are) for the bottom right');
  // A box touching no point but within the margin of the curve is refused.
  assert.equal(placeBox([spots[0]], w, h, pts, 6), -1);
  assert.equal(placeBox([spots[0]], w, h, pts, 0), 0, 'without a margin the top right looks free');
  // Data in every corner: no corner, so the page shows the legend outside the plot.
  const everywhere = [];
  for (let x = L; x <= L + W; x += 5) for (let y = T; y <= T + H; y += 5) everywhere.push(x, y);
  assert.equal(placeBox(spots, w, h, everywhere, 6), -1);
  // A corner taken by the readouts is skipped even when empty of data.
  assert.equal(placeBox(spots, w, h, [], 0, [[spots[0][0] + 10, spots[0][1] + 10, 20, 20]]), 1);
  // Bounds: a box that would stick out of the plot is not placed.
  assert.equal(placeBox([[L + W - 10, T]], w, h, [], 0, [], [L, T, L + W, T + H]), -1);
});

test('labels shrink until neighbours are apart: "17 10" never reads "1710"', () => {
  // A confusion matrix at 360 px: 10 x 10 cells 17 px apart, three-digit counts 19 px wide at
  // 11 px, 11 px tall.
  const items = [];
  for (let r = 0; r < 10; r++) for (let c = 0; c < 10; c++) items.push({ x: 30 + 17 * c, y: 30 + 17 * r, w: 19 });
  const gap = 2, h = 11;
  const s = labelScale(items, h, gap);
  assert.ok(s > 0 && s < 1, `scale ${s}`);
  const apart = (scale) => items.every((a, i) => items.every((b, j) => j <= i ||
    Math.abs(a.x - b.x) - scale * (a.w + b.w) / 2 >= gap - 1e-9 || Math.abs(a.y - b.y) - scale * h >= gap - 1e-9));
  assert.ok(apart(s), 'at the chosen scale two labels still touch');
  assert.ok(!apart(s * 1.02), 'the scale is smaller than it needs to be');
  // Cells wide enough: no shrinking.
  assert.equal(labelScale([{ x: 0, y: 0, w: 12 }, { x: 40, y: 0, w: 12 }], 11), 1);
  // Labels stacked in a column only need vertical room.
  assert.equal(labelScale([{ x: 0, y: 0, w: 30 }, { x: 0, y: 20, w: 30 }], 11), 1);
});

test('readouts leave the top-left corner when a marked minimum lies under it', () => {
  // A 300 x 300 plot at (40, 24) and a readout two thirds as wide, with two crosses: one at the
  // top centre (under a readout at either top corner), one near the bottom right.
  const L = 40, T = 24, S = 300, w = 200, h = 22;
  const marks = [L + 150, T + 20, L + S - 40, T + S - 30];
  const spots = [[L + 6, T + 6], [L + S - 6 - w, T + 6], [L + 6, T + S - 6 - h], [L + S - 6 - w, T + S - 6 - h]];
  const k = placeBox(spots, w, h, marks, 8);
  assert.equal(k, 2, `readouts went to corner ${k}`);
  const [x, y] = spots[k];
  for (let i = 0; i < marks.length; i += 2) {
    const inside = marks[i] >= x - 8 && marks[i] <= x + w + 8 && marks[i + 1] >= y - 8 && marks[i + 1] <= y + h + 8;
    assert.ok(!inside, `the marker at (${marks[i]}, ${marks[i + 1]}) is under the readouts`);
  }
});

test('a class field colours each cell by its class, pale where unsure and full where certain', () => {
  const rgb = (px) => [px & 255, (px >>> 8) & 255, (px >>> 16) & 255];
  const hex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
  const dist = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
  for (const [dark, pal] of [[false, PALETTE_LIGHT], [true, PALETTE_DARK]]) {
    for (let k = 0; k < 5; k++) {
      for (const color of [0, 1, 5]) {
        const want = hex(pal[(color + k) % 8]);
        const sure = rgb(classPixel(k + 0.999, color, dark));
        assert.ok(dist(sure, want) < 3, `class ${k} (colour ${color}) at q = 0.999: ${sure}, not ${want}`);
        // Lightness: as q grows the cell moves steadily from the pale ground to the class colour.
        let last = Infinity;
        for (const q of [0, 0.2, 0.4, 0.6, 0.8, 0.99]) {
          const d = dist(rgb(classPixel(k + q, color, dark)), want);
          assert.ok(d < last || d === 0, `class ${k}: q = ${q} is no nearer its colour (${d} after ${last})`);
          last = d;
        }
        assert.ok(dist(rgb(classPixel(k, color, dark)), want) > 100 || dist(hex(pal[(color + k) % 8]), dark ? [44, 47, 52] : [247, 247, 247]) < 120,
          `class ${k} at q = 0 is not pale`);
      }
    }
    // Every value is opaque except a non-finite one, which is never drawn.
    for (const v of [NaN, Infinity, -Infinity]) assert.equal(classPixel(v, 0, dark), 0);
    assert.equal((classPixel(1.5, 0, dark) >>> 24) & 255, 255);
  }
  // Classes wrap around the eight colours.
  assert.equal(classPixel(9.999, 0, false), classPixel(1.999, 0, false));
});

test('a bubble\'s area follows its size, within bounds that keep it visible and the panel clear', () => {
  const r0 = 4;
  assert.equal(bubbleRadius(1, r0), r0);
  for (const s of [0.25, 0.5, 2, 4, 9, 16]) {
    const r = bubbleRadius(s, r0);
    assert.ok(Math.abs((r * r) / (r0 * r0) - s) < 1e-12, `size ${s}: area ratio ${(r * r) / (r0 * r0)}`);
  }
  assert.equal(bubbleRadius(100, r0), 5 * r0);
  assert.equal(bubbleRadius(0, r0), 0.3 * r0);
  assert.equal(bubbleRadius(-3, r0), 0.3 * r0);
  assert.equal(bubbleRadius(0, 2), 1.2);
  for (let s = 0; s < 30; s += 0.5) assert.ok(bubbleRadius(s + 0.5, r0) >= bubbleRadius(s, r0), 'grows with size');
});

test('node discs shrink so that neighbours never overlap, and keep their size when there is room', () => {
  const id = (v) => v;
  const far = new Float32Array([0, 0, 0, 100, 0, 0, 0, 100, 0]);
  assert.equal(nodeRadius(far, 3, id, id, 12), 12);
  const near = new Float32Array([0, 0, 0, 20, 0, 0, 40, 0, 0]);
  const r = nodeRadius(near, 3, id, id, 12);
  assert.ok(2 * r < 20 && Math.abs(r - 8.4) < 1e-9, `radius ${r} for neighbours 20 px apart`);
  assert.equal(nodeRadius(new Float32Array([0, 0, 0, 1, 0, 0]), 2, id, id, 12), 3);
  assert.equal(nodeRadius(new Float32Array([0, 0, 0]), 1, id, id, 12), 12);
});
