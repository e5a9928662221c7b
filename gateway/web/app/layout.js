// Page building blocks shared by every page: headings, sub-navigation, key-value lists, tables, dialogs.

import { h, loading, replace } from './dom.js';
import { FIELD_LABELS, formatField } from './format.js';
import { href } from './router.js';

/** The page heading; the router focuses it after navigation. */
export function pageTitle(text, id = 'page-title') {
  return h('h1', { id, class: 'page-title' }, text);
}

/** Links between the pages of a group; the current one carries aria-current. */
export function subnav(label, items, current) {
  return h(
    'nav',
    { class: 'subnav', 'aria-label': label },
    h(
      'ul',
      {},
      items.map((item) =>
        h(
          'li',
          {},
          h(
            'a',
            { href: href(item.path), id: item.id, 'aria-current': item.path === current ? 'page' : null },
            item.label,
          ),
        ),
      ),
    ),
  );
}

/** A definition list from [label, value, testid?] pairs. */
export function keyValues(pairs, attrs = {}) {
  return h(
    'dl',
    { class: 'kv', ...attrs },
    pairs.map(([term, value, testid]) =>
      h('div', { class: 'kv-row' }, h('dt', {}, term), h('dd', { dataset: testid ? { testid } : null }, value)),
    ),
  );
}

/**
 * Pairs for keyValues from a record: the listed keys first, then any other scalar field that has a
 * Chinese label. Nested objects (e.g. employer) are flattened one level.
 */
export function describe(record, keys = [], labels = {}) {
  const flat = {};
  for (const [key, value] of Object.entries(record || {})) {
    if (Array.isArray(value)) continue;
    if (value && typeof value === 'object') {
      // Only a nested object's name and the fields that mean something on their own are shown here;
      // whole sub-records (such as a loan's house) get their own section.
      if ('name' in value) flat[key] = value.name;
      for (const [inner, alias] of Object.entries(NESTED_ALIASES[key] || {})) {
        if (value[inner] !== undefined && value[inner] !== null) flat[alias] ??= value[inner];
      }
    } else {
      flat[key] = value;
    }
  }
  const allLabels = { ...FIELD_LABELS, ...labels };
  const order = [...keys, ...Object.keys(flat).filter((k) => !keys.includes(k))];
  const pairs = [];
  for (const key of order) {
    if (!(key in flat) || !allLabels[key] || key.endsWith('_label')) continue;
    // A code with its name beside it (entrusted_bank + entrusted_bank_name) shows once, as the name.
    if (flat[`${key}_name`] && allLabels[`${key}_name`]) continue;
    // Services send Chinese labels for their codes (status_label, method_label); those win.
    const text = flat[`${key}_label`] || formatField(key, flat[key]);
    pairs.push([allLabels[key], text, `field-${key}`]);
  }
  return pairs;
}

// Nested fields that mean something else once flattened (employer.account_no is the unit account).
const NESTED_ALIASES = {
  employer: { account_no: 'unit_account_no', unit_account_no: 'unit_account_no', ratio: 'employer_ratio' },
};

