// The vertical progress timeline of a loan or withdrawal application: steps done, with time, role and opinion, then steps to come.

import { h } from './dom.js';
import { dateTime, label, ROLE } from './format.js';

const ENDED = new Set(['rejected', 'cancelled', 'paid_off', 'paid', 'missed']);

function entryState(entry) {
  return entry.state ?? entry.step ?? entry.status ?? entry.to;
}

/** Who acted: the service's Chinese role label, our label of the role code, or its own "by" text. */
function actorText(entry) {
  if (entry.role_label) return entry.role_label;
  if (entry.role) return label(ROLE, entry.role);
  return entry.by || '';
}

function entryTime(entry) {
  return entry.time ?? entry.at ?? entry.occurred_at ?? entry.created_at;
}

/**
 * entries: [{state, time, role, opinion}] oldest first; flow: the states in order, so the steps still
 * ahead show greyed out unless the case has ended.
 */
export function progressTimeline(entries, { flow = [], statusMap = {}, id = 'progress-timeline', status } = {}) {
  const sorted = [...(entries || [])].sort((a, b) => String(entryTime(a) || '').localeCompare(String(entryTime(b) || '')));
  const last = entryState(sorted[sorted.length - 1] || {}) || status;
  const ended = ENDED.has(status) || ENDED.has(last);
  const reachedIndex = Math.max(...sorted.map((e) => flow.indexOf(entryState(e))), flow.indexOf(status), -1);
  const ahead = ended ? [] : flow.slice(reachedIndex + 1);
  return h(
    'ol',
    { class: 'timeline', id, 'aria-label': '办理进度' },
    sorted.map((entry, index) => {
      const state = entryState(entry);
      const bad = state === 'rejected' || state === 'cancelled';
      return h(
        'li',
        { class: ['tl-item', 'tl-done', bad && 'tl-bad', index === sorted.length - 1 && 'tl-current'], dataset: { testid: 'timeline-entry', state } },
        h('span', { class: 'tl-marker', 'aria-hidden': 'true' }),
        h(
          'div',
          { class: 'tl-content' },
          h('p', { class: 'tl-state' }, entry.state_label || entry.label || label(statusMap, state)),
          h('p', { class: 'tl-meta' }, dateTime(entryTime(entry)), actorText(entry) ? ` · ${actorText(entry)}` : ''),
          entry.opinion ? h('p', { class: 'tl-opinion' }, `意见：${entry.opinion}`) : null,
        ),
      );
    }),
    ahead.map((state) =>
      h(
        'li',
        { class: 'tl-item tl-pending', dataset: { testid: 'timeline-pending', state } },
        h('span', { class: 'tl-marker', 'aria-hidden': 'true' }),
        h('div', { class: 'tl-content' }, h('p', { class: 'tl-state' }, label(statusMap, state)), h('p', { class: 'tl-meta' }, '待办理')),
      ),
    ),
  );
}
