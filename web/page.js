// page.js: what every page of the book has besides its chapter: the theme switch (theme.js), the
// search box, whose code and index (search.js, minisearch.js, search-index.json) are fetched
// only when the reader first focuses the box or presses "/", and the service worker (sw.js at
// the site's root) that keeps the whole book for reading offline. Small on purpose: it is loaded
// by every page, with or without widgets.
import { bindThemeSwitch } from './theme.js';

const TYPING = new Set(['text', 'search', 'number', 'email', 'url', 'tel', 'password']);
function typingTarget(t) {
  if (!(t instanceof Element)) return false;
  if (t.isContentEditable || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT') return true;
  return t.tagName === 'INPUT' && TYPING.has(t.type);
}

// ---- search: a box in the header; the code behind it arrives on first use ----
let searchLoad = null;
function loadSearch(input, results) {
  // The index is fetched alongside the code, not after it: on first use the two downloads overlap.
  searchLoad ||= (() => {
    const index = fetch(new URL('search-index.json', import.meta.url)).then((r) => {
      if (!r.ok) throw new Error(`the index answered ${r.status}`);
      return r.text();
    });
    index.catch(() => {}); // reported by attachSearch, which awaits it
    return import('./search.js').then((m) => m.attachSearch(input, results, index));
  })()
    .catch((e) => {
      searchLoad = null; // try again on the next use (offline before the worker had the index)
      results.hidden = false;
      input.setAttribute('aria-expanded', 'true');
      results.replaceChildren(Object.assign(document.createElement('p'),
        { className: 'search-note', textContent: `Search could not be loaded: ${e.message}` }));
    });
  return searchLoad;
}

function bindSearch() {
  const input = document.getElementById('book-search-input');
  const results = document.getElementById('book-search-results');
  if (!input || !results) return;
  const start = () => loadSearch(input, results);
  input.addEventListener('pointerdown', start); // a press comes a moment before the focus
  input.addEventListener('focus', start);
  input.addEventListener('input', start);
  // "/" anywhere on the page (except while typing in a box) goes to the search box.
  document.addEventListener('keydown', (e) => {
    if (e.key !== '/' || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || typingTarget(e.target)) return;
    e.preventDefault();
    input.focus();
    input.select();
  });
}

// ---- offline: the service worker and its new editions ----
// A new build's worker waits until the reader says so (or every tab of the book is closed), so a
// page is never served one build's HTML with another build's modules; then the page reloads.
function offerUpdate(reg) {
  const worker = reg.waiting;
  if (!worker || !navigator.serviceWorker.controller || document.querySelector('.book-update')) return;
  const bar = document.createElement('div');
  bar.className = 'book-update';
  bar.setAttribute('role', 'status');
  const text = document.createElement('span');
  text.textContent = 'A new edition of this book is ready.';
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'btn btn-small';
  button.textContent = 'Reload to read it';
  button.addEventListener('click', () => {
    button.disabled = true;
    worker.postMessage('activate');
  });
  bar.append(text, ' ', button);
  document.body.append(bar);
}

function registerWorker() {
  if (!('serviceWorker' in navigator) || !isSecureContext) return;
  // A reader who asked the browser to save data is not sent the whole book (2 MB) unasked.
  if (navigator.connection && navigator.connection.saveData) return;
  // `make serve` rebuilds the book while it is read and reloads the page (scripts/serve.py adds a
  // script listening on /__mlm_reload): there a cache would only show the previous build.
  if ([...document.scripts].some((s) => !s.src && s.textContent.includes('/__mlm_reload'))) {
    navigator.serviceWorker.getRegistrations().then((rs) => rs.forEach((r) => r.unregister()));
    return;
  }
  let reloading = false;
  const hadController = !!navigator.serviceWorker.controller;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    // The first worker taking over a page that came from the network changes nothing the page
    // shows; a new edition replacing an old one does: reload into it, once.
    if (!hadController || reloading) return;
    reloading = true;
    location.reload();
  });
  navigator.serviceWorker.register('sw.js').then((reg) => {
    offerUpdate(reg);
    reg.addEventListener('updatefound', () => {
      const w = reg.installing;
      if (w) w.addEventListener('statechange', () => { if (w.state === 'installed') offerUpdate(reg); });
    });
  }).catch(() => { /* no worker (a host that refuses it): the book still reads online */ });
}

function init() {
  bindThemeSwitch(document.getElementById('theme-select'));
  bindSearch();
  // After the page has loaded, so that precaching never competes with the chapter itself.
  if (document.readyState === 'complete') registerWorker();
  else addEventListener('load', registerWorker, { once: true });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else init();
