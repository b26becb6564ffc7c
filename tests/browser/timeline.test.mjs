// timeline.test.mjs: the timeline keeps up, and a run in a Web Worker is the same run.
// - Dragging the timeline forward restores the nearest checkpoint at or before the target (it
//   does not replay from where the run is), on the page and in a worker.
// - The playground run on the main thread and in a worker (globalThis.MLM_WORKER forces either)
//   shows the same step and readouts after a link, a scrub back, Step, and play/pause.
// - A link beyond the steps a module lets a link replay (its manifest's t_max) stops there and
//   says so.
// Times belong to `make bench`; these tests assert the mechanism (fig.mlmRun: replays, restores).
//
// Run: node --test tests/browser/timeline.test.mjs   (after `make site`)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, listPages, parseStep, settle, SEL } from './harness.mjs';

const PAGE = 'playground.html';
const ID = 'playground';
const ready = listPages().includes(PAGE);

describe('timeline and worker', { skip: !ready && `${PAGE} is not built` }, () => {
  const env = useBrowser();

  // Open a page with every module in a worker (true) or none (false).
  async function open(path, worker, { edit, id = ID } = {}) {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript((w) => { globalThis.MLM_WORKER = w; }, worker);
    if (edit) {
      await context.route(`**/${PAGE}`, async (route) => {
        const res = await route.fetch();
        route.fulfill({ response: res, body: edit(await res.text()) });
      });
    }
    const page = await context.newPage();
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') page.errors.push(m.text()); });
    await page.goto(`${env.origin}/${path}`);
    const fig = page.locator(`${SEL.widget}[data-id="${id}"]`);
    await fig.scrollIntoViewIfNeeded();
    await page.waitForFunction((id) => document.querySelector(`figure.widget[data-id="${id}"]`).mlmRun, id, { timeout: 20000 });
    return { page, fig, close: () => context.close() };
  }

  const info = (fig) => fig.evaluate((f) => {
    const r = f.mlmRun;
    return { remote: !!r.remote, step: r.steps, replays: r.replays, restores: r.restores, maxStep: r.maxStep,
      target: r.target, active: r.active, text: f.querySelector('[data-role="step"]').textContent,
      readouts: f.querySelector('.widget-readouts').textContent, status: f.dataset.status, every: r.timeline ? r.timeline.every : 0 };
  });

  // Wait until the run has landed at step n (no replay going) and the page shows it.
  async function landed(fig, n, timeout = 60000) {
    const t0 = Date.now();
    for (;;) {
      const s = await info(fig);
      if (s.step === n && !s.active && parseStep(s.text) === n) return s;
      if (Date.now() - t0 > timeout) throw new Error(`did not land at step ${n}: ${JSON.stringify(s)}`);
      await settle(50);
    }
  }

  // A hash of each canvas's pixels: the pictures a paused run shows.
  const canvasHashes = (fig) => fig.evaluate((f) => [...f.querySelectorAll('canvas')].map((c) => {
    if (!c.width || !c.height) return '0x0';
    // Read through a scratch canvas, so the page's own canvases are never read back.
    const t = document.createElement('canvas');
    t.width = c.width; t.height = c.height;
    const x = t.getContext('2d', { willReadFrequently: true });
    x.drawImage(c, 0, 0);
    const d = new Uint32Array(x.getImageData(0, 0, c.width, c.height).data.buffer);
    let h = 0x811c9dc5;
    for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i], 0x01000193);
    return `${c.width}x${c.height}:${h >>> 0}`;
  }).join(' '));

  async function seekTo(fig, t) {
    await fig.locator('[name="_t"]').evaluate((el, v) => {
      el.value = String(v);
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    }, t);
  }

  const N = 4000;
  const seen = {};

  for (const worker of [false, true]) {
    const where = worker ? 'in a worker' : 'on the main thread';
    it(`${where}: a link replays to its step; Home and End on the timeline restore checkpoints`, async () => {
      const { page, fig, close } = await open(`${PAGE}#${ID}.t=${N}`, worker);
      try {
        let s = await landed(fig, N);
        assert.equal(s.remote, worker, 'the run lives where the test asked');
        assert.equal(s.replays, 0, 'a link\'s steps are new steps, not replays');
        seen[worker] = { [N]: s.readouts };
        const slider = fig.locator('[name="_t"]');
        await slider.focus();
        await page.keyboard.press('Home');
        s = await landed(fig, 0);
        const restores = s.restores;
        await page.keyboard.press('End');
        s = await landed(fig, N);
        assert.ok(s.restores > restores, 'End restored a checkpoint near the end');
        assert.ok(s.replays < N / 8, `End replayed ${s.replays} steps, not the ${N} from step 0`);
        assert.equal(s.readouts, seen[worker][N], 'the same readouts at the end as before the scrub');
        // Back to an arbitrary step, and one Step from there.
        await seekTo(fig, 1234);
        s = await landed(fig, 1234);
        seen[worker][1234] = s.readouts;
        await settle(200);
        seen[worker].pixels = await canvasHashes(fig);
        await fig.getByRole('button', { name: /^step$/i }).click();
        s = await landed(fig, 1235);
        seen[worker][1235] = s.readouts;
        // Play a moment and pause: the run goes on from 1235.
        await fig.getByRole('button', { name: /^play/i }).click();
        await fig.evaluate((f) => new Promise((r) => { const go = () => (f.mlmRun.steps > 1300 ? r() : setTimeout(go, 20)); go(); }));
        await fig.getByRole('button', { name: /^pause/i }).click();
        await settle(300);
        s = await info(fig);
        assert.ok(s.step > 1300 && !s.active, `played on and paused (${JSON.stringify(s)})`);
        assert.equal(parseStep(s.text), s.step);
        assert.match(page.url(), new RegExp(`${ID}\\.t=${s.step}\\b`), 'the address names the paused step');
        assert.deepEqual(page.errors, []);
      } finally { await close(); }
    });
  }

  it('the worker run and the main-thread run show the same readouts and pictures at the same steps', () => {
    assert.ok(seen[false] && seen[true], 'both runs were recorded');
    assert.deepEqual(seen[true], seen[false]);
    assert.notEqual(seen[true][1234], seen[true][N], 'different steps read differently');
  });

  // The digit reader: a stroke drawn on its pointer panel after 40 steps, on the page and in a
  // worker, changes the picture the same way and leaves the run where it was.
  const drawn = {};
  for (const worker of [false, true]) {
    it(`digits ${worker ? 'in a worker' : 'on the main thread'}: a drawn stroke reaches the module`, { skip: !listPages().includes('digits.html') }, async () => {
      const { page, fig, close } = await open('digits.html#main.t=40', worker, { id: 'main' });
      try {
        let s = await landed(fig, 40);
        assert.equal(s.remote, worker);
        const name = await fig.evaluate((f) => JSON.parse(f.querySelector('script.widget-manifest').textContent).panels.find((p) => p.flags.includes('pointer')).name);
        const canvas = fig.locator(`.widget-panel[data-panel="${name}"] canvas`);
        await canvas.scrollIntoViewIfNeeded();
        await settle(200);
        const before = await canvasHashes(fig);
        const box = await canvas.boundingBox();
        const at = (fx, fy) => [box.x + box.width * fx, box.y + box.height * fy];
        await page.mouse.move(...at(0.4, 0.3));
        await page.mouse.down();
        for (let k = 1; k <= 6; k++) await page.mouse.move(...at(0.4 + 0.03 * k, 0.3 + 0.07 * k));
        await page.mouse.up();
        const t0 = Date.now();
        while ((await canvasHashes(fig)) === before && Date.now() - t0 < 5000) await settle(50);
        await settle(300);
        drawn[worker] = await canvasHashes(fig);
        assert.notEqual(drawn[worker], before, 'the stroke changed the picture');
        s = await info(fig);
        assert.equal(s.step, 40, 'drawing did not step the run');
        assert.deepEqual(page.errors, []);
      } finally { await close(); }
    });
  }

  it('a stroke draws the same on the page and in a worker', { skip: !listPages().includes('digits.html') }, () => {
    assert.ok(drawn[false] && drawn[true]);
    assert.equal(drawn[true], drawn[false]);
  });

  it('a link beyond the module\'s t_max stops at it and says so', async () => {
    // The module's own bound (if it declares one) is lowered to 1,500 for this page only.
    const edit = (html) => (/"t_max":\d+/.test(html) ? html.replace(/"t_max":\d+/, '"t_max":1500')
      : html.replace(/(class="widget-manifest">\s*\{)/, '$1"t_max":1500,'));
    const { fig, page, close } = await open(`${PAGE}#${ID}.t=90000`, true, { edit });
    try {
      const s = await landed(fig, 1500);
      assert.equal(s.replays, 0);
      const notice = await fig.locator('.widget-notice').textContent();
      assert.match(notice, /90,000/);
      assert.match(notice, /1,500/);
      assert.deepEqual(page.errors, []);
    } finally { await close(); }
  });
});
