// Chapter 33 promises that its demo module is "under a hundred lines" and "woven into the page
// in order" in full: every line of engine/how_this_book_works.c but the region markers lies in a
// region the chapter weaves, the regions appear in the file's order, and there are fewer than 100
// such lines. This checks the promise against the files, so neither can drift from the other.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const src = readFileSync('engine/how_this_book_works.c', 'utf8').replace(/\n$/, '').split('\n');
const md = readFileSync('chapters/33-how-this-book-works.md', 'utf8');
const marker = /^\s*\/\/([<>])\s*([a-z0-9_]+)\s*$/;

test('chapter 33 weaves its demo module whole, in order', () => {
  const woven = [...md.matchAll(/^```code how_this_book_works ([a-z0-9_]+)\s*$/gm)].map((m) => m[1]);
  assert.ok(woven.length > 0, 'the chapter weaves no region of the demo');
  const order = [];          // regions in the file's order
  let open = null, body = 0;
  src.forEach((line, i) => {
    const m = line.match(marker);
    if (m && m[1] === '>') { assert.equal(open, null, `line ${i + 1}: region ${m[2]} opens inside ${open}`); open = m[2]; order.push(open); return; }
    if (m && m[1] === '<') { assert.equal(m[2], open, `line ${i + 1}: closes ${m[2]}, open is ${open}`); open = null; return; }
    assert.notEqual(open, null, `line ${i + 1} lies outside every region, so the page would not show it: ${line}`);
    body++;
  });
  assert.equal(open, null, 'a region is left open');
  assert.deepEqual(woven, order, 'the chapter weaves every region once, in the file\'s order');
  assert.ok(body < 100, `the demo is ${body} lines, not under a hundred`);
});
