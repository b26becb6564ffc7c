// search.test.mjs: search across the book (web/search.js, the index of scripts/search-index.mjs).
// Every page has the box; nothing of search is fetched until the reader uses it; "/" goes to the
// box; a term a chapter defines puts that chapter first, with the word highlighted in the snippet
// and a link that lands on the section; keys move through the results; all from this site.
// The queries name chapters that exist now: a query whose chapter is not built is skipped, loudly.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useBrowser, allPages, siteDir, shotDir, assertClean, frames } from './harness.mjs';

const pages = allPages();
const has = (slug) => pages.includes(`${slug}.html`);

// [query, the chapter it must put first, a word the snippet or heading must highlight]
const DEFINED = [
  ['softmax', 'softmax-regression', /softmax/i],
  ['Bellman', 'q-learning', /bellman/i],
  ['momentum', 'optimizers', /momentum/i],
  ['dual number', 'dual-numbers', /dual|number/i],
  ['backpropagation', 'backpropagation', /backpropagation/i],
];

const SEARCH_FILES = /\/assets\/(search\.js|minisearch\.js|search-index\.json|search-options\.js)$/;

// Types `q` into the box and waits for the results of exactly that query.
async function query(page, q) {
  const input = page.locator('#book-search-input');
  await input.fill(q);
  await page.waitForFunction(() => {
    const s = document.querySelector('#book-search-results .search-status');
    return s && /found|Nothing/.test(s.textContent);
  }, null, { timeout: 10000 });
  return page.$$eval('#book-search-results a.search-hit', (as) => as.map((a) => ({
    href: a.getAttribute('href'),
    marks: [...a.querySelectorAll('mark')].map((m) => m.textContent),
    text: a.textContent,
  })));
}

