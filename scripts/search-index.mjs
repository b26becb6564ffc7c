// search-index.mjs: builds the book's search index from the built pages (scripts/assemble.sh
// runs it on build/stage after the generator). One document per section of each chapter (the
// text before the first h2 is the chapter's own, under its title; then each h2 and h3), so a
// result links to the section (slug.html#heading-id, the ids the generator wrote).
//
// What is indexed, field by field (boosts are web/search.js's, at query time):
//   title    the chapter's title, on its first section only;
//   heading  the section's heading;
//   terms    what the section emphasises (<em>, <strong>): where a chapter defines a word;
//   body     the prose, captions and tables. Math adds the words it spells out (\text{...},
//            \operatorname{...}, \mathrm{...}: "softmax", "ReLU"), not its symbols; woven C code
//            and the widgets' machinery are left out (identifiers would drown the prose).
// Stored for the results: chapter number, slug and title, the heading and its id, and the
// section's text for the snippet, in which a short inline formula appears as its characters
// (KaTeX's MathML text: "η", "f(x)"), a short one with scripts or fractions as its TeX
// ("e^{z_1}"), and a longer one as "…".
//
// Writes DIR/assets/search-index.json: MiniSearch's serialized index, which the browser loads
// with MiniSearch.loadJSON and the same options (web/search-options.js, shared by both sides).
// Usage: node scripts/search-index.mjs DIR
import fs from 'node:fs';
import path from 'node:path';
import MiniSearch from 'minisearch';
import { SEARCH_OPTIONS } from '../web/search-options.js';


const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
const ENT = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
const decode = (s) => s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e) => {
  if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  return ENT[e.toLowerCase()] ?? m;
});
const attr = (attrs, name) => { const m = attrs.match(new RegExp(`\\b${name}="([^"]*)"`)); return m ? m[1] : null; };
const hasClass = (attrs, c) => (attr(attrs, 'class') || '').split(/\s+/).includes(c);
const squash = (s) => s.replace(/\s+/g, ' ').trim();

// Words a formula spells out: the arguments of \text, \operatorname, \mathrm and friends.
function texWords(tex) {
  const out = [];
  for (const m of tex.matchAll(/\\(?:text|textrm|textit|textbf|operatorname\*?|mathrm|mathit|mathsf|mbox)\s*\{([^{}]*)\}/g)) out.push(m[1]);
  return out.join(' ');
}

