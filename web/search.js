// search.js: search across the book, loaded by page.js the first time the reader focuses the
// search box (or presses "/"). It fetches the index built with the book (assets/search-index.json,
// scripts/search-index.mjs) and MiniSearch (assets/minisearch.js, the library that reads it), both
// from this site, and answers as the reader types: up to ten sections, at most three from one
// chapter, each a link to its section with the matching words highlighted in a snippet.
//
// Keyboard: typing searches; Down moves from the box into the results, Up and Down move between
// them, Enter follows one, Escape goes back to the box (a second Escape closes the results).
import MiniSearch from './minisearch.js';
import { SEARCH_OPTIONS, QUERY_OPTIONS } from './search-options.js';

const MAX_RESULTS = 10;
const PER_CHAPTER = 3;
const SNIPPET = 170; // characters around the first match

// text: the index's JSON, or a promise of it (page.js starts the download with the code's).
let indexPromise = null;
export function loadIndex(text) {
  indexPromise ||= Promise.resolve(text || fetch(new URL('search-index.json', import.meta.url))
    .then((r) => { if (!r.ok) throw new Error(`the index answered ${r.status}`); return r.text(); }))
    .then((json) => MiniSearch.loadJSON(json, SEARCH_OPTIONS))
    .catch((e) => { indexPromise = null; throw e; });
  return indexPromise;
}

// The query's results, ranked, at most PER_CHAPTER per chapter. Words as typed first (the last
// one as a prefix); when that finds fewer than three sections, words with a slip forgiven too;
// when a section must hold all the words and none does, any of them.
export function search(ms, query) {
  let hits = ms.search(query, { ...QUERY_OPTIONS, fuzzy: false });
  if (hits.length < 3) hits = ms.search(query, QUERY_OPTIONS);
  if (!hits.length) hits = ms.search(query, { ...QUERY_OPTIONS, combineWith: 'OR' });
  const per = new Map(), out = [];
  for (const h of hits) {
    const n = per.get(h.slug) || 0;
    if (n >= PER_CHAPTER) continue;
    per.set(h.slug, n + 1);
    out.push(h);
    if (out.length >= MAX_RESULTS) break;
  }
  return out;
}

// The snippet of `text` around the first of `terms` (document words, lower case) as pieces
// [{ text, mark }]: a window of about SNIPPET characters starting at a word boundary.
export function snippet(text, terms) {
  const words = [...new Set(terms)].filter(Boolean).sort((a, b) => b.length - a.length)
    .map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (!words.length) return [{ text: text.slice(0, SNIPPET) + (text.length > SNIPPET ? ' …' : ''), mark: false }];
  // A whole word of the index, matched without regard to case or accents: MiniSearch's terms are
  // lower case and NFKD-stripped, so the text is folded the same way to find them.
  const re = new RegExp(`(?<![\\p{L}\\p{N}])(?:${words.join('|')})(?![\\p{L}\\p{N}])`, 'giu');
  const folded = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  // Folding may change lengths; use it to find matches only when it did not.
  const hay = folded.length === text.length ? folded : text;
  const first = hay.search(re);
  let a = 0;
  if (first > SNIPPET / 3) {
    a = text.lastIndexOf(' ', first - SNIPPET / 3);
    a = a < 0 ? 0 : a + 1;
  }
  let b = Math.min(text.length, a + SNIPPET);
  if (b < text.length) { const sp = text.lastIndexOf(' ', b); if (sp > first) b = sp; }
  const pieces = [];
  if (a > 0) pieces.push({ text: '… ', mark: false });
  let at = a;
  re.lastIndex = 0;
  const win = hay.slice(a, b);
  for (const m of win.matchAll(re)) {
    const s = a + m.index, e = s + m[0].length;
    if (s > at) pieces.push({ text: text.slice(at, s), mark: false });
    pieces.push({ text: text.slice(s, e), mark: true });
    at = e;
  }
  if (at < b) pieces.push({ text: text.slice(at, b), mark: false });
  if (b < text.length) pieces.push({ text: ' …', mark: false });
  return pieces;
}

