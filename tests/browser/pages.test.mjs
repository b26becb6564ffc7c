// pages.test.mjs: every page of the built site loads cleanly in Chromium: no console error or
// warning, no uncaught exception, no failed request, nothing fetched from another host; its math
// is rendered by KaTeX without errors; its local links resolve; every widget on it draws, plays,
// pauses, steps, resets and takes a control change (exercise.mjs); it fits a 360 px phone screen,
// where display math too wide for the column scrolls in its own box and shows that it does.
// Each page is loaded once for all of these. Screenshots of every page at phone and desktop
// width go to build/screenshots/ for people to look at (they are not checked). Pages are found
// in site/, widgets in the DOM; nothing here names a chapter or a module.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useBrowser, listPages, allPages, staticWidgetCount, chapterSource, hasMath, widgetsOf, assertClean, frames, firstShard, shotDir, siteDir } from './harness.mjs';
import { exercise } from './exercise.mjs';

const pages = listPages();

describe('pages', () => {
  const env = useBrowser();

  if (firstShard) {
    it('the site is built and has chapters and widgets', () => {
      const all = allPages();
      assert.ok(all.includes('index.html'), 'site/index.html is missing: run make site');
      assert.ok(all.length >= 2, `only ${all.join(', ')} in site/: no chapter pages`);
      assert.ok(all.some((p) => staticWidgetCount(p) > 0), 'no page in site/ has a figure.widget[data-widget]');
    });
  }

  for (const name of pages) {
    it(`${name}: loads cleanly, its widgets work, it fits a phone`, async (t) => {
      const page = await env.open(name);
      try {
        // Bring every widget on screen so the runtime loads its module, then let it draw.
        const widgets = await widgetsOf(page);
        assert.equal(widgets.length, staticWidgetCount(name), 'widgets in the DOM vs figures in the HTML');
        for (const w of widgets) await w.waitDrawn();
        await frames(page, 6);

        await t.test('no console error, exception, failed or outside request', () => {
          assertClean(page);
          assert.ok(page.responses.length > 0, 'no responses were recorded: the recorder is not working');
        });

        await t.test('math rendered by KaTeX', async () => {
          const md = chapterSource(name);
          const k = await page.evaluate(() => {
            const el = document.querySelector('.katex');
            return {
              katex: document.querySelectorAll('.katex').length,
              errors: [...document.querySelectorAll('.katex-error')].map((e) => e.getAttribute('title') || e.textContent).slice(0, 5),
              font: el ? getComputedStyle(el).fontFamily : '',
              fontsFailed: [...document.fonts].filter((f) => f.status === 'error').map((f) => f.family),
            };
          });
          assert.deepEqual(k.errors, [], 'KaTeX error elements on the page');
          if (md && hasMath(md)) {
            assert.ok(k.katex > 0, `${name}: the chapter has math but the page has no .katex element`);
          }
          if (k.katex > 0) {
            assert.match(k.font, /KaTeX/, 'katex.min.css is not applied to .katex');
            assert.deepEqual(k.fontsFailed, [], 'KaTeX fonts failed to load');
          }
        });

        await t.test('local links resolve', async () => {
          const hrefs = await page.evaluate(() => [...document.querySelectorAll('a[href], link[href]')]
            .map((a) => a.href).filter((h) => h.startsWith(location.origin)));
          const files = [...new Set(hrefs.map((h) => decodeURIComponent(new URL(h).pathname)))];
          const missing = files.filter((p) => {
            const f = path.join(siteDir, p.endsWith('/') ? p + 'index.html' : p);
            return !fs.existsSync(f);
          });
          assert.deepEqual(missing, [], 'links to files that site/ does not have');
          if (name !== 'index.html') {
            assert.ok(hrefs.some((h) => /\/(index\.html)?$/.test(new URL(h).pathname)), 'no link back to the index');
          }
        });

        // The desktop screenshot shows the page as loaded, before any widget is touched.
        fs.mkdirSync(shotDir, { recursive: true });
        const base = name.replace(/\.html$/, '');
        await page.screenshot({ path: path.join(shotDir, `${base}-1280.png`), fullPage: true });

        for (const w of widgets) await exercise(t, page, w);

        await t.test('fits a 360 px screen; screenshots', async () => {
          await page.setViewportSize({ width: 360, height: 800 });
          for (const w of widgets) await w.show();
          await frames(page, 10);
          const over = await page.evaluate(() => {
            const vw = document.documentElement.clientWidth;
            const wide = [...document.body.querySelectorAll('*')].filter((e) => {
              const r = e.getBoundingClientRect();
              if (r.right <= vw + 1 || r.width === 0) return false;
              // Elements inside a horizontally scrolling box (code, wide tables, display math) are fine.
              for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
                const ox = getComputedStyle(p).overflowX;
                if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') return false;
              }
              return true;
            }).slice(0, 5).map((e) => `${e.tagName.toLowerCase()}${e.className ? '.' + String(e.className).split(' ')[0] : ''} (right ${Math.round(e.getBoundingClientRect().right)})`);
            return { scroll: document.documentElement.scrollWidth, vw, wide };
          });
          await page.screenshot({ path: path.join(shotDir, `${base}-360.png`), fullPage: true });
          assert.ok(over.scroll <= over.vw + 1, `the page scrolls sideways at 360 px (${over.scroll} px wide): ${over.wide.join(', ')}`);
          // Display math wider than the column scrolls inside its own box and shows that it does:
          // a shadow drawn with the content (background-attachment local over scroll) at a cut edge.
          // (layout.test.mjs checks that the hint is drawn at a cut edge and gone at the end.)
          const cut = await page.evaluate(() => {
            const out = [];
            for (const el of document.querySelectorAll('.math-display, .katex-display')) {
              if (el.scrollWidth <= el.clientWidth + 1) continue;
              const cs = getComputedStyle(el);
              const hint = /gradient/.test(cs.backgroundImage) && /local/.test(cs.backgroundAttachment) &&
                /scroll/.test(cs.backgroundAttachment) && /auto|scroll/.test(cs.overflowX);
              out.push({ cls: el.className, hidden: el.scrollWidth - el.clientWidth, hint, tex: (el.querySelector('annotation') || {}).textContent || '' });
            }
            return out;
          });
          const bad = cut.filter((f) => !f.hint).map((f) => `${f.cls} hides ${f.hidden} px with no hint: ${f.tex.slice(0, 60)}`);
          assert.deepEqual(bad, [], `${bad.length} of ${cut.length} formulas cut at 360 px show no scroll hint`);
          assertClean(page);
        });
      } finally {
        await page.close();
      }
    });
  }
});
