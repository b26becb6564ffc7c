// export.test.mjs: saving a run (web/export.js) and the enlarged view (web/widget.js), as a
// reader does it: press "Save…", press a format, take the download (Playwright's download event)
// and read the file itself: a PNG's signature, size and text chunks, the JSON's link, settings and
// curves, the CSV's comments and header, a GIF's signature, frames and comment; the animation
// shows its progress, can be cancelled and leaves the run where it was; the enlarged view covers
// the window, redraws its canvases at the larger size, is reached and closed from the keyboard.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { useBrowser, assertClean, widgetsOf, settle } from './harness.mjs';

// ---- reading the files ----

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

// { width, height, text: { keyword: text } } from a PNG's IHDR and iTXt/tEXt chunks.
function readPng(buf) {
  assert.deepEqual([...buf.subarray(0, 8)], PNG_SIG, 'not a PNG signature');
  const text = {};
  let width = 0, height = 0, at = 8, sawEnd = false;
  while (at + 8 <= buf.length) {
    const len = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') { width = data.readUInt32BE(0); height = data.readUInt32BE(4); }
    if (type === 'tEXt' || type === 'iTXt') {
      const z = data.indexOf(0);
      const key = data.toString('latin1', 0, z);
      if (type === 'tEXt') text[key] = data.toString('latin1', z + 1);
      else {
        // keyword \0 flag method language \0 translated \0 text
        let p = z + 3;
        p = data.indexOf(0, p) + 1;
        p = data.indexOf(0, p) + 1;
        text[key] = data.toString('utf8', p);
      }
    }
    if (type === 'IEND') { sawEnd = true; break; }
    at += 12 + len;
  }
  assert.ok(sawEnd, 'the PNG has no IEND chunk');
  return { width, height, text };
}

// { frames, comments, width, height } from a GIF's blocks.
function readGif(buf) {
  const sig = buf.toString('latin1', 0, 6);
  assert.ok(sig === 'GIF89a' || sig === 'GIF87a', `not a GIF signature: ${JSON.stringify(sig)}`);
  const width = buf.readUInt16LE(6), height = buf.readUInt16LE(8);
  let at = 13;
  if (buf[10] & 0x80) at += 3 * (1 << ((buf[10] & 7) + 1));
  const subBlocks = () => {
    const parts = [];
    for (let n = buf[at++]; n > 0; n = buf[at++]) { parts.push(buf.subarray(at, at + n)); at += n; }
    return Buffer.concat(parts);
  };
  let frames = 0;
  const comments = [];
  for (;;) {
    assert.ok(at < buf.length, 'the GIF ends without its trailer');
    const b = buf[at++];
    if (b === 0x3b) break;
    if (b === 0x21) {
      const label = buf[at++];
      const body = subBlocks();
      if (label === 0xfe) comments.push(body.toString('utf8'));
    } else if (b === 0x2c) {
      const packed = buf[at + 8];
      at += 9;
      if (packed & 0x80) at += 3 * (1 << ((packed & 7) + 1));
      at++; // LZW minimum code size
      assert.ok(subBlocks().length > 0, `frame ${frames} has no image data`);
      frames++;
    } else assert.fail(`unknown GIF block 0x${b.toString(16)} at byte ${at - 1}`);
  }
  return { frames, comments, width, height };
}

// One CSV line's fields (RFC 4180 quoting).
function csvRow(line) {
  const out = [];
  let f = '', q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (q) {
      if (ch === '"' && line[i + 1] === '"') { f += '"'; i++; } else if (ch === '"') q = false; else f += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { out.push(f); f = ''; } else f += ch;
  }
  out.push(f);
  return out;
}

// Press a format's button and take the file it downloads.
async function save(page, fig, name) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), fig.getByRole('button', { name }).click()]);
  const file = await dl.path();
  return { name: dl.suggestedFilename(), buf: fs.readFileSync(file) };
}

const untilStep = (page, id, n) => page.waitForFunction(([id, n]) => {
  const f = document.querySelector(`figure[data-id="${id}"]`);
  return f && f.mlmRun && f.mlmRun.steps === n && f.mlmRun.replayTo < 0 && /\d/.test(f.querySelector('[data-role=step]').textContent)
    && f.querySelector('[data-role=step]').textContent.replace(/\D/g, '') === String(n);
}, [id, n], { timeout: 20000 });

