// layout.test.mjs: the book read on a phone and on paper. A formula cut at a 360 px screen shows
// its scroll hint at the cut edge only (pages.test.mjs checks every page's cut formulas have it,
// in the load it makes at 360 px anyway); printing gives the chapter the whole page width (portrait and
// landscape) and leaves the controls out but lists each widget's settings; an `equal` plot keeps
// its shape from a wide screen to a phone, with the same scale on both axes; heading anchors are
// visible on a touch screen; each chapter lists its sections and the list's links land.
// Pages and widgets are found in site/ and the DOM; nothing here names a chapter.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useBrowser, listPages, widgetsOf, settle, siteDir, SEL, only } from './harness.mjs';

const pages = listPages();
const chapters = pages.filter((p) => p !== 'index.html');
const html = (p) => fs.readFileSync(path.join(siteDir, p), 'utf8');
const PHONE = { width: 360, height: 740 };

// Records what each canvas last drew (from the fillRect that clears it): its stroked rectangles
// and the text it wrote, with positions in CSS pixels. Installed before the page's scripts run.
function recordCanvas() {
  const P = CanvasRenderingContext2D.prototype;
  const log = (ctx) => (ctx.canvas.__drawn ||= { rects: [], texts: [] });
  const wrap = (name, f) => {
    const orig = P[name];
    P[name] = function (...a) { f(this, ...a); return orig.apply(this, a); };
  };
  wrap('fillRect', (ctx, x, y) => { if (x === 0 && y === 0) ctx.canvas.__drawn = { rects: [], texts: [] }; });
  wrap('strokeRect', (ctx, x, y, w, h) => {
    const t = ctx.getTransform();
    log(ctx).rects.push([x + t.e / t.a, y + t.f / t.d, w, h]);
  });
  wrap('fillText', (ctx, s, x, y) => {
    const t = ctx.getTransform();
    if (t.b || t.c) return; // rotated text (an axis title) is not a tick label
    log(ctx).texts.push([String(s), x + t.e / t.a, y + t.f / t.d, ctx.textAlign]);
  });
}

// The plot frame (the last rectangle stroked) of a canvas and the data units per pixel along x
// and y, read from the positions of its numeric tick labels (those not pushed in from the ends).
function scales(drawn) {
  if (!drawn || !drawn.rects.length) return null;
  const [fx, fy, fw, fh] = drawn.rects[drawn.rects.length - 1];
  const num = (s) => /^[−-]?\d+(\.\d+)?$/.test(s) ? Number(s.replace('−', '-')) : NaN;
  const xs = [], ys = [];
  for (const [s, x, y, align] of drawn.texts) {
    const v = num(s);
    if (!Number.isFinite(v)) continue;
    if (align === 'center' && y > fy + fh && x > fx + 12 && x < fx + fw - 12) xs.push([v, x]);
    if (align === 'right' && x < fx && y > fy + 6 && y < fy + fh - 6) ys.push([v, y]);
  }
  const per = (pts) => {
    if (pts.length < 2) return NaN;
    pts.sort((a, b) => a[1] - b[1]);
    const [a, b] = [pts[0], pts[pts.length - 1]];
    return Math.abs((b[0] - a[0]) / (b[1] - a[1]));
  };
  return { frame: [fx, fy, fw, fh], ux: per(xs), uy: per(ys) };
}

