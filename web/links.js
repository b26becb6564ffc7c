// links.js: where a widget's state lives in the page's address, and the link a reader copies.
// The query string holds every widget's pairs (?main.lr=0.3&main.t=40), the hash only a heading,
// so a heading's anchor never touches the state (state.js says the format). Links of the older
// form (#main.lr=0.3) are rewritten in place, once, with history.replaceState.
import { migrateLocation, parseHash, writeWidgetState } from './state.js';

let lastMoved = null; // the hash whose pairs were moved last, and the pairs it held

// Move widget pairs out of the hash into the query (old links, or an old-style link followed
// within the page). Returns the [id, name, value] triples that moved (the same list for every
// call with the same hash, so every widget can ask in turn), or [] when nothing did.
export function migrate() {
  const hash = location.hash;
  if (lastMoved && lastMoved.hash === hash) return lastMoved.pairs;
  const m = migrateLocation(location.search, hash);
  if (!m.moved) return [];
  const pairs = parseHash(hash);
  history.replaceState(history.state, '', location.pathname + m.search + m.hash);
  lastMoved = { hash: location.hash, pairs };
  return pairs;
}

// The pairs text the address holds for widgets (after any migration).
export function currentQuery() {
  migrate();
  return location.search;
}

// The address with widget `id`'s pairs replaced by `pairs`: written only when it changes, never
// pushing history (a reader's back button is for pages, not for slider moves).
export function writeAddress(id, pairs) {
  const next = writeWidgetState(location.search, id, pairs);
  if (next === location.search || (next === '' && location.search === '?')) return;
  history.replaceState(history.state, '', location.pathname + next + location.hash);
}

// A link to this widget's run alone: its pairs in the query and no heading, so the page opens
// scrolled to the widget (a link with a heading lands on the heading instead).
export function linkTo(id, pairs) {
  return location.origin + location.pathname + writeWidgetState('', id, pairs);
}

// Does the address name a heading (a hash that is not widget state)? Then the browser scrolls
// there and a widget restored from the link must not take the scroll over.
export function namesHeading() {
  const h = location.hash.replace(/^#/, '');
  return h.length > 0 && parseHash(location.hash).length === 0;
}

// The first widget restored from a link scrolls into view (once per page).
let scrolled = false;
export function claimScroll() {
  if (scrolled) return false;
  scrolled = true;
  return true;
}

// Copy text to the clipboard; resolves true when it was copied.
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch { /* denied: fall back below */ }
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  document.body.append(ta);
  ta.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch { ok = false; }
  ta.remove();
  return ok;
}
