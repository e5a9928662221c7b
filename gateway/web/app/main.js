// Starts the hall: registers every page, draws the header and navigation, and logs out after 15 idle minutes.

import { api, logout, session } from './api.js';
import { wireCareMode } from './care.js';
import { h, replace } from './dom.js';
import { clearAnnouncement } from './forms.js';
import { currentPath, addRoutes, href, navigate, setNotFound, startRouter } from './router.js';
import { pageTitle } from './layout.js';
import * as login from './login.js';
import * as register from './register.js';
import * as home from './home.js';
import * as account from './account.js';
import * as query from './query.js';
import * as loans from './loans.js';
import * as loanPrepayment from './loan-prepayment.js';
import * as loanApply from './loan-apply.js';
import * as calculator from './calculator.js';
import * as withdrawals from './withdrawals.js';
import * as appointments from './appointments.js';
import * as guides from './guides.js';
import * as messages from './messages.js';
import * as certificates from './certificates.js';

const IDLE_LIMIT_MS = 15 * 60 * 1000;
const IDLE_CHECK_MS = 10 * 1000;
const UNREAD_REFRESH_MS = 60 * 1000;

const NAV_LOGGED_IN = [
  { path: '/home', label: '首页', id: 'nav-home', match: ['/home'] },
  { path: '/account', label: '个人账户', id: 'nav-account', match: ['/account'] },
  { path: '/query/personal', label: '信息查询', id: 'nav-query', match: ['/query'] },
  { path: '/loans', label: '我要贷款', id: 'nav-loans', match: ['/loans'] },
  { path: '/withdrawals', label: '我要提取', id: 'nav-withdrawals', match: ['/withdrawals'] },
  { path: '/guides', label: '办事指南', id: 'nav-guides', match: ['/guides'] },
  { path: '/messages', label: '消息中心', id: 'nav-messages', match: ['/messages'] },
];

const NAV_LOGGED_OUT = [
  { path: '/login', label: '登录', id: 'nav-login', match: ['/login'] },
  { path: '/register', label: '用户注册', id: 'nav-register', match: ['/register'] },
  { path: '/recover', label: '密码找回', id: 'nav-recover', match: ['/recover'] },
  { path: '/guides', label: '办事指南', id: 'nav-guides', match: ['/guides'] },
  { path: '/loans/calculator', label: '贷款计算器', id: 'nav-calculator', match: ['/loans/calculator'] },
  { path: '/verify', label: '证明核验', id: 'nav-verify', match: ['/verify'] },
];

function drawShell() {
  const loggedIn = session.isLoggedIn();
  const { path } = currentPath();
  const items = loggedIn ? NAV_LOGGED_IN : NAV_LOGGED_OUT;
  // The longest matching prefix wins, so /loans/calculator does not also light up 我要贷款 when logged out.
  const active = items
    .filter((item) => item.match.some((m) => path === m || path.startsWith(`${m}/`)))
    .sort((a, b) => b.path.length - a.path.length)[0];
  replace(
    document.getElementById('main-nav-list'),
    items.map((item) =>
      h('li', {}, h('a', { href: href(item.path), id: item.id, 'aria-current': item === active ? 'page' : null }, item.label)),
    ),
  );
  document.getElementById('user-bar').hidden = !loggedIn;
  document.getElementById('brand-link').setAttribute('href', loggedIn ? '#/home' : '#/login');
  const claims = session.claims();
  document.getElementById('user-name').textContent = loggedIn ? `您好，${claims.name || '缴存职工'}` : '';
}

let lastUnreadCheck = 0;

function showUnread(count) {
  const badge = document.getElementById('unread-badge');
  const n = Number(count) || 0;
  badge.hidden = n <= 0;
  badge.textContent = n > 99 ? '99+' : String(n);
  document.getElementById('header-messages-link').setAttribute('aria-label', n > 0 ? `消息，${n}条未读` : '消息');
}

async function refreshUnread(force = false) {
  if (!session.isLoggedIn() || (!force && Date.now() - lastUnreadCheck < UNREAD_REFRESH_MS)) return;
  lastUnreadCheck = Date.now();
  try {
    const data = await api.get('/notifications/me', { page: 1, page_size: 1 });
    showUnread(data.unread ?? data.unread_count ?? 0);
  } catch {
    // The badge is a convenience; the message centre shows its own errors.
  }
}

let lastActivity = Date.now();

function watchIdle() {
  const touch = () => {
    lastActivity = Date.now();
  };
  for (const type of ['pointerdown', 'keydown', 'wheel', 'touchstart', 'scroll', 'mousemove']) {
    window.addEventListener(type, touch, { passive: true, capture: true });
  }
  const check = async () => {
    if (!session.isLoggedIn() || Date.now() - lastActivity < IDLE_LIMIT_MS) return;
    await logout();
    navigate('/login', { reason: 'idle' });
  };
  window.setInterval(check, IDLE_CHECK_MS);
  document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && check());
}

function wireHeader() {
  wireCareMode();
  document.getElementById('logout-button').addEventListener('click', async () => {
    await logout();
    navigate('/login', { reason: 'logout' });
  });
  const toggle = document.getElementById('nav-toggle');
  const nav = document.getElementById('main-nav');
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    nav.classList.toggle('open', open);
  });
  // The skip link cannot use its #main href: the router owns the hash.
  document.getElementById('skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    document.getElementById('main').focus();
  });
}

function start() {
  addRoutes([
    ...login.routes,
    ...register.routes,
    ...home.routes,
    ...account.routes,
    ...query.routes,
    ...calculator.routes,
    ...loanApply.routes,
    ...loans.routes,
    ...loanPrepayment.routes,
    ...withdrawals.routes,
    ...appointments.routes,
    ...guides.routes,
    ...messages.routes,
    ...certificates.routes,
  ]);
  setNotFound(({ page }) => {
    page.append(
      h('section', { class: 'card' }, pageTitle('页面不存在'), h('p', {}, '您访问的页面不存在。'), h('a', { href: href('/'), class: 'btn btn-primary', id: 'not-found-home' }, '返回首页')),
    );
  });
  wireHeader();
  watchIdle();
  window.addEventListener('session-changed', drawShell);
  window.addEventListener('session-expired', () => {
    const { path } = currentPath();
    navigate('/login', { reason: 'expired', next: path.startsWith('/login') ? undefined : window.location.hash.slice(1) });
  });
  window.addEventListener('route-changed', () => {
    drawShell();
    clearAnnouncement();
    document.getElementById('nav-toggle').setAttribute('aria-expanded', 'false');
    document.getElementById('main-nav').classList.remove('open');
    refreshUnread();
  });
  window.addEventListener('unread-changed', (event) => showUnread(event.detail));
  window.addEventListener('session-changed', () => {
    lastActivity = Date.now();
    if (session.isLoggedIn()) refreshUnread(true);
  });
  drawShell();
  startRouter();
}


start();
