// exercise.mjs: what every widget must do, driven through its public surface only: it draws,
// plays, pauses, steps by exactly one, resets, and reacts to a control change, with labelled
// controls and no console error along the way. pages.test.mjs runs it on every widget of each
// page it loads (one load per page for both). The selectors the runtime must honour are in
// harness.mjs (SEL, BUTTON).
import assert from 'node:assert/strict';
import { assertClean, frames, sameSigs, urlState } from './harness.mjs';

export async function exercise(t, page, w) {
  const sub = (what, fn) => t.test(`${w.name}: ${what}`, async () => {
    const mark = page.issues.length;
    await fn();
    assertClean(page, mark);
  });

  await sub('declares itself', async () => {
    assert.ok(w.module, 'data-widget is empty');
    assert.ok(w.id, 'no data-id: the widget cannot have URL state');
    assert.ok(w.manifest && Array.isArray(w.manifest.params), `no parseable script.widget-manifest for ${w.name}`);
  });

  let drawn;
  await sub('draws', async () => {
    drawn = await w.waitDrawn();
    assert.ok(drawn.some((p) => p.ink > 0));
    await w.ensurePaused();
  });

  await sub('has labelled controls and player buttons', async () => {
    const cs = await w.controls();
    const shown = (w.manifest.params || []).filter((p) => p.show !== false);
    for (const p of shown) {
      const c = cs.find((x) => x.name === p.name);
      assert.ok(c, `no control named ${p.name}`);
      assert.ok(c.labelled, `control ${p.name} has no label`);
    }
    for (const b of ['step', 'reset']) assert.equal(await w.button(b).count(), 1, `one "${b}" button`);
    assert.equal((await w.button('play').count()) + (await w.button('pause').count()), 1, 'one play/pause button');
    assert.ok(Number.isFinite(await w.step()), 'the step readout shows no number');
  });

  await sub('plays', async () => {
    const s0 = await w.step();
    const px0 = await w.pixels();
    await w.recordStatuses();
    await w.button('play').click();
    const s1 = await w.until('the step count to rise', () => w.step(), (s) => s > s0 + 1, 20000);
    const seen = await w.seenStatuses();
    assert.ok(seen.includes('running'), `data-status never became "running" (saw ${seen.join(', ')})`);
    assert.ok(s1 > s0);
    await w.until('the drawing to change', () => w.pixels(), (px) => !sameSigs(px, px0), 15000);
  });

  await sub('pauses', async () => {
    // A run that converged or diverged already stopped by itself; otherwise pause it.
    if ((await w.status()) === 'running') await w.button('pause').click();
    const st = await w.until('data-status to leave "running"', () => w.status(), (s) => s !== 'running');
    assert.ok(['paused', 'converged', 'diverged', 'done', 'finished'].includes(st), `status after pause: ${st}`);
    assert.equal(await w.button('play').count(), 1, 'a paused widget offers "play"');
    await frames(page, 3);
    const s = await w.step();
    await frames(page, 20);
    assert.equal(await w.step(), s, 'the step count moves while paused');
  });

  await sub('resets to step 0', async () => {
    assert.ok((await w.step()) > 0, 'nothing to reset: the step count is 0');
    await w.button('reset').click();
    await w.until('the step count to be 0', () => w.step(), (s) => s === 0);
    await frames(page, 12);
    assert.equal(await w.step(), 0, 'the step count moves after reset');
    assert.notEqual(await w.status(), 'running', 'reset left the widget running');
  });

  await sub('steps by exactly one', async () => {
    const s = await w.step();
    const px = await w.pixels();
    await w.button('step').click();
    await w.until('the step count to change', () => w.step(), (v) => v !== s);
    await frames(page, 8);
    assert.equal(await w.step(), s + 1, 'one press of "step"');
    await w.button('step').click();
    await w.until('the step count to change', () => w.step(), (v) => v !== s + 1);
    await frames(page, 8);
    assert.equal(await w.step(), s + 2, 'a second press of "step"');
    assert.ok(!sameSigs(await w.pixels(), px), 'two steps did not change the drawing');
  });

  await sub('takes a control change', async () => {
    const cs = (await w.controls()).filter((c) => c.visible && !c.disabled &&
      (c.type === 'checkbox' || (c.tag === 'select' && c.options.length > 1) ||
       ((c.type === 'range' || c.type === 'number') && parseFloat(c.max) > parseFloat(c.min))));
    assert.ok(cs.length > 0, 'no visible parameter control to change');
    // Prefer a slider: it is what most readers touch first.
    const c = cs.find((x) => x.type === 'range') || cs[0];
    if ((await w.step()) === 0) {
      await w.button('step').click();
      await w.until('a step', () => w.step(), (v) => v > 0);
    }
    const px = await w.pixels();
    const url = await urlState(page);
    const what = await w.changeControl(c);
    await w.until(`the step count to reset after ${what}`, () => w.step(), (v) => v === 0);
    // The URL is written a moment after a change (it is debounced): wait for it, not a fixed time.
    const url2 = await w.until(`the URL to record ${what}`, () => urlState(page), (u) => u.includes(`${w.id}.${c.name}=`), 15000)
      .catch(async () => urlState(page));
    await frames(page, 4);
    const px2 = await w.pixels();
    assert.ok(!sameSigs(px, px2) || url !== url2, `${what} changed neither the drawing nor the URL`);
    assert.ok(url2.includes(`${w.id}.${c.name}=`), `${what}: the URL does not record it (${url2})`);
  });
}
