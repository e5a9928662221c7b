// 办事指南 (manual §9): each centre's policy and procedure articles by category, list and detail.

import { api, itemsOf, session } from './api.js';
import { h } from './dom.js';
import { centerName, date } from './format.js';
import { loadInto, pageTitle } from './layout.js';
import { centerField, lastCenter, loadCenters } from './centers.js';
import { href, navigate } from './router.js';
import { renderMarkdown } from './markdown.js';

// the filter's choices (GuideArgs' categories), shown before any guide has loaded; each guide carries its category_label
const CATEGORIES = [['', '全部'], ['loan', '贷款'], ['withdrawal', '提取'], ['deposit', '缴存'], ['other', '其他']];

function updatedOf(guide) {
  return guide.updated ?? guide.updated_at ?? guide.published_on;
}

function renderList({ page, query }) {
  const center = query.center ?? (session.claims().center || lastCenter());
  const category = query.category || '';
  const list = h('div', { id: 'guide-list-area' });
  const centre = centerField({ id: 'guide-center', name: 'center', label: '所属中心', value: center, required: false, allowAll: true });
  const select = centre.querySelector('select');
  select.addEventListener('change', () => navigate('/guides', { center: select.value, category }));
  page.append(
    pageTitle('办事指南'),
    h(
      'section',
      { class: 'card' },
      h('p', { class: 'hint' }, '提供所属中心关于住房公积金贷款、提取、缴存等相关政策信息及办事指南，点击标题查看详细内容。'),
      h('div', { class: 'guide-filters' }, centre),
      h(
        'div',
        { class: 'category-tabs', role: 'group', 'aria-label': '指南类别' },
        CATEGORIES.map(([code, text]) =>
          h('a', { href: href('/guides', { center, category: code }), class: 'tab', id: `guide-cat-${code || 'all'}`, 'aria-current': code === category ? 'page' : null }, text),
        ),
      ),
      list,
    ),
  );
  loadInto(
    list,
    // Centre names are wanted for the list's captions, so the directory loads alongside.
    () => Promise.all([api.get('/accounts/guides', { center, category }, { auth: false }), loadCenters().catch(() => null)]).then(([data]) => data),
    (data) => {
      const guides = itemsOf(data);
      if (!guides.length) return h('p', { class: 'empty', id: 'guide-list-empty' }, '暂无办事指南');
      return h(
        'ul',
        { class: 'guide-list', id: 'guide-list' },
        guides.map((g) =>
          h(
            'li',
            { dataset: { testid: 'guide', id: g.id } },
            h('a', { href: href(`/guides/${encodeURIComponent(g.id)}`), class: 'guide-title' }, g.title),
            h('span', { class: 'guide-meta' }, [g.category_label, g.center && g.center !== 'all' ? centerName(g.center) : '全区通用', updatedOf(g) ? date(updatedOf(g)) : null].filter(Boolean).join(' · ')),
            g.summary ? h('p', { class: 'guide-summary' }, g.summary) : null,
          ),
        ),
      );
    },
  );
}

function renderGuide({ page, params }) {
  const article = h('article', { class: 'card guide-article', id: 'guide-article' });
  const title = pageTitle('办事指南');
  page.append(title, article, h('p', {}, h('a', { href: href('/guides'), id: 'guide-back' }, '‹ 返回办事指南列表')));
  loadInto(
    article,
    () => Promise.all([api.get(`/accounts/guides/${encodeURIComponent(params.id)}`, null, { auth: false }), loadCenters().catch(() => null)]).then(([guide]) => guide),
    (guide) => {
      title.textContent = guide.title || '办事指南';
      document.title = `${guide.title || '办事指南'} - 宁夏住房公积金网上业务大厅`;
      return [
        h('p', { class: 'guide-meta', id: 'guide-meta' }, [guide.category_label, guide.center && guide.center !== 'all' ? centerName(guide.center) : '全区通用', updatedOf(guide) ? `更新于 ${date(updatedOf(guide))}` : null].filter(Boolean).join(' · ')),
        h('div', { class: 'markdown', id: 'guide-body' }, renderMarkdown(guide.body ?? guide.content ?? '')),
      ];
    },
  );
}

export const routes = [
  { path: '/guides', title: '办事指南', public: true, render: renderList },
  { path: '/guides/:id', title: '办事指南', public: true, render: renderGuide },
];
