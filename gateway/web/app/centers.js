// The centre directory (centres and their branches), loaded once and shared by every page.

import { api, itemsOf } from './api.js';
import { h, replace } from './dom.js';
import { field } from './forms.js';
import { rememberCenters } from './format.js';

let centers = null;
const branches = new Map();

export function loadCenters() {
  centers ??= api
    .get('/accounts/centers', null, { auth: false })
    .then((data) => {
      const list = itemsOf(data);
      rememberCenters(list);
      return list;
    })
    .catch((error) => {
      centers = null;
      throw error;
    });
  return centers;
}

export function loadBranches(code) {
  if (!branches.has(code)) {
    branches.set(
      code,
      api.get(`/accounts/centers/${encodeURIComponent(code)}/branches`, null, { auth: false }).then(itemsOf).catch((error) => {
        branches.delete(code);
        throw error;
      }),
    );
  }
  return branches.get(code);
}

const LAST_CENTER_KEY = 'nxhall.lastCenter';

export function lastCenter() {
  try {
    return localStorage.getItem(LAST_CENTER_KEY) || '';
  } catch {
    return '';
  }
}

export function rememberLastCenter(code) {
  try {
    localStorage.setItem(LAST_CENTER_KEY, code);
  } catch {
    // Not essential: the select simply starts empty next time.
  }
}

/** The 所属中心 select, filled when the directory arrives; a failed load shows beside the field. */
export function centerField({ id, name = 'center', value = lastCenter(), label = '所属中心', required = true, allowAll = false }) {
  const wrapper = field({
    name,
    id,
    label,
    type: 'select',
    required,
    options: [{ value: '', label: allowAll ? '全部中心' : '请选择所属中心' }],
  });
  const select = wrapper.querySelector('select');
  loadCenters()
    .then((list) => {
      replace(
        select,
        h('option', { value: '' }, allowAll ? '全部中心' : '请选择所属中心'),
        list.map((c) => h('option', { value: c.code, selected: c.code === value }, c.name)),
      );
      select.dispatchEvent(new Event('centers-loaded'));
    })
    .catch((error) => {
      wrapper.querySelector('.field-error').textContent = `中心列表加载失败：${error.detail}`;
    });
  return wrapper;
}
