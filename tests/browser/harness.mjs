// harness.mjs: what every browser test shares. It serves the built site/ on 127.0.0.1 with
// scripts/serve.py (stopped by its own process id), drives Debian's Chromium through
// playwright-core, records everything that can go wrong on a page (console errors and warnings,
// uncaught exceptions, failed or refused requests, requests to any other host, dialogs), and
// knows the widget runtime's contract in one place (the selectors below), so that when the
// runtime's markup changes only this file changes.
//
// Nothing here names a chapter or a module: pages come from site/*.html, widgets from the DOM.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

// MLM_ROOT points the tests at another checkout's build (the default is this one).
export const root = process.env.MLM_ROOT || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const siteDir = path.join(root, 'site');
export const shotDir = path.join(root, 'build/screenshots');

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

// ---- the runtime's contract (web/widget.js): every selector the tests rely on ----
export const SEL = {
  widget: 'figure.widget[data-widget]',   // data-widget: module name; data-id: id in URLs
  manifest: 'script.widget-manifest',     // JSON: the module's declaration with chapter defaults
  step: '[data-role="step"]',             // text holds the step count
  canvas: 'canvas',
  seed: '[name="seed"]',
};
// Buttons are found by accessible role and name, as a screen-reader user would find them.
export const BUTTON = {
  play: /^(play|run|resume)\b/i,
  pause: /^pause\b/i,
  step: /^step(\s+(once|forward|one))?$/i,
  reset: /^(reset|restart)\b/i,
};

// ---- pages ----

// MLM_ONLY=slug[,slug...] (what `make check NAME=slug` sets): the tests visit only those pages
// (slug.html; "index" for the index).
export const only = (process.env.MLM_ONLY || '').split(',').map((s) => s.trim()).filter(Boolean);

// Every page of the site, index first; [] when the site has not been built.
export function allPages() {
  if (!fs.existsSync(siteDir)) return [];
  return fs.readdirSync(siteDir).filter((f) => f.endsWith('.html'))
    .sort((a, b) => (a === 'index.html' ? -1 : b === 'index.html' ? 1 : a.localeCompare(b)));
}

// MLM_SHARD=k/n (tests/run.sh runs the browser suite as two shards at once): this process
// tests only its share of the pages. Pages are dealt by weight (a page load plus a share per
// widget), heaviest first, each to the lightest shard so far; every shard computes the same deal.
export const shard = (() => {
  const m = (process.env.MLM_SHARD || '').match(/^(\d+)\/(\d+)$/);
  return m && +m[2] > 1 && +m[1] < +m[2] ? { k: +m[1], n: +m[2] } : { k: 0, n: 1 };
})();
// Tests that are not about one page run in the first shard only.
export const firstShard = shard.k === 0;

function deal(pages) {
  if (shard.n === 1) return pages;
  const weight = (p) => 1 + 2 * staticWidgetCount(p);
  const load = new Array(shard.n).fill(0);
  const mine = new Set();
  for (const p of [...pages].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b))) {
    let k = 0;
    for (let j = 1; j < shard.n; j++) if (load[j] < load[k]) k = j;
    load[k] += weight(p);
    if (k === shard.k) mine.add(p);
  }
  return pages.filter((p) => mine.has(p));
}

// The pages the tests visit: every page, or the MLM_ONLY ones (an unknown slug is an error, so
// a typo never passes by testing nothing), and of those this shard's share.
export function listPages() {
  let pages = allPages();
  if (only.length) {
    const want = only.map((s) => s.replace(/\.html$/, '') + '.html');
    const missing = want.filter((p) => pages.length && !pages.includes(p));
    if (missing.length) throw new Error(`MLM_ONLY names pages that site/ does not have: ${missing.join(', ')}`);
    pages = pages.filter((p) => want.includes(p));
  }
  return deal(pages);
}

// The widgets a page's HTML declares, read from the file (no browser): module, id and manifest
// (the module's declaration with the chapter's defaults), in document order.
export function staticWidgets(page) {
  const html = fs.readFileSync(path.join(siteDir, page), 'utf8');
  const figs = [...html.matchAll(/<figure\b[^>]*\bdata-widget="([^"]*)"[^>]*>/g)];
  return figs.map((f, k) => {
    const id = (f[0].match(/\bdata-id="([^"]*)"/) || [])[1] || '';
    const end = k + 1 < figs.length ? figs[k + 1].index : html.length;
    const m = html.slice(f.index, end).match(/<script\b[^>]*\bclass="widget-manifest"[^>]*>([^]*?)<\/script>/);
    let manifest = null;
    try { manifest = m ? JSON.parse(m[1]) : null; } catch { manifest = null; }
    return { module: f[1], id, manifest };
  });
}

