// pointer.test.mjs: panels that take pointer input respond to it. A panel declared with the
// "pointer" flag hands presses and drags to its module (a digit drawn, a point whose forward pass
// is shown): a stroke across it must change what the widget draws, without restarting or
// advancing the run. A panel declared with `click` ("px,py") sets two parameters: a click must
// move them (and the URL says so). Widgets and panels are found from the manifests in the built
// pages, so only pages that have such panels are loaded; nothing here names a chapter.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, listPages, staticWidgets, widgetsOf, assertClean, frames, sameSigs, urlState } from './harness.mjs';

const takesPointer = (m) => (m?.panels || []).some((p) => (p.flags || []).includes('pointer') || p.click);
const pages = listPages().filter((p) => staticWidgets(p).some((w) => takesPointer(w.manifest)));

// Drag from (ax, ay) to (bx, by), fractions of the canvas box, in a few moves.
async function stroke(page, canvas, ax, ay, bx, by) {
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  const at = (fx, fy) => [box.x + box.width * fx, box.y + box.height * fy];
  await page.mouse.move(...at(ax, ay));
  await page.mouse.down();
  for (let k = 1; k <= 6; k++) await page.mouse.move(...at(ax + ((bx - ax) * k) / 6, ay + ((by - ay) * k) / 6));
  await page.mouse.up();
}

describe('pointer input', () => {
  const env = useBrowser();

  for (const name of pages) {
    it(`${name}: pointer panels respond`, async (t) => {
      const page = await env.open(name);
      try {
        for (const w of await widgetsOf(page)) {
          const panels = (w.manifest?.panels || []).map((p, i) => ({ ...p, i }));
          const pointer = panels.filter((p) => p.flags.includes('pointer'));
          const click = panels.filter((p) => p.click);
          if (!pointer.length && !click.length) continue;
          await w.waitDrawn();
          await w.ensurePaused();
          for (const p of pointer) {
            await t.test(`${w.name}: drawing in "${p.name}" changes the widget and does not play the run`, async () => {
              const canvas = w.loc.locator(`.widget-panel[data-panel="${p.name}"] canvas`);
              if (!(await canvas.isVisible())) return; // hidden in this widget's scene
              const before = await w.step();
              await w.button('step').click();
              await w.until('the step', () => w.step(), (s) => s !== before);
              const s0 = await w.step(), px0 = await w.pixels();
              await stroke(page, canvas, 0.35, 0.3, 0.6, 0.7);
              await w.until('the drawing to change', () => w.pixels(), (px) => !sameSigs(px, px0), 15000);
              await frames(page, 8);
              // A module whose pointer() returns 1 (a placed point changes the training data)
              // restarts the run at step 0; any other pointer input leaves the step alone.
              const s1 = await w.step();
              assert.ok(s1 === s0 || s1 === 0, `pointer input moved the step from ${s0} to ${s1}`);
              assert.notEqual(await w.status(), 'running', 'pointer input started the run');
            });
          }
          for (const p of click) {
            await t.test(`${w.name}: a click in "${p.name}" sets ${p.click}`, async () => {
              const canvas = w.loc.locator(`.widget-panel[data-panel="${p.name}"] canvas`);
              if (!(await canvas.isVisible())) return;
              const [nx, ny] = p.click.split(',');
              const values = async () => (await w.controls()).filter((c) => c.name === nx || c.name === ny).map((c) => c.value).join();
              const before = await values();
              const url0 = await urlState(page);
              await stroke(page, canvas, 0.3, 0.35, 0.32, 0.37);
              // The URL is written a moment after the change: wait for it to say so.
              const records = (u) => u.includes(`${w.id}.${nx}=`) || u.includes(`${w.id}.${ny}=`);
              const url1 = await w.until('the URL to record the click', () => urlState(page), records, 5000).catch(() => urlState(page));
              const after = await values();
              assert.ok(after !== before || url1 !== url0, `a click did not move ${p.click}`);
              assert.ok(records(url1), `the URL does not record the click (${url1})`);
              await w.ensurePaused();
            });
          }
        }
        assertClean(page);
      } finally {
        await page.close();
      }
    });
  }
});
