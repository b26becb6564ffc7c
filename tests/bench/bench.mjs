// bench.mjs: the book's numbers, for the README and for noticing regressions (`make bench`).
// It measures (a) the build from clean and a no-op rebuild, (b) each widget's frame time in
// headless Chromium at its defaults and the time from navigation to its first drawn frame,
// (c) each page's weight by kind of file, (d) each module's steps per second natively and in
// wasm (Node), and their ratio. It prints compact tables and writes everything as JSON to
// bench-results/. It never fails: a part that cannot be measured is reported as an error.
//
// Environment: BENCH_BUILD=0 skips (a), which wipes build/ and site/ and rebuilds them;
// BENCH_PLAY_MS sets how long each widget plays (default 3000).
import { spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, siteDir, listPages, startServer, launchBrowser, openPage, widgetsOf, settle } from '../browser/harness.mjs';

const PLAY_MS = Number(process.env.BENCH_PLAY_MS || 3000);
const results = { date: new Date().toISOString(), host: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
  build: null, widgets: [], pages: [], modules: [], errors: [] };

const median = (a) => quantile(a, 0.5);
function quantile(a, q) {
  if (!a.length) return NaN;
  const s = [...a].sort((x, y) => x - y);
  const i = (s.length - 1) * q, lo = Math.floor(i), hi = Math.ceil(i);
  return s[lo] + (s[hi] - s[lo]) * (i - lo);
}
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const kb = (b) => (Number.isFinite(b) ? (b / 1024).toFixed(1) : '-');