describe('saving a run', () => {
  const env = useBrowser();

  it('PNG, JSON, CSV and GIF each carry the link and the run they were saved from', async () => {
    const page = await env.open('gradient-descent.html?path2d.lr=0.12&path2d.t=20');
    try {
      const fig = page.locator('figure[data-id="path2d"]');
      await untilStep(page, 'path2d', 20);
      const save1 = fig.getByRole('button', { name: 'Save…' });
      await save1.click();
      await page.waitForSelector('figure[data-id="path2d"] .widget-export:not([hidden])'); // export.js loads on this press
      assert.equal(await save1.getAttribute('aria-expanded'), 'true');

      // PNG: a real picture as wide as the panels (plus the margins) and taller (the texts).
      const png = await save(page, fig, 'Picture (PNG)');
      assert.match(png.name, /^gradient-descent-path2d-step-20\.png$/);
      const pi = readPng(png.buf);
      const box = await fig.evaluate((f) => ({ w: f.querySelector('.widget-panels').getBoundingClientRect().width,
        h: f.querySelector('.widget-panels').getBoundingClientRect().height, dpr: devicePixelRatio }));
      assert.equal(pi.width, Math.round((Math.round(box.w) + 24) * box.dpr), 'PNG width: the panels and two margins');
      assert.ok(pi.height > (box.h + 24 + 60) * box.dpr, `PNG height ${pi.height}: the texts under the panels are missing`);
      const link = pi.text.Comment;
      assert.ok(link, 'the PNG carries no link (iTXt Comment)');
      const u = new URL(link);
      assert.equal(u.pathname, '/gradient-descent.html');
      assert.equal(u.searchParams.get('path2d.lr'), '0.12');
      assert.equal(u.searchParams.get('path2d.t'), '20');
      assert.match(pi.text.Description, /Learning rate η: 0\.12/);
      // The browser decodes it to the size its header says.
      const decoded = await page.evaluate(async (b64) => {
        const bmp = await createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
        return [bmp.width, bmp.height];
      }, png.buf.toString('base64'));
      assert.deepEqual(decoded, [pi.width, pi.height]);

      // JSON: the same link, the parameters, the step and the histories drawn.
      const js = JSON.parse((await save(page, fig, 'Data (JSON)')).buf.toString('utf8'));
      assert.equal(js.link, link);
      assert.equal(js.step, 20);
      assert.equal(js.widget.id, 'path2d');
      assert.equal(js.widget.module, 'gradient_descent');
      const lr = js.settings.find((s) => s.name === 'lr');
      assert.equal(lr.value, 0.12);
      assert.equal(lr.applies, true);
      const fn2 = js.settings.find((s) => s.name === 'fn2'); // a choice travels by its key, as in links
      assert.equal(typeof fn2.value, 'string');
      assert.equal(fn2.text, await fig.locator('select[name="fn2"] option:checked').textContent());
      const loss = js.series.find((s) => s.x === 'step');
      assert.ok(loss, `no curve against step in ${JSON.stringify(js.series.map((s) => [s.panel, s.x]))}`);
      assert.equal(loss.points.length, 21, 'the loss curve holds steps 0 to 20');
      assert.deepEqual(loss.points.map((p) => p[0]), Array.from({ length: 21 }, (_, k) => k));
      assert.ok(loss.points.every((p) => p[1] > 0), 'the loss values are positive numbers');
      assert.ok(loss.points[20][1] < loss.points[0][1], 'the loss fell over 20 steps');

      // CSV: notes with the link, then the header, then one row per point of the JSON's curves.
      const csv = (await save(page, fig, 'Curves (CSV)')).buf.toString('utf8').trimEnd().split('\n');
      assert.ok(csv.includes(`# link: ${link}`), 'the CSV carries the link');
      const rows = csv.filter((l) => !l.startsWith('#'));
      assert.equal(rows[0], 'panel,series,index,x,y');
      assert.equal(rows.length - 1, js.series.reduce((n, s) => n + s.points.length, 0));
      const table = rows.slice(1).map(csvRow);
      assert.ok(table.every((r) => r.length === 5), 'a CSV row without five fields');
      const lastLoss = table.filter((r) => r[0] === loss.panel && r[1] === loss.name).pop();
      assert.equal(Number(lastLoss[3]), 20);
      assert.ok(Math.abs(Number(lastLoss[4]) - loss.points[20][1]) < 1e-6 * Math.abs(loss.points[20][1]) + 1e-12);

      // GIF: a progress bar while it records, one frame per step (0 to 20), the link as a comment,
      // and the run back at step 20 afterwards.
      await fig.evaluate((f) => {
        f.__progressSeen = 0;
        new MutationObserver(() => {
          const p = f.querySelector('.widget-export-progress');
          if (p && !p.hidden) f.__progressSeen = Math.max(f.__progressSeen, Number(p.querySelector('progress').value));
        }).observe(f, { subtree: true, attributes: true, childList: true, characterData: true });
      });
      const gif = await save(page, fig, 'Animation (GIF)');
      const gi = readGif(gif.buf);
      assert.equal(gi.frames, 21);
      assert.ok(gi.width > 200 && gi.height > 150, `GIF size ${gi.width} x ${gi.height}`);
      assert.ok(gi.comments.some((c) => c.includes(link)), `the GIF comment does not carry ${link}: ${gi.comments}`);
      assert.ok(await fig.evaluate((f) => f.__progressSeen) >= 1, 'no progress was shown while recording');
      assert.equal(await fig.locator('.widget-export-progress').isHidden(), true, 'the progress bar stays after the end');
      await untilStep(page, 'path2d', 20);
      assert.match(await fig.locator('.widget-export-said').textContent(), /21 frames, steps 0 to 20/);
      // Escape closes the panel and gives the focus back to its button.
      await fig.getByRole('button', { name: 'Picture (PNG)' }).focus();
      await page.keyboard.press('Escape');
      assert.equal(await fig.locator('.widget-export').isHidden(), true);
      assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Save…');
      assertClean(page);
    } finally {
      await page.close();
    }
  });

  it('the animation can be cancelled, and a run in a Web Worker animates too', async () => {
    const page = await env.open('gradient-descent.html?path2d.lr=0.02&path2d.t=400');
    try {
      const fig = page.locator('figure[data-id="path2d"]');
      await untilStep(page, 'path2d', 400);
      await fig.getByRole('button', { name: 'Save…' }).click();
      await page.waitForSelector('figure[data-id="path2d"] .widget-export:not([hidden])');
      let downloads = 0;
      page.on('download', () => downloads++);
      await fig.getByRole('button', { name: 'Animation (GIF)' }).click();
      await page.waitForFunction(() => Number(document.querySelector('figure[data-id="path2d"] .widget-export-progress progress').value) >= 2);
      await fig.getByRole('button', { name: 'Cancel' }).click();
      await page.waitForFunction(() => document.querySelector('figure[data-id="path2d"] .widget-export-said').textContent === 'Cancelled.');
      await untilStep(page, 'path2d', 400); // back where the reader was
      await settle(300);
      assert.equal(downloads, 0, 'a cancelled animation was still saved');
      assert.equal(await fig.locator('.widget-export-progress').isHidden(), true);
      // Started again, it finishes even when the reader scrolls the widget out of view.
      const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }),
        fig.getByRole('button', { name: 'Animation (GIF)' }).click().then(() => page.evaluate(() => scrollTo(0, 0)))]);
      assert.equal(await fig.evaluate((f) => f.getBoundingClientRect().top > innerHeight), true, 'the widget stayed in view');
      const gi = readGif(fs.readFileSync(await dl.path()));
      assert.equal(gi.frames, 48, 'at most 48 frames, spread over 400 steps');
      assert.ok(gi.comments.some((c) => c.includes('path2d.t=400')));
      await untilStep(page, 'path2d', 400);
      assertClean(page);
    } finally {
      await page.close();
    }

    // The GAN trains in a Web Worker: the timeline replays there, the page only draws.
    const gan = await env.open('gan.html?line.t=30');
    try {
      const fig = gan.locator('figure[data-id="line"]');
      await untilStep(gan, 'line', 30);
      assert.equal(await fig.evaluate((f) => !!f.mlmRun.remote), true, 'the GAN no longer runs in a worker');
      await fig.getByRole('button', { name: 'Save…' }).click();
      const gi = readGif((await save(gan, fig, 'Animation (GIF)')).buf);
      assert.equal(gi.frames, 31);
      assert.ok(gi.comments.some((c) => c.includes('line.t=30')));
      const js = JSON.parse((await save(gan, fig, 'Data (JSON)')).buf.toString('utf8'));
      assert.equal(js.step, 30);
      assert.ok(js.series.length > 0, 'the GAN draws curves: the JSON has none');
      assertClean(gan);
    } finally {
      await gan.close();
    }
  });
});