// The sections of one chapter page: [{ id, heading, text, body, terms }], the first with id ''.
export function sections(html) {
  const start = html.indexOf('<main id="content"');
  const end = html.lastIndexOf('</main>');
  if (start < 0 || end < start) return [];
  const src = html.slice(start, end);
  const out = [];
  let cur = { id: '', heading: '', text: '', body: '', terms: '' };
  out.push(cur);
  // The open elements, each { tag, skip (drop its text), kind }.
  const stack = [];
  const skipping = () => stack.length > 0 && stack[stack.length - 1].skip;
  let heading = null;   // the h2/h3 being read: { id, text }
  let math = null;      // the formula being read: { display, tex, mml, depth }
  let emph = 0;         // inside <em>/<strong>
  const re = /<!--[^]*?-->|<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>|([^<]+)/g;
  for (let m; (m = re.exec(src));) {
    if (m[4] !== undefined) {
      const t = decode(m[4]);
      if (math) {
        const top = stack[stack.length - 1];
        if (top && top.kind === 'tex') math.tex += t;
        else if (!skipping()) math.mml += t.trim();
        continue;
      }
      if (skipping()) continue;
      if (heading) { heading.text += t; continue; }
      cur.text += t;
      cur.body += t;
      if (emph) cur.terms += ' ' + t;
      continue;
    }
    if (m[2] === undefined) continue; // a comment
    const close = m[1] === '/', tag = m[2].toLowerCase(), attrs = m[3] || '';
    if (!close) {
      const parentSkip = skipping();
      let skip = parentSkip, kind = '';
      if (tag === 'script' || tag === 'style' || tag === 'nav' || tag === 'pre' || tag === 'button' || tag === 'canvas') skip = true;
      else if (tag === 'h1' || hasClass(attrs, 'chapter-part')) skip = true; // the chapter's own title: a field of its own
      else if (tag === 'figure' && hasClass(attrs, 'code')) skip = true;
      else if (tag === 'figure' && hasClass(attrs, 'widget')) { skip = true; kind = 'widget'; }
      // A widget's caption says what its panels show: prose like any other.
      else if (tag === 'figcaption' && stack.length && stack[stack.length - 1].kind === 'widget') skip = false;
      else if (hasClass(attrs, 'heading-link') || hasClass(attrs, 'katex-html') || hasClass(attrs, 'visually-hidden')) skip = true;
      if (tag === 'span' && hasClass(attrs, 'katex') && !math) {
        const display = stack.some((e) => e.kind === 'display');
        math = { display, tex: '', mml: '', nested: false };
        kind = 'katex';
      } else if (tag === 'span' && hasClass(attrs, 'katex-display')) kind = 'display';
      else if (tag === 'annotation' && math) kind = 'tex';
      // Scripts, fractions, roots: MathML's characters in a row would misread ("ez1" for e^{z_1}).
      if (math && /^(msub|msup|msubsup|mfrac|msqrt|mroot|mover|munder|munderover|mtable)$/.test(tag)) math.nested = true;
      if ((tag === 'h2' || tag === 'h3') && attr(attrs, 'id')) heading = { id: attr(attrs, 'id'), text: '' };
      if (tag === 'em' || tag === 'strong') emph++;
      const selfClosing = /\/\s*$/.test(attrs);
      if (!VOID.has(tag) && !selfClosing) stack.push({ tag, skip, kind });
      // Block boundaries are word boundaries.
      if (/^(p|li|td|th|tr|div|figcaption|h[1-6]|br|dt|dd|blockquote|table)$/.test(tag) && !heading) { cur.text += ' '; cur.body += ' '; }
      continue;
    }
    // A closing tag: pop to its element (the generator's HTML is well formed; be lenient anyway).
    let k = stack.length - 1;
    while (k >= 0 && stack[k].tag !== tag) k--;
    if (k < 0) continue;
    const el = stack[k];
    stack.length = k;
    if (tag === 'em' || tag === 'strong') emph = Math.max(0, emph - 1);
    if (el.kind === 'katex' && math) {
      const words = texWords(math.tex);
      // In a snippet: a short flat formula as its characters ("η", "f(x)"), a short structured
      // one as its TeX ("e^{z_1}"), anything longer as "…".
      const tex = squash(math.tex);
      const shown = math.display ? '…' : !math.nested && math.mml.length <= 16 ? math.mml : tex.length <= 20 ? tex : '…';
      const target = heading || null;
      if (target) target.text += shown;
      else if (!skipping()) {
        cur.text += math.display ? ` ${shown} ` : shown;
        cur.body += ` ${words} `;
        if (emph) cur.terms += ' ' + words;
      }
      math = null;
      continue;
    }
    if ((tag === 'h2' || tag === 'h3') && heading) {
      cur = { id: heading.id, heading: squash(heading.text), text: '', body: '', terms: '' };
      out.push(cur);
      heading = null;
      continue;
    }
    if (/^(p|li|td|th|div|figcaption|dt|dd|blockquote)$/.test(tag)) { cur.text += ' '; cur.body += ' '; }
  }
  for (const s of out) {
    s.text = squash(s.text);
    s.body = squash(s.body);
    s.terms = squash(s.terms);
  }
  return out.filter((s, i) => i === 0 || s.text || s.heading);
}

// The chapter's number and title from its <h1>, its slug from the file name.
function chapterOf(html, file) {
  const h1 = html.match(/<h1><span class="chapter-number">(\d+)<\/span>\s*([^]*?)<\/h1>/);
  if (!h1) return null;
  return { slug: path.basename(file, '.html'), num: +h1[1], chapter: squash(decode(h1[2].replace(/<[^>]*>/g, ''))) };
}

export function buildIndex(siteDir) {
  const docs = [];
  for (const file of fs.readdirSync(siteDir).filter((f) => f.endsWith('.html')).sort()) {
    const html = fs.readFileSync(path.join(siteDir, file), 'utf8');
    const ch = chapterOf(html, file);
    if (!ch) continue; // the index page lists the chapters; it has no text of its own to find
    sections(html).forEach((s, k) => {
      docs.push({
        id: docs.length, slug: ch.slug, num: ch.num, chapter: ch.chapter,
        title: k === 0 ? ch.chapter : '', heading: s.heading, anchor: s.id,
        terms: s.terms, body: s.body, text: s.text,
      });
    });
  }
  const ms = new MiniSearch(SEARCH_OPTIONS);
  ms.addAll(docs);
  return { ms, docs };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) { console.error('usage: search-index.mjs SITE_DIR'); process.exit(2); }
  const { ms, docs } = buildIndex(dir);
  const out = path.join(dir, 'assets', 'search-index.json');
  fs.writeFileSync(out, JSON.stringify(ms));
  const chapters = new Set(docs.map((d) => d.slug)).size;
  console.log(`search index: ${docs.length} sections of ${chapters} chapters, ${(fs.statSync(out).size / 1024).toFixed(0)} KB`);
}
