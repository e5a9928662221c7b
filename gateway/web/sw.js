// The installable hall's service worker: the app's shell (the page, its styles, modules and images, the manifest and
// the offline page) is kept in one cache per release, so the hall opens without a network and a release is never
// mixed with the one before it. Nothing else is ever stored: every /api/ answer (personal data) and every other
// page goes to the network untouched, and an address that cannot be reached offline gets the offline page.
//
// Updates: the gateway serves this script with no-cache and writes the release into BUILD below (the content hash
// of every shell file, and their list — gateway/app.py), so any change to any file is a new worker. The new worker
// fills a cache of its own straight from the server, then waits; the page offers 立即更新, which tells it to take
// over and reloads. Its activation deletes every older release's cache.

// the gateway replaces this line when it serves the file; served by hand, only the page is kept
const BUILD = { version: 'unversioned', files: ['/'] };

const PREFIX = 'hall-shell-';
const CACHE = `${PREFIX}${BUILD.version}`;
const OFFLINE_PAGE = '/offline.html';
const SHELL = new Set(BUILD.files);
// never answered here, not even from the network through this worker: the browser fetches them as if it were absent
const NEVER_TOUCHED = ['/api/', '/console/', '/dev/', '/.well-known/'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      // cache: 'reload' — from the server itself, never an older copy out of the browser's HTTP cache
      cache.addAll(BUILD.files.map((url) => new Request(url, { cache: 'reload', credentials: 'same-origin' }))),
    ),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(names.filter((name) => name.startsWith(PREFIX) && name !== CACHE).map((name) => caches.delete(name)));
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || NEVER_TOUCHED.some((prefix) => url.pathname.startsWith(prefix))) return;
  if (SHELL.has(url.pathname)) {
    event.respondWith(fromShell(request));
  } else if (request.mode === 'navigate') {
    event.respondWith(networkOrOfflinePage(request));
  }
});

/** A shell file from this release's cache (the ?v= of index.html's links is the same release's hash). */
async function fromShell(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request, { ignoreSearch: true });
  return kept || fetch(request);
}

/** Any other page of the site, always from the network; the offline page when there is none. */
async function networkOrOfflinePage(request) {
  try {
    return await fetch(request);
  } catch {
    const cache = await caches.open(CACHE);
    return (await cache.match(OFFLINE_PAGE)) || Response.error();
  }
}