describe('the enlarged view', () => {
  const env = useBrowser();

  it('covers the window, redraws its canvases larger, and the keyboard opens and closes it', async () => {
    const page = await env.open('gradient-descent.html', { viewport: { width: 1280, height: 900 } });
    try {
      const [w] = (await widgetsOf(page)).filter((x) => x.id === 'path2d');
      await w.show();
      await w.waitDrawn();
      const size = () => w.loc.evaluate((f) => [...f.querySelectorAll('.widget-panel:not([hidden]) canvas')]
        .map((c) => ({ cw: c.clientWidth, ch: c.clientHeight, w: c.width, h: c.height })));
      const before = await size();
      const btn = w.loc.getByRole('button', { name: 'Enlarge' });
      await btn.focus();
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelector('figure[data-id="path2d"]').classList.contains('widget-enlarged'));
      const rect = await w.loc.evaluate((f) => { const r = f.getBoundingClientRect(); return [r.left, r.top, r.width, r.height, innerWidth, innerHeight]; });
      assert.deepEqual(rect.slice(0, 2), [0, 0]);
      assert.ok(Math.abs(rect[2] - rect[4]) < 20 && rect[3] === rect[5], `the enlarged widget is ${rect}`);
      // Redrawn at the new size: the backing store follows the box (not a CSS scale of the old one).
      let after;
      for (let k = 0; k < 60; k++) {
        after = await size();
        if (after.every((c, i) => c.ch > before[i].ch * 1.5 && c.h === Math.round(c.ch * 1) && c.w === Math.round(c.cw * 1))) break;
        await settle(50);
      }
      after.forEach((c, i) => {
        assert.ok(c.ch > before[i].ch * 1.5, `panel ${i} is ${c.ch} px tall enlarged, ${before[i].ch} before`);
        assert.equal(c.h, c.ch, `panel ${i}'s canvas was not redrawn at its new height`);
        assert.equal(c.w, c.cw, `panel ${i}'s canvas was not redrawn at its new width`);
      });
      const close = w.loc.getByRole('button', { name: 'Close' });
      assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Close');
      assert.equal(await w.loc.getAttribute('role'), 'dialog');
      // Focus stays in the widget: tabbing through every control never leaves it.
      for (let k = 0; k < 40; k++) {
        await page.keyboard.press('Tab');
        assert.ok(await page.evaluate(() => !!document.activeElement.closest('figure[data-id="path2d"]')),
          `Tab ${k + 1} left the enlarged widget`);
      }
      await page.keyboard.press('Escape');
      await page.waitForFunction(() => !document.querySelector('figure[data-id="path2d"]').classList.contains('widget-enlarged'));
      assert.equal(await close.count(), 0);
      assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Enlarge');
      let back;
      for (let k = 0; k < 60; k++) {
        back = await size();
        if (back.every((c, i) => c.ch === before[i].ch && c.h === before[i].h)) break;
        await settle(50);
      }
      assert.deepEqual(back, before, 'the panels did not go back to their size on the page');
      assertClean(page);
    } finally {
      await page.close();
    }
  });

  it('on a 360 px phone the buttons fit the width and the enlarged panels fill it', async () => {
    const page = await env.open('gradient-descent.html', { viewport: { width: 360, height: 740 } });
    try {
      const [w] = (await widgetsOf(page)).filter((x) => x.id === 'path2d');
      await w.show();
      await w.waitDrawn();
      await w.loc.getByRole('button', { name: 'Save…' }).click();
      await page.waitForSelector('figure[data-id="path2d"] .widget-export:not([hidden])');
      const overflow = await w.loc.evaluate((f) => [...f.querySelectorAll('button, select, input, progress')]
        .filter((e) => e.offsetParent && (e.getBoundingClientRect().right > innerWidth + 0.5 || e.getBoundingClientRect().left < -0.5))
        .map((e) => e.textContent || e.name));
      assert.deepEqual(overflow, [], 'controls that stick out of a 360 px screen');
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 360, 'the page scrolls sideways');
      await w.loc.getByRole('button', { name: 'Enlarge' }).click();
      await page.waitForFunction(() => document.querySelector('figure[data-id="path2d"]').classList.contains('widget-enlarged'));
      await settle(200);
      const c = await w.loc.evaluate((f) => { const r = f.querySelector('.widget-panel:not([hidden]) canvas').getBoundingClientRect(); return [r.width, r.height]; });
      assert.ok(c[0] > 320 && c[1] >= 240, `an enlarged panel on a phone is ${c}`);
      await page.keyboard.press('Escape');
      await page.waitForFunction(() => !document.querySelector('figure[data-id="path2d"]').classList.contains('widget-enlarged'));
      assertClean(page);
    } finally {
      await page.close();
    }
  });
});
