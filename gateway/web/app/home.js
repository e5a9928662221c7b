// 网厅首页 (manual §5): the five service tiles, the QR codes, and the branches with hours on a list and a map.

import { session } from './api.js';
import { h, loading, replace } from './dom.js';
import { centerField, loadBranches } from './centers.js';
import { pageTitle } from './layout.js';
import { href } from './router.js';

const TILES = [
  { path: '/account', label: '个人账户', note: '基本信息、账户信息、密码修改', id: 'tile-account', icon: 'icon-account' },
  { path: '/query/personal', label: '信息查询', note: '缴存、提取、对账单、贷款信息', id: 'tile-query', icon: 'icon-query' },
  { path: '/loans', label: '我要贷款', note: '贷款信息、预申请、贷款计算器', id: 'tile-loans', icon: 'icon-loans' },
  { path: '/withdrawals', label: '我要提取', note: '提取预申请、预约办理', id: 'tile-withdrawals', icon: 'icon-withdrawals' },
  { path: '/guides', label: '办事指南', note: '贷款、提取等政策与流程', id: 'tile-guides', icon: 'icon-guides' },
];

const QR_CODES = [
  { file: 'assets/qr-wechat.svg', caption: '微信公众号', id: 'qr-wechat' },
  { file: 'assets/qr-android.svg', caption: '手机APP（Android版）', id: 'qr-android' },
  { file: 'assets/qr-ios.svg', caption: '手机APP（iOS版）', id: 'qr-ios' },
  { file: 'assets/qr-website.svg', caption: '官方网站', id: 'qr-website' },
];

function hoursText(hours) {
  if (!hours) return '—';
  if (typeof hours === 'string') return hours;
  if (Array.isArray(hours)) return hours.map(hoursText).join('；');
  return Object.values(hours).map(hoursText).join('；');
}

/** Plots branches by lat/lng on a plain equirectangular projection; numbers match the list. */
function branchMap(branches) {
  const placed = branches.filter((b) => Number.isFinite(Number(b.lat)) && Number.isFinite(Number(b.lng)));
  if (!placed.length) return null;
  const width = 400;
  const height = 300;
  const margin = 30;
  const lats = placed.map((b) => Number(b.lat));
  const lngs = placed.map((b) => Number(b.lng));
  const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
  const squeeze = Math.cos((midLat * Math.PI) / 180);
  const spanX = Math.max((Math.max(...lngs) - Math.min(...lngs)) * squeeze, 0.01);
  const spanY = Math.max(Math.max(...lats) - Math.min(...lats), 0.01);
  const scale = Math.min((width - 2 * margin) / spanX, (height - 2 * margin) / spanY);
  const cx = (Math.min(...lngs) + Math.max(...lngs)) / 2;
  const cy = midLat;
  const x = (lng) => width / 2 + (lng - cx) * squeeze * scale;
  const y = (lat) => height / 2 - (lat - cy) * scale;
  return h(
    'svg',
    { class: 'branch-map', id: 'branch-map', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': '网点位置示意图（按经纬度绘制）' },
    h('rect', { x: 1, y: 1, width: width - 2, height: height - 2, class: 'map-frame', rx: 6 }),
    h('path', { d: 'M 370 50 L 378 30 L 386 50 Z', class: 'map-north' }),
    h('text', { x: 378, y: 64, class: 'map-label', 'text-anchor': 'middle' }, '北'),
    placed.map((b, index) =>
      h(
        'g',
        { class: 'map-marker', dataset: { branch: b.code ?? index } },
        h('title', {}, `${b.name}：${b.address || ''}`),
        h('circle', { cx: x(Number(b.lng)).toFixed(1), cy: y(Number(b.lat)).toFixed(1), r: 11 }),
        h('text', { x: x(Number(b.lng)).toFixed(1), y: (y(Number(b.lat)) + 4).toFixed(1), 'text-anchor': 'middle', class: 'marker-no' }, String(branches.indexOf(b) + 1)),
      ),
    ),
  );
}

function branchList(branches) {
  if (!branches.length) return h('p', { class: 'empty' }, '该中心暂无网点信息');
  return h(
    'ol',
    { class: 'branch-list', id: 'branch-list' },
    branches.map((b, index) =>
      h(
        'li',
        { dataset: { testid: 'branch', branch: b.code ?? index } },
        h('h3', {}, h('span', { class: 'branch-no', 'aria-hidden': 'true' }, index + 1), b.name),
        h('p', {}, h('span', { class: 'muted' }, '地址：'), b.address || '—'),
        h('p', {}, h('span', { class: 'muted' }, '电话：'), b.phone ? h('a', { href: `tel:${b.phone}` }, b.phone) : '—'),
        h('p', {}, h('span', { class: 'muted' }, '工作时间：'), hoursText(b.hours)),
      ),
    ),
  );
}

function renderHome({ page }) {
  const claims = session.claims();
  const branchArea = h('div', { class: 'branch-area', id: 'branch-area' });
  const centerSelect = centerField({ id: 'home-branch-center', name: 'branch_center', label: '选择中心', value: claims.center || '', required: false });
  const select = centerSelect.querySelector('select');

  async function showBranches(code) {
    if (!code) {
      replace(branchArea, h('p', { class: 'empty' }, '请选择中心查看网点'));
      return;
    }
    replace(branchArea, loading('正在加载网点…'));
    try {
      const branches = await loadBranches(code);
      replace(branchArea, h('div', { class: 'branch-grid' }, branchList(branches), branchMap(branches)));
    } catch (error) {
      replace(branchArea, h('div', { class: 'error-box', role: 'alert' }, error.detail));
    }
  }
  select.addEventListener('change', () => showBranches(select.value));
  select.addEventListener('centers-loaded', () => showBranches(select.value));

  page.append(
    pageTitle('网厅首页'),
    h('p', { class: 'welcome', id: 'home-welcome' }, `${claims.name || '您'}，欢迎使用宁夏住房公积金网上业务大厅。`),
    h(
      'nav',
      { class: 'tiles', 'aria-label': '业务功能' },
      TILES.map((t) =>
        h('a', { href: href(t.path), class: ['tile', t.icon], id: t.id }, h('span', { class: 'tile-icon', 'aria-hidden': 'true' }), h('span', { class: 'tile-label' }, t.label), h('span', { class: 'tile-note' }, t.note)),
      ),
    ),
    h(
      'div',
      { class: 'home-lower' },
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'branches-title' },
        h('h2', { id: 'branches-title' }, '网点地图及工作时间'),
        centerSelect,
        branchArea,
      ),
      h(
        'section',
        { class: 'card qr-card', 'aria-labelledby': 'qr-title' },
        h('h2', { id: 'qr-title' }, '更多访问方式'),
        h(
          'ul',
          { class: 'qr-list', id: 'qr-list' },
          QR_CODES.map((q) => h('li', { id: q.id }, h('figure', {}, h('img', { src: q.file, alt: `${q.caption}二维码（示意图）`, width: 120, height: 120 }), h('figcaption', {}, q.caption)))),
        ),
        h('p', { class: 'hint' }, '以上二维码为示意图，仅用于演示页面布局。'),
      ),
    ),
  );
}

export const routes = [{ path: '/home', title: '网厅首页', render: renderHome }];
