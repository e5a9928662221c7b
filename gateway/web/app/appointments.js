// 提取预约 (the manual's withdrawal appointment flow): reason, branch, day and slot with places left; my appointments.

import { api, itemsOf, newIdempotencyKey, session } from './api.js';
import { h, loading, replace } from './dom.js';
import { announce, busy, field, showErrors, validate, values } from './forms.js';
import { confirmAction, keyValues, loadInto, pageTitle, subnav, table } from './layout.js';
import { centerField, loadBranches } from './centers.js';
import { href } from './router.js';
import { WITHDRAWAL_PAGES, loadReasons, materialsList, reasonName } from './withdrawal-reasons.js';

/** "2025-06-02T09:00:00+08:00" or "09:00:00" → "09:00", as the branch's wall clock says. */
function hhmm(value) {
  if (!value) return '';
  const m = /(?:T|^)(\d{2}:\d{2})/.exec(String(value));
  return m ? m[1] : String(value);
}

function slotLabel(slot) {
  return slot.label ?? `${hhmm(slot.start)}-${hhmm(slot.end)}`;
}

function renderBook({ page, query }) {
  let reasons = [];
  let slots = [];
  const claims = session.claims();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'appt-submit' }, '确认预约');
  const materials = h('div', { id: 'appt-materials-box', class: 'notice', 'aria-live': 'polite' });
  const slotArea = h('div', { id: 'appt-slots-area', 'aria-live': 'polite' });
  const result = h('div', { id: 'appt-result' });
  const reasonField = field({ name: 'reason', id: 'appt-reason', label: '提取原因', type: 'select', required: true, options: [{ value: '', label: '正在加载…' }] });
  const centre = centerField({ id: 'appt-center', name: 'center', label: '所属中心', value: claims.center || '' });
  const branchField = field({ name: 'branch_code', id: 'appt-branch', label: '办理网点', type: 'select', required: true, options: [{ value: '', label: '请先选择中心' }] });
  const dateField = field({
    name: 'date',
    id: 'appt-date',
    label: '预约日期',
    type: 'date',
    required: true,
    hint: '可预约近期的工作日',
  });
  const loadSlots = h('button', { type: 'button', class: 'btn btn-secondary', id: 'appt-load-slots' }, '查询可预约时段');
  const form = h(
    'form',
    { id: 'appt-form', class: 'form', novalidate: true },
    reasonField,
    materials,
    centre,
    branchField,
    dateField,
    h('div', { class: 'form-actions' }, loadSlots),
    slotArea,
    h('div', { class: 'form-actions' }, submit),
  );
  const reasonSelect = form.querySelector('#appt-reason');
  const centerSelect = form.querySelector('#appt-center');
  const branchSelect = form.querySelector('#appt-branch');
  const dateInput = form.querySelector('#appt-date');
  let idempotencyKey = newIdempotencyKey();
  let slotLooks = 0;
  form.addEventListener('input', () => {
    idempotencyKey = newIdempotencyKey();
  });

  function showMaterials() {
    const reason = reasons.find((r) => r.code === reasonSelect.value);
    if (!reason) replace(materials, h('p', {}, '选择提取项后，系统会告知您需携带的资料。'));
    else replace(materials, h('p', {}, h('strong', {}, `${reason.name}：办理时请携带`)), materialsList(reason.materials, 'appt-materials'));
  }

  async function showBranches() {
    replace(branchSelect, h('option', { value: '' }, centerSelect.value ? '正在加载网点…' : '请先选择中心'));
    replace(slotArea);
    if (!centerSelect.value) return;
    try {
      const list = await loadBranches(centerSelect.value);
      replace(branchSelect, h('option', { value: '' }, '请选择办理网点'), list.map((b) => h('option', { value: b.code }, `${b.name}（${b.address || ''}）`)));
    } catch (error) {
      branchField.querySelector('.field-error').textContent = `网点加载失败：${error.detail}`;
    }
  }

  /**
   * Loads the day's slots. After a refused booking (`keep`), the server's message stays on the form and the
   * slot the depositor chose stays chosen when it still has places, so the refusal is read, not wiped.
   */
  async function showSlots({ keep = false } = {}) {
    const chosen = keep ? hhmm(slots[Number(values(form).slot)]?.start) : null;
    if (!keep && !validate(form, { branch_code: (v) => (v ? null : '请选择办理网点'), date: (v) => (v ? null : '请选择预约日期') })) return;
    if (!keep) replace(slotArea, loading('正在查询可预约时段…'));
    // only the latest look answers: an earlier one (the date's change, then the button) must not arrive later
    // and wipe the slot the depositor has meanwhile chosen
    const look = ++slotLooks;
    try {
      const data = await api.get(`/withdrawals/branches/${encodeURIComponent(branchSelect.value)}/slots`, { date: dateInput.value });
      if (look !== slotLooks) return;
      slots = data.items;
      const choices = slotChoices(slots);
      if (chosen) {
        const radio = [...choices.querySelectorAll('input[name="slot"]')].find((r) => hhmm(slots[Number(r.value)].start) === chosen);
        if (radio && !radio.disabled) radio.checked = true;
      }
      replace(slotArea, choices);
    } catch (error) {
      if (look !== slotLooks) return;
      replace(slotArea);
      showErrors(form, error);
    }
  }

  // the days come from the server: today is China's today on the hall's clock, not the browser's
  api
    .get('/withdrawals/booking-window')
    .then((window) => {
      dateInput.min = window.first_day;
      dateInput.max = window.last_day;
      dateField.querySelector('.hint').textContent = `可预约今天起${window.max_days_ahead}天内的工作日`;
    })
    .catch(() => {});
  reasonSelect.addEventListener('change', showMaterials);
  centerSelect.addEventListener('change', showBranches);
  centerSelect.addEventListener('centers-loaded', showBranches);
  branchSelect.addEventListener('change', () => dateInput.value && showSlots());
  dateInput.addEventListener('change', () => branchSelect.value && showSlots());
  loadSlots.addEventListener('click', () => showSlots());
  loadReasons()
    .then((list) => {
      reasons = list;
      replace(reasonSelect, h('option', { value: '' }, '请选择提取原因'), list.map((r) => h('option', { value: r.code, selected: r.code === query.reason }, `${r.code} ${r.name}`)));
      showMaterials();
    })
    .catch((error) => {
      reasonField.querySelector('.field-error').textContent = `提取原因加载失败：${error.detail}`;
    });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const ok = validate(form, {
      reason: (v) => (v ? null : '请选择提取原因'),
      branch_code: (v) => (v ? null : '请选择办理网点'),
      date: (v) => (v ? null : '请选择预约日期'),
      slot: (v) => (v ? null : '请选择预约时段'),
    });
    if (!ok) return;
    const v = values(form);
    const slot = slots[Number(v.slot)];
    const body = { reason: v.reason, branch_code: v.branch_code, date: v.date, start: hhmm(slot.start) };
    busy(submit, async () => {
      try {
        const booked = await api.post('/withdrawals/appointments', body, { idempotent: idempotencyKey });
        const reason = reasons.find((r) => r.code === v.reason);
        replace(
          result,
          h(
            'section',
            { class: 'notice notice-success', id: 'appt-success', tabindex: '-1' },
            h('h2', {}, '预约成功'),
            keyValues([
              ['提取原因', reason ? reason.name : v.reason],
              ['办理网点', booked.branch_name || branchSelect.selectedOptions[0]?.textContent || v.branch_code],
              ['预约时间', `${v.date} ${slotLabel(slot)}`],
            ]),
            h('p', {}, '请在预约时间携带以下材料到网点办理：'),
            materialsList(booked.materials ?? reason?.materials, 'appt-success-materials'),
            h('a', { href: href('/withdrawals/mine'), class: 'btn btn-primary', id: 'appt-view-mine' }, '查看我的预约'),
          ),
        );
        form.hidden = true;
        announce('预约成功。', 'success');
        result.querySelector('#appt-success').focus();
      } catch (error) {
        showErrors(form, error);
        if (error.status === 409) showSlots({ keep: true });
      }
    });
  });

  page.append(
    pageTitle('预约办理'),
    subnav('我要提取', WITHDRAWAL_PAGES, '/withdrawals/appointment'),
    h('section', { class: 'card' }, h('p', { class: 'hint' }, '选择提取项后，预约办理时间及网点，并在预约时间携带相关资料到住房公积金业务大厅办理。'), result, form),
  );
}

