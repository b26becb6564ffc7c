// redraw.test.mjs: a frame redraws only the panels whose inputs changed (web/changes.js), and that
// never leaves a stale picture. On the playground, with its run on the page (views read in place
// from the wasm heap: same buffers, new contents) and in a Web Worker (new buffers every frame):
// - while paused, Step changes the picture, and so does a control;
// - a full redraw forced afterwards (the runtime's redraw of every widget, as on a theme change)
//   gives exactly the picture that was on screen: what was skipped was not stale;
// - a redraw with nothing new (the widget scrolled away and back) draws no panel.
//
// Run: MLM_ONLY=playground node --test tests/browser/redraw.test.mjs   (after `make site`)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, listPages, widgetsOf, frames, sameSigs } from './harness.mjs';

const PAGE = 'playground.html';
const ready = listPages().includes(PAGE);

// Counts drawPanel's first call on a canvas (its background fill) per canvas, in the page.
const COUNT_FILLS = () => {
  const fill = CanvasRenderingContext2D.prototype.fillRect;
  window.__fills = 0;
  CanvasRenderingContext2D.prototype.fillRect = function (...a) {
    if (this.canvas && this.canvas.closest && this.canvas.closest('figure.widget')) window.__fills++;
    return fill.apply(this, a);
  };
};

describe('redraw only what changed, never stale', { skip: !ready && `${PAGE} is not built` }, () => {
  const env = useBrowser();

  for (const worker of [false, true]) {
    it(`playground ${worker ? 'in a worker' : 'on the page'}: Step and a control change the picture while paused; a forced redraw matches`, async () => {
      const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addInitScript((w) => { globalThis.MLM_WORKER = w; }, worker);
      await context.addInitScript(COUNT_FILLS);
      try {
        const page = await context.newPage();
        const errors = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${env.origin}/${PAGE}`);
        const w = (await widgetsOf(page)).find((x) => x.id === 'playground');
        assert.ok(w, 'the playground widget is on the page');
        await w.waitDrawn();
        await w.ensurePaused();
        await frames(page, 10);
        const p0 = await w.pixels();
        // Every panel drawn afresh (what a theme change does): the picture that should be on screen.
        const redrawn = async () => {
          const fills = await page.evaluate(() => window.__fills);
          await page.evaluate(() => document.dispatchEvent(new Event('mlm-themechange')));
          await frames(page, 6);
          assert.ok((await page.evaluate(() => window.__fills)) > fills, 'the forced redraw drew');
          return w.pixels();
        };

        // Nothing new: the widget scrolled away and back is redrawn, and draws no panel again.
        const before = await page.evaluate(() => window.__fills);
        await page.evaluate(() => window.scrollTo(0, 0));
        await frames(page, 6);
        await w.show();
        await frames(page, 10);
        assert.equal(await page.evaluate(() => window.__fills), before, 'a paused widget with nothing new drew again');
        assert.ok(sameSigs(p0, await w.pixels()), 'the picture changed with nothing new');

        // Step while paused: the picture moves on.
        const s0 = await w.step();
        await w.button('step').click();
        await w.until('the step to advance', () => w.step(), (s) => s === s0 + 1);
        await frames(page, 6);
        const p1 = await w.pixels();
        assert.ok(!sameSigs(p0, p1), 'Step while paused left the picture as it was');
        assert.ok(sameSigs(p1, await redrawn()), 'after Step, a full redraw differs from the picture on screen (stale)');

        // A control while paused: the picture changes.
        const c = (await w.controls()).find((x) => x.visible && !x.disabled && x.tag === 'select');
        assert.ok(c, 'the playground has a visible select');
        await w.changeControl(c);
        await frames(page, 6);
        await w.until('the new picture', () => w.pixels(), (p) => !sameSigs(p1, p), 8000);
        await frames(page, 10);
        const p2 = await w.pixels();

        const p3 = await redrawn();
        assert.ok(sameSigs(p2, p3), `after a control, a full redraw differs from the picture on screen (stale): ${JSON.stringify(p2)} vs ${JSON.stringify(p3)}`);
        assert.deepEqual(errors, []);
      } finally {
        await context.close();
      }
    });
  }
});
