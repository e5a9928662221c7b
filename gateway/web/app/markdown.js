// A safe Markdown subset for service guides, built as DOM nodes: no HTML from the text ever reaches the page.
//
// Blocks: # headings, paragraphs, - / * / 1. lists, > quotes, ``` code, --- rules, | tables |.
// Inline: **bold**, *italic*, `code`, [text](url) for http(s), mailto, tel and in-app #/ links only.

import { h } from './dom.js';

const SAFE_URL = /^(https?:\/\/|mailto:|tel:|#\/)/i;

function inline(text) {
  const out = [];
  const pattern = /(\*\*([^*]+)\*\*|`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)|\*([^*]+)\*)/g;
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[2] !== undefined) out.push(h('strong', {}, inline(m[2])));
    else if (m[3] !== undefined) out.push(h('code', {}, m[3]));
    else if (m[4] !== undefined) {
      out.push(SAFE_URL.test(m[5]) ? h('a', { href: m[5], rel: 'noopener noreferrer' }, inline(m[4])) : inline(m[4]));
    } else if (m[6] !== undefined) out.push(h('em', {}, inline(m[6])));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function tableCells(line) {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
}

const LIST_ITEM = /^\s*([-*+]|\d+[.、)])\s+(.*)$/;

/** Markdown text → a DocumentFragment of safe elements. */
export function renderMarkdown(source) {
  const lines = String(source || '').replace(/\r\n?/g, '\n').split('\n');
  const fragment = document.createDocumentFragment();
  // The article's shallowest heading becomes an h2 (the page's own title is the h1), so a guide written from
  // "##" on still has no gap in its heading levels for a screen reader's outline.
  const depths = lines.map((line) => /^(#{1,6})\s/.exec(line)?.[1].length).filter(Boolean);
  const shift = 2 - (depths.length ? Math.min(...depths) : 1);
  let section = '';
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i += 1;
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const level = Math.min(heading[1].length + shift, 6);
      section = heading[2].replace(/\s#+\s*$/, '').replace(/[*`]/g, '');
      fragment.append(h(`h${level}`, {}, inline(heading[2].replace(/\s#+\s*$/, ''))));
      i += 1;
    } else if (/^```/.test(line)) {
      const code = [];
      i += 1;
      while (i < lines.length && !/^```/.test(lines[i])) code.push(lines[i++]);
      i += 1;
      fragment.append(h('pre', {}, h('code', {}, code.join('\n'))));
    } else if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      fragment.append(h('hr'));
      i += 1;
    } else if (/^\s*>/.test(line)) {
      const quote = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) quote.push(lines[i++].replace(/^\s*>\s?/, ''));
      fragment.append(h('blockquote', {}, renderMarkdown(quote.join('\n'))));
    } else if (/^\s*\|.*\|\s*$/.test(line) && /^\s*\|?\s*:?-{2,}/.test(lines[i + 1] || '')) {
      const head = tableCells(line);
      i += 2;
      const rows = [];
      while (i < lines.length && /^\s*\|.*\|\s*$/.test(lines[i])) rows.push(tableCells(lines[i++]));
      // a screen reader names the table after the section it stands in
      const caption = section ? `${section}（表格）` : '表格';
      fragment.append(
        h(
          'div',
          { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
          h('table', { class: 'data-table' }, h('caption', { class: 'visually-hidden' }, caption), h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, inline(c))))), h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, inline(c))))))),
        ),
      );
    } else if (LIST_ITEM.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const items = [];
      while (i < lines.length && LIST_ITEM.test(lines[i]) && /^\s*\d/.test(lines[i]) === ordered) {
        const parts = [LIST_ITEM.exec(lines[i])[2]];
        i += 1;
        // An indented line continues the item.
        while (i < lines.length && /^\s{2,}\S/.test(lines[i]) && !LIST_ITEM.test(lines[i])) parts.push(lines[i++].trim());
        items.push(h('li', {}, inline(parts.join(' '))));
      }
      fragment.append(h(ordered ? 'ol' : 'ul', {}, items));
    } else {
      const para = [];
      while (i < lines.length && lines[i].trim() && !/^(#{1,6}\s|```|\s*>)/.test(lines[i]) && !LIST_ITEM.test(lines[i])) para.push(lines[i++].trim());
      if (!para.length) para.push(lines[i++].trim());
      fragment.append(h('p', {}, inline(para.join(''))));
    }
  }
  return fragment;
}