/** A table; columns [{key, label, format?(row), cell?(row) → node, numeric?}]. */
export function table(columns, rows, { id, caption, empty = '暂无记录' } = {}) {
  if (!rows.length) return h('p', { class: 'empty', id: id ? `${id}-empty` : null }, empty);
  return h(
    'div',
    { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption || '数据表格' },
    h(
      'table',
      { id, class: 'data-table' },
      h('caption', { class: 'visually-hidden' }, caption || '数据表格'),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : null }, c.label)))),
      h(
        'tbody',
        {},
        rows.map((row, index) =>
          h(
            'tr',
            { dataset: { testid: 'row', rowId: row.id ?? index } },
            columns.map((c) =>
              h(
                'td',
                { class: c.numeric ? 'num' : null, dataset: { label: c.label } },
                c.cell ? c.cell(row) : c.format ? c.format(row) : row[`${c.key}_label`] || formatField(c.key, row[c.key]),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

/** 上一页 / 第 x / y 页 / 下一页, for {total, page, page_size}. */
/** The last page of `total` rows, `size` a page (1 when there are none): a page past it shows the last. */
export function lastPage(total, size = 10) {
  return Math.max(1, Math.ceil((Number(total) || 0) / (size || 10)));
}

export function pagination({ total = 0, page: asked = 1, page_size: size = 10 }, onPage, idPrefix = 'pager') {
  const pages = lastPage(total, size);
  const page = Math.min(Math.max(1, Number(asked) || 1), pages);
  if (total <= 0) return null;
  return h(
    'nav',
    { class: 'pager', 'aria-label': '分页', id: idPrefix },
    h('button', { type: 'button', class: 'btn btn-light', id: `${idPrefix}-prev`, disabled: page <= 1, on: { click: () => onPage(page - 1) } }, '上一页'),
    h('span', { class: 'pager-info', id: `${idPrefix}-info` }, `第 ${page} / ${pages} 页，共 ${total} 条`),
    h('button', { type: 'button', class: 'btn btn-light', id: `${idPrefix}-next`, disabled: page >= pages, on: { click: () => onPage(page + 1) } }, '下一页'),
  );
}

/**
 * A modal <dialog>: Escape and 关闭 close it, and focus returns to the control that opened it.
 * Returns {dialog, body, close}.
 */
export function openDialog({ title, id = 'detail-dialog', content = null, actions = [] }) {
  document.getElementById(id)?.remove();
  const opener = document.activeElement;
  const body = h('div', { class: 'dialog-body', id: `${id}-body` }, content);
  const headingId = `${id}-title`;
  const dialog = h(
    'dialog',
    { id, class: 'dialog', 'aria-labelledby': headingId },
    h('div', { class: 'dialog-head' }, h('h2', { id: headingId }, title)),
    body,
    h(
      'div',
      { class: 'dialog-actions' },
      actions,
      h('button', { type: 'button', class: 'btn btn-light', id: `${id}-close`, on: { click: () => close() } }, '关闭'),
    ),
  );
  function close() {
    if (dialog.open) dialog.close();
  }
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (opener && opener.isConnected) opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, body, close };
}

/** The registration/recovery step bar: [labels], index of the current step. */
export function stepBar(labels, current, id = 'step-bar') {
  return h(
    'ol',
    { class: 'step-bar', id, 'aria-label': `办理步骤，共${labels.length}步，当前第${current + 1}步` },
    labels.map((text, index) =>
      h(
        'li',
        {
          class: ['step', index < current && 'done', index === current && 'current'],
          'aria-current': index === current ? 'step' : null,
          dataset: { step: index + 1 },
        },
        h('span', { class: 'step-no', 'aria-hidden': 'true' }, index < current ? '✓' : index + 1),
        h('span', { class: 'step-text' }, text),
        // what the ✓ and the colours show, spoken: 已完成 / 当前步骤 / 未开始
        h('span', { class: 'visually-hidden' }, index < current ? '（已完成）' : index === current ? '（当前步骤）' : '（未开始）'),
      ),
    ),
  );
}

/** Fills a container with a loading note, runs `load`, then shows what it builds or the error. */
export async function loadInto(container, load, build, onError) {
  replace(container, loading('正在加载…'));
  try {
    const data = await load();
    replace(container, build(data));
    return data;
  } catch (error) {
    replace(container, h('div', { class: 'error-box', role: 'alert' }, error.detail || String(error)));
    if (onError) onError(error);
    return null;
  }
}

/**
 * The one confirm dialog (撤销申请, 取消预约): `act()` runs on 确认; its refusal shows in the dialog, in the service's
 * words, and the button may be pressed again; on success the dialog closes and `done()` follows.
 */
export function confirmAction({ title, question, confirmText, act, done }) {
  const confirm = h('button', { type: 'button', class: 'btn btn-danger', id: 'cancel-confirm' }, confirmText);
  const { body, close } = openDialog({ title, id: 'cancel-dialog', content: h('p', {}, question), actions: [confirm] });
  confirm.addEventListener('click', async () => {
    confirm.disabled = true;
    try {
      await act();
      close();
      done();
    } catch (error) {
      confirm.disabled = false;
      replace(body, h('div', { class: 'error-box', role: 'alert' }, error.detail));
    }
  });
}