describe('layout: phones and print', () => {
  const env = useBrowser();

  it('the scroll hint is drawn at a cut edge and gone once that end is in view', async () => {
    const name = chapters.find((p) => html(p).includes('katex-display'));
    const page = await env.open(name, { viewport: PHONE });
    try {
      // The widest formula of the page, its glyphs made invisible so that only the hint can
      // differ from the page's background.
      const id = await page.evaluate(() => {
        const els = [...document.querySelectorAll('.katex-display')].filter((e) => e.scrollWidth > e.clientWidth + 40);
        els.sort((a, b) => (b.scrollWidth - b.clientWidth) - (a.scrollWidth - a.clientWidth));
        const el = els[0];
        if (!el) return null;
        el.id ||= 'widest-formula';
        const style = document.createElement('style');
        style.textContent = `#${el.id} * { color: transparent !important; border-color: transparent !important; }`;
        document.head.append(style);
        el.scrollIntoView({ block: 'center' });
        return el.id;
      });
      assert.ok(id, `${name}: no formula is cut at 360 px`);
      const strip = async (side) => {
        const r = await page.evaluate((id) => { const b = document.getElementById(id).getBoundingClientRect(); return [b.x, b.y, b.width, b.height]; }, id);
        const x = side === 'right' ? r[0] + r[2] - 4 : r[0] + 1;
        return page.screenshot({ clip: { x, y: r[1] + 4, width: 3, height: 12 } });
      };
      const leftAtStart = await strip('left'), rightAtStart = await strip('right');
      await page.evaluate((id) => { const el = document.getElementById(id); el.scrollLeft = el.scrollWidth; }, id);
      await settle(100);
      const rightAtEnd = await strip('right'), leftAtEnd = await strip('left');
      assert.ok(!rightAtStart.equals(rightAtEnd), 'the right edge of a cut formula shows nothing where the formula is cut');
      assert.ok(rightAtEnd.equals(leftAtStart), 'an edge with nothing cut off is not plain background');
      assert.ok(!leftAtEnd.equals(leftAtStart), 'scrolled to its end, the formula shows no hint at its left edge');
    } finally { await page.close(); }
  });

  for (const orientation of ['portrait', 'landscape']) {
    it(`print (${orientation}) gives the chapter the full page width and leaves the controls out`, async () => {
      const name = chapters.find((p) => /data-widget=/.test(html(p)));
      const page = await env.open(name, { viewport: { width: 1280, height: 900 } });
      try {
        for (const w of await widgetsOf(page)) await w.waitDrawn();
        await page.emulateMedia({ media: 'print' });
        await page.setViewportSize(orientation === 'portrait' ? { width: 794, height: 1123 } : { width: 1123, height: 794 });
        await settle(300);
        const m = await page.evaluate(() => {
          const main = document.querySelector('main').getBoundingClientRect();
          const shown = (sel) => [...document.querySelectorAll(sel)].filter((e) => e.getClientRects().length > 0).length;
          const canvases = [...document.querySelectorAll('figure.widget canvas')].filter((c) => c.getClientRects().length > 0);
          return {
            main: main.width, page: document.documentElement.clientWidth,
            controls: shown('.widget-controls') + shown('.widget-player') + shown('.toc') + shown('figure.widget button'),
            canvases: canvases.length,
            settings: [...document.querySelectorAll('figure.widget dl.widget-settings')].filter((e) => e.getClientRects().length > 0).map((e) => e.textContent),
            widgets: document.querySelectorAll('figure.widget').length,
          };
        });
        assert.ok(m.main >= 0.9 * m.page, `the chapter is ${m.main} px wide on a ${m.page} px page`);
        assert.equal(m.controls, 0, 'controls, the player or the contents are printed');
        assert.ok(m.canvases > 0, 'no widget picture is printed');
        assert.equal(m.settings.length, m.widgets, `settings listed for ${m.settings.length} of ${m.widgets} widgets`);
        for (const s of m.settings) assert.match(s, /Step\s*\d/, `a settings list without the step: ${s}`);
      } finally { await page.close(); }
    });
  }

  it('a chapter prints on about as many pages in landscape as in portrait', async () => {
    const name = chapters.find((p) => /data-widget=/.test(html(p)));
    const page = await env.open(name, { viewport: { width: 1280, height: 900 } });
    try {
      for (const w of await widgetsOf(page)) await w.waitDrawn();
      const count = async (landscape) => {
        const pdf = await page.pdf({ format: 'A4', landscape, printBackground: false });
        return (pdf.toString('latin1').match(/\/Type\s*\/Page\b/g) || []).length;
      };
      const portrait = await count(false), landscape = await count(true);
      assert.ok(portrait > 0 && landscape > 0, 'no pages in the PDF');
      // A4 landscape holds about as much text as portrait: the same area, a wider line.
      assert.ok(landscape <= Math.ceil(1.6 * portrait), `${landscape} pages in landscape against ${portrait} in portrait`);
    } finally { await page.close(); }
  });

  it('an equal panel keeps its shape and equal scales from 1280 px to 360 px', async (t) => {
    const withEqual = chapters.filter((p) => /"flags":\[[^\]]*"equal"/.test(html(p)));
    // make check for one chapter (MLM_ONLY) may pick pages that have no equal panel at all
    if (withEqual.length === 0 && process.env.MLM_ONLY) { t.skip('no equal panel on the pages checked'); return; }
    assert.ok(withEqual.length > 0, 'no page has an equal panel');
    let measured = 0;
    const bad = [];
    for (const name of withEqual) {
      const shapes = {};
      const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
      try {
        await context.addInitScript(recordCanvas);
        const page = await context.newPage();
        await page.goto(`${env.origin}/${name}`);
        const widgets = [];
        for (const w of await widgetsOf(page)) {
          const panels = w.manifest ? w.manifest.panels.map((p, i) => ({ p, i })).filter(({ p }) => p.flags.includes('equal') && !p.flags.includes('noaxes')) : [];
          if (panels.length) widgets.push({ w, panels });
        }
        // The same page at a desktop width, then narrowed to a phone's.
        for (const viewport of [{ width: 1280, height: 900 }, PHONE]) {
          if (viewport !== PHONE) { /* the page opened at this size */ } else {
            await page.evaluate(() => { for (const c of document.querySelectorAll('canvas')) c.__drawn = null; });
            await page.setViewportSize(viewport); // every canvas is redrawn at its new size
          }
          for (const { w } of widgets) await w.waitDrawn();
          await settle(300); // a panel may ask for a new height after its first frame
          for (const { w, panels } of widgets) {
            for (const { p, i } of panels) {
              const canvas = w.loc.locator(SEL.canvas).nth(i);
              if (await canvas.evaluate((c) => !!c.closest('[hidden]'))) continue; // not shown in this run
              await w.until(`${p.name} redrawn at ${viewport.width} px`, () => canvas.evaluate((c) => !!c.__drawn), Boolean);
              const sc = scales(await canvas.evaluate((c) => c.__drawn));
              if (sc) ((shapes[`${w.name}/${p.name}`] ||= {})[viewport.width] = sc);
            }
          }
        }
      } finally { await context.close(); }
      for (const [key, byWidth] of Object.entries(shapes)) {
        const wide = byWidth[1280], phone = byWidth[360];
        if (!wide || !phone) continue;
        measured++;
        const aspect = (f) => f[2] / f[3];
        const r = aspect(phone.frame) / aspect(wide.frame);
        if (Math.abs(r - 1) > 0.1) bad.push(`${name} ${key}: plot box ${phone.frame[2].toFixed(0)}x${phone.frame[3].toFixed(0)} at 360 px against ${wide.frame[2].toFixed(0)}x${wide.frame[3].toFixed(0)} at 1280 px`);
        for (const [wpx, sc] of Object.entries(byWidth)) {
          if (Number.isFinite(sc.ux) && Number.isFinite(sc.uy) && Math.abs(sc.ux / sc.uy - 1) > 0.1) {
            bad.push(`${name} ${key} at ${wpx} px: ${sc.ux.toPrecision(3)} x-units per pixel against ${sc.uy.toPrecision(3)} y-units`);
          }
        }
        if (phone.frame[2] < 0.6 * (PHONE.width - 40)) bad.push(`${name} ${key}: the plot box is only ${phone.frame[2].toFixed(0)} px wide at 360 px`);
      }
    }
    // (one chapter's check may pick pages whose equal panels have no axes or are not shown)
    if (measured === 0 && process.env.MLM_ONLY) { t.skip('no equal panel with axes on the pages checked'); return; }
    assert.ok(measured > 0, 'no equal panel with axes was measured');
    assert.deepEqual(bad, []);
  });

  it('heading anchors are visible on a touch screen without hovering', async () => {
    const name = chapters.find((p) => html(p).includes('class="heading-link"'));
    for (const [label, opts] of [['touch', { hasTouch: true, isMobile: true }]]) {
      const context = await env.browser.newContext({ viewport: PHONE, ...opts });
      try {
        const page = await context.newPage();
        await page.goto(`${env.origin}/${name}`);
        const r = await page.evaluate(() => {
          const a = document.querySelector('h2 .heading-link');
          const cs = getComputedStyle(a);
          const b = a.getBoundingClientRect();
          return { opacity: Number(cs.opacity), visibility: cs.visibility, w: b.width, h: b.height };
        });
        assert.ok(r.opacity >= 0.4 && r.visibility === 'visible', `${label}: the anchor's opacity is ${r.opacity}`);
        assert.ok(r.w >= 16 && r.h >= 16, `${label}: the anchor is ${r.w}x${r.h} px, too small to tap`);
      } finally { await context.close(); }
    }
  });

  it('each chapter lists its sections, and every link of the list lands on its heading', async () => {
    for (const name of chapters) {
      const doc = html(name);
      const h2 = [...doc.matchAll(/<h2 id="([^"]+)"/g)].map((m) => m[1]);
      if (h2.length < 2) continue;
      const nav = doc.match(/<nav class="page-toc"[^]*?<\/nav>/);
      assert.ok(nav, `${name}: no list of sections`);
      const links = [...nav[0].matchAll(/href="#([^"]+)"/g)].map((m) => m[1]);
      for (const id of h2) assert.ok(links.includes(id), `${name}: section #${id} is not in the list`);
    }
    // In the browser: following a link of the list scrolls its heading to the top.
    const name = chapters.find((p) => html(p).includes('class="page-toc"'));
    const page = await env.open(name, { viewport: PHONE });
    try {
      const links = page.locator('nav.page-toc a');
      const n = await links.count();
      assert.ok(n >= 2, 'the list of sections has fewer than two links');
      const last = links.nth(n - 1);
      const id = (await last.getAttribute('href')).slice(1);
      await last.click();
      await settle(200);
      const top = await page.evaluate((id) => document.getElementById(id).getBoundingClientRect().top, id);
      assert.ok(Math.abs(top) < 60, `after following the link, #${id} is at ${top} px from the top`);
      assert.equal(new URL(page.url()).hash, `#${id}`);
    } finally { await page.close(); }
  });
});
