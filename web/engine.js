// engine.js: the one place in JavaScript that knows the wasm export layer (engine/core/wasm.c).
// It loads a module's Emscripten build once per page, wraps an instance (set, reset, step, draw,
// status), reads the view and panel states in place from the wasm heap, and copies the
// instance's memory block for checkpoints. Nothing here knows any particular module.

// Byte layout of mlm_view_state and mlm_panel_state in wasm32: wasm.c asserts the same numbers.
const VIEW_BYTES = 56;
const PANEL_BYTES = 20;
// Floats per item by view kind (TILES add w*h per item); mlm_view_stride() in mlm.c says the same.
export const STRIDE = { points: 3, curve: 2, trail: 2, segments: 4, arrows: 4, markers: 2, field: 1,
  bars: 2, tiles: 3, edges: 5, nodes: 3, labels: 2, bubbles: 4 };
export const stride = (kind, w, h) => (kind === 'tiles' ? 3 + w * h : STRIDE[kind] || 0);
export const INPUT_MAX = 1024; // MLM_INPUT_MAX in mlm.h
export const STATUS = ['running', 'converged', 'diverged', 'finished'];

const loaded = new Map(); // module name -> Promise of the Emscripten module object

// Load site/engine/<name>.mjs and its .wasm (beside it), once per page (or per worker). A worker
// is handed the wasm's bytes by the page (`wasmBinary`), which downloads them once for all its
// workers (web/remote.js).
export function loadModule(name, wasmBinary) {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) return Promise.reject(new Error(`bad module name ${name}`));
  if (!loaded.has(name)) {
    const base = new URL(`../engine/`, import.meta.url);
    loaded.set(name, import(new URL(`${name}.mjs`, base).href).then((mod) => mod.default({
      ...(wasmBinary ? { wasmBinary } : {}),
      locateFile: (file) => new URL(file, base).href,
      print: () => {},
      printErr: (text) => console.warn(`${name}: ${text}`),
    })));
  }
  return loaded.get(name);
}

// One run of a module. Parameters are indices into the manifest's params.
export class Instance {
  constructor(M, manifest) {
    this.M = M;
    this.manifest = manifest;
    this.ptr = M._mlm_js_create();
    if (!this.ptr) throw new Error('out of memory creating the instance');
    if (M._mlm_js_n_params() !== manifest.params.length || M._mlm_js_n_views() !== manifest.views.length) {
      throw new Error('the page and the engine disagree about the module (rebuild the site)');
    }
    this.views = manifest.views.map(() => ({ data: null, count: 0, w: 0, h: 0, version: 0, text: '', value: 0, hidden: false, x0: 0, x1: 0, y0: 0, y1: 0, lo: 0, hi: 0 }));
    this.panels = manifest.panels.map(() => ({ x0: 0, x1: 1, y0: 0, y1: 1, hidden: false }));
  }

  destroy() { if (this.ptr) this.M._mlm_js_destroy(this.ptr); this.ptr = 0; }

  // Store a parameter (the engine clamps it); returns the value actually stored.
  // A text parameter (kind "text") takes and gives a string; a refused text leaves it as it was.
  set(i, v) { return typeof v === 'string' ? this.setText(i, v) : this.M._mlm_js_set(this.ptr, i, v); }
  get(i) { return this.manifest.params[i]?.kind === 'text' ? this.getText(i) : this.M._mlm_js_get(this.ptr, i); }
  getText(i) { return this.M._mlm_js_get_text ? this.M.UTF8ToString(this.M._mlm_js_get_text(this.ptr, i)) : ''; }
  setText(i, text) {
    const M = this.M;
    const bytes = new TextEncoder().encode(text);
    if (M._mlm_js_set_text && M._mlm_js_input_buffer && bytes.length <= INPUT_MAX) {
      const p = M._mlm_js_input_buffer(); // MLM_INPUT_MAX + 1 bytes, more than any text
      M.HEAPU8.set(bytes, p);
      M.HEAPU8[p + bytes.length] = 0;
      M._mlm_js_set_text(this.ptr, i, p);
    }
    return this.getText(i);
  }

  // Restart from the current parameters with `seed`; returns false (and this.reason) on failure.
  reset(seed) { return this.M._mlm_js_reset(this.ptr, seed) === 0; }
  step(n) { return this.M._mlm_js_step(this.ptr, n); }

  get steps() { return this.M._mlm_js_steps(this.ptr); }
  get status() { return STATUS[this.M._mlm_js_status(this.ptr)] || 'running'; }
  get final() { return this.M._mlm_js_final(this.ptr) !== 0; }
  get statusStep() { return this.M._mlm_js_status_step(this.ptr); }
  get reason() { return this.M.UTF8ToString(this.M._mlm_js_reason(this.ptr)); }

