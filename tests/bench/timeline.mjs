// timeline.mjs: the timeline's numbers, as PASS/MISS target lines, for `make bench` to fold
// in (run by tests/bench/bench.mjs as its part "timeline"; alone for one page). For every
// widget: a link to the largest step it allows (its manifest's t_max, else 100,000) timed from
// navigation until the run has landed there (<= 2 s), the p95 frame while it replays (<= 16 ms),
// then Home and End on the timeline (End restores a checkpoint near the end: < 1 s).
//
//   node tests/bench/timeline.mjs [page.html]
// Environment: WORKER=1 or 0 puts every module in a Web Worker or none (default: as declared);
// TMAX=n pretends every module declares t_max = n; SHOW=1 prints every frame's time.
// Not a test (timing depends on the machine): `node --test` does not pick it up.
import { startServer, launchBrowser, listPages } from '../browser/harness.mjs';
const server = await startServer();
const browser = await launchBrowser();
// A replay too short to span a frame has no frame times: that is not a miss, it is nothing to time.
const target = (what, value, ok, limit) => console.log(Number.isFinite(value)
  ? `${ok ? 'PASS' : 'MISS'} ${what}: ${value.toFixed(0)} (${limit})`
  : `---- ${what}: not measured (the replay took no frame)`);
const quantile = (a, q) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))] : NaN; };
const FRAME_PROBE = () => {
  const raf = window.requestAnimationFrame.bind(window);
  const b = (window.__bench = { on: false, calls: [] });
  window.requestAnimationFrame = (cb) => raf((ts) => { const t0 = performance.now(); try { cb(ts); } finally { if (b.on) b.calls.push([ts, performance.now() - t0]); } });
};
const T_MAX = 100000;
const pagesWith = process.argv[2] ? [process.argv[2]] : listPages().filter((p) => p !== 'index.html');
for (const name of pagesWith) {
  const ids = [...(await (await fetch(`${server.origin}/${name}`)).text()).matchAll(/data-id="([^"]+)"[^>]*>\s*<script type="application\/json" class="widget-manifest">(\{.*?\})<\/script>/gs)]
    .map((m) => [m[1], JSON.parse(m[2])]);
  for (const [id, manifest] of ids) {
    if (process.env.TMAX) manifest.t_max = Number(process.env.TMAX);
    const cap = manifest.t_max > 0 ? Math.min(manifest.t_max, T_MAX) : T_MAX;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript(FRAME_PROBE);
    if (process.env.WORKER) await context.addInitScript((w) => { globalThis.MLM_WORKER = w; }, process.env.WORKER === '1');
    const page = await context.newPage();
    try {
      const t0 = Date.now();
      await page.goto(`${server.origin}/${name}?${id}.t=${cap}`, { waitUntil: 'domcontentloaded' });
      const fig = page.locator(`figure.widget[data-id="${id}"]`);
      await fig.scrollIntoViewIfNeeded(); // a link scrolls to its widget once the runtime does so itself
      // The run lands at the cap, or earlier when it ends there (converged, diverged).
      const sel = `figure.widget[data-id="${id}"]`;
      // Frames are timed from the moment the run exists (the page's own first layout and the
      // module's compilation are the bench's first-frame numbers, not the replay's).
      await page.waitForFunction((sel) => !!document.querySelector(sel).mlmRun, sel, { timeout: 60000, polling: 'raf' });
      const t1run = Date.now();
      await page.evaluate(() => { window.__bench.on = true; });
      const end = await page.waitForFunction((sel) => { const r = document.querySelector(sel).mlmRun; return r && !r.active && r.steps > 0 ? r.steps : false; }, sel, { timeout: 60000, polling: 50 }).then((h) => h.jsonValue());
      const open = Date.now() - t0;
      const calls = await page.evaluate(() => { window.__bench.on = false; return window.__bench.calls; });
      const frames = new Map();
      for (const [ts, ms] of calls) frames.set(ts, (frames.get(ts) || 0) + ms);
      const p95 = quantile([...frames.values()], 0.95);
      if (process.env.SHOW) console.log([...frames.values()].map((x) => x.toFixed(0)).join(" "));
      const replay = Date.now() - t1run;
      target(`${name.replace(/\.html$/, '')} ${id}: link to step ${cap} opens, from navigation (ms; landed at ${end}, replay ${replay} ms)`, open, open <= 2000, '<= 2000');
      target(`${name.replace(/\.html$/, '')} ${id}: p95 frame during the link's replay (ms)`, p95, p95 <= 16, '<= 16');
      const slider = fig.locator('[name="_t"]');
      await slider.focus();
      await page.keyboard.press('Home');
      await page.waitForFunction((sel) => { const r = document.querySelector(sel).mlmRun; return r.steps === 0 && !r.active; }, sel, { polling: 20 });
      const t1 = Date.now();
      await page.keyboard.press('End');
      await page.waitForFunction(([sel, end]) => { const r = document.querySelector(sel).mlmRun; return r.steps === end && !r.active; }, [sel, end], { polling: 20 });
      const scrub = Date.now() - t1;
      target(`${name.replace(/\.html$/, '')} ${id}: timeline Home to End over ${end} steps (ms)`, scrub, scrub < 1000, '< 1000');
    } catch (e) {
      console.log(`MISS ${name.replace(/\.html$/, '')} ${id}: not measured (${e.message.split('\n')[0]})`);
    } finally { await context.close(); }
  }
}
await browser.close(); server.stop();
