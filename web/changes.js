// changes.js: what a panel's picture depends on, in a few numbers, so a frame redraws only the
// panels whose inputs changed. A panel's picture is a function of its canvas size, the theme, the
// panel's state (ranges, hidden) and its views (counts, sizes, ranges, versions, texts, values and
// the numbers in their buffers). The buffers are hashed, not compared: views read in place from
// the wasm heap keep their identity while their contents change, and a worker's frame brings new
// buffers with, often, the same contents. Two independent 32-bit lanes over the raw bits make a
// missed change (a stale picture) a 1 in 2^64 event per changed frame; a later change redraws anyway.

// The 64-bit hash of a buffer of 32-bit numbers as two numbers, appended to `out`. Bits, not
// values: -0 and 0 (drawn the same) differ, which costs a redraw and never a stale picture.
function pushHash(out, d) {
  if (!d) { out.push(0, 0); return; }
  if (d.BYTES_PER_ELEMENT !== 4) { out.push({}, {}); return; } // a fresh object: always redrawn
  const n = d.length, u = new Int32Array(d.buffer, d.byteOffset, n);
  let a = 0x811c9dc5 ^ n, b = 0x2545f491;
  for (let i = 0; i < n; i++) {
    const x = u[i];
    a = Math.imul(a ^ x, 16777619);
    b = Math.imul((b << 5) | (b >>> 27), 0x9e3779b1) ^ x;
  }
  out.push(a, b);
}

// The signature of one panel's inputs (an array of numbers and strings).
export function panelSignature(bw, bh, W, H, theme, pst, views) {
  const sig = [bw, bh, W, H, pst.hidden ? 1 : 0, pst.x0, pst.x1, pst.y0, pst.y1];
  for (const { st } of views) {
    sig.push(st.hidden ? 1 : 0, st.count, st.w, st.h, st.version, st.lo, st.hi, st.value,
      st.x0, st.x1, st.y0, st.y1, st.text || '');
    if (!st.hidden) pushHash(sig, st.data);
  }
  sig.theme = theme;
  return sig;
}

// Whether two signatures describe the same picture (Object.is: a NaN readout equals a NaN one).
export function sameSignature(a, b) {
  if (!a || !b || a.length !== b.length || a.theme !== b.theme) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
