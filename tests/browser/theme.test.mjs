// theme.test.mjs: the theme switch in every page's header (web/theme.js): light, dark, or the
// system's scheme. The choice applies at once to the page and to the widgets' canvases (which
// redraw in the new colours), persists across reloads and pages, and "system" follows the
// system's scheme as it changes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useBrowser, allPages, siteDir, widgetsOf, assertClean } from './harness.mjs';

const pages = allPages();
const withWidget = pages.filter((p) => /data-widget=/.test(fs.readFileSync(path.join(siteDir, p), 'utf8')));

// The colours in use: the page's background and the first canvas' top-left pixel (the panel's
// background, painted first by web/render.js), as [r, g, b] sums: light is bright, dark is not.
async function colours(page) {
  return page.evaluate(() => {
    const bg = getComputedStyle(document.body).backgroundColor.match(/\d+/g).slice(0, 3).map(Number);
    const c = document.querySelector('figure.widget canvas');
    let px = null;
    if (c && c.width) {
      const t = document.createElement('canvas');
      t.width = c.width; t.height = c.height;
      const ctx = t.getContext('2d', { willReadFrequently: true });
      ctx.drawImage(c, 0, 0);
      px = [...ctx.getImageData(2, 2, 1, 1).data.slice(0, 3)];
    }
    return { page: bg.reduce((a, b) => a + b, 0), canvas: px && px.reduce((a, b) => a + b, 0), theme: document.documentElement.dataset.theme || 'system' };
  });
}
const LIGHT = 600, DARK = 200; // sums of r + g + b: the light schemes are above, the dark below

// Waits until the page and its canvas are both in `scheme`.
async function inScheme(page, scheme) {
  await page.waitForFunction(([scheme, LIGHT, DARK]) => {
    const c = document.querySelector('figure.widget canvas');
    if (!c || !c.width) return false;
    const t = document.createElement('canvas');
    t.width = c.width; t.height = c.height;
    const ctx = t.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(c, 0, 0);
    const s = [...ctx.getImageData(2, 2, 1, 1).data.slice(0, 3)].reduce((a, b) => a + b, 0);
    const b = getComputedStyle(document.body).backgroundColor.match(/\d+/g).slice(0, 3).map(Number).reduce((a, b) => a + b, 0);
    return scheme === 'dark' ? s < DARK && b < DARK : s > LIGHT && b > LIGHT;
  }, [scheme, LIGHT, DARK], { timeout: 10000 }).catch(async () => {
    throw new Error(`not ${scheme}: ${JSON.stringify(await colours(page))}`);
  });
}

describe('theme', () => {
  const env = useBrowser();

  it('light, dark and system: the page and its canvases follow, and the choice persists', async () => {
    assert.ok(withWidget.length >= 2, 'two chapters with widgets');
    const [first, second] = withWidget;
    const page = await env.open(first, { colorScheme: 'light' });
    try {
      await (await widgetsOf(page))[0].waitDrawn();
      await inScheme(page, 'light');
      assert.equal(await page.inputValue('#theme-select'), 'system');

      await page.selectOption('#theme-select', 'dark');
      await inScheme(page, 'dark');
      assert.equal(await page.evaluate(() => localStorage.getItem('mlm-theme')), 'dark');

      // Kept across a reload and on another page, applied before the page's scripts run.
      await page.waitForLoadState('networkidle');
      await page.reload();
      assert.equal(await page.inputValue('#theme-select'), 'dark');
      await (await widgetsOf(page))[0].waitDrawn();
      await inScheme(page, 'dark');
      await page.goto(`${env.origin}/${second}`);
      await (await widgetsOf(page))[0].waitDrawn();
      await inScheme(page, 'dark');

      // Light wins over a dark system.
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.selectOption('#theme-select', 'light');
      await inScheme(page, 'light');

      // System follows the system, both ways, without a reload.
      await page.selectOption('#theme-select', 'system');
      assert.equal(await page.evaluate(() => localStorage.getItem('mlm-theme')), null);
      await inScheme(page, 'dark');
      await page.emulateMedia({ colorScheme: 'light' });
      await inScheme(page, 'light');
      assertClean(page);
    } finally { await page.close(); }
  });

  it('a stored theme is on the page before its first paint', async () => {
    const page = await env.open('index.html', { colorScheme: 'light' });
    try {
      await page.waitForLoadState('networkidle'); // nothing of the first load is cut off by the reload
      await page.evaluate(() => localStorage.setItem('mlm-theme', 'dark'));
      // Record the theme at the first point a script can see the body: before any module runs.
      await page.addInitScript(() => {
        document.addEventListener('readystatechange', () => {
          if (document.readyState === 'interactive' && !window.__firstTheme) window.__firstTheme = document.documentElement.dataset.theme || 'none';
        });
        new MutationObserver((_, obs) => {
          if (document.body) { window.__firstTheme = document.documentElement.dataset.theme || 'none'; obs.disconnect(); }
        }).observe(document, { childList: true, subtree: true });
      });
      await page.reload();
      assert.equal(await page.evaluate(() => window.__firstTheme), 'dark');
      assertClean(page);
    } finally { await page.close(); }
  });
});
