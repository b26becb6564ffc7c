// text.test.mjs: text parameters (kind "text" in a manifest) in the browser. For every widget
// with one: the text box shows what a link carried, as text; typing a new text and pressing Enter
// restarts the run and puts the text, percent-encoded, in the link, which restores it; a text
// the module cannot read is shown with a caret under the character where it stopped, while the
// run goes on; markup in a link never reaches the DOM. Widgets are found from the manifests in
// the built pages; nothing here names a chapter. A text with an error view (`<name>_error`) is
// parsed: the texts typed are expressions in x. A text without one is free text (a context a
// language model continues): any printable text is taken, shown as text and linked, never as
// markup.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, listPages, staticWidgets, widgetsOf, assertClean, frames, urlState } from './harness.mjs';

const textParams = (m) => (m?.params || []).filter((p) => p.kind === 'text' && p.show !== false);
const parsed = (m, p) => (m?.views || []).some((v) => v.name === `${p.name}_error` && v.kind === 'text');
const pages = listPages().filter((p) => staticWidgets(p).some((w) => textParams(w.manifest).length));

describe('text parameters', () => {
  const env = useBrowser();

  for (const name of pages) {
    it(`${name}: text boxes take, show and link a text`, async (t) => {
      for (const w0 of staticWidgets(name).filter((w) => textParams(w.manifest).length)) {
        const p = textParams(w0.manifest)[0];
        if (!parsed(w0.manifest, p)) {
          await t.test(`${w0.module}#${w0.id} ${p.name} (free text)`, async () => {
            const hostile = '<img src=x onerror=alert(1)> "a" & b';
            const page = await env.open(`${name}?${w0.id}.${p.name}=${encodeURIComponent(hostile)}`);
            try {
              const w = (await widgetsOf(page)).find((x) => x.id === w0.id);
              await w.waitDrawn();
              const box = w.loc.locator(`input[name="${p.name}"]`);
              // the link's text is in the box as text; no markup reached the DOM; the run steps
              assert.equal(await box.inputValue(), hostile);
              assert.equal(await page.evaluate(() => document.querySelectorAll('[onerror], img[src="x"]').length), 0, 'markup reached the DOM');
              assert.notEqual(await box.getAttribute('aria-invalid'), 'true');
              await w.button('step').click();
              await w.button('step').click();
              await w.until('steps', () => w.step(), (s) => s >= 2, 10000);
              // a new text: Enter restarts and links it
              await box.fill('Mr. Darcy');
              await box.press('Enter');
              await w.until('the link to carry the text', () => urlState(page), (u) => u.includes(`${w0.id}.${p.name}=Mr.%20Darcy`), 10000);
              const link = await urlState(page);
              await w.button('step').click();
              await w.until('a step', () => w.step(), (s) => s >= 1, 10000);
              await frames(page, 10);
              assertClean(page);
              await page.close();
              // the link restores the text into the box
              const back = await env.open(`${name}${link}`);
              const w2 = (await widgetsOf(back)).find((x) => x.id === w0.id);
              await w2.waitDrawn();
              assert.equal(await w2.loc.locator(`input[name="${p.name}"]`).inputValue(), 'Mr. Darcy');
              assertClean(back);
              await back.close();
            } finally {
              if (!page.isClosed()) await page.close();
            }
          });
          continue;
        }
        await t.test(`${w0.module}#${w0.id} ${p.name}`, async () => {
          const hostile = '<img src=x onerror=alert(1)>';
          const page = await env.open(`${name}?${w0.id}.${p.name}=${encodeURIComponent(hostile)}`);
          try {
            const w = (await widgetsOf(page)).find((x) => x.id === w0.id);
            await w.waitDrawn();
            const box = w.loc.locator(`input[name="${p.name}"]`);
            const err = w.loc.locator('pre.text-error');
            // the link's text is in the box as text, and its error is shown under it as text
            assert.equal(await box.inputValue(), hostile);
            await w.until('the error to show', async () => (await err.count()) && (await err.isVisible()), Boolean, 10000);
            const shown = await err.innerText();
            assert.ok(shown.includes(hostile) && /\^/.test(shown), `the error reads: ${shown}`);
            assert.equal(await page.evaluate(() => document.querySelectorAll('[onerror], img[src="x"]').length), 0, 'markup reached the DOM');
            assert.equal(await box.getAttribute('aria-invalid'), 'true');
            // the caret sits under the character where the parser stopped ('<', the first)
            const [, line, caret] = shown.split('\n');
            assert.equal(caret.indexOf('^'), line.indexOf('<'), `caret under '<': ${shown}`);
            // the run goes on with a text that parses (the default), and steps
            await w.button('step').click();
            await w.button('step').click();
            await w.until('steps', () => w.step(), (s) => s >= 2, 10000);

            // a text that parses: Enter restarts and links it
            await box.fill('x^3 - 2*x');
            await box.press('Enter');
            await w.until('the error to clear', () => err.isVisible(), (v) => !v, 10000);
            await w.until('the link to carry the text', () => urlState(page), (u) => u.includes(`${w0.id}.${p.name}=x%5E3%20-%202*x`) ||
              u.includes(`${w0.id}.${p.name}=x%5E3%20-%202%2Ax`), 10000);
            const link = await urlState(page);
            await w.button('step').click();
            await w.until('a step', () => w.step(), (s) => s >= 1, 10000);

            // a mistyped edit: the caret and reason, and the last good text keeps running
            await box.fill('x^3 - 2*');
            await box.press('Enter');
            await w.until('the error to show', () => err.isVisible(), Boolean, 10000);
            const again = await err.innerText();
            const [why, l2, c2] = again.split('\n');
            assert.equal(c2.indexOf('^'), l2.length, `caret at the end: ${again}`);
            assert.match(why, /expected/, 'the reason above the text');
            await frames(page, 10);
            assertClean(page);
            await page.close();

            // the link restores the text into the box
            const back = await env.open(`${name}${link}`);
            const w2 = (await widgetsOf(back)).find((x) => x.id === w0.id);
            await w2.waitDrawn();
            assert.equal(await w2.loc.locator(`input[name="${p.name}"]`).inputValue(), 'x^3 - 2*x');
            assert.equal(await w2.loc.locator('pre.text-error').isVisible(), false);
            assertClean(back);
            await back.close();
          } finally {
            if (!page.isClosed()) await page.close();
          }
        });
      }
    });
  }
});