function table(title, head, rows) {
  console.log(`\n${title}`);
  if (!rows.length) { console.log('  (nothing measured)'); return; }
  const cells = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  for (const [k, r] of cells.entries()) {
    console.log('  ' + r.map((c, i) => (i ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  '));
    if (k === 0) console.log('  ' + w.map((n) => '-'.repeat(n)).join('  '));
  }
}

async function part(name, fn) {
  try { await fn(); } catch (e) { results.errors.push(`${name}: ${e.message}`); console.log(`\n${name}: not measured (${e.message.split('\n')[0]})`); }
}

// ---- (a) build ----
function timed(cmd) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', cmd], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, ok: r.status === 0, tail: (r.stderr || '').split('\n').slice(-5).join('\n') };
}

async function benchBuild() {
  if (process.env.BENCH_BUILD === '0') { console.log('\nbuild: skipped (BENCH_BUILD=0)'); return; }
  const clean = timed('rm -rf build site && make -j2 site');
  const noop = timed('make site');
  // The rest of the bench needs the native runner, which the wipe removed.
  const runner = timed('make -j2 build/native/mlmrun');
  results.build = { clean_s: clean.seconds, clean_ok: clean.ok, noop_s: noop.seconds, noop_ok: noop.ok, runner_ok: runner.ok };
  if (!clean.ok) results.errors.push(`build from clean failed: ${clean.tail}`);
  table('build', ['what', 'seconds', 'ok'], [
    ['rm -rf build site && make -j2 site', fmt(clean.seconds, 2), clean.ok ? 'yes' : 'NO'],
    ['make site (nothing to do)', fmt(noop.seconds, 2), noop.ok ? 'yes' : 'NO'],
  ]);
}

// ---- (b) and (c): the browser ----

// Wraps requestAnimationFrame so every frame callback is timed: what the runtime does per frame
// (steps and drawing), measured without any hook in the runtime.
const FRAME_PROBE = () => {
  const raf = window.requestAnimationFrame.bind(window);
  const b = (window.__bench = { on: false, calls: [] });
  window.requestAnimationFrame = (cb) => raf((ts) => {
    const t0 = performance.now();
    try { cb(ts); } finally { if (b.on) b.calls.push([ts, performance.now() - t0]); }
  });
};

function kindOf(url) {
  const p = new URL(url).pathname;
  if (/\/katex\/fonts\//.test(p) || /\.woff2?$/.test(p)) return 'katex_fonts';
  if (/katex.*\.css$/.test(p)) return 'katex_css';
  if (p.endsWith('.wasm')) return 'wasm';
  if (/\.m?js$/.test(p)) return 'js';
  if (p.endsWith('.css')) return 'css';
  if (p.endsWith('.html') || p.endsWith('/')) return 'html';
  return 'other';
}

async function benchBrowser() {
  const pages = listPages();
  if (!pages.length) throw new Error('site/ is not built');
  const server = await startServer();
  const browser = await launchBrowser();
  const env = { origin: server.origin, browser };
  try {
    for (const name of pages) {
      // (c) page weight: a fresh context (empty cache), every widget brought on screen so its module loads.
      await part(`weight of ${name}`, async () => {
        const page = await openPage(env, name);
        try {
          for (const w of await widgetsOf(page)) await w.waitDrawn().catch(() => {});
          await settle(300);
          const bytes = { html: 0, js: 0, wasm: 0, css: 0, katex_css: 0, katex_fonts: 0, other: 0 };
          let total = 0, requests = 0;
          let transfer = 0, transferNoFonts = 0;
          for (const r of page.responses) {
            const body = await r.body().catch(() => null);
            const n = body ? body.length : 0;
            bytes[kindOf(r.url())] += n;
            total += n;
            requests++;
            // What crossed the wire: headers plus the (compressed) body.
            const sz = await r.request().sizes().catch(() => null);
            const t = sz ? sz.responseBodySize + sz.responseHeadersSize : n;
            transfer += t;
            if (kindOf(r.url()) !== 'katex_fonts') transferNoFonts += t;
          }
          results.pages.push({ page: name, requests, total, transfer, transfer_without_fonts: transferNoFonts, ...bytes, issues: page.issues.length });
        } finally { await page.close(); }
      });

      // (b) frames: each widget alone on screen, at its defaults, playing for PLAY_MS.
      let count = 0;
      await part(`widgets of ${name}`, async () => {
        const probe = await openPage(env, name);
        count = (await widgetsOf(probe)).length;
        await probe.close();
      });
      for (let i = 0; i < count; i++) {
        await part(`widget ${i} of ${name}`, async () => {
          const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
          await context.addInitScript(FRAME_PROBE);
          const page = await context.newPage();
          try {
            await page.goto(`${server.origin}/${name}`, { waitUntil: 'domcontentloaded' });
            const w = (await widgetsOf(page))[i];
            await w.show();
            // First drawn frame: polled in the page every animation frame, timed from navigation start.
            const first = await page.waitForFunction((fig) => {
              const ok = [...fig.querySelectorAll('canvas')].some((c) => {
                if (!c.width || !c.height || !fig.dataset.status || fig.dataset.status === 'loading') return false;
                const t = document.createElement('canvas');
                t.width = c.width; t.height = c.height;
                const x = t.getContext('2d', { willReadFrequently: true });
                x.drawImage(c, 0, 0);
                const d = new Uint32Array(x.getImageData(0, 0, c.width, c.height).data.buffer);
                for (let k = 1; k < d.length; k++) if (d[k] !== d[0]) return true;
                return false;
              });
              return ok ? performance.now() : false;
            }, await w.loc.elementHandle(), { polling: 'raf', timeout: 20000 }).then((h) => h.jsonValue());
            await w.ensurePaused();
            const s0 = await w.step();
            await page.evaluate(() => { window.__bench.calls = []; window.__bench.on = true; });
            await w.button('play').click();
            await settle(PLAY_MS);
            const calls = await page.evaluate(() => { window.__bench.on = false; return window.__bench.calls; });
            const s1 = await w.step();
            const status = await w.status();
            // Group callbacks by frame timestamp: one frame may run several callbacks.
            const frames = new Map();
            for (const [ts, ms] of calls) frames.set(ts, (frames.get(ts) || 0) + ms);
            const work = [...frames.values()];
            const ts = [...frames.keys()].sort((a, b) => a - b);
            const gaps = ts.slice(1).map((t, k) => t - ts[k]);
            const hook = await page.evaluate(() => (window.__mlm ? Object.keys(window.__mlm) : null) ||
              performance.getEntriesByType('measure').map((m) => m.name).slice(0, 5));
            results.widgets.push({ page: name, widget: w.name, first_frame_ms: first, frames: work.length,
              frame_ms_median: median(work), frame_ms_p95: quantile(work, 0.95), raf_interval_ms_median: median(gaps),
              steps: s1 - s0, steps_per_frame: work.length ? (s1 - s0) / work.length : NaN, status_after: status,
              runtime_hook: hook });
          } finally { await context.close(); }
        });
      }
    }
  } finally {
    await browser.close().catch(() => {});
    server.stop();
  }
  table(`widgets (headless Chromium, defaults, ${PLAY_MS} ms of play each; frame = rAF callback time)`,
    ['widget', 'first frame ms', 'frames', 'median ms', 'p95 ms', 'rAF gap ms', 'steps/frame', 'status'],
    results.widgets.map((r) => [`${r.page.replace(/\.html$/, '')} ${r.widget}`, fmt(r.first_frame_ms, 0), r.frames,
      fmt(r.frame_ms_median, 2), fmt(r.frame_ms_p95, 2), fmt(r.raf_interval_ms_median, 1), fmt(r.steps_per_frame, 2), r.status_after]));
  table('page weight, KB (transferred, gzip as scripts/serve.py sends it; then decoded sizes by kind, KaTeX apart)',
    ['page', 'requests', 'transfer', 'w/o fonts', 'decoded', 'html', 'js', 'wasm', 'css', 'katex css', 'katex fonts', 'other'],
    results.pages.map((r) => [r.page, r.requests, kb(r.transfer), kb(r.transfer_without_fonts), kb(r.total), kb(r.html), kb(r.js), kb(r.wasm), kb(r.css), kb(r.katex_css), kb(r.katex_fonts), kb(r.other)]));
}

// ---- (d) modules: native and wasm steps per second ----
async function benchModules() {
  const wasmDir = path.join(root, 'build/wasm');
  const mlmrun = path.join(root, 'build/native/mlmrun');
  const mods = fs.existsSync(wasmDir) ? fs.readdirSync(wasmDir).filter((f) => f.endsWith('.mjs')).map((f) => f.slice(0, -4)).sort() : [];
  for (const m of mods) {
    await part(`module ${m}`, async () => {
      const nat = JSON.parse(execFileSync(mlmrun, [m, '--bench', '1'], { encoding: 'utf8' })).steps_per_second;
      const create = (await import(pathToFileURL(path.join(wasmDir, m + '.mjs')).href)).default;
      const M = await create({ wasmBinary: fs.readFileSync(path.join(wasmDir, m + '.wasm')) });
      const inst = M._mlm_js_create();
      M._mlm_js_reset(inst, 1);
      // The same loop as mlmrun --bench: warm up (V8 tiers wasm up), then whole batches for 1 s.
      const batch = () => {
        const k = M._mlm_js_step(inst, 256);
        if (M._mlm_js_final(inst) || k < 256) M._mlm_js_reset(inst, 1);
        return k;
      };
      for (const t0 = performance.now(); performance.now() - t0 < 300;) batch();
      let total = 0;
      const t0 = performance.now();
      let t;
      do { total += batch(); } while ((t = performance.now()) - t0 < 1000);
      M._mlm_js_destroy(inst);
      const wasm = total / ((t - t0) / 1000);
      results.modules.push({ module: m, native_steps_per_s: nat, wasm_steps_per_s: wasm, wasm_over_native: wasm / nat });
    });
  }
  table('modules: steps per second (native -O2 vs wasm -O3 in Node, 1 s each after warm-up)',
    ['module', 'native', 'wasm', 'wasm/native'],
    results.modules.map((r) => [r.module, fmt(r.native_steps_per_s, 0), fmt(r.wasm_steps_per_s, 0), fmt(r.wasm_over_native, 2)]));
}

await part('build', benchBuild);
await part('browser', benchBrowser);
await part('modules', benchModules);

const dir = path.join(root, 'bench-results');
fs.mkdirSync(dir, { recursive: true });
const file = path.join(dir, `bench-${results.date.replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
fs.writeFileSync(path.join(dir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
if (results.errors.length) console.log(`\nnot measured:\n  ${results.errors.join('\n  ')}`);
console.log(`\nwritten: ${path.relative(root, file)}`);
process.exitCode = 0;