describe('search', () => {
  const env = useBrowser();

  it('every page has the search box and the theme switch in its header', () => {
    assert.ok(pages.length > 1, 'site/ has pages');
    for (const p of pages) {
      const html = fs.readFileSync(path.join(siteDir, p), 'utf8');
      assert.match(html, /<header class="book-header">[^]*id="book-search-input"[^]*id="theme-select"[^]*<\/header>/, `${p}: header`);
      assert.match(html, /<script type="module" src="assets\/page\.js"><\/script>/, `${p}: page.js`);
    }
    const idx = JSON.parse(fs.readFileSync(path.join(siteDir, 'assets/search-index.json'), 'utf8'));
    assert.ok(idx.documentCount >= pages.length - 1, `the index has ${idx.documentCount} sections`);
  });

  it('loads nothing of search until used; "/" focuses the box; defined terms put their chapter first', async () => {
    const page = await env.open('index.html');
    try {
      await page.waitForLoadState('networkidle');
      assert.deepEqual(page.responses.map((r) => r.url()).filter((u) => SEARCH_FILES.test(u)), [],
        'search is fetched before it is used');
      // "/" from the page body goes to the box (and is not typed into it).
      await page.locator('body').click({ position: { x: 5, y: 300 } });
      await page.keyboard.press('/');
      assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'book-search-input');
      assert.equal(await page.inputValue('#book-search-input'), '');
      let tested = 0;
      for (const [q, slug, word] of DEFINED) {
        if (!has(slug)) { console.log(`# skipped "${q}": ${slug}.html is not built`); continue; }
        const hits = await query(page, q);
        assert.ok(hits.length > 0, `"${q}" found nothing`);
        assert.ok(hits[0].href.startsWith(`${slug}.html`), `"${q}": first result is ${hits[0].href}, not ${slug}.html`);
        assert.ok(hits.some((h) => h.marks.some((m) => word.test(m))), `"${q}": no highlighted ${word} in ${JSON.stringify(hits.slice(0, 3))}`);
        tested++;
      }
      assert.ok(tested >= 3, `only ${tested} defined terms could be tested`);
      // A word in no chapter says so.
      const none = await query(page, 'zyxwvutsrq');
      assert.equal(none.length, 0);
      assert.match(await page.textContent('#book-search-results .search-status'), /Nothing in the book matches/);
      // Every search request stayed on this site (the harness refuses and records any other host).
      const fetched = page.responses.map((r) => new URL(r.url()).pathname).filter((u) => SEARCH_FILES.test(u));
      assert.ok(fetched.includes('/assets/search-index.json') && fetched.includes('/assets/minisearch.js'), `fetched: ${fetched}`);
      assertClean(page);
    } finally { await page.close(); }
  });

  it('a failed download says so, and the next use tries again', async () => {
    const page = await env.open('index.html');
    try {
      await page.route('**/assets/search-index.json', (r) => r.fulfill({ status: 503, body: '' }));
      await page.locator('#book-search-input').focus();
      await page.waitForSelector('#book-search-results .search-note', { timeout: 10000 });
      assert.match(await page.textContent('#book-search-results'), /could not be loaded.*503/);
      // What the refused download itself logged (the 503, the cut request) is expected; nothing else.
      const mark = page.issues.length;
      assert.deepEqual(page.issues.filter((x) => !x.includes('/assets/search-index.json')), []);
      await page.unroute('**/assets/search-index.json');
      await page.locator('body').click({ position: { x: 5, y: 300 } });
      await page.locator('#book-search-input').focus();
      const hits = await query(page, 'gradient');
      assert.ok(hits.length > 0, 'results after the retry');
      assertClean(page, mark);
    } finally { await page.close(); }
  });

  it('on a 360 px phone the box and its results fit the screen', async () => {
    const page = await env.open('index.html', { viewport: { width: 360, height: 740 } });
    try {
      await page.locator('#book-search-input').focus();
      const hits = await query(page, 'gradient');
      assert.ok(hits.length > 0);
      const r = await page.evaluate(() => {
        const vw = document.documentElement.clientWidth;
        const box = document.getElementById('book-search-results').getBoundingClientRect();
        const input = document.getElementById('book-search-input').getBoundingClientRect();
        const theme = document.getElementById('theme-select').getBoundingClientRect();
        return { vw, scroll: document.documentElement.scrollWidth, box: [box.left, box.right], input: [input.left, input.right, input.top], theme: [theme.left, theme.right, theme.top] };
      });
      fs.mkdirSync(shotDir, { recursive: true });
      await page.screenshot({ path: path.join(shotDir, 'search-360.png') });
      assert.ok(r.box[0] >= 0 && r.box[1] <= r.vw, `the results reach ${JSON.stringify(r.box)} on a ${r.vw} px screen`);
      assert.ok(r.scroll <= r.vw + 1, `the page scrolls sideways (${r.scroll} px)`);
      assert.ok(r.input[1] <= r.theme[0] && Math.abs(r.input[2] - r.theme[2]) < 12, `search and theme share a row: ${JSON.stringify(r)}`);
      assertClean(page);
    } finally { await page.close(); }
  });

  it('a result links to its section: Down, Enter and the page lands on the heading', async () => {
    const slug = DEFINED.map((d) => d[1]).find(has);
    const page = await env.open(`${slug}.html`);
    try {
      await page.locator('#book-search-input').focus();
      const q = DEFINED.find((d) => d[1] === slug)[0];
      const hits = await query(page, q);
      // The first hit that names a section (a heading id).
      const k = hits.findIndex((h) => /#./.test(h.href));
      assert.ok(k >= 0, `no result of "${q}" links to a section: ${JSON.stringify(hits)}`);
      await page.keyboard.press('ArrowDown');
      for (let i = 0; i < k; i++) await page.keyboard.press('ArrowDown');
      assert.equal(await page.evaluate(() => document.activeElement.getAttribute('href')), hits[k].href);
      await page.keyboard.press('Enter');
      const id = decodeURIComponent(hits[k].href.split('#')[1]);
      await page.waitForFunction((id) => location.hash === `#${id}`, id);
      await page.waitForLoadState('load');
      await frames(page, 10);
      const box = await page.evaluate((id) => {
        const h = document.getElementById(id);
        return h && { tag: h.tagName, top: h.getBoundingClientRect().top };
      }, id);
      assert.ok(box, `#${id} is not on the page`);
      assert.match(box.tag, /^H[23]$/);
      assert.ok(box.top >= -2 && box.top < 200, `the heading is at ${box.top} px, not at the top of the window`);
      assert.equal(await page.isHidden('#book-search-results'), true, 'the results close when one is followed');
      // Escape in the box closes the results.
      await page.locator('#book-search-input').focus();
      await query(page, q);
      await page.keyboard.press('Escape');
      assert.equal(await page.isHidden('#book-search-results'), true);
      assertClean(page);
    } finally { await page.close(); }
  });
});
