// The installable app (PWA): registers the service worker (sw.js), offers a new release with 立即更新, and says so
// while the phone is offline. The worker keeps only the app's own files; the API's answers are never stored.

import { h } from './dom.js';

let reloading = false;

function notice(id, ...children) {
  document.getElementById(id)?.remove();
  const box = h('div', { class: 'pwa-notice', id, role: 'status' }, ...children);
  document.getElementById('main').before(box);
  return box;
}

/** A new release is installed and waiting: offer it; taking it reloads the page once it is in charge. */
function offerUpdate(worker) {
  notice(
    'update-notice',
    h('span', {}, '网上业务大厅已更新。'),
    h(
      'button',
      {
        type: 'button',
        class: 'btn btn-secondary btn-small',
        id: 'update-reload',
        on: {
          click: () => {
            reloading = true;
            worker.postMessage({ type: 'skip-waiting' });
          },
        },
      },
      '立即更新',
    ),
  );
}

function watchForUpdates(registration) {
  if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    worker?.addEventListener('statechange', () => {
      // the very first install has no page to update: it simply takes charge
      if (worker.state === 'installed' && navigator.serviceWorker.controller) offerUpdate(worker);
    });
  });
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading) window.location.reload();
  });
}

function showOffline(offline) {
  if (offline) notice('offline-notice', '网络未连接：查询和办理业务需要联网，恢复后请重试。');
  else document.getElementById('offline-notice')?.remove();
}

/** navigator.onLine can say "online" on a network that reaches nothing: the gateway's /livez (never cached) says. */
function showConnection() {
  if (!navigator.onLine) {
    showOffline(true);
    return;
  }
  fetch('/livez', { cache: 'no-store' }).then(
    () => showOffline(false), // any answer at all: the network is there
    () => showOffline(true),
  );
}

export function startInstallableApp() {
  window.addEventListener('online', showConnection);
  window.addEventListener('offline', showConnection);
  showConnection();
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker
    .register('/sw.js', { scope: '/' })
    .then(watchForUpdates)
    .catch(() => {
      // without the worker the hall still works online; only the offline shell is missing
    });
}