// Widgets a page's HTML declares, counted in the file itself: the DOM must show as many.
export function staticWidgetCount(page) {
  const html = fs.readFileSync(path.join(siteDir, page), 'utf8');
  return (html.match(/<figure\b[^>]*\bdata-widget=/g) || []).length;
}

// The chapter source a page was built from (chapters/NN-slug.md for slug.html), or null.
export function chapterSource(page) {
  const dir = path.join(root, 'chapters');
  if (!fs.existsSync(dir)) return null;
  const slug = page.replace(/\.html$/, '');
  const f = fs.readdirSync(dir).find((n) => n.replace(/^\d+-/, '') === slug + '.md');
  return f ? fs.readFileSync(path.join(dir, f), 'utf8') : null;
}

// Does Markdown hold math? Inline $x$ (pandoc's rules) or display $$, outside code fences.
export function hasMath(md) {
  const prose = md.replace(/^(`{3,}|~{3,})[^]*?^\1/gm, '').replace(/`[^`\n]*`/g, '');
  return /\$\$|(^|[^\\$])\$[^\s$](?:[^$\n]*[^\s\\$])?\$(?!\d)/m.test(prose);
}

// ---- the server ----

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// dir: the folder to serve (default site/; tests/browser/offline.test.mjs serves a copy it edits).
export async function startServer(dir = siteDir) {
  if (!fs.existsSync(path.join(dir, 'index.html'))) {
    throw new Error(`${dir}/index.html is missing: run make site first`);
  }
  const port = await freePort();
  // The book's own server (gzip, as a real host would): what `make serve` runs.
  const serve = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/serve.py');
  const child = spawn('python3', [serve, '--port', String(port), '--dir', dir],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log = (log + d).slice(-4000); });
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) {
      try { process.kill(child.pid, 'SIGTERM'); } catch { /* already gone */ }
    }
  };
  process.once('exit', stop);
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`http.server exited (${child.exitCode}): ${log}`);
    try {
      const r = await fetch(origin + '/index.html');
      if (r.ok) { await r.arrayBuffer(); break; }
    } catch { /* not listening yet */ }
    if (i > 100) { stop(); throw new Error(`http.server did not answer on port ${port}: ${log}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { origin, pid: child.pid, stop };
}

// ---- the environment: one server, one browser per test file ----

export function launchBrowser() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

// Call at the top level of a test file (or in a describe): starts the server and the browser
// before the tests and stops both after them, whatever happened. Returns an object whose fields
// are filled in by the time the tests run.
export function useBrowser() {
  const env = { origin: null, browser: null, server: null };
  before(async () => {
    env.server = await startServer();
    env.origin = env.server.origin;
    env.browser = await launchBrowser();
  });
  after(async () => {
    try { if (env.browser) await env.browser.close(); } finally { if (env.server) env.server.stop(); }
  });
  env.open = (pagePath, opts) => openPage(env, pagePath, opts);
  return env;
}

// Opens pagePath (e.g. "gradient-descent.html#main.seed=7") in a fresh context, recording every
// problem in page.issues (strings). Call page.close() (closes the context) when done.
// The book's service worker (web/sw.js) precaches the whole book, megabytes, into every fresh
// context: it is blocked unless a test asks for it (serviceWorkers: 'allow', tests/browser/offline).
// colorScheme emulates the system's scheme ('light' or 'dark'; default: the browser's, light).
export async function openPage(env, pagePath, { viewport = { width: 1280, height: 900 }, wait = 'load', reducedMotion,
  serviceWorkers = 'block', colorScheme } = {}) {
  const context = await env.browser.newContext({ viewport, reducedMotion, serviceWorkers, colorScheme });
  const page = await context.newPage();
  const issues = [];
  const dialogs = [];
  page.issues = issues;
  page.dialogs = dialogs;
  page.responses = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    let host = '';
    try { host = new URL(url).hostname; } catch { /* opaque URL */ }
    if (host !== '127.0.0.1') {
      issues.push(`request to another host: ${url}`);
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    if (serviceWorkers === 'block' && /^Service Worker registration blocked/.test(m.text())) return; // asked for above
    const loc = m.location();
    issues.push(`console ${m.type()}: ${m.text()}${loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
  });
  page.on('pageerror', (e) => issues.push(`uncaught exception: ${e.message}`));
  page.on('requestfailed', (r) => {
    const f = r.failure();
    if (f && f.errorText.includes('BLOCKED_BY_CLIENT')) return; // counted above
    issues.push(`request failed: ${r.url()} (${f ? f.errorText : '?'})`);
  });
  page.on('response', (r) => {
    page.responses.push(r);
    if (r.status() >= 400) issues.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    issues.push(`dialog opened (${d.type()}): ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  const close = page.close.bind(page);
  page.close = async () => { await close().catch(() => {}); await context.close().catch(() => {}); };
  await page.goto(`${env.origin}/${pagePath}`, { waitUntil: wait });
  return page;
}

// Problems recorded since `mark` (an index into page.issues), as a message or ''.
export function issuesSince(page, mark = 0) {
  const list = page.issues.slice(mark);
  return list.length ? `${list.length} problem(s) on ${page.url()}:\n  ${list.join('\n  ')}` : '';
}

// Fails the test with the problems recorded since `mark`.
export function assertClean(page, mark = 0) {
  const msg = issuesSince(page, mark);
  if (msg) throw new assert.AssertionError({ message: msg });
}

export async function settle(ms) {
  await new Promise((r) => setTimeout(r, ms));
}

// Resolves after the page has run n animation frames. The runtime steps and draws in frame
// callbacks, so "nothing changed for n frames" is what a check that something stays put means;
// counting frames instead of milliseconds waits exactly as long as a loaded machine needs.
export async function frames(page, n) {
  await page.evaluate((n) => new Promise((resolve) => {
    let k = 0;
    const tick = () => (++k >= n ? resolve() : requestAnimationFrame(tick));
    requestAnimationFrame(tick);
  }), n);
}

// The widget state part of the URL: the query and the hash (links of either form are read).
export async function urlState(page) {
  return page.evaluate(() => location.search + location.hash);
}

// ---- widgets ----

// Every widget on the page, as Widget drivers, in document order.
export async function widgetsOf(page) {
  const figs = page.locator(SEL.widget);
  const n = await figs.count();
  const out = [];
  for (let i = 0; i < n; i++) {
    const loc = figs.nth(i);
    const info = await loc.evaluate((fig, sel) => {
      const m = fig.querySelector(sel) ||
        (fig.dataset.id && document.querySelector(`${sel}[data-for="${CSS.escape(fig.dataset.id)}"]`));
      return { module: fig.dataset.widget, id: fig.dataset.id || fig.id || '', manifest: m ? m.textContent : null };
    }, SEL.manifest);
    let manifest = null;
    try { manifest = info.manifest ? JSON.parse(info.manifest) : null; } catch { manifest = null; }
    out.push(new Widget(page, loc, info.module, info.id, manifest, i));
  }
  return out;
}

// Drives one widget through the runtime's public surface only: its buttons, controls,
// data-status, the step readout and the canvas pixels.
export class Widget {
  constructor(page, loc, module, id, manifest, index) {
    Object.assign(this, { page, loc, module, id, manifest, index });
    this.name = `${module}#${id || index}`;
  }

  button(which) { return this.loc.getByRole('button', { name: BUTTON[which] }); }

  async show() { await this.loc.scrollIntoViewIfNeeded(); }

  async status() { return this.loc.getAttribute('data-status'); }

  // The step count shown, or NaN when there is no readout or no number in it.
  async step() {
    const el = this.loc.locator(SEL.step).first();
    if (!(await el.count())) return NaN;
    return parseStep(await el.textContent());
  }

  // One signature per canvas: size, a hash of the pixels and how many pixels differ from the
  // first one (0: blank). Pixels are copied to a scratch canvas so reading them never changes
  // how the page's own canvases are backed.
  async pixels() {
    return this.loc.evaluate((fig) => {
      const sigs = [];
      for (const c of fig.querySelectorAll('canvas')) {
        if (!c.width || !c.height) { sigs.push({ w: c.width, h: c.height, hash: 0, ink: 0 }); continue; }
        const tmp = document.createElement('canvas');
        tmp.width = c.width;
        tmp.height = c.height;
        const ctx = tmp.getContext('2d', { willReadFrequently: true });
        ctx.drawImage(c, 0, 0);
        const d = new Uint32Array(ctx.getImageData(0, 0, c.width, c.height).data.buffer);
        let h = 0x811c9dc5, ink = 0;
        const first = d[0];
        for (let i = 0; i < d.length; i++) {
          h = Math.imul(h ^ d[i], 0x01000193);
          if (d[i] !== first) ink++;
        }
        sigs.push({ w: c.width, h: c.height, hash: h >>> 0, ink });
      }
      return sigs;
    });
  }

  // Resolves when some canvas of the widget is non-blank and the widget reports a status
  // (the module has loaded); throws with what was seen on timeout. Checked in the page, every
  // 50 ms, without a round trip per check.
  async waitDrawn(timeout = 30000) {
    await this.show();
    const handle = await this.loc.elementHandle();
    try {
      await this.page.waitForFunction((fig) => {
        const st = fig.dataset.status;
        if (!st || st === 'loading') return false;
        for (const c of fig.querySelectorAll('canvas')) {
          if (!c.width || !c.height) continue;
          const tmp = document.createElement('canvas');
          tmp.width = c.width;
          tmp.height = c.height;
          const ctx = tmp.getContext('2d', { willReadFrequently: true });
          ctx.drawImage(c, 0, 0);
          const d = new Uint32Array(ctx.getImageData(0, 0, c.width, c.height).data.buffer);
          for (let i = 1; i < d.length; i++) if (d[i] !== d[0]) return true;
        }
        return false;
      }, handle, { polling: 50, timeout });
    } catch (e) {
      if (!/Timeout/i.test(e.message)) throw e;
      throw new Error(`${this.name} did not draw within ${timeout} ms: status ${await this.status()}, canvases ${JSON.stringify(await this.pixels())}`);
    } finally {
      await handle.dispose();
    }
    return this.pixels();
  }

  // Poll fn() until pred(value) holds; returns the value or throws naming what.
  async until(what, fn, pred, timeout = 15000) {
    const t0 = Date.now();
    let v;
    for (;;) {
      v = await fn();
      if (pred(v)) return v;
      if (Date.now() - t0 > timeout) throw new Error(`${this.name}: timed out after ${timeout} ms waiting for ${what} (last: ${JSON.stringify(v)})`);
      await settle(50);
    }
  }

  // Start recording every value data-status takes (a run may pass through "running" quickly).
  async recordStatuses() {
    await this.loc.evaluate((fig) => {
      fig.__seen = [fig.dataset.status];
      if (fig.__obs) fig.__obs.disconnect();
      fig.__obs = new MutationObserver(() => fig.__seen.push(fig.dataset.status));
      fig.__obs.observe(fig, { attributes: true, attributeFilter: ['data-status'] });
    });
  }

  async seenStatuses() { return this.loc.evaluate((fig) => fig.__seen || []); }

  // Make sure the widget is not playing (whatever it did on its own when it appeared).
  async ensurePaused() {
    if ((await this.status()) === 'running') {
      await this.button('pause').click();
      await this.until('data-status to leave "running"', () => this.status(), (s) => s !== 'running');
    }
  }

  // The widget's visible form controls for declared parameters, with their state.
  async controls() {
    const names = (this.manifest ? this.manifest.params : []).map((p) => p.name);
    return this.loc.evaluate((fig, names) => {
      const out = [];
      for (const el of fig.querySelectorAll('input[name], select[name]')) {
        if (!names.includes(el.name)) continue;
        const r = el.getBoundingClientRect();
        const visible = r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
        const labelled = !!(el.labels && el.labels.length) || el.hasAttribute('aria-label') || el.hasAttribute('aria-labelledby');
        out.push({ name: el.name, tag: el.tagName.toLowerCase(), type: el.type, value: el.type === 'checkbox' ? String(el.checked) : el.value,
          min: el.min, max: el.max, step: el.step, visible, labelled, disabled: el.disabled,
          options: el.tagName === 'SELECT' ? [...el.options].map((o) => o.value) : null });
      }
      return out;
    }, names);
  }

  // Change a control the way a user does; returns a description of the change.
  async changeControl(c) {
    const el = this.loc.locator(`${c.tag}[name="${c.name}"]`).first();
    if (c.type === 'checkbox') {
      await el.click();
      return `${c.name}: toggled`;
    }
    if (c.tag === 'select') {
      const other = c.options.find((o) => o !== c.value);
      await el.selectOption(other);
      return `${c.name}: ${c.value} -> ${other}`;
    }
    // range / number: move to a different legal value and fire input and change.
    const lo = parseFloat(c.min), hi = parseFloat(c.max), cur = parseFloat(c.value);
    const target = Math.abs(cur - lo) > Math.abs(hi - cur) ? lo : hi;
    await el.evaluate((e, v) => {
      e.value = String(v);
      e.dispatchEvent(new Event('input', { bubbles: true }));
      e.dispatchEvent(new Event('change', { bubbles: true }));
    }, target);
    return `${c.name}: ${c.value} -> ${await el.inputValue()}`;
  }
}

// "Step 1,234" / "step: 1 234" / "42" -> 1234 / 1234 / 42.
export function parseStep(text) {
  const m = String(text || '').match(/\d[\d,\u00a0\u202f\u2009 ]*/);
  return m ? parseInt(m[0].replace(/[^\d]/g, ''), 10) : NaN;
}

export function sameSigs(a, b) {
  return a.length === b.length && a.every((s, i) => s.hash === b[i].hash && s.w === b[i].w && s.h === b[i].h);
}
