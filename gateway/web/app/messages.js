// 消息中心: in-app messages sent at each business step, with the unread count and marking read.

import { api, itemsOf } from './api.js';
import { h, loading, replace } from './dom.js';
import { announce } from './forms.js';
import { dateTime } from './format.js';
import { lastPage, pageTitle, pagination } from './layout.js';
import { navigate } from './router.js';

const PAGE_SIZE = 10;

function isUnread(message) {
  if ('read' in message) return !message.read;
  if ('is_read' in message) return !message.is_read;
  return !message.read_at;
}

function renderMessages({ page, query }) {
  let pageNo = Number(query.page) || 1;
  const counter = h('p', { class: 'unread-count', id: 'message-unread-count', role: 'status' });
  const area = h('div', { id: 'message-area' });
  page.append(pageTitle('消息中心'), h('section', { class: 'card' }, counter, area));
  let unread = 0;

  function showCount(n) {
    unread = Math.max(0, Number(n) || 0);
    counter.textContent = `未读消息 ${unread} 条`;
    window.dispatchEvent(new CustomEvent('unread-changed', { detail: unread }));
  }

  async function markRead(message, item, button) {
    button.disabled = true;
    try {
      await api.post(`/notifications/me/${encodeURIComponent(message.id)}/read`, {});
      item.classList.remove('unread');
      item.querySelector('.message-state').textContent = '已读';
      button.remove();
      showCount(unread - 1);
      announce('已标为已读。', 'success');
    } catch (error) {
      button.disabled = false;
      announce(error.detail, 'error');
    }
  }

  async function load() {
    replace(area, loading('正在加载…'));
    try {
      const data = await api.get('/notifications/me', { page: pageNo, page_size: PAGE_SIZE });
      const last = lastPage(data.total, data.page_size ?? PAGE_SIZE);
      if (pageNo > last && data.total > 0) {
        pageNo = last; // ?page=999: the last page
        return load();
      }
      const messages = itemsOf(data);
      showCount(data.unread ?? data.unread_count ?? messages.filter(isUnread).length);
      if (!messages.length) {
        replace(area, h('p', { class: 'empty', id: 'message-empty' }, '暂无消息'));
        return;
      }
      replace(
        area,
        h(
          'ul',
          { class: 'message-list', id: 'message-list' },
          messages.map((m) => {
            const unreadNow = isUnread(m);
            const item = h(
              'li',
              { class: ['message', unreadNow && 'unread'], dataset: { testid: 'message', id: m.id } },
              h(
                'div',
                { class: 'message-head' },
                h('span', { class: 'message-state' }, unreadNow ? '未读' : '已读'),
                h('h2', { class: 'message-title' }, m.title || m.subject || '系统消息'),
                h('span', { class: 'message-time' }, dateTime(m.created_at || m.sent_at || m.time)),
              ),
              h('p', { class: 'message-body' }, m.body ?? m.text ?? m.content ?? ''),
            );
            if (unreadNow) {
              const button = h('button', { type: 'button', class: 'btn btn-light btn-small', dataset: { testid: 'message-read', id: m.id } }, '标为已读');
              button.addEventListener('click', () => markRead(m, item, button));
              item.append(button);
            }
            return item;
          }),
        ),
        pagination({ total: data.total ?? messages.length, page: data.page ?? pageNo, page_size: data.page_size ?? PAGE_SIZE }, (p) => navigate('/messages', { page: p }), 'message-pager'),
      );
    } catch (error) {
      replace(area, h('div', { class: 'error-box', role: 'alert' }, error.detail));
    }
  }
  load();
}

export const routes = [{ path: '/messages', title: '消息中心', render: renderMessages }];
