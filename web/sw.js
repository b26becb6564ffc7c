// sw.js: the service worker that keeps the whole book for reading offline. Its template is
// web/sw.js; scripts/precache.mjs writes it to the site's root (its scope is the whole book) with
// BUILD, a hash of every file the build produced, and FILES, the list of them: pages, engine
// modules (.mjs and .wasm), the runtime, the search index and the KaTeX stylesheet and fonts.
//
// One build, one cache ("mlm-" + BUILD). Everything is fetched on install, so after the first
// visit every page and widget works with the network off. A new build is a new worker with a
// new cache; it waits until no page of the old build is open or the reader accepts the new
// edition (page.js posts "activate"), and then deletes every older cache. Until then the old
// worker keeps serving its own build whole, so a page is never one build's HTML running another
// build's modules.
const BUILD = '__BUILD__';
const FILES = __FILES__;
const CACHE = `mlm-${BUILD}`;

self.addEventListener('install', (e) => {
  e.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // Bypass the HTTP cache: a file it kept from another build must not enter this one.
    await cache.addAll(FILES.map((f) => new Request(f, { cache: 'reload' })));
    // The first worker has no older build to be mixed with: it may take over at once.
    if (!self.registration.active) await self.skipWaiting();
  })());
});

self.addEventListener('activate', (e) => {
  e.waitUntil((async () => {
    for (const k of await caches.keys()) if (k.startsWith('mlm-') && k !== CACHE) await caches.delete(k);
    await self.clients.claim();
  })());
});

self.addEventListener('message', (e) => {
  if (e.data === 'activate') self.skipWaiting();
});

// The file a request names, relative to the scope: "" and "dir/" are their index.html. The query
// (a widget's state in a link) and the hash never change which file is served.
function fileOf(url) {
  const scope = new URL(self.registration.scope);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return null;
  let f = url.pathname.slice(scope.pathname.length);
  if (f === '' || f.endsWith('/')) f += 'index.html';
  return f;
}

self.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  const f = fileOf(url);
  if (f === null || !FILES.includes(f)) return; // not part of the book (make serve's reload stream)
  e.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(f);
    if (hit) return hit;
    // Not cached yet (the install is still running): the network, and keep it for this build.
    const res = await fetch(req);
    if (res.ok && res.type === 'basic') await cache.put(f, res.clone());
    return res;
  })());
});