/** The day's slots as radio buttons; a full slot is shown but cannot be chosen. */
function slotChoices(slots) {
  if (!slots.length) return h('p', { class: 'empty', id: 'appt-no-slots' }, '所选日期暂无可预约时段，请选择其他日期。');
  return h(
    'fieldset',
    { class: 'field slot-group', id: 'appt-slots', dataset: { field: 'slot' } },
    h('legend', {}, '预约时段'),
    h(
      'div',
      { class: 'slot-list' },
      slots.map((slot, index) => {
        const left = slot.places_left;
        const full = left <= 0;
        const id = `appt-slot-${index}`;
        return h(
          'span',
          { class: ['slot', full && 'slot-full'], dataset: { testid: 'slot', start: hhmm(slot.start) } },
          h('input', { type: 'radio', name: 'slot', value: String(index), id, disabled: full }),
          h('label', { for: id }, h('span', { class: 'slot-time' }, slotLabel(slot)), h('span', { class: 'slot-left', dataset: { testid: 'slot-left' } }, full ? '已约满' : `剩余 ${left} 个`)),
        );
      }),
    ),
    h('p', { class: 'field-error', dataset: { errorFor: 'slot' } }),
  );
}

/** My appointments with 取消预约 while still booked. */
export function appointmentList(container) {
  const reload = () =>
    loadInto(
      container,
      () => Promise.all([api.get('/withdrawals/appointments', { page: 1, page_size: 50 }), loadReasons().catch(() => [])]),
      ([data, reasons]) =>
        table(
          [
            { label: '预约日期', format: (a) => String(a.slot_start).slice(0, 10) },
            { label: '时段', format: (a) => slotLabel({ start: a.slot_start, end: a.slot_end }) },
            { label: '办理网点', format: (a) => a.branch_name },
            { label: '提取原因', format: (a) => reasonName(a, reasons) },
            { label: '状态', format: (a) => a.status_label },
            {
              label: '操作',
              cell: (a) =>
                a.can_cancel
                  ? h('button', { type: 'button', class: 'btn btn-light btn-small', dataset: { testid: 'appt-cancel', id: a.id }, on: { click: () => confirmCancel(a, reload) } }, '取消预约')
                  : '—',
            },
          ],
          itemsOf(data),
          { id: 'appt-table', caption: '我的预约', empty: '暂无预约' },
        ),
    );
  reload();
}

function confirmCancel(appointment, reload) {
  confirmAction({
    title: '取消预约',
    question: '确定要取消该预约吗？',
    confirmText: '确认取消',
    act: () => api.del(`/withdrawals/appointments/${encodeURIComponent(appointment.id)}`),
    done: () => {
      announce('预约已取消。', 'success');
      reload();
    },
  });
}

export const routes = [{ path: '/withdrawals/appointment', title: '预约办理', render: renderBook }];
