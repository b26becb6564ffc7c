// url-state.test.mjs: a widget's state lives in the URL (<id>.<param>=<value>&<id>.seed=S
// &<id>.t=STEP; the links here use the hash form, which the runtime reads as well as the query).
// A shared link restores parameters, seed and step; a hostile or broken link is clamped or
// ignored: no exception, no console error, no injected markup, every control within the range its
// module declares. And a gradient-descent widget pushed past its stable learning rate says that
// it diverged. Widgets and their manifests are read from the built pages; nothing here names a
// chapter. Each page is loaded once for the restore (every widget restored by one link) and once
// for the hostile links: the first arrives with the page, the others are followed within it (an
// old-style link in the hash, which the runtime moves to the address and applies on hashchange,
// through the same reading and clamping as a link the page opens with), so that each case costs
// a restart rather than a page load.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, listPages, allPages, only, staticWidgetCount, staticWidgets, widgetsOf, assertClean, frames, firstShard, parseStep, SEL } from './harness.mjs';

const pages = listPages().filter((p) => staticWidgetCount(p) > 0);

// A value inside p's range, away from its default and its ends, on its grid.
function pickValue(p) {
  const span = p.max - p.min;
  let v = p.min + span * (Math.abs(p.def - (p.min + span * 0.3)) > span * 0.1 ? 0.3 : 0.7);
  if (p.step > 0) v = p.min + Math.round((v - p.min) / p.step) * p.step;
  if (p.kind === 'int') v = Math.round(v);
  return Number(v.toPrecision(6));
}

// The parameter a restore test sets: a shown float/int on a linear scale, else a choice.
function restorable(manifest) {
  const shown = manifest.params.filter((p) => p.show !== false);
  return shown.find((p) => (p.kind === 'float' || p.kind === 'int') && !p.log && p.max > p.min) ||
    shown.find((p) => p.kind === 'choice') || null;
}

const HOSTILE = [
  ['letters', () => 'abc'],
  ['NaN', () => 'NaN'],
  ['overflow 1e309', () => '1e309'],
  ['negative overflow', () => '-1e309'],
  ['markup', () => encodeURIComponent('<img src=x onerror=alert(1)>')],
  ['raw markup', () => '<img src=x onerror=alert(1)>'],
  ['10,000 characters', () => '9'.repeat(10000)],
  ['broken percent-encoding', () => '%E0%A4%A'],
  ['control characters', () => '%00x%0A%1B%7F'],
];

// Hostile cases. A case sets every parameter of every widget to one hostile value, and the seed
// and step keys (independent of the parameters) to hostile values too, so that nine links cover
// fourteen kinds of damage.
function hostileCases(widgets) {
  const all = (value) => widgets.flatMap((w) => w.manifest.params.map((p) => `${w.id}.${p.name}=${value}`));
  const each = (key, value) => widgets.map((w) => `${w.id}.${key}=${value}`);
  const extra = [
    ['negative seed', each('seed', '-5')],
    ['seed 1e99', each('seed', '1e99')],
    ['t=1e99', each('t', '1e99')],
    ['t=-3', each('t', '-3')],
    ['unknown widget and parameter', [`nosuch.lr=1`, `${widgets[0].id}.nosuch=1`, '', '=', '.=', `${widgets[0].id}.=5`]],
  ];
  return HOSTILE.map(([label, v], k) => {
    const pairs = all(v());
    const more = extra[k];
    return more ? [`${label}; ${more[0]}`, [...pairs, ...more[1]].join('&')] : [label, pairs.join('&')];
  });
}

