// offline.test.mjs: the book read offline (web/sw.js, written by scripts/offline.mjs) and
// installable (manifest.json). After one visit, with the network off: the chapter reloads and its
// widget trains, a chapter never opened loads with a widget that trains in a Web Worker, and
// search answers. A new build replaces the old cleanly: the old worker keeps serving its own
// build until the reader accepts the new edition, then the page reloads into the new one and the
// old cache is gone.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useBrowser, openPage, startServer, siteDir, widgetsOf, allPages, assertClean } from './harness.mjs';

const pages = allPages();
// Chapters with widgets, read from the built pages: one that trains on the page, one in a worker.
const widgetPage = (worker) => pages.find((p) => {
  const html = fs.readFileSync(path.join(siteDir, p), 'utf8');
  return /data-widget=/.test(html) && /"worker":true/.test(html) === worker;
});

// Waits until the service worker controls the page and has its build's cache.
async function controlled(page) {
  await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller !== null, null, { timeout: 60000 });
  return page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('mlm-')));
}

// Plays a widget briefly: it must draw and its step must move.
async function trains(w) {
  await w.waitDrawn(20000);
  const s0 = await w.step();
  await w.button('play').click();
  await w.until('the step to move', () => w.step(), (s) => s > s0, 30000);
  await w.button('pause').click().catch(() => {});
}

describe('offline', () => {
  const env = useBrowser();

  it('the manifest names the book, its start page and icons that exist', () => {
    const m = JSON.parse(fs.readFileSync(path.join(siteDir, 'manifest.json'), 'utf8'));
    assert.equal(m.start_url, 'index.html');
    assert.equal(m.display, 'standalone');
    assert.ok(m.icons.some((i) => i.sizes === '512x512' && i.type === 'image/png'));
    for (const i of m.icons) assert.ok(fs.existsSync(path.join(siteDir, i.src)), `${i.src} is missing`);
    const png = fs.readFileSync(path.join(siteDir, 'assets/icon-512.png'));
    assert.equal(png.readUInt32BE(16), 512, 'icon-512.png is 512 wide');
    // The worker lists every file of the build but itself.
    const sw = fs.readFileSync(path.join(siteDir, 'sw.js'), 'utf8');
    const files = JSON.parse(sw.match(/const FILES = (\[.*\]);/)[1]);
    for (const p of pages) assert.ok(files.includes(p), `${p} is not precached`);
    assert.ok(files.some((f) => f.endsWith('.wasm')) && files.includes('assets/search-index.json') && files.includes('assets/katex/katex.min.css'));
    assert.ok(!files.includes('sw.js'));
  });

  it('after one visit, a chapter reloads offline and its widget trains; so does an unvisited one', async () => {
    const first = widgetPage(false), other = widgetPage(true);
    assert.ok(first && other, 'a chapter with a widget on the page and one with a worker');
    const page = await openPage(env, first, { serviceWorkers: 'allow' });
    try {
      const keys = await controlled(page);
      assert.equal(keys.length, 1, `one cache: ${keys}`);
      await page.waitForLoadState('networkidle');
      await page.context().setOffline(true);
      // The network really is off: a request the worker does not know fails.
      assert.equal(await page.evaluate(() => fetch('/not-in-the-book.txt').then(() => 'answered', () => 'failed')), 'failed');
      const mark = page.responses.length;
      await page.reload();
      assert.ok(page.responses.length > mark && page.responses.slice(mark).every((r) => r.fromServiceWorker()),
        'every response after the reload came from the service worker');
      await trains((await widgetsOf(page))[0]);
      await page.goto(`${env.origin}/${other}`);
      await trains((await widgetsOf(page))[0]);
      // Search, too: its code and index come from the cache.
      await page.locator('#book-search-input').fill('gradient');
      await page.waitForSelector('#book-search-results a.search-hit', { timeout: 30000 });
      // Issues expected offline: the failed fetch above, nothing else.
      page.issues.splice(0, page.issues.length, ...page.issues.filter((s) => !s.includes('/not-in-the-book.txt')));
      assertClean(page);
    } finally { await page.close(); }
  });

  it('a new build replaces the old one whole, when the reader accepts it', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlm-offline-'));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const dir = path.join(tmp, 'site');
    fs.cpSync(siteDir, dir, { recursive: true });
    const server = await startServer(dir);
    const page = await openPage({ origin: server.origin, browser: env.browser }, 'index.html', { serviceWorkers: 'allow' });
    try {
      const [oldCache] = await controlled(page);
      // "Rebuild": the index page changes and the worker carries a new build id.
      const idx = path.join(dir, 'index.html');
      fs.writeFileSync(idx, fs.readFileSync(idx, 'utf8').replace('<head>', '<head>\n<meta name="edition" content="2">'));
      const swPath = path.join(dir, 'sw.js');
      const sw = fs.readFileSync(swPath, 'utf8');
      const build = sw.match(/const BUILD = "([0-9a-f]+)";/)[1];
      fs.writeFileSync(swPath, sw.replace(`"${build}"`, `"${build}e2"`));
      await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r.update()));
      await page.waitForSelector('.book-update', { timeout: 60000 });
      // Until the reader accepts, the old worker serves the old build, even on a reload.
      await page.waitForLoadState('networkidle');
      await page.reload();
      assert.equal(await page.locator('meta[name="edition"]').count(), 0, 'the old build is still served');
      assert.deepEqual(await page.evaluate(() => caches.keys()), [oldCache, `mlm-${build}e2`].sort());
      await page.waitForSelector('.book-update');
      await Promise.all([page.waitForEvent('load', { timeout: 30000 }), page.getByRole('button', { name: /reload to read it/i }).click()]);
      assert.equal(await page.locator('meta[name="edition"]').count(), 1, 'the new build is served');
      assert.deepEqual(await page.evaluate(() => caches.keys()), [`mlm-${build}e2`], 'the old cache is deleted');
      assertClean(page);
    } finally {
      await page.close();
      server.stop();
    }
  });
});
