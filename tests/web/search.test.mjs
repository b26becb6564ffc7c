// search.test.mjs: the two halves of search without a browser. The index builder
// (scripts/search-index.mjs) on hand-written pages: sections split at h2 and h3 with their ids,
// math indexed by the words it spells out and shown short in the text, code and widget
// machinery left out, a widget's caption kept, emphasis collected as terms. The snippet
// (web/search.js, as built into site/assets/) marks whole words only, whatever their case or
// accents, and cuts a window around the first match. And the built index answers with the
// options both sides share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sections } from '../../scripts/search-index.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const assets = path.join(root, 'site/assets');

const PAGE = `<html><body><header class="book-header">Search me not</header>
<main id="content" class="chapter"><p class="chapter-part">Part I</p><h1><span class="chapter-number">3</span> Title</h1>
<nav class="page-toc"><ol><li><a href="#one">One</a></li></ol></nav>
<p>Intro with <em>a defined term</em> and <span class="katex"><span class="katex-mathml"><math><semantics><mrow><mi>η</mi></mrow><annotation encoding="application/x-tex">\\eta</annotation></semantics></math></span><span class="katex-html" aria-hidden="true"><span>η-glyphs</span></span></span>.</p>
<h2 id="one">First <span class="katex"><span class="katex-mathml"><math><semantics><mrow><mi>x</mi></mrow><annotation encoding="application/x-tex">x</annotation></semantics></math></span><span class="katex-html" aria-hidden="true">x</span></span> section <a class="heading-link" href="#one" aria-label="Link">#</a></h2>
<p>Apply <span class="katex"><span class="katex-mathml"><math><semantics><mrow><msub><mi>e</mi><mi>z</mi></msub></mrow><annotation encoding="application/x-tex">e^{z}</annotation></semantics></math></span><span class="katex-html" aria-hidden="true">junk</span></span> then <span class="katex"><span class="katex-mathml"><math><semantics><mrow><mi>softmax</mi><mo>(</mo><msub><mi>z</mi><mn>1</mn></msub><mo>)</mo></mrow><annotation encoding="application/x-tex">\\operatorname{softmax}(z_1, z_2, z_3)</annotation></semantics></math></span><span class="katex-html" aria-hidden="true">junk</span></span> here.</p>
<figure class="code"><figcaption>engine/x.c · step</figcaption><pre><code>static void secret_identifier(void) {}</code></pre></figure>
<figure class="widget" data-widget="x"><script type="application/json" class="widget-manifest">{"help":"manifest words"}</script>
<div class="widget-body"><p class="widget-fallback">needs JavaScript</p></div><figcaption>Caption words &amp; more.</figcaption></figure>
<h3 id="two">Second</h3><table><tr><td>cell</td><td>other</td></tr></table>
<nav class="pager"><a>Next chapter</a></nav>
</main><footer>footer words</footer></body></html>`;

test('the index builder splits sections and keeps only prose', () => {
  const s = sections(PAGE);
  assert.deepEqual(s.map((x) => [x.id, x.heading]), [['', ''], ['one', 'First x section'], ['two', 'Second']]);
  assert.equal(s[0].text, 'Intro with a defined term and η.');
  assert.equal(s[0].terms, 'a defined term');
  // A short formula with a script shows as its TeX, a long one as "…"; the long one spells out
  // "softmax", which is indexed as a word.
  assert.match(s[1].body, /\bsoftmax\b/);
  assert.match(s[1].text, /Apply e\^\{z\} then … here\./);
  assert.match(s[1].text, /Caption words & more\./);
  const all = s.map((x) => `${x.text} ${x.body} ${x.heading}`).join(' ');
  for (const gone of ['secret_identifier', 'engine/x.c', 'manifest words', 'needs JavaScript', 'junk', 'glyphs', 'Search me not', 'footer', 'Next chapter', 'Part I', 'Title', '#'])
    assert.ok(!all.includes(gone), `"${gone}" was indexed: ${all}`);
  assert.match(s[2].text, /cell other/, 'table cells stay separate words');
});

test('snippets mark whole words, any case or accent, around the first match', async (t) => {
  if (!fs.existsSync(path.join(assets, 'search.js'))) { t.skip('site/ is not built'); return; }
  const { snippet } = await import(pathToFileURL(path.join(assets, 'search.js')));
  const join = (ps) => ps.map((p) => (p.mark ? `[${p.text}]` : p.text)).join('');
  assert.equal(join(snippet('The Softmax and softmaxes; softmax.', ['softmax'])), 'The [Softmax] and softmaxes; [softmax].');
  assert.equal(join(snippet('Bézier curves', ['bezier'])), '[Bézier] curves');
  const long = `${'word '.repeat(80)}target ${'tail '.repeat(80)}`;
  const out = join(snippet(long, ['target']));
  assert.ok(out.startsWith('… ') && out.endsWith(' …') && out.includes('[target]') && out.length < 200, out);
  assert.equal(join(snippet('no match here', [])), 'no match here');
});

test('the built index ranks a chapter that defines a term first', async (t) => {
  const idx = path.join(assets, 'search-index.json');
  if (!fs.existsSync(idx) || !fs.existsSync(path.join(assets, 'minisearch.js'))) { t.skip('site/ is not built'); return; }
  const { default: MiniSearch } = await import(pathToFileURL(path.join(assets, 'minisearch.js')));
  const { SEARCH_OPTIONS } = await import(pathToFileURL(path.join(assets, 'search-options.js')));
  const { search } = await import(pathToFileURL(path.join(assets, 'search.js')));
  const ms = MiniSearch.loadJSON(fs.readFileSync(idx, 'utf8'), SEARCH_OPTIONS);
  const pages = new Set(fs.readdirSync(path.join(root, 'site')));
  let n = 0;
  for (const [q, slug] of [['softmax', 'softmax-regression'], ['Bellman', 'q-learning'], ['momentum', 'optimizers'], ['dual numbers', 'dual-numbers'], ['softm', 'softmax-regression'], ['k-means', 'k-means']]) {
    if (!pages.has(`${slug}.html`)) continue;
    const hits = search(ms, q);
    assert.equal(hits[0] && hits[0].slug, slug, `"${q}": ${hits.slice(0, 3).map((h) => h.slug)}`);
    n++;
  }
  assert.ok(n >= 3);
  // At most three sections of one chapter, at most ten in all.
  const hits = search(ms, 'learning rate');
  assert.ok(hits.length <= 10);
  const per = {};
  for (const h of hits) per[h.slug] = (per[h.slug] || 0) + 1;
  assert.ok(Object.values(per).every((k) => k <= 3), JSON.stringify(per));
  // A slip is forgiven when nothing matches as typed.
  if (pages.has('softmax-regression.html')) {
    assert.equal(ms.search('softmex', { fuzzy: false, prefix: false }).length, 0);
    assert.equal(search(ms, 'softmex')[0]?.slug, 'softmax-regression');
  }
});
