// 网厅首页 (manual §5): the five service tiles, the ways in (links and QR codes), the branches on a list and a map.

import { api, session } from './api.js';
import { h, loading, replace } from './dom.js';
import { centerField, loadBranches } from './centers.js';
import { pageTitle } from './layout.js';
import { branchMap } from './ningxia-map.js';
import { href } from './router.js';

const TILES = [
  { path: '/account', label: '个人账户', note: '基本信息、账户信息、密码修改', id: 'tile-account', icon: 'icon-account' },
  { path: '/query/personal', label: '信息查询', note: '缴存、提取、对账单、贷款信息', id: 'tile-query', icon: 'icon-query' },
  { path: '/loans', label: '我要贷款', note: '贷款信息、预申请、贷款计算器', id: 'tile-loans', icon: 'icon-loans' },
  { path: '/withdrawals', label: '我要提取', note: '提取预申请、预约办理', id: 'tile-withdrawals', icon: 'icon-withdrawals' },
  { path: '/guides', label: '办事指南', note: '贷款、提取等政策与流程', id: 'tile-guides', icon: 'icon-guides' },
];

/** 更多访问方式: each configured address with its QR code (SVG made by the server) and the address as text. */
function accessLinks(center, websiteLine) {
  const list = h('ul', { class: 'qr-list', id: 'qr-list' }, h('li', {}, loading('正在加载…')));
  api
    .get('/accounts/access-links', center ? { center } : null, { auth: false })
    .then((links) => {
      const website = links.find((link) => link.kind === 'website');
      if (website) replace(websiteLine, '官方网站：', h('a', { href: website.url, id: 'home-website', target: '_blank', rel: 'noopener' }, website.url));
      replace(
        list,
        links.map((link) =>
          h(
            'li',
            { id: `qr-${link.kind}`, dataset: { testid: 'access-link', kind: link.kind } },
            h(
              'figure',
              {},
              h('img', { src: link.qr_svg, alt: `${link.label}二维码`, width: 132, height: 132 }),
              h('figcaption', {}, h('span', { class: 'qr-label' }, link.label), h('a', { href: link.url, class: 'qr-url', target: '_blank', rel: 'noopener' }, link.url)),
            ),
          ),
        ),
      );
    })
    .catch((error) => replace(list, h('li', { class: 'error-box', role: 'alert' }, error.detail)));
  return list;
}

function branchList(branches) {
  if (!branches.length) return h('p', { class: 'empty' }, '该中心暂无网点信息');
  return h(
    'ol',
    { class: 'branch-list', id: 'branch-list' },
    branches.map((b, index) =>
      h(
        'li',
        { dataset: { testid: 'branch', branch: b.code } },
        h('h3', {}, h('span', { class: 'branch-no', 'aria-hidden': 'true' }, index + 1), b.name),
        h('p', {}, h('span', { class: 'muted' }, '地址：'), b.address || '—'),
        h('p', {}, h('span', { class: 'muted' }, '电话：'), b.phone ? h('a', { href: `tel:${b.phone}` }, b.phone) : '—'),
        h('p', {}, h('span', { class: 'muted' }, '工作时间：'), b.hours || '—'),
      ),
    ),
  );
}

function renderHome({ page }) {
  const claims = session.claims();
  const branchArea = h('div', { class: 'branch-area', id: 'branch-area' });
  const centerSelect = centerField({ id: 'home-branch-center', name: 'branch_center', label: '选择中心', value: claims.center || '', required: false });
  const select = centerSelect.querySelector('select');
  const websiteLine = h('p', { class: 'home-website' });

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
    websiteLine,
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
        h('p', { class: 'hint' }, '用手机扫描二维码，或点击二维码下方的地址访问。'),
        accessLinks(claims.center, websiteLine),
      ),
    ),
  );
}

export const routes = [{ path: '/home', title: '网厅首页', render: renderHome }];
