// @ts-check
/** Small DOM helpers: build elements without HTML strings (no innerHTML, nothing for the CSP to block). */

/** @typedef {string | number | Node | null | undefined | false} Child */
/** @typedef {Record<string, string | number | boolean | undefined | ((ev: Event) => void)>} Attrs */

/**
 * Creates an element: `attrs` sets attributes (`on*` functions become listeners, `true` an empty
 * attribute, `false`/undefined nothing); children are nodes or text.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * Creates an SVG element (presentation attributes are not style attributes: the CSP allows them).
 * @param {string} tag
 * @param {Attrs} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {SVGElement}
 */
export function svg(tag, attrs = {}, ...children) {
  const el = /** @type {SVGElement} */ (document.createElementNS(SVG_NS, tag));
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/**
 * @param {Element} el
 * @param {Attrs} attrs
 */
function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== undefined && v !== false) el.setAttribute(k, String(v));
  }
}

/**
 * @param {Element} el
 * @param {(Child | Child[])[]} children
 */
function append(el, children) {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
}

/**
 * A table with a caption, column headers (`<th scope="col">`) and rows whose first cell is a row
 * header (`<th scope="row">`); an empty list shows `empty` in one cell.
 * @param {string} caption
 * @param {string[]} headers
 * @param {Child[][]} rows
 * @param {string} empty
 * @returns {HTMLElement}
 */
export function table(caption, headers, rows, empty) {
  const body =
    rows.length === 0
      ? [h('tr', {}, h('td', { colspan: headers.length, class: 'empty' }, empty))]
      : rows.map((cells) =>
          h(
            'tr',
            {},
            cells.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c))),
          ),
        );
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', {}, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headers.map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h('tbody', {}, body),
    ),
  );
}

/**
 * A coloured status badge with its text (colour is never the only signal).
 * @param {string} text
 * @param {'ok' | 'warn' | 'bad' | 'info'} tone
 * @returns {HTMLElement}
 */
export function badge(text, tone) {
  return h('span', { class: `badge ${tone}` }, text);
}

/**
 * "3m ago"-style age of an RFC 3339 time, with the exact time in a `<time>` element.
 * @param {string | undefined} iso
 * @returns {Child}
 */
export function age(iso) {
  if (!iso) return '—';
  const ms = Date.now() - Date.parse(iso);
  const s = Math.max(0, Math.round(ms / 1000));
  const text =
    s < 60
      ? `${String(s)}s ago`
      : s < 3600
        ? `${String(Math.floor(s / 60))}m ago`
        : s < 86400
          ? `${String(Math.floor(s / 3600))}h ago`
          : `${String(Math.floor(s / 86400))}d ago`;
  return h('time', { datetime: iso, title: iso }, text);
}
