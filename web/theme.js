// theme.js: the reader's colour theme: light, dark, or the system's (the default). The choice is
// kept in localStorage ("mlm-theme") and applied as <html data-theme="light|dark">; with no
// attribute, book.css follows prefers-color-scheme. A line inline in every page's <head> (written
// by scripts/generator/page.c) applies a stored choice before the first paint; this module runs
// the switch in the header and tells the page when the scheme changes, so that canvases, which
// read their colours from book.css once per draw (web/render.js readTheme), redraw in it.

export const THEME_KEY = 'mlm-theme';
// Dispatched on document whenever the colours in use change: the reader picked another theme, or
// the system's scheme changed while the page follows it. web/runtime.js redraws every widget.
export const THEME_EVENT = 'mlm-themechange';
const CHOICES = ['system', 'light', 'dark'];

export function storedTheme() {
  try {
    const t = localStorage.getItem(THEME_KEY);
    return CHOICES.includes(t) ? t : 'system';
  } catch {
    return 'system'; // storage refused (private mode, file://): follow the system
  }
}

// The scheme in effect: the reader's choice, or the system's.
export function effectiveScheme(choice = storedTheme()) {
  if (choice === 'light' || choice === 'dark') return choice;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyTheme(choice) {
  if (!CHOICES.includes(choice)) choice = 'system';
  const root = document.documentElement;
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
  try {
    if (choice === 'system') localStorage.removeItem(THEME_KEY);
    else localStorage.setItem(THEME_KEY, choice);
  } catch { /* not kept, but applied to this page */ }
  document.dispatchEvent(new CustomEvent(THEME_EVENT, { detail: { choice, scheme: effectiveScheme(choice) } }));
}

// Wires the header's <select>: shows the stored choice, applies a new one, and follows the
// system's scheme while the choice is "system". Another tab's choice (the storage event) is
// followed too, so two open chapters never disagree.
export function bindThemeSwitch(select) {
  if (select) {
    select.value = storedTheme();
    select.addEventListener('change', () => applyTheme(select.value));
  }
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    if (storedTheme() === 'system') document.dispatchEvent(new CustomEvent(THEME_EVENT, { detail: { choice: 'system', scheme: effectiveScheme('system') } }));
  });
  addEventListener('storage', (e) => {
    if (e.key !== THEME_KEY) return;
    const choice = storedTheme();
    if (select) select.value = choice;
    const root = document.documentElement;
    if (choice === 'system') delete root.dataset.theme;
    else root.dataset.theme = choice;
    document.dispatchEvent(new CustomEvent(THEME_EVENT, { detail: { choice, scheme: effectiveScheme(choice) } }));
  });
}
