// Hash router: '#/path/:param?query' → the page that renders it, with login guard and page cleanup.

import { h, clear } from './dom.js';
import { session } from './api.js';

const routes = [];
let leaveHandlers = [];
let notFound = null;

/** Registers pages: [{path: '/loans/:id', title, render(ctx), public?: true}]. */
export function addRoutes(list) {
  for (const route of list) {
    const names = [];
    const pattern = route.path.replace(/:(\w+)/g, (_, name) => {
      names.push(name);
      return '([^/]+)';
    });
    routes.push({ ...route, names, regex: new RegExp(`^${pattern}$`) });
  }
}

export function setNotFound(render) {
  notFound = render;
}

export function currentPath() {
  const hash = window.location.hash.replace(/^#/, '') || '/';
  const [path, search = ''] = hash.split('?');
  return { path: path || '/', query: Object.fromEntries(new URLSearchParams(search)) };
}

/** navigate('/loans', {page: 2}) */
export function navigate(path, query = {}) {
  const search = new URLSearchParams(
    Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== ''),
  ).toString();
  const target = `#${path}${search ? `?${search}` : ''}`;
  if (window.location.hash === target) render();
  else window.location.hash = target;
}

export function href(path, query = {}) {
  const search = new URLSearchParams(
    Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== ''),
  ).toString();
  return `#${path}${search ? `?${search}` : ''}`;
}

function match(path) {
  for (const route of routes) {
    const m = route.regex.exec(path);
    if (m) {
      const params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
      return { route, params };
    }
  }
  return null;
}

/** Renders the page for the current hash into #main; runs the previous page's cleanup first. */
export async function render() {
  for (const leave of leaveHandlers) leave();
  leaveHandlers = [];
  const main = document.getElementById('main');
  const { path, query } = currentPath();
  if (path === '/') {
    navigate(session.isLoggedIn() ? '/home' : '/login');
    return;
  }
  const found = match(path);
  if (found && !found.route.public && !session.isLoggedIn()) {
    navigate('/login', { next: window.location.hash.slice(1) });
    return;
  }
  clear(main);
  const page = h('div', { class: 'page', dataset: { route: found ? found.route.path : 'not-found' } });
  main.append(page);
  document.title = `${found?.route.title || '页面不存在'} - 宁夏住房公积金网上业务大厅`;
  window.dispatchEvent(new CustomEvent('route-changed', { detail: { path, route: found?.route } }));
  const ctx = {
    page,
    params: found?.params || {},
    query,
    onLeave: (fn) => leaveHandlers.push(fn),
  };
  try {
    if (found) await found.route.render(ctx);
    else if (notFound) await notFound(ctx);
  } finally {
    const heading = page.querySelector('h1');
    if (heading && page.isConnected) {
      heading.setAttribute('tabindex', '-1');
      if (!page.contains(document.activeElement)) heading.focus({ preventScroll: false });
    }
  }
}

export function startRouter() {
  window.addEventListener('hashchange', render);
  render();
}
