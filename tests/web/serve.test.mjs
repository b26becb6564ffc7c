// serve.test.mjs: scripts/serve.py keeps serving across a rebuild that replaces the served folder
// (the build renames a fresh folder over site/), sends pages untouched when plain (the browser
// tests and the bench measure what a reader gets), and in watch mode rebuilds when a source file
// changes and tells open pages to reload. Each test works in its own temporary folder with a
// small "build" command of its own; nothing here depends on the book.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const serve = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/serve.py');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// Writes dir/site with an index.html saying `word`, the way scripts/assemble.sh does: a fresh
// folder renamed over the old one.
function publish(dir, word) {
  const stage = path.join(dir, 'stage');
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage);
  fs.writeFileSync(path.join(stage, 'index.html'), `<!doctype html><html><body><p>${word}</p></body></html>\n`);
  fs.writeFileSync(path.join(stage, 'app.js'), `export const word = "${word}";\n`);
  const site = path.join(dir, 'site');
  if (fs.existsSync(site)) {
    fs.renameSync(site, path.join(dir, 'site.old'));
    fs.renameSync(stage, site);
    fs.rmSync(path.join(dir, 'site.old'), { recursive: true, force: true });
  } else {
    fs.renameSync(stage, site);
  }
}

async function start(dir, extra = []) {
  const port = await freePort();
  const child = spawn('python3', [serve, '--port', String(port), '--dir', path.join(dir, 'site'), ...extra],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(origin + '/index.html');
      await r.arrayBuffer();
      break;
    } catch { /* not listening yet */ }
    if (child.exitCode !== null || i > 100) {
      child.kill();
      throw new Error(`serve.py did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { origin, child, log: () => log, stop: () => child.kill('SIGTERM') };
}

const get = async (url, headers = {}) => {
  const r = await fetch(url, { headers });
  return { status: r.status, text: await r.text(), encoding: r.headers.get('content-encoding') };
};

test('serves the folder by its path across rebuilds that replace it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlm-serve-'));
  publish(dir, 'first');
  const s = await start(dir);
  try {
    let r = await get(s.origin + '/index.html');
    assert.equal(r.status, 200);
    assert.match(r.text, /first/);
    assert.doesNotMatch(r.text, /EventSource/, 'the plain server changed the page');
    for (const word of ['second', 'third']) {
      publish(dir, word);
      for (const f of ['/index.html', '/', '/app.js']) {
        r = await get(s.origin + f);
        assert.equal(r.status, 200, `${f} after a rebuild: HTTP ${r.status}\n${s.log()}`);
        assert.match(r.text, new RegExp(word), `${f} after a rebuild serves the old book`);
      }
      // Without gzip (the standard library's path) as well.
      r = await get(s.origin + '/app.js', { 'Accept-Encoding': 'identity' });
      assert.equal(r.status, 200);
      assert.match(r.text, new RegExp(word));
    }
    assert.doesNotMatch(s.log(), /Traceback|FileNotFoundError/);
  } finally {
    s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('plain mode has no reload endpoint', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlm-serve-'));
  publish(dir, 'plain');
  const s = await start(dir);
  try {
    assert.equal((await get(s.origin + '/__mlm_reload')).status, 404);
  } finally {
    s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// Reads an event stream until `pred(text so far)` holds or `ms` pass; returns the text.
async function readEvents(url, pred, ms) {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), ms);
  let text = '';
  try {
    const r = await fetch(url, { signal: ac.signal });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /text\/event-stream/);
    const dec = new TextDecoder();
    for await (const chunk of r.body) {
      text += dec.decode(chunk, { stream: true });
      if (pred(text)) break;
    }
  } catch (e) {
    if (e.name !== 'AbortError') throw e;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return text;
}

test('watch mode: a saved source rebuilds, open pages are told to reload, a failed build is not', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlm-serve-'));
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'src/chapter.md'), 'one\n');
  publish(dir, 'one');
  // The "build": fails when the source says so, else publishes the source's text as the page.
  fs.writeFileSync(path.join(dir, 'build.mjs'), `
import fs from 'node:fs';
import path from 'node:path';
const word = fs.readFileSync('src/chapter.md', 'utf8').trim();
if (word === 'broken') { console.error('build error'); process.exit(1); }
(${publish.toString()})('.', word);
`);
  const s = await start(dir, ['--watch', 'src', '--build', `${process.execPath} build.mjs`, '--interval', '0.1']);
  try {
    const page = await get(s.origin + '/index.html');
    assert.match(page.text, /one/);
    assert.match(page.text, /new EventSource\("\/__mlm_reload"\)[^<]*location\.reload\(\)[^<]*<\/script><\/body>/,
      'watch mode does not add the reload listener before </body>');
    const plainJs = await get(s.origin + '/app.js');
    assert.doesNotMatch(plainJs.text, /EventSource/, 'the listener went into a script file');

    // A failed build: no reload, the previous book still served.
    let events = readEvents(s.origin + '/__mlm_reload', (t) => /event: reload/.test(t), 2500);
    await new Promise((r) => setTimeout(r, 200));
    fs.writeFileSync(path.join(dir, 'src/chapter.md'), 'broken\n');
    assert.doesNotMatch(await events, /event: reload/, 'a failed build told the page to reload');
    assert.match((await get(s.origin + '/index.html')).text, /one/);
    assert.match(s.log(), /build failed/);

    // A good build: a reload event, and the new page.
    events = readEvents(s.origin + '/__mlm_reload', (t) => /event: reload/.test(t), 8000);
    await new Promise((r) => setTimeout(r, 200));
    fs.writeFileSync(path.join(dir, 'src/chapter.md'), 'two\n');
    assert.match(await events, /event: reload\ndata: \d+\n\n/, `no reload event after a rebuild\n${s.log()}`);
    assert.match((await get(s.origin + '/index.html')).text, /two/);
    assert.doesNotMatch(s.log(), /Traceback/);
  } finally {
    s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