function el(tag, props = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  e.append(...kids);
  return e;
}

// Wires the header's box to the index. Everything the page shows is built as text nodes: no
// book text is ever parsed as markup here.
// Called again after a failed load (page.js retries on the next use): the box is wired once.
const wired = new WeakMap(); // input -> (MiniSearch) => void, which gives the box its index
export async function attachSearch(input, box, indexText) {
  if (!wired.has(input)) wired.set(input, wire(input, box));
  wired.get(input)(await loadIndex(indexText));
}

function wire(input, box) {
  const status = el('p', { class: 'search-status', role: 'status' });
  const list = el('ol', { class: 'search-list' });
  box.replaceChildren(status, list);
  const open = (yes) => { box.hidden = !yes; input.setAttribute('aria-expanded', String(yes)); };
  let ms = null, last = null;

  const render = () => {
    const q = input.value.trim();
    if (q === last) return;
    last = q;
    if (!status.isConnected) box.replaceChildren(status, list); // after page.js showed a failed load
    if (!q) { list.replaceChildren(); status.textContent = ''; open(false); return; }
    open(true);
    if (!ms) { status.textContent = 'Loading the index…'; return; }
    const hits = search(ms, q);
    status.textContent = hits.length ? `${hits.length} section${hits.length > 1 ? 's' : ''} found` : `Nothing in the book matches “${q}”.`;
    const here = location.pathname.split('/').pop() || 'index.html';
    list.replaceChildren(...hits.map((h) => {
      const page = `${h.slug}.html`;
      // A result on this page keeps the page's query (its widgets' state): only the hash moves.
      const href = (page === here ? location.search : '') + (h.anchor ? `#${h.anchor}` : '');
      const link = el('a', { class: 'search-hit', href: page === here ? (href || '#') : page + href },
        el('span', { class: 'search-where' },
          el('span', { class: 'search-chapter', text: `${h.num}. ${h.chapter}` }),
          ...(h.heading ? [el('span', { class: 'search-sep', 'aria-hidden': 'true', text: ' › ' }), el('span', { class: 'search-heading', text: h.heading })] : [])),
        el('span', { class: 'search-snippet' },
          ...snippet(h.text, h.terms).map((p) => (p.mark ? el('mark', { text: p.text }) : document.createTextNode(p.text)))));
      link.addEventListener('click', () => open(false));
      return el('li', {}, link);
    }));
  };

  input.addEventListener('input', render);
  input.addEventListener('focus', () => { if (input.value.trim()) { last = null; render(); } });
  const links = () => [...list.querySelectorAll('a.search-hit')];
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' && links().length) { links()[0].focus(); e.preventDefault(); }
    else if (e.key === 'Escape') {
      if (!box.hidden) open(false);
      else { input.value = ''; last = null; input.blur(); }
      e.preventDefault();
    } else if (e.key === 'Enter' && links().length) { links()[0].click(); e.preventDefault(); }
  });
  box.addEventListener('keydown', (e) => {
    const ls = links(), i = ls.indexOf(document.activeElement);
    if (e.key === 'ArrowDown' && i >= 0) { ls[Math.min(ls.length - 1, i + 1)].focus(); e.preventDefault(); }
    else if (e.key === 'ArrowUp' && i >= 0) { (i === 0 ? input : ls[i - 1]).focus(); e.preventDefault(); }
    else if (e.key === 'Escape') { input.focus(); e.preventDefault(); }
  });
  // A click or focus anywhere else closes the results; they come back on focus of the box.
  document.addEventListener('pointerdown', (e) => { if (!box.contains(e.target) && e.target !== input) open(false); });
  document.addEventListener('focusin', (e) => { if (!box.contains(e.target) && e.target !== input) open(false); });

  if (input.value.trim()) render(); // typed before this module arrived
  return (index) => {
    ms = index;
    last = null;
    render();
  };
}
