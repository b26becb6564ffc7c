// export.js: saving a widget's run as files a reader can keep or send. Loaded the first time a
// reader presses a widget's "Save…" button (web/widget.js), never with the page.
//   - a picture (PNG): every panel as the widget lays them out now, drawn into one image, with
//     the chapter, the status and readouts, the settings and the link that reproduces the run
//     written under it; the same texts ride in the PNG's iTXt chunks (Title, Description, Comment);
//   - the data (JSON): the settings (each parameter's name, label, value as a link writes it and
//     whether it applies now), seed, step, status, readouts and every curve and trail the panels
//     draw (the histories), with the link;
//   - the curves (CSV): the same series as one tidy table (panel, series, index, x, y) under `#`
//     comment lines that hold the title, the link and what each panel's axes measure;
//   - an animation (GIF): the run replayed from step 0 to the step on screen through the widget's
//     own timeline (web/run.js: restore a checkpoint, replay), one picture per frame, encoded with
//     gifenc (site/assets/vendor/gifenc.js, fetched only then), with a progress bar and Cancel.
// Nothing here knows a module: it reads the widget's manifest, views and markup.
import { readSettings } from './print.js';
import { readTheme } from './render.js';
import { linkTo } from './links.js';
import { encodeParam, applies, formatReadout } from './state.js';
import { el } from './widget.js';

const BOOK = 'Machine Learning in Motion';
const GIF_FRAMES = 48;     // at most this many pictures in an animation
const GIF_WIDTH = 560;     // CSS pixels: wide enough to read, small enough to send
const GIF_DELAY_MS = 90;   // per frame; the last one is held longer
const SEEK_TIMEOUT_MS = 20000;

// ---- what the run is ----

// "Chapter 1. Gradient descent" from the page's heading (its number is a span of its own).
function chapterTitle() {
  const h = document.querySelector('main h1, h1');
  if (!h) return document.title;
  const num = h.querySelector('.chapter-number');
  const rest = [...h.childNodes].filter((n) => n !== num).map((n) => n.textContent).join('').replace(/\s+/g, ' ').trim();
  return num && num.textContent.trim() ? `Chapter ${num.textContent.trim()}. ${rest}` : rest;
}

function caption(w) {
  const c = w.fig.querySelector(':scope > figcaption');
  return c ? c.textContent.replace(/\s+/g, ' ').trim() : '';
}

export function runLink(w) { return linkTo(w.id, w.linkPairs(true)); }

// A file name for this run: page, widget, step.
function fileName(w, ext) {
  const page = (location.pathname.split('/').pop() || 'book').replace(/\.html?$/, '') || 'book';
  const safe = (s) => String(s).replace(/[^A-Za-z0-9_-]+/g, '-');
  return `${safe(page)}-${safe(w.id)}-step-${w.inst ? w.inst.steps : 0}.${ext}`;
}

// The readouts the widget shows in its status line and panels: [label, value text].
function readouts(w) {
  const out = [];
  const inst = w.inst;
  w.manifest.views.forEach((v, k) => {
    const s = inst.views[k];
    if (!s || s.hidden || v.kind !== 'scalar') return;
    const pct = v.flags.includes('percent') && Number.isFinite(s.value) ? ' %' : '';
    out.push([v.label || v.name, formatReadout(s.value, v.flags.includes('int')) + pct, s.value]);
  });
  return out;
}

// Every curve and trail on a shown panel: the histories the widget draws.
export function series(w) {
  const inst = w.inst;
  const out = [];
  w.manifest.views.forEach((v, k) => {
    if (v.kind !== 'curve' && v.kind !== 'trail') return;
    const s = inst.views[k];
    if (!s || s.hidden || v.panel < 0 || inst.panels[v.panel]?.hidden) return;
    const panel = w.manifest.panels[v.panel];
    const pts = [];
    const d = s.data;
    for (let j = 0; d && j < s.count; j++) {
      const x = d[2 * j], y = d[2 * j + 1];
      pts.push([Number.isFinite(x) ? x : null, Number.isFinite(y) ? y : null]);
    }
    out.push({ panel: panel.title || panel.name, view: v.name, name: v.label || v.name, kind: v.kind,
      x: panel.xlabel || 'x', y: panel.ylabel || 'y', points: pts });
  });
  return out;
}

