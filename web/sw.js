// sw.js - makes the workbench work offline once loaded: on install it caches every file of the
// site (precache.json, written by scripts/build-web.sh with a version hash); requests go to the
// network first (so a new build is seen at once) and fall back to the cache when offline.
// Nothing is ever sent anywhere: the worker only fetches files of this origin.
const LIST = 'precache.json';

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const res = await fetch(LIST, { cache: 'no-store' });
    const { version, files } = await res.json();
    const cache = await caches.open(`aw-${version}`);
    await cache.addAll(files);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const { version } = await (await fetch(LIST, { cache: 'no-store' }).catch(() => caches.match(LIST))).json().catch(() => ({}));
    for (const k of await caches.keys()) if (version && k !== `aw-${version}`) await caches.delete(k);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    try {
      return await fetch(req);
    } catch (e) {
      const hit = await caches.match(req, { ignoreSearch: true });
      if (hit) return hit;
      throw e;
    }
  })());
});
