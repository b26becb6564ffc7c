// print.js: on paper a widget is the picture it shows and, under it, the settings that made it
// (the controls themselves do not print: see the print rules of book.css). Before the page is
// printed, every widget gets a <dl class="widget-settings">, rewritten from the current state of
// its controls: each shown control's label and value, the seed and the step. Nothing here runs
// a widget; it reads the runtime's markup (web/widget.js) only.

// The settings of one widget as [label, value] pairs, read from its controls.
export function readSettings(fig) {
  const out = [];
  for (const row of fig.querySelectorAll('.widget-controls .control')) {
    if (row.hidden || row.closest('[hidden]')) continue; // a control that does not apply now
    const label = row.querySelector('label');
    const name = label ? label.textContent.trim() : '';
    const select = row.querySelector('select');
    const box = row.querySelector('input[type="checkbox"]');
    const number = row.querySelector('input[type="number"]');
    const output = row.querySelector('output');
    const range = row.querySelector('input[type="range"]');
    let value;
    if (select) value = select.selectedOptions.length ? select.selectedOptions[0].textContent : select.value;
    else if (box) value = box.checked ? 'on' : 'off';
    else if (number) {
      if (number.disabled) continue; // a seed the run does not use
      value = number.value;
    } else if (output && output.textContent) value = output.textContent;
    else if (range) value = range.value;
    if (!name || value === undefined || value === '') continue;
    out.push([row.classList.contains('control-seed') ? 'Seed' : name, value]);
  }
  const step = fig.querySelector('[data-role="step"]');
  if (step && step.textContent.trim()) {
    const m = step.textContent.match(/\d[\d,]*/);
    if (m) out.push(['Step', m[0]]);
  }
  return out;
}

// Write (or rewrite) the settings list of every widget on the page.
export function writeSettings(doc = document) {
  for (const fig of doc.querySelectorAll('figure.widget')) {
    const pairs = readSettings(fig);
    let dl = fig.querySelector(':scope > dl.widget-settings');
    if (!pairs.length) { if (dl) dl.remove(); continue; }
    if (!dl) {
      dl = doc.createElement('dl');
      dl.className = 'widget-settings';
      dl.setAttribute('aria-hidden', 'true'); // the controls say the same to a screen reader
      const caption = fig.querySelector(':scope > figcaption');
      fig.insertBefore(dl, caption);
    }
    dl.replaceChildren(...pairs.map(([k, v]) => {
      const div = doc.createElement('div');
      const dt = doc.createElement('dt');
      const dd = doc.createElement('dd');
      dt.textContent = k;
      dd.textContent = v;
      div.append(dt, dd);
      return div;
    }));
  }
}

if (typeof window !== 'undefined') {
  addEventListener('beforeprint', () => writeSettings());
  // Printing to PDF from a script, or a print preview, may switch the media without the event.
  const print = matchMedia('print');
  if (print.addEventListener) print.addEventListener('change', (e) => { if (e.matches) writeSettings(); });
}
