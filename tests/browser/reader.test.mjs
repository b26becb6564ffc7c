// reader.test.mjs: the reader's side of the runtime (issue 8, sections 1-4 and 6), as a reader
// meets it: a copied link reopens the widget where it was, scrolled into view and saying so; a
// heading's anchor keeps every widget's state; links of the old hash form still work and move to
// the query; a control that does not apply is hidden, left out of the link and never restarts the
// run; notices follow the value they speak of; the keyboard reaches what the pointer does; a log
// slider announces its value; live regions speak on changes of state, not every frame.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, widgetsOf, assertClean, settle, sameSigs } from './harness.mjs';

// Poll fn() until pred(value) holds (or fail naming what).
async function until(what, fn, pred, timeout = 15000) {
  const t0 = Date.now();
  let v;
  for (;;) {
    v = await fn();
    if (pred(v)) return v;
    if (Date.now() - t0 > timeout) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${JSON.stringify(v)})`);
    await settle(50);
  }
}

const widgetById = async (page, id) => (await widgetsOf(page)).find((w) => w.id === id);
const statusText = (w) => w.loc.locator('.widget-status-text').textContent();
const noticeText = (w) => w.loc.locator('.widget-notice').evaluate((e) => (e.hidden ? '' : e.textContent));
const inViewport = (w) => w.loc.evaluate((fig) => {
  const r = fig.getBoundingClientRect();
  return r.top < innerHeight && r.bottom > 0 && r.top > -r.height / 2;
});

// Set a range or number control to v the way a reader does (input, then change).
async function setControl(w, name, v) {
  await w.loc.locator(`[name="${name}"]`).first().evaluate((e, v) => {
    e.value = String(v);
    e.dispatchEvent(new Event('input', { bubbles: true }));
    e.dispatchEvent(new Event('change', { bubbles: true }));
  }, v);
}

describe('the reader', () => {
  const env = useBrowser();

  it('a copied link reopens the widget scrolled into view, in the same state, saying so', async () => {
    // The penalty widget sits far down its chapter: the link must bring the reader to it.
    const page = await env.open('regularization.html');
    try {
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.origin });
      const w = await widgetById(page, 'penalty');
      await w.waitDrawn();
      await w.ensurePaused();
      const seed = w.loc.locator('[name="seed"]');
      await seed.fill('11');
      await seed.dispatchEvent('change');
      const ctl = (await w.controls()).find((c) => c.visible && c.type === 'range' && parseFloat(c.max) > parseFloat(c.min));
      assert.ok(ctl, 'the penalty widget has no visible slider');
      const target = Number((parseFloat(ctl.min) + (parseFloat(ctl.max) - parseFloat(ctl.min)) * 0.25).toPrecision(3));
      await setControl(w, ctl.name, target);
      const shown = (await w.controls()).find((c) => c.name === ctl.name).value;
      for (let k = 0; k < 7; k++) await w.button('step').click();
      await until('step 7', () => w.step(), (s) => s === 7);
      await page.evaluate(() => navigator.clipboard.writeText(''));
      await w.loc.getByRole('button', { name: /copy link/i }).click();
      const url = await until('the clipboard to hold a link', () => page.evaluate(() => navigator.clipboard.readText()), (t) => /^http/.test(t));
      assert.match(url, /\?/, `the link has no query string: ${url}`);
      assert.match(url, /penalty\.t=7\b/, `the link does not carry step 7: ${url}`);
      assert.match(url, /penalty\.seed=11\b/, url);
      assertClean(page);

      const again = await env.open(url.slice(env.origin.length + 1));
      try {
        const v = await widgetById(again, 'penalty');
        await until('the widget to reach step 7', () => v.step(), (s) => s === 7, 15000);
        await until('the widget to be in view', () => inViewport(v), Boolean, 5000);
        assert.equal((await v.controls()).find((c) => c.name === ctl.name).value, shown);
        assert.equal(await v.loc.locator('[name="seed"]').inputValue(), '11');
        assert.match(await statusText(v), /paused at step 7\b.*link/i);
        assert.doesNotMatch(await statusText(v), /press play/i);
        assert.equal(await v.status(), 'paused');
        assertClean(again);
      } finally {
        await again.close();
      }
    } finally {
      await page.close();
    }
  });

  it('a link copied during a replay names the replay\'s target step', async () => {
    const page = await env.open('playground.html?playground.t=20000');
    try {
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.origin });
      const w = await widgetById(page, 'playground');
      await until('the module to load', () => w.status(), (s) => s && s !== 'loading', 15000);
      await page.evaluate(() => navigator.clipboard.writeText(''));
      await w.loc.getByRole('button', { name: /copy link/i }).click();
      const url = await until('a link', () => page.evaluate(() => navigator.clipboard.readText()), (t) => /^http/.test(t));
      assert.match(url, /playground\.t=20000\b/, url);
      assert.match(await page.evaluate(() => location.search), /playground\.t=20000\b/);
    } finally {
      await page.close();
    }
  });

  it('a heading anchor keeps every widget\'s state; old hash links move to the query', async () => {
    const page = await env.open('regularization.html#overfit.seed=5&overfit.t=4');
    try {
      const w = await widgetById(page, 'overfit');
      await until('step 4', () => w.step(), (s) => s === 4, 15000);
      assert.equal(await page.evaluate(() => location.hash), '', 'the old hash was not cleared');
      assert.match(await page.evaluate(() => location.search), /overfit\.seed=5/);
      const anchor = page.locator('h2 a.heading-link').first();
      await anchor.scrollIntoViewIfNeeded();
      await anchor.click();
      await settle(300);
      const loc = await page.evaluate(() => ({ search: location.search, hash: location.hash }));
      assert.match(loc.search, /overfit\.seed=5&overfit\.t=4|overfit\.t=4.*overfit\.seed=5|overfit\.seed=5.*overfit\.t=4/, JSON.stringify(loc));
      assert.ok(loc.hash.length > 1, 'the anchor did not set the hash');
      assert.equal(await w.step(), 4, 'the anchor reset the run');
      assert.equal(await w.loc.locator('[name="seed"]').inputValue(), '5');
      // An old-style link followed within the page sets the widget it names and moves to the query.
      await page.evaluate(() => { location.hash = '#overfit.seed=8'; });
      await until('seed 8', () => w.loc.locator('[name="seed"]').inputValue(), (s) => s === '8');
      const moved = await page.evaluate(() => ({ search: location.search, hash: location.hash }));
      assert.equal(moved.hash, '', JSON.stringify(moved));
      assert.match(moved.search, /overfit\.seed=8\b/, JSON.stringify(moved));
      // A link can name a heading and carry state: the heading wins the scroll, the state applies.
      const both = await env.open(`regularization.html?overfit.seed=9${loc.hash}`);
      try {
        const v = await widgetById(both, 'overfit');
        await until('seed 9', () => v.loc.locator('[name="seed"]').inputValue(), (s) => s === '9', 15000);
        const top = await both.evaluate((h) => document.getElementById(decodeURIComponent(h.slice(1))).getBoundingClientRect().top, loc.hash);
        assert.ok(Math.abs(top) < 80, `the heading is not at the top (${top})`);
        assertClean(both);
      } finally {
        await both.close();
      }
      assertClean(page);
    } finally {
      await page.close();
    }
  });

  it('the reader\'s input travels in the link: a drawing reopens as it was drawn', async (t) => {
    const page = await env.open('digits.html');
    try {
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.origin });
      const w = await widgetById(page, 'main');
      if (!w.manifest.input) { t.skip('this engine build does not declare the input (SPEC §1) yet'); return; }
      await w.waitDrawn();
      await w.ensurePaused();
      const panel = w.manifest.panels.find((p) => p.flags.includes('pointer'));
      const canvas = w.loc.locator(`.widget-panel[data-panel="${panel.name}"] canvas`);
      const before = await page.evaluate(() => location.search);
      await canvas.focus();
      await page.keyboard.press('ArrowRight');
      await page.keyboard.down('Shift');
      for (let k = 0; k < 5; k++) await page.keyboard.press('ArrowUp');
      await page.keyboard.up('Shift');
      await until('the input in the address', () => page.evaluate(() => location.search), (q) => q !== before && /main\.in=[A-Za-z0-9_.~-]+/.test(q));
      await settle(300);
      // What the network reads of the drawing (every panel but the drawing itself, which a
      // module may show from the link as its pixels rather than its strokes) must come back.
      const pi = w.manifest.panels.indexOf(panel);
      const others = (px) => px.filter((p, k) => k !== pi);
      const drawn = others(await w.pixels());
      await page.evaluate(() => navigator.clipboard.writeText(''));
      await w.loc.getByRole('button', { name: /copy link/i }).click();
      const url = await until('a link', () => page.evaluate(() => navigator.clipboard.readText()), (x) => /^http/.test(x));
      assert.match(url, /main\.in=/, url);
      const again = await env.open(url.slice(env.origin.length + 1));
      try {
        const v = await widgetById(again, 'main');
        await v.waitDrawn();
        await settle(500);
        const shown = others(await v.pixels());
        assert.ok(sameSigs(shown, drawn), 'what the network reads of the reopened drawing differs');
        assert.equal(await noticeText(v), '');
        // A malformed input is refused with a notice; the rest of the link still applies.
        const bad = await env.open('digits.html?main.in=~~~~&main.seed=4');
        try {
          const b = await widgetById(bad, 'main');
          await until('a notice about the input', () => noticeText(b), (x) => /input/i.test(x), 15000);
          assert.equal(await b.loc.locator('[name="seed"]').inputValue(), '4');
        } finally {
          await bad.close();
        }
        assertClean(again);
      } finally {
        await again.close();
      }
    } finally {
      await page.close();
    }
  });

  it('Reset keeps the settings, Defaults puts the chapter\'s back; action buttons act', async () => {
    const page = await env.open('digits.html?main.seed=6&main.t=3');
    try {
      const w = await widgetById(page, 'main');
      await until('step 3', () => w.step(), (s) => s === 3, 15000);
      const ctl = (await w.controls()).find((c) => c.visible && c.type === 'range');
      const p = w.manifest.params.find((q) => q.name === ctl.name);
      await setControl(w, ctl.name, p.def === p.max ? p.min : p.max);
      const moved = (await w.controls()).find((c) => c.name === ctl.name).value;
      await w.button('step').click();
      await w.button('reset').click();
      await until('step 0', () => w.step(), (s) => s === 0);
      assert.equal((await w.controls()).find((c) => c.name === ctl.name).value, moved, 'Reset changed a setting');
      assert.equal(await w.loc.locator('[name="seed"]').inputValue(), '6', 'Reset changed the seed');
      await w.button('step').click();
      await w.loc.getByRole('button', { name: /^defaults$/i }).click();
      await until('step 0', () => w.step(), (s) => s === 0);
      assert.equal(parseFloat((await w.controls()).find((c) => c.name === ctl.name).value), p.def, 'Defaults did not restore the chapter\'s value');
      assert.equal(await w.loc.locator('[name="seed"]').inputValue(), '1');
      await settle(200);
      assert.doesNotMatch(await page.evaluate(() => location.search), /main\.(seed|t|hidden|lr)=/, 'the address still carries settings');
      // The module's own buttons (SPEC §1 "actions"), when this engine build declares them.
      const acts = w.manifest.actions || [];
      if (acts.length) {
        const pointer = w.manifest.panels.findIndex((q) => q.flags.includes('pointer'));
        const px0 = await w.pixels();
        await w.loc.getByRole('button', { name: acts[0][1] }).click();
        await until('the action to change the drawing', () => w.pixels(), (px) => px[pointer].hash !== px0[pointer].hash);
      }
      assertClean(page);
    } finally {
      await page.close();
    }
  });

  it('a control that does not apply is hidden, left out of the link, and never restarts the run', async () => {
    // The playground's n3 (units of hidden layer 3) applies only with 3 or more layers. Before the
    // engine declares it (SPEC §1 "when"), the test gives the manifest that declaration itself,
    // so the runtime's side is checked either way.
    const page = await env.browser.newContext({ viewport: { width: 1280, height: 900 } }).then((c) => c.newPage());
    try {
      await page.route('**/playground.html*', async (route) => {
        const res = await route.fetch();
        let html = await res.text();
        html = html.replace(/(<script type="application\/json" class="widget-manifest">)(.*?)(<\/script>)/s, (all, a, json, b) => {
          const m = JSON.parse(json);
          const layers = m.params.findIndex((p) => p.name === 'layers');
          for (let k = 2; k <= 6; k++) {
            const p = m.params.find((q) => q.name === `n${k}`);
            if (p && !p.when) p.when = { on: layers, min: k };
          }
          return a + JSON.stringify(m).replace(/</g, '\\u003c') + b;
        });
        await route.fulfill({ response: res, body: html, headers: { ...res.headers(), 'content-length': undefined } });
      });
      await page.goto(`${env.origin}/playground.html?playground.n3=5&playground.layers=2&playground.t=3`);
      const w = await widgetById(page, 'playground');
      await until('step 3', () => w.step(), (s) => s === 3, 20000);
      const row = (name) => w.loc.locator(`[name="${name}"]`).evaluate((e) => e.closest('.control').hidden);
      assert.equal(await row('n3'), true, 'n3 is shown with 2 hidden layers');
      assert.equal(await row('n2'), false, 'n2 is hidden with 2 hidden layers');
      // Save the address (a step), then check n3 is not in it.
      await w.button('step').click();
      await until('step 4', () => w.step(), (s) => s === 4);
      await settle(200);
      assert.doesNotMatch(await page.evaluate(() => location.search), /n3=/, 'a control that does not apply is in the link');
      // Changing it (it is hidden, so by script) neither restarts nor moves the run.
      await setControl(w, 'n3', 2);
      await settle(200);
      assert.equal(await w.step(), 4, 'changing a control that does not apply reset the run');
      // Three layers: n3 appears (re-evaluated on the change), and counts.
      await setControl(w, 'layers', 3);
      await until('n3 to show', () => row('n3'), (h) => h === false);
      assert.equal(await w.step(), 0, 'a change that matters restarts the run');
    } finally {
      await page.context().close();
    }
  });

  it('notices follow their value: typed values are clamped and say so, and a notice goes when the value changes', async () => {
    const page = await env.open('gradient-descent.html');
    try {
      const w = await widgetById(page, 'three-rates');
      await w.waitDrawn();
      await w.ensurePaused();
      const box = w.loc.locator('input[type="number"][name="lr_small"]');
      await box.fill('99');
      await box.dispatchEvent('change');
      await until('a notice', () => noticeText(w), (t) => /clamped to 1\.5\b/.test(t));
      assert.equal(await box.inputValue(), '1.5');
      await box.evaluate((e) => { e.type = 'text'; e.value = 'abc'; e.dispatchEvent(new Event('change', { bubbles: true })); e.type = 'number'; });
      // The notice names the value kept, the one the control shows.
      await until('the notice to name the kept value', () => noticeText(w), (t) => /left at 1\.5\b/.test(t));
      assert.doesNotMatch(await noticeText(w), /clamped/, 'the old notice about this value stayed');
      // Moving the slider drops the notice: it no longer speaks of the value shown.
      await w.loc.locator('.control-log').first().locator('input[type="range"]').evaluate((e) => {
        e.value = '300';
        e.dispatchEvent(new Event('input', { bubbles: true }));
      });
      await until('the notice to go', () => noticeText(w), (t) => t === '');
      assertClean(page);
    } finally {
      await page.close();
    }
  });

  it('a seed beyond 32 bits is kept at the largest, and the notice names that value', async () => {
    const page = await env.open('regularization.html');
    try {
      const w = await widgetById(page, 'overfit');
      await w.waitDrawn();
      await w.ensurePaused();
      const seed = w.loc.locator('[name="seed"]');
      await seed.fill('99999999999');
      await seed.dispatchEvent('change');
      await until('a seed notice', () => noticeText(w), (t) => /4294967295/.test(t));
      assert.equal(await seed.inputValue(), '4294967295');
      assert.match(await page.evaluate(() => location.search), /overfit\.seed=4294967295\b/);
      await seed.fill('3');
      await seed.dispatchEvent('change');
      await until('the seed notice to go', () => noticeText(w), (t) => t === '');
      assertClean(page);
    } finally {
      await page.close();
    }
  });

  it('one run of several ending is reported while play continues', async () => {
    const page = await env.open('gradient-descent.html');
    try {
      const w = await widgetById(page, 'three-rates');
      await w.waitDrawn();
      await w.ensurePaused();
      await w.recordStatuses();
      await w.button('play').click();
      // The large rate (1.1 on this function) leaves the others running.
      await until('a report of one run', () => statusText(w), (t) => /diverg|never settle/i.test(t), 15000);
      const s0 = await w.step();
      assert.equal(await w.status(), 'running', 'a non-final report stopped the widget');
      await until('play to continue', () => w.step(), (s) => s > s0 + 2);
      assert.ok(!(await w.seenStatuses()).includes('diverged'), 'the widget said diverged for one run of three');
      await w.ensurePaused();
      assertClean(page);
    } finally {
      await page.close();
    }
  });

  it('the keyboard does what the pointer does, anywhere in the widget, with one help popover', async () => {
    const page = await env.open('digits.html');
    try {
      const w = await widgetById(page, 'main');
      await w.waitDrawn();
      await w.ensurePaused();
      // Shortcuts from a slider (not only from a canvas): K plays, K pauses.
      const slider = w.loc.locator('input[type="range"]:not([name="_t"])').first();
      await slider.focus();
      await page.keyboard.press('k');
      await until('running', () => w.status(), (s) => s === 'running');
      await page.keyboard.press('k');
      await until('paused', () => w.status(), (s) => s !== 'running');
      await page.keyboard.press('.');
      const s0 = await w.step();
      // Drawing: focus the pointer panel, move the cursor, draw with Shift+arrows, press Space.
      const panel = w.manifest.panels.find((p) => p.flags.includes('pointer'));
      const canvas = w.loc.locator(`.widget-panel[data-panel="${panel.name}"] canvas`);
      await canvas.focus();
      assert.equal(await w.loc.locator('.panel-cursor').first().isVisible(), true, 'no visible cursor on the focused panel');
      const px0 = await w.pixels();
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('ArrowUp');
      await page.keyboard.down('Shift');
      for (let k = 0; k < 6; k++) await page.keyboard.press('ArrowDown');
      await page.keyboard.up('Shift');
      await page.keyboard.press('Space');
      await until('the drawing to change', () => w.pixels(), (px) => !sameSigs(px, px0));
      assert.equal(await w.step(), s0, 'drawing moved the run');
      assert.notEqual(await w.status(), 'running', 'Space on the drawing panel started the run');
      // Help: the ? key opens it, it lists the shortcuts, Escape closes it.
      await page.keyboard.press('?');
      const help = w.loc.locator('[role="dialog"]');
      await until('the help to open', () => help.isVisible(), Boolean);
      const listed = await help.innerText();
      for (const k of ['Space', '.', 'arrow keys']) assert.ok(listed.includes(k), `the help does not list ${k}`);
      await page.keyboard.press('Escape');
      await until('the help to close', () => help.isVisible(), (v) => !v);
      assert.equal(await w.loc.getByRole('button', { name: /keyboard shortcuts/i }).count(), 1, 'one help button');
      // Tooltips name only keys that work: Step's says ".", which steps.
      const tip = await w.button('step').getAttribute('title');
      assert.doesNotMatch(tip || '', /→/);
      assertClean(page);
    } finally {
      await page.close();
    }
  });

  it('a log slider announces its value; live regions speak on changes of state only', async () => {
    const page = await env.open('gradient-descent.html');
    try {
      const w = await widgetById(page, 'three-rates');
      await w.waitDrawn();
      await w.ensurePaused();
      const log = w.loc.locator('.control-log').first();
      const text = await log.locator('input[type="range"]').getAttribute('aria-valuetext');
      const value = await log.locator('input[type="number"]').inputValue();
      assert.ok(text && text.includes(value), `aria-valuetext "${text}" does not say the value ${value}`);
      assert.match(text, /learning rate|η|rate/i);
      // Every live region of the widget (explicit or implied by its role), and what it says.
      const watch = () => w.loc.evaluate((fig) => {
        const live = [...fig.querySelectorAll('[aria-live], [role="status"], [role="log"], [role="alert"], output')]
          .filter((e) => e.getAttribute('aria-live') !== 'off');
        fig.__said = 0;
        fig.__obs2 = new MutationObserver((ms) => { fig.__said += ms.length; });
        for (const e of live) fig.__obs2.observe(e, { childList: true, characterData: true, subtree: true });
        const canvases = [...fig.querySelectorAll('canvas')];
        fig.__alts = 0;
        fig.__obs3 = new MutationObserver((ms) => { fig.__alts += ms.length; });
        for (const c of canvases) fig.__obs3.observe(c, { attributes: true, attributeFilter: ['aria-label'] });
        return live.length;
      });
      assert.ok((await watch()) >= 1, 'the widget has no live region for its status');
      await w.button('play').click();
      await settle(3000);
      const said = await w.loc.evaluate((fig) => fig.__said);
      const alts = await w.loc.evaluate((fig) => fig.__alts);
      const label = await w.loc.locator('canvas').first().getAttribute('aria-label');
      await w.ensurePaused();
      assert.ok(said <= 6, `live regions changed ${said} times in 3 s of play`);
      assert.ok(alts <= 3 * w.manifest.panels.length, `canvas text alternatives changed ${alts} times in 3 s`);
      assert.match(label, /step \d/i, `the canvas' text alternative does not say where the run is: ${label}`);
      assertClean(page);
    } finally {
      await page.close();
    }
  });
});
