// offline.mjs: the last step of a build (scripts/assemble.sh runs it on build/stage): writes the
// service worker to the site's root from its template (web/sw.js, copied to assets/ with the
// rest of the runtime), with the list of every file the book is made of and a build id, the
// hash of all their bytes. A build that changes any file has a new id, hence a new worker and a
// new cache (web/sw.js says how the old one gives way); a build that changes nothing writes the
// same worker, and readers download nothing again.
// Usage: node scripts/offline.mjs DIR   (prints the precache's size)
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const dir = process.argv[2];
if (!dir) { console.error('usage: offline.mjs SITE_DIR'); process.exit(2); }

function walk(d, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(d, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(d, r));
    else out.push(r);
  }
  return out;
}

const template = path.join(dir, 'assets', 'sw.js');
const src = fs.readFileSync(template, 'utf8');
fs.rmSync(template);
// Everything but the worker itself (the browser fetches it on its own terms, never from a cache)
// and this script's own note of the sizes.
const files = walk(dir).filter((f) => f !== 'sw.js' && f !== 'assets/precache.json').sort();
const hash = crypto.createHash('sha256');
let bytes = 0, gz = 0;
for (const f of files) {
  const b = fs.readFileSync(path.join(dir, f));
  hash.update(f).update('\0').update(b).update('\0');
  bytes += b.length;
  // What crossing the wire costs with scripts/serve.py (gzip for text and wasm, fonts as they are).
  gz += /\.(html|css|js|mjs|svg|json|wasm|txt)$/.test(f) ? zlib.gzipSync(b, { level: 6 }).length : b.length;
}
const build = hash.digest('hex').slice(0, 16);
const sw = src.replace("'__BUILD__'", JSON.stringify(build)).replace('__FILES__', JSON.stringify(files));
if (sw === src || sw.includes('__FILES__') || sw.includes('__BUILD__')) { console.error('offline.mjs: web/sw.js has no __BUILD__ / __FILES__ to fill'); process.exit(1); }
fs.writeFileSync(path.join(dir, 'sw.js'), sw);
fs.writeFileSync(path.join(dir, 'assets', 'precache.json'), JSON.stringify({ build, files: files.length, bytes, gzip: gz }) + '\n');
console.log(`offline: ${files.length} files precached, ${(bytes / 1048576).toFixed(2)} MB (${(gz / 1048576).toFixed(2)} MB gzip), build ${build}`);
