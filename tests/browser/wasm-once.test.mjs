// wasm-once.test.mjs: a page downloads each engine module once, however many of its widgets run
// in Web Workers (web/remote.js fetches the bytes and hands each worker a copy): the CNN chapter's
// three worker widgets used to fetch its wasm three times, past the 250 KB a page may weigh.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, assertClean, widgetsOf } from './harness.mjs';

describe('engine downloads', () => {
  const env = useBrowser();

  it('three worker widgets of one module share one download of its wasm, and all run', async () => {
    const page = await env.open('cnn.html');
    try {
      const ws = (await widgetsOf(page)).filter((w) => w.module === 'cnn');
      assert.ok(ws.length >= 2, `the CNN chapter has ${ws.length} cnn widgets`);
      for (const w of ws) {
        await w.show();
        await w.waitDrawn();
        assert.equal(await w.loc.evaluate((f) => !!(f.mlmRun && f.mlmRun.remote)), true, `${w.name} does not run in a worker`);
        await w.button('step').click();
        await w.until('step 1', () => w.step(), (s) => s === 1, 15000);
      }
      // Every response since before the page loaded (the harness records them all, workers' too).
      const wasm = page.responses.map((r) => new URL(r.url()).pathname).filter((p) => p.endsWith('.wasm'));
      assert.deepEqual(wasm, ['/engine/cnn.wasm'], `wasm downloads: ${wasm.join(', ')}`);
      assertClean(page);
    } finally {
      await page.close();
    }
  });
});