  // Let the module fill its views, then read them. Typed arrays are views on the heap, not copies;
  // they are re-made every frame because memory growth replaces the heap's buffer.
  draw() {
    const M = this.M;
    M._mlm_js_draw(this.ptr);
    const floats = this.manifest.views.map((v, k) => M._mlm_js_view_floats(this.ptr, k));
    const F = M.HEAPF32, I = M.HEAP32;
    let at = M._mlm_js_views(this.ptr) >> 2;
    this.manifest.views.forEach((v, k) => {
      const s = this.views[k];
      const data = I[at] >>> 2;
      s.count = I[at + 1];
      s.w = I[at + 2];
      s.h = I[at + 3];
      s.version = I[at + 4] >>> 0;
      s.value = F[at + 6];
      s.hidden = I[at + 7] !== 0;
      s.x0 = F[at + 8]; s.x1 = F[at + 9]; s.y0 = F[at + 10]; s.y1 = F[at + 11];
      s.lo = F[at + 12]; s.hi = F[at + 13];
      const n = floats[k];
      s.data = data && n > 0 ? F.subarray(data, data + n) : null;
      if (v.kind === 'text' || v.kind === 'labels') {
        const p = I[at + 5];
        s.text = p ? M.UTF8ToString(p, 8000) : '';
      }
      at += VIEW_BYTES >> 2;
    });
    at = M._mlm_js_panels(this.ptr) >> 2;
    for (const s of this.panels) {
      s.x0 = F[at]; s.x1 = F[at + 1]; s.y0 = F[at + 2]; s.y1 = F[at + 3];
      s.hidden = I[at + 4] !== 0;
      at += PANEL_BYTES >> 2;
    }
  }

  // Pointer input for a panel flagged "pointer" (kind: 0 down, 1 move, 2 up), data coordinates.
  // Returns 1 when the module restarted the run (the input changed what training sees), else 0.
  pointer(panel, kind, x, y) { return this.M._mlm_js_pointer(this.ptr, panel, kind, x, y) === 1 ? 1 : 0; }

  // The reader's input as link text ('' when the module has none), and back into a fresh run
  // (false: refused, nothing changed). Buttons the module declares (`actions`): 1 = restarted.
  // Engines built before these exports existed answer '' / false / 0.
  inputGet() {
    const M = this.M;
    if (!M._mlm_js_input_get) return '';
    const p = M._mlm_js_input_get(this.ptr);
    return p ? M.UTF8ToString(p) : '';
  }

  inputSet(text) {
    const M = this.M;
    if (!M._mlm_js_input_set || !M._mlm_js_input_get) return false;
    const bytes = new TextEncoder().encode(String(text));
    if (bytes.length > INPUT_MAX) return false;
    // The text goes through the engine's own static input buffer (MLM_INPUT_MAX + 1 bytes).
    const p = M._mlm_js_input_get(this.ptr);
    if (!p) return false;
    M.HEAPU8.set(bytes, p);
    M.HEAPU8[p + bytes.length] = 0;
    return M._mlm_js_input_set(this.ptr, p) === 0;
  }

  action(k) { return this.M._mlm_js_action ? (this.M._mlm_js_action(this.ptr, k) === 1 ? 1 : 0) : 0; }

  // The whole mutable state of the run, copied out of the heap (a checkpoint), and back.
  snapshot() {
    const n = this.M._mlm_js_snapshot_size(this.ptr);
    return this.M.HEAPU8.slice(this.ptr, this.ptr + n);
  }

  restore(snap) {
    if (snap.length !== this.M._mlm_js_snapshot_size(this.ptr)) return false;
    this.M.HEAPU8.set(snap, this.ptr);
    return true;
  }
}

// Checkpoints of one run, for scrubbing back: at most `cap` snapshots, spaced `every` steps
// apart; when full, every second one is dropped and the spacing doubles, so any run length fits
// and going back to step t replays at most `every` steps. Because a seed and parameters fix the
// whole run, checkpoints after the current step stay valid when the reader scrubs back.
export class Timeline {
  constructor(cap = 48, every = 16) {
    this.cap = cap;
    this.every0 = every;
    this.clear();
  }

  // Keep as many snapshots of `bytes` each as `budget` bytes hold (48 to 2048).
  fit(bytes, budget) {
    this.cap = Math.max(48, Math.min(2048, Math.floor(budget / Math.max(1, bytes))));
  }

  clear() {
    this.every = this.every0;
    this.marks = []; // [{ step, snap }], ascending
    this.bytes = 0;
  }

  // Offer the state at `step`; it is kept when it falls on the spacing.
  offer(step, take) {
    if (step % this.every !== 0) return;
    const last = this.marks[this.marks.length - 1];
    if (last && last.step >= step) return;
    this.marks.push({ step, snap: take() });
    if (this.marks.length > this.cap) {
      this.every *= 2;
      this.marks = this.marks.filter((m) => m.step % this.every === 0);
    }
  }

  // Forget the checkpoints after step t (the run changed there).
  truncate(t) {
    while (this.marks.length && this.marks[this.marks.length - 1].step > t) this.marks.pop();
  }

  // The latest checkpoint at or before step t, or null (binary search: marks are ascending).
  before(t) {
    let lo = 0, hi = this.marks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.marks[mid].step <= t) lo = mid + 1; else hi = mid;
    }
    return lo > 0 ? this.marks[lo - 1] : null;
  }
}