describe('url state', () => {
  const env = useBrowser();

  if (firstShard) {
    it('the site has widgets', () => {
      assert.ok(allPages().some((p) => staticWidgetCount(p) > 0), 'no page in site/ has a figure.widget[data-widget]');
    });
  }

  for (const name of pages) {
    const declared = staticWidgets(name);

    it(`${name}: a shared link restores parameters, seed and step`, async (t) => {
      assert.ok(declared.every((w) => w.manifest), 'a widget has no manifest in the page');
      // One link for every widget on the page: each gets its own parameter, seed 7 and step 5.
      const plan = declared.map((w) => {
        const p = restorable(w.manifest);
        assert.ok(p, `${w.module}#${w.id}: no shown float, int or choice parameter to restore`);
        const value = p.kind === 'choice' ? p.choices[(p.def + 1) % p.choices.length][0] : pickValue(p);
        return { ...w, p, value };
      });
      const link = plan.map((w) => `${w.id}.seed=7&${w.id}.${w.p.name}=${w.value}&${w.id}.t=5`).join('&');
      const page = await env.open(`${name}#${link}`);
      try {
        const widgets = await widgetsOf(page);
        for (const w of plan) {
          await t.test(`${w.module}#${w.id}`, async () => {
            const { p, value } = w;
            const widget = widgets.find((x) => x.id === w.id);
            assert.ok(widget, `no widget ${w.id} on the page`);
            await widget.waitDrawn();
            await widget.until('the step count to reach 5', () => widget.step(), (s) => s === 5, 10000);
            await frames(page, 12);
            assert.equal(await widget.step(), 5, 'the restored run does not stay at step 5');
            const c = (await widget.controls()).find((x) => x.name === p.name);
            assert.ok(c, `no control named ${p.name}`);
            if (p.kind === 'choice') {
              assert.ok(c.value === value || c.value === String(p.choices.findIndex(([k]) => k === value)),
                `${p.name} shows ${c.value}, the link says ${value}`);
            } else {
              assert.ok(Math.abs(parseFloat(c.value) - value) <= Math.max(1e-9, Math.abs(value) * 1e-6, (p.step || 0) / 2),
                `${p.name} shows ${c.value}, the link says ${value}`);
            }
            const seed = widget.loc.locator(SEL.seed).first();
            assert.equal(await seed.count(), 1, 'no seed control');
            assert.equal(await seed.inputValue(), '7', 'the seed control');
          });
        }
        assertClean(page);
      } finally {
        await page.close();
      }
    });

    it(`${name}: hostile links are clamped or ignored`, async (t) => {
      assert.ok(declared.every((w) => w.manifest), 'a widget has no manifest in the page');
      const cases = hostileCases(declared);
      const page = await env.open(`${name}#${cases[0][1]}`);
      try {
        for (const [k, [label, hash]] of cases.entries()) {
          const mark = page.issues.length;
          await t.test(label, async () => {
            if (k > 0) {
              // Follow the link within the page: a clean address first (so that nothing of the
              // previous case stays in it), then the hash; resolved once the runtime's hashchange
              // handler (registered before this one) has applied it, and two frames have passed.
              const applied = await page.evaluate((h) => new Promise((resolve) => {
                history.replaceState(history.state, '', location.pathname);
                addEventListener('hashchange', () => requestAnimationFrame(() => requestAnimationFrame(() => resolve(true))), { once: true });
                setTimeout(() => resolve(false), 5000);
                location.hash = h;
              }), hash);
              assert.ok(applied, 'the page did not see the link (no hashchange)');
            }
            // Every widget read in one call in the page: its status, whether a canvas shows
            // anything, its controls as a reader sees them, its seed, its step readout and its
            // text (a text parameter's error echoes the text the link carried, "NaN" included:
            // left out).
            const ws = await widgetsOf(page);
            if (k === 0) for (const w of ws) await w.waitDrawn();
            const seen = await page.evaluate(({ sel, names }) => [...document.querySelectorAll(sel.widget)].map((fig, i) => {
              const blank = (c) => {
                if (!c.width || !c.height) return true;
                const tmp = document.createElement('canvas');
                tmp.width = c.width;
                tmp.height = c.height;
                const ctx = tmp.getContext('2d', { willReadFrequently: true });
                ctx.drawImage(c, 0, 0);
                const d = new Uint32Array(ctx.getImageData(0, 0, c.width, c.height).data.buffer);
                return d.every((v) => v === d[0]);
              };
              const controls = [...fig.querySelectorAll('input[name], select[name]')].filter((el) => names[i].includes(el.name)).map((el) => ({
                name: el.name, tag: el.tagName.toLowerCase(), type: el.type, value: el.type === 'checkbox' ? String(el.checked) : el.value,
                min: el.min, max: el.max, options: el.tagName === 'SELECT' ? [...el.options].map((o) => o.value) : null }));
              const seed = fig.querySelector(sel.seed);
              const step = fig.querySelector(sel.step);
              const text = [...fig.querySelectorAll('.text-error')].reduce((t, e) => t.split(e.innerText).join(''), fig.innerText);
              return { status: fig.dataset.status, drawn: [...fig.querySelectorAll('canvas')].some((c) => !blank(c)), controls,
                seed: seed ? seed.value : null, step: step ? step.textContent : null, text };
            }), { sel: SEL, names: ws.map((w) => (w.manifest ? w.manifest.params : []).map((p) => p.name)) });
            assert.equal(seen.length, ws.length, 'the number of widgets changed');
            for (const [i, w] of ws.entries()) {
              const v = seen[i];
              assert.ok(v.status && v.status !== 'loading' && v.drawn, `${w.name}: not drawn (status ${v.status})`);
              for (const p of w.manifest.params) {
                const c = v.controls.find((x) => x.name === p.name);
                if (!c) continue;
                if (p.kind === 'text') {
                  // a text is whatever the link said if it may hold it, else the default: shown as text
                  assert.ok(c.value.length <= p.max && /^[\x20-\x7e]*$/.test(c.value), `${w.name}: ${p.name} holds "${c.value.slice(0, 40)}"`);
                } else if (c.tag === 'select') {
                  assert.ok(c.options.includes(c.value), `${w.name}: ${p.name} shows "${c.value}", not one of its options`);
                } else if (c.type !== 'checkbox') {
                  const x = parseFloat(c.value);
                  const lo = c.min !== '' ? parseFloat(c.min) : p.min, hi = c.max !== '' ? parseFloat(c.max) : p.max;
                  assert.ok(Number.isFinite(x) && x >= lo && x <= hi, `${w.name}: ${p.name} shows "${c.value.slice(0, 40)}", outside [${lo}, ${hi}]`);
                  if (!p.log) assert.ok(x >= p.min && x <= p.max, `${w.name}: ${p.name} = ${x} outside the declared [${p.min}, ${p.max}]`);
                }
              }
              if (v.seed !== null) assert.match(v.seed, /^\d{1,16}$/, `${w.name}: the seed control shows "${v.seed.slice(0, 40)}"`);
              const st = parseStep(v.step);
              assert.ok(Number.isFinite(st) && st >= 0 && st < 1e7, `${w.name}: step readout ${st}`);
              assert.doesNotMatch(v.text, /\bNaN\b|Infinity|undefined|\[object /, `${w.name}: the widget shows a broken value`);
            }
            const injected = await page.evaluate(() => document.querySelectorAll('[onerror], img[src="x"]').length);
            assert.equal(injected, 0, 'markup from the URL reached the DOM');
            assert.deepEqual(page.dialogs, [], 'a dialog opened');
            // The page still answers (no runaway replay).
            assert.equal(await page.evaluate(() => 1 + 1), 2);
            assertClean(page, mark);
          });
        }
      } finally {
        await page.close();
      }
    });
  }

  if (firstShard) {
    it('a gradient-descent widget reports divergence', async (t) => {
      let found = null;
      for (const name of only.length ? pages : allPages()) {
        const w = staticWidgets(name).find((x) => x.module === 'gradient_descent' && x.manifest);
        if (w) { found = { name, ...w }; break; }
      }
      if (!found) {
        t.skip('no gradient_descent widget in the site');
        return;
      }
      const lrs = found.manifest.params.filter((p) => /^(lr|eta|learning)/.test(p.name) || /learning rate/i.test(p.label));
      assert.ok(lrs.length > 0, 'the gradient_descent widget has no learning-rate parameter');
      const hash = lrs.map((p) => `${found.id}.${p.name}=${p.max}`).join('&');
      const page = await env.open(`${found.name}#${hash}`);
      try {
        const w = (await widgetsOf(page)).find((x) => x.id === found.id);
        await w.waitDrawn();
        await w.ensurePaused();
        await w.recordStatuses();
        if ((await w.button('play').count()) === 1) await w.button('play').click();
        const said = () => w.loc.innerText();
        await w.until('the widget to report divergence', async () => ({ st: await w.status(), seen: await w.seenStatuses(), text: (await said()).slice(0, 400) }),
          (v) => v.st === 'diverged' || v.seen.includes('diverged') || /diverg|infinite|overflow/i.test(v.text), 15000);
        assert.match(await said(), /diverg|infinite|too large|overflow/i, 'the widget does not say why it stopped');
        assert.ok((await w.pixels()).some((p) => p.ink > 0), 'the widget stopped drawing');
        assertClean(page);
      } finally {
        await page.close();
      }
    });
  }
});
