// keys.js: the keyboard's way to everything a widget does, and the help that lists it.
// - Shortcuts work wherever focus is inside the widget (a button, a slider, a canvas), except in
//   a field that takes typing (number boxes, selects), where keys belong to the field.
// - Panels that take pointer input get a visible cursor: arrow keys move it, Space or Enter
//   presses there, Shift with an arrow drags (draws a stroke, moves a point). The same code
//   serves every such panel, whatever its module does with the presses.
// - One help popover per widget, opened with its "?" button or the ? key, lists the shortcuts
//   this widget has (panels add theirs).

const TYPING = new Set(['number', 'text', 'search', 'email', 'url', 'tel', 'password']);

// Keys that belong to the focused element rather than to the widget.
function typingTarget(t) {
  if (!(t instanceof Element)) return false;
  if (t.isContentEditable || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT') return true;
  return t.tagName === 'INPUT' && TYPING.has(t.type);
}

// Elements where Space has its own meaning (a press).
function spaceIsNative(t) {
  if (!(t instanceof Element)) return false;
  if (t.tagName === 'BUTTON' || t.tagName === 'A' || t.tagName === 'SUMMARY') return true;
  if (t.tagName === 'INPUT' && (t.type === 'checkbox' || t.type === 'radio')) return true;
  return t.classList.contains('drawable');
}

// The widget-wide shortcuts: [keys as shown, what they do].
export const SHORTCUTS = [
  ['K or Space', 'play or pause'],
  ['.', 'take one training step'],
  ['R', 'reset: start again with the same settings and seed'],
  ['?', 'show or hide this help'],
  ['/', 'search the book (anywhere on the page)'],
];

// w: the widget (toggle, stepOnce, resetRun, toggleHelp, closeHelp, fig).
export function bindShortcuts(w) {
  w.fig.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    if (e.key === 'Escape' && w.helpOpen) { w.closeHelp(true); e.preventDefault(); return; }
    if (typingTarget(t)) return;
    if (e.key === '?') { w.toggleHelp(); e.preventDefault(); }
    else if (e.key === 'k' || e.key === 'K' || (e.key === ' ' && !spaceIsNative(t))) { w.toggle(); e.preventDefault(); }
    else if (e.key === '.') { w.stepOnce(); e.preventDefault(); }
    else if (e.key === 'r' || e.key === 'R') { w.resetRun(); e.preventDefault(); }
  });
}

// The help popover: a "?" button and a panel listing `lines` ([keys, meaning]); setLines
// rewrites the list (panels a module hides take their lines with them).
export function buildHelp(w, el, base, lines) {
  const id = `${base}-help`;
  const button = el('button', { type: 'button', class: 'btn btn-small widget-help-btn', 'aria-expanded': 'false',
    'aria-controls': id, 'aria-label': 'Keyboard shortcuts', title: 'Keyboard shortcuts (?)', text: '?' });
  const list = el('dl', { class: 'widget-help-list' });
  const setLines = (ls) => list.replaceChildren(...ls.flatMap(([keys, what]) => [el('dt', { text: keys }), el('dd', { text: what })]));
  setLines(lines);
  const close = el('button', { type: 'button', class: 'btn btn-small', text: 'Close' });
  const pop = el('div', { class: 'widget-help', id, role: 'dialog', 'aria-label': 'Keyboard shortcuts', hidden: true, tabindex: '-1' },
    el('p', { class: 'widget-help-title', text: 'Keyboard shortcuts (anywhere in this widget, except while typing in a box)' }),
    list, close);
  button.addEventListener('click', () => w.toggleHelp());
  close.addEventListener('click', () => w.closeHelp(true));
  return { button, pop, setLines };
}

// Keyboard for a pointer panel: a cursor in plot fractions (fx from the left, fy from the top)
// drawn as a ring over the canvas while the canvas has focus. send(kind, x, y) passes a press
// (0), a move (1) or a release (2) in data coordinates, exactly as the pointer does.
export function bindKeyboardPointer(cell, canvas, geomOf, send) {
  canvas.tabIndex = 0;
  const ring = document.createElement('span');
  ring.className = 'panel-cursor';
  ring.setAttribute('aria-hidden', 'true');
  ring.hidden = true;
  Object.assign(ring.style, { position: 'absolute', width: '14px', height: '14px', marginLeft: '-7px', marginTop: '-7px',
    border: '2px solid var(--accent, #2563eb)', borderRadius: '50%', boxShadow: '0 0 0 1px var(--panel-bg, #fff)',
    pointerEvents: 'none', left: '0', top: '0' });
  if (getComputedStyle(cell).position === 'static') cell.style.position = 'relative';
  cell.append(ring);
  const cur = { fx: 0.5, fy: 0.5, down: false };
  const px = () => {
    const g = geomOf();
    if (!g || !g.plot) return null;
    const { L, T, pw, ph } = g.plot;
    return { g, x: L + cur.fx * pw, y: T + cur.fy * ph };
  };
  const show = () => {
    const p = px();
    if (!p) { ring.hidden = true; return; }
    ring.style.left = `${canvas.offsetLeft + p.x}px`;
    ring.style.top = `${canvas.offsetTop + p.y}px`;
    ring.hidden = false;
  };
  const emit = (kind) => {
    const p = px();
    if (!p) return;
    const [x, y] = p.g.toData(p.x, p.y);
    send(kind, x, y);
  };
  const lift = () => { if (cur.down) { cur.down = false; emit(2); } };
  canvas.addEventListener('focus', show);
  canvas.addEventListener('blur', () => { lift(); ring.hidden = true; });
  canvas.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const d = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[e.key];
    if (d) {
      if (e.shiftKey && !cur.down) { cur.down = true; emit(0); }
      if (!e.shiftKey) lift();
      const k = 1 / 24;
      cur.fx = Math.min(1, Math.max(0, cur.fx + d[0] * k));
      cur.fy = Math.min(1, Math.max(0, cur.fy + d[1] * k));
      if (cur.down) emit(1);
      show();
    } else if (e.key === ' ' || e.key === 'Enter') {
      if (!e.repeat) { lift(); emit(0); emit(2); }
    } else return;
    e.preventDefault();
  });
  canvas.addEventListener('keyup', (e) => { if (e.key === 'Shift') lift(); });
  return { show, ring };
}