export function runData(w) {
  const inst = w.inst;
  return {
    book: BOOK,
    chapter: chapterTitle(),
    page: location.origin + location.pathname,
    widget: { id: w.id, module: w.manifest.module || w.fig.dataset.widget, caption: caption(w) },
    link: runLink(w),
    step: inst.steps,
    seed: w.seed,
    status: inst.status,
    statusText: w.statusText.textContent,
    settings: w.params.map((p, i) => {
      const v = w.values[i];
      return { name: p.name, label: p.label, value: p.kind === 'choice' || p.kind === 'text' ? encodeParam(p, v) : v,
        ...(p.kind === 'choice' ? { text: p.choices[v] ? p.choices[v][1] : '' } : {}),
        applies: applies(w.params, w.values, i) };
    }),
    readouts: Object.fromEntries(readouts(w).map(([label, , value]) => [label, Number.isFinite(value) ? value : null])),
    series: series(w),
    exported: new Date().toISOString(),
  };
}

function csvField(v) {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function runCsv(w) {
  const data = runData(w);
  const lines = [
    `# ${BOOK}: ${data.chapter}${data.widget.caption ? ` / ${data.widget.caption}` : ''}`,
    `# link: ${data.link}`,
    `# step ${data.step}, seed ${data.seed}, status ${data.status}`,
    `# settings: ${data.settings.filter((s) => s.applies).map((s) => `${s.name}=${s.value}`).join(', ')}`,
  ];
  const panels = new Map();
  for (const s of data.series) panels.set(s.panel, `${s.x} against ${s.y}`);
  for (const [p, axes] of panels) lines.push(`# panel ${p}: x = ${axes.replace(' against ', ', y = ')}`);
  lines.push('panel,series,index,x,y');
  for (const s of data.series) {
    s.points.forEach(([x, y], j) => lines.push([s.panel, s.name, j, x, y].map(csvField).join(',')));
  }
  return lines.join('\n') + '\n';
}

// ---- the picture ----

// Lines of `text` no wider than `width` in ctx's font; a word wider than a line (a link) is cut.
function wrap(ctx, text, width) {
  const out = [];
  let line = '';
  for (const word of text.split(/ +/)) {
    let wd = word;
    const trial = line ? `${line} ${wd}` : wd;
    if (ctx.measureText(trial).width <= width) { line = trial; continue; }
    if (line) out.push(line);
    line = '';
    while (ctx.measureText(wd).width > width && wd.length > 1) {
      let n = wd.length - 1;
      while (n > 1 && ctx.measureText(wd.slice(0, n)).width > width) n--;
      out.push(wd.slice(0, n));
      wd = wd.slice(n);
    }
    line = wd;
  }
  if (line) out.push(line);
  return out;
}

// The texts written under the picture: [font key, text].
function pictureTexts(w) {
  const settings = readSettings(w.fig).map(([k, v]) => `${k} ${v}`).join(' · ');
  const reads = readouts(w).map(([k, v]) => `${k} ${v}`).join(' · ');
  const status = [w.statusText.textContent.trim(), reads].filter(Boolean).join(' · ');
  return [
    ['title', chapterTitle()],
    ['muted', caption(w)],
    ['body', status],
    ['body', settings],
    ['link', `Reproduce this run: ${runLink(w)}`],
    ['book', BOOK],
  ].filter(([, t]) => t);
}

// The widget's panels as laid out on the page, with the texts under them, drawn into one canvas
// at `scale` device pixels per CSS pixel.
export function compose(w, scale = 1) {
  const theme = readTheme(w.fig);
  w.draw(theme);
  const pad = 12;
  const pr = w.panelsEl.getBoundingClientRect();
  const width = Math.max(240, Math.round(pr.width));
  const fonts = {
    title: [`600 15px ${theme.font}`, 20, theme.ink],
    body: [`13px ${theme.font}`, 18, theme.ink],
    link: [`12px ${theme.font}`, 16, theme.muted],
    muted: [`12.5px ${theme.font}`, 17, theme.muted],
    book: [`italic 12px ${theme.font}`, 16, theme.muted],
  };
  const measure = document.createElement('canvas').getContext('2d');
  const blocks = pictureTexts(w).map(([kind, text]) => {
    const [font, lh, color] = fonts[kind];
    measure.font = font;
    return { font, lh, color, lines: wrap(measure, text, width) };
  });
  const textH = blocks.reduce((h, b) => h + b.lines.length * b.lh + 4, 0);
  const W = width + 2 * pad, H = Math.round(pr.height) + 2 * pad + 6 + textH;
  const c = document.createElement('canvas');
  c.width = Math.round(W * scale);
  c.height = Math.round(H * scale);
  const ctx = c.getContext('2d');
  ctx.scale(scale, scale);
  ctx.fillStyle = getComputedStyle(w.fig).backgroundColor || theme.bg;
  if (/rgba\(.*,\s*0\)$|transparent/.test(ctx.fillStyle)) ctx.fillStyle = theme.bg;
  ctx.fillRect(0, 0, W, H);
  for (const pe of w.panelEls) {
    if (pe.cell.hidden || !pe.canvas.width) continue;
    const r = pe.canvas.getBoundingClientRect();
    ctx.drawImage(pe.canvas, pad + r.left - pr.left, pad + r.top - pr.top, r.width, r.height);
    // A legend that did not fit its plot is a list under the canvas: drawn where it stands.
    for (const li of pe.cell.querySelectorAll('.panel-legend li')) {
      const lr = li.getBoundingClientRect();
      const sw = li.querySelector('.swatch');
      let x = pad + lr.left - pr.left;
      const y = pad + lr.top - pr.top + lr.height / 2;
      if (sw && getComputedStyle(sw).display !== 'none') {
        ctx.fillStyle = sw.style.getPropertyValue('--swatch') || theme.ink;
        ctx.fillRect(x, y - 2, 14, 4);
        x += 18;
      }
      ctx.fillStyle = theme.muted;
      ctx.font = `12px ${theme.font}`;
      ctx.textBaseline = 'middle';
      ctx.fillText(li.textContent, x, y);
    }
  }
  let y = pad + pr.height + 6;
  ctx.textBaseline = 'top';
  for (const b of blocks) {
    ctx.font = b.font;
    ctx.fillStyle = b.color;
    for (const line of b.lines) { ctx.fillText(line, pad, y + 2); y += b.lh; }
    y += 4;
  }
  return c;
}

// ---- PNG text chunks ----

let crcTable = null;
function crc32(bytes) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// An iTXt chunk (UTF-8 text, uncompressed): keyword, flags, empty language and translation.
function itxt(keyword, text) {
  const enc = new TextEncoder();
  const body = [...enc.encode(keyword), 0, 0, 0, 0, 0, ...enc.encode(text)];
  const typed = new Uint8Array(4 + body.length);
  typed.set(enc.encode('iTXt'), 0);
  typed.set(body, 4);
  const out = new Uint8Array(12 + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, body.length);
  out.set(typed, 4);
  dv.setUint32(8 + body.length, crc32(typed));
  return out;
}

// The PNG with text chunks after its header chunk (IHDR is always first: 8 + 25 bytes).
export function pngWithText(png, pairs) {
  const chunks = pairs.map(([k, t]) => itxt(k, t));
  const extra = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(png.length + extra);
  out.set(png.subarray(0, 33), 0);
  let at = 33;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  out.set(png.subarray(33), at);
  return out;
}

// ---- saving ----

function download(bytes, type, name) {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = el('a', { href: url, download: name });
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

async function savePng(w) {
  const c = compose(w, Math.max(1, Math.min(3, window.devicePixelRatio || 1)));
  const blob = await new Promise((res) => c.toBlob(res, 'image/png'));
  if (!blob) throw new Error('the browser could not make the picture');
  const png = new Uint8Array(await blob.arrayBuffer());
  const settings = readSettings(w.fig).map(([k, v]) => `${k}: ${v}`).join('; ');
  const out = pngWithText(png, [['Title', `${chapterTitle()}${caption(w) ? ` · ${caption(w)}` : ''}`],
    ['Description', settings], ['Comment', runLink(w)], ['Software', BOOK]]);
  download(out, 'image/png', fileName(w, 'png'));
  return `Saved the picture (${c.width} × ${c.height} pixels).`;
}

function saveJson(w) {
  const data = runData(w);
  download(JSON.stringify(data, null, 1), 'application/json', fileName(w, 'json'));
  const n = data.series.reduce((k, s) => k + s.points.length, 0);
  return `Saved the settings and ${data.series.length} curve${data.series.length === 1 ? '' : 's'} (${n.toLocaleString('en-US')} points) as JSON.`;
}

function saveCsv(w) {
  const data = series(w);
  download(runCsv(w), 'text/csv', fileName(w, 'csv'));
  return data.length ? `Saved ${data.length} curve${data.length === 1 ? '' : 's'} as CSV (lines starting with # are notes).`
    : 'Saved the settings as CSV: this widget draws no curve, so the table is empty.';
}

// ---- the animation ----

const nextFrame = () => new Promise((r) => requestAnimationFrame(() => r()));

// Go to step t through the widget's timeline and wait until the run is there (main thread or
// worker alike). Resolves false when the run could not get there (it ended before, or the reader
// took the controls).
async function reach(w, t, job) {
  w.seek(t);
  const t0 = performance.now();
  for (;;) {
    await nextFrame();
    const inst = w.inst;
    if (job.cancelled || !inst) return false;
    if (inst.running) { job.taken = true; return false; }
    if (inst.replayTo < 0 && inst.steps === t) return true;
    if (inst.replayTo < 0 && inst.steps !== t && inst.final) return false;
    if (inst.replayTo < 0 && inst.steps !== t) w.seek(t); // a command overtaken by another
    if (performance.now() - t0 > SEEK_TIMEOUT_MS) return false;
  }
}

let gifenc = null;
function loadGifenc() {
  gifenc ||= import(new URL('./vendor/gifenc.js', import.meta.url).href);
  return gifenc;
}

async function saveGif(w, ui, job) {
  const inst = w.inst;
  if (w.running) w.pause();
  await nextFrame();
  const end = inst.replayTo >= 0 ? inst.replayTo : inst.steps;
  if (end < 1) return 'Nothing to animate yet: play or step the run first (the animation goes from step 0 to the step on screen).';
  const { GIFEncoder, quantize, applyPalette } = await loadGifenc();
  const n = Math.min(GIF_FRAMES, end + 1);
  const steps = [...new Set(Array.from({ length: n }, (_, k) => Math.round((k * end) / (n - 1))))];
  // One palette for the whole animation, from the picture at the end (it holds the most: the
  // whole path, the whole curve), with one more entry kept transparent: a frame writes only the
  // pixels that changed since the one before, and LZW packs the rest into almost nothing.
  const full0 = compose(w, 1);
  const size = { w: Math.min(full0.width, GIF_WIDTH) };
  size.h = Math.round((full0.height * size.w) / full0.width);
  const frame = document.createElement('canvas');
  frame.width = size.w;
  frame.height = size.h;
  const fctx = frame.getContext('2d', { willReadFrequently: true });
  const pixels = (full) => {
    // Every frame has the first one's size (a line of text more or less would change the height).
    fctx.fillStyle = readTheme(w.fig).bg;
    fctx.fillRect(0, 0, size.w, size.h);
    fctx.drawImage(full, 0, 0, size.w, Math.round((full.height * size.w) / full.width));
    return fctx.getImageData(0, 0, size.w, size.h).data;
  };
  const palette = quantize(pixels(full0), 255);
  const clear = palette.length;
  const withClear = [...palette, [0, 0, 0]];
  const gif = GIFEncoder();
  let prev = null;
  ui.progress(0, steps.length);
  for (let k = 0; k < steps.length; k++) {
    if (!(await reach(w, steps[k], job))) {
      if (job.taken) return 'Stopped: the run was played during the recording.';
      const at = inst.steps;
      await reach(w, end, { cancelled: false }); // back where the reader was
      return job.cancelled ? 'Cancelled.' : `Stopped at step ${at}: the run did not reach step ${steps[k]}.`;
    }
    const index = applyPalette(pixels(compose(w, 1)), palette);
    let out = index;
    if (prev) {
      out = new Uint8Array(index.length);
      for (let i = 0; i < index.length; i++) out[i] = index[i] === prev[i] ? clear : index[i];
    }
    prev = index;
    gif.writeFrame(out, size.w, size.h, { palette: k === 0 ? withClear : undefined, first: k === 0, repeat: 0,
      delay: k === steps.length - 1 ? 2000 : GIF_DELAY_MS, transparent: k > 0, transparentIndex: clear, dispose: 1 });
    ui.progress(k + 1, steps.length);
  }
  // The link as a GIF comment extension: 0x21 0xFE, sub-blocks of at most 255 bytes, 0.
  const note = new TextEncoder().encode(`${chapterTitle()}. Reproduce this run: ${runLink(w)}`);
  gif.stream.writeByte(0x21);
  gif.stream.writeByte(0xfe);
  for (let i = 0; i < note.length; i += 255) {
    const part = note.subarray(i, i + 255);
    gif.stream.writeByte(part.length);
    gif.stream.writeBytes(part, 0, part.length);
  }
  gif.stream.writeByte(0);
  gif.finish();
  const bytes = gif.bytes();
  download(bytes, 'image/gif', fileName(w, 'gif'));
  return `Saved an animation of ${steps.length} frames, steps 0 to ${end.toLocaleString('en-US')} (${Math.round(bytes.length / 1024)} KB).`;
}

// ---- the panel under the controls ----

function buildPanel(w) {
  const id = `${w.fig.id || w.id}-export-${Math.random().toString(36).slice(2, 8)}`;
  const said = el('p', { class: 'widget-export-said', role: 'status', 'aria-live': 'polite' });
  const bar = el('progress', { max: 1, value: 0, 'aria-label': 'Recording the animation' });
  const barText = el('span', { class: 'widget-export-count' });
  const cancel = el('button', { type: 'button', class: 'btn btn-small', text: 'Cancel' });
  const progress = el('div', { class: 'widget-export-progress', hidden: true }, bar, barText, cancel);
  const buttons = [
    ['png', 'Picture (PNG)', 'Every panel as it is now, with the settings and the link written under it'],
    ['json', 'Data (JSON)', 'The settings, seed, step, readouts and every curve the widget draws, with the link'],
    ['csv', 'Curves (CSV)', 'Every curve the widget draws as a table (panel, series, index, x, y), with the link'],
    ['gif', 'Animation (GIF)', 'The run from step 0 to the step on screen, replayed through the timeline'],
  ].map(([kind, text, title]) => el('button', { type: 'button', class: 'btn btn-small', 'data-export': kind, text, title }));
  const pane = el('div', { class: 'widget-export', id, role: 'group', 'aria-label': 'Save this run', hidden: true, tabindex: -1 },
    el('p', { class: 'widget-export-title', text: 'Save this run: each file carries the link that reproduces it.' }),
    el('div', { class: 'widget-export-buttons' }, ...buttons), progress, said);
  let job = null;
  const ui = {
    progress(k, n) {
      progress.hidden = false;
      bar.max = n;
      bar.value = k;
      barText.textContent = `Frame ${k} of ${n}`;
      w.fig.dataset.exporting = 'gif';
    },
  };
  const finish = (text) => {
    progress.hidden = true;
    delete w.fig.dataset.exporting;
    for (const b of buttons) b.disabled = false;
    said.textContent = text;
  };
  cancel.addEventListener('click', () => { if (job) job.cancelled = true; });
  w.cancelExport = () => { if (job) job.cancelled = true; return !!job; };
  for (const b of buttons) {
    b.addEventListener('click', async () => {
      if (job || !w.inst) { if (!w.inst) said.textContent = 'The widget is still loading its engine.'; return; }
      const kind = b.dataset.export;
      said.textContent = '';
      try {
        if (kind === 'png') finish(await savePng(w));
        else if (kind === 'json') finish(saveJson(w));
        else if (kind === 'csv') finish(saveCsv(w));
        else {
          job = { cancelled: false, taken: false };
          for (const x of buttons) x.disabled = true;
          said.textContent = 'Recording the animation: the run replays from step 0.';
          w.recording = true;
          let text;
          try { text = await saveGif(w, ui, job); } finally { w.recording = false; }
          job = null;
          finish(text);
          w.saveHash();
        }
      } catch (e) {
        job = null;
        finish(`Could not save: ${e && e.message ? e.message : e}`);
      }
    });
  }
  pane.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    if (job) job.cancelled = true;
    else close(w, true);
    e.preventDefault();
    e.stopPropagation();
  });
  w.saveBtn.setAttribute('aria-controls', id);
  w.saveBtn.closest('.widget-controls').after(pane);
  return pane;
}

function close(w, refocus) {
  w.exportEl.hidden = true;
  w.saveBtn.setAttribute('aria-expanded', 'false');
  if (refocus) w.saveBtn.focus();
}

// Open or close the widget's export panel (the "Save…" button).
export function toggleExport(w) {
  w.exportEl ||= buildPanel(w);
  if (!w.exportEl.hidden) {
    // While an animation records, the button stops it (the panel stays to say so).
    if (!w.cancelExport()) close(w, false);
    return;
  }
  w.exportEl.hidden = false;
  w.saveBtn.setAttribute('aria-expanded', 'true');
  w.exportEl.querySelector('button').focus();
}
