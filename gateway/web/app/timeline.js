// The vertical progress timeline of a loan or withdrawal application: steps done, with time, who and opinion, then
// the steps still ahead. Every label comes from the service (state_label/label, role_label/by, steps_ahead).

import { h } from './dom.js';
import { dateTime } from './format.js';

/**
 * entries: the service's timeline, oldest first ({state|step, state_label|label, at, role_label|by, opinion});
 * ahead: the service's steps_ahead [{state, label}], empty once the case has ended.
 */
export function progressTimeline(entries, { ahead = [], id = 'progress-timeline' } = {}) {
  const done = [...(entries || [])].sort((a, b) => String(a.at || '').localeCompare(String(b.at || '')));
  return h(
    'ol',
    { class: 'timeline', id, 'aria-label': '办理进度' },
    done.map((entry, index) => {
      const state = entry.state ?? entry.step;
      const bad = state === 'rejected' || state === 'cancelled';
      const who = entry.role_label ?? entry.by;
      return h(
        'li',
        { class: ['tl-item', 'tl-done', bad && 'tl-bad', index === done.length - 1 && 'tl-current'], dataset: { testid: 'timeline-entry', state } },
        h('span', { class: 'tl-marker', 'aria-hidden': 'true' }),
        h(
          'div',
          { class: 'tl-content' },
          h('p', { class: 'tl-state' }, entry.state_label ?? entry.label),
          h('p', { class: 'tl-meta' }, dateTime(entry.at), who ? ` · ${who}` : ''),
          entry.opinion ? h('p', { class: 'tl-opinion' }, `意见：${entry.opinion}`) : null,
        ),
      );
    }),
    ahead.map((step) =>
      h(
        'li',
        { class: 'tl-item tl-pending', dataset: { testid: 'timeline-pending', state: step.state } },
        h('span', { class: 'tl-marker', 'aria-hidden': 'true' }),
        h('div', { class: 'tl-content' }, h('p', { class: 'tl-state' }, step.label), h('p', { class: 'tl-meta' }, '待办理')),
      ),
    ),
  );
}
