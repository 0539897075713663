// DOM building without innerHTML: every piece of text from the API becomes a text node, so nothing it contains is
// ever parsed as markup. Attributes are set with setAttribute (values are never markup either).

const SVG = 'http://www.w3.org/2000/svg';

function build(element, attrs, children) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'on') {
      for (const [event, handler] of Object.entries(value)) element.addEventListener(event, handler);
    } else if (name === 'dataset') {
      for (const [key, v] of Object.entries(value)) element.dataset[key] = String(v);
    } else if (name === 'class') {
      element.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : String(value));
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An HTML element: h('a', { href: '#/x', class: 'link' }, 'text', otherNode). */
export const h = (tag, attrs, ...children) => build(document.createElement(tag), attrs, children);

/** An SVG element. */
export const svg = (tag, attrs, ...children) => build(document.createElementNS(SVG, tag), attrs, children);

export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

// Formatting. Times from the API are ISO 8601 in UTC with up to 7 fractional digits.

const ISO = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d+))?Z?$/;

export function parseTime(iso) {
  const m = typeof iso === 'string' ? ISO.exec(iso) : null;
  if (!m) return null;
  const ms = Date.parse(`${m[1]}T${m[2]}.${(m[3] ?? '0').padEnd(3, '0').slice(0, 3)}Z`);
  return Number.isNaN(ms) ? null : ms;
}

/** "2026-11-26 10:05:26 UTC" in a <time> element carrying the exact value. */
export function time(iso, { precise = false } = {}) {
  const m = typeof iso === 'string' ? ISO.exec(iso) : null;
  if (!m) return h('span', { class: 'muted' }, '—');
  const text = precise ? `${m[2]}.${(m[3] ?? '0').padEnd(3, '0').slice(0, 3)}` : `${m[1]} ${m[2]} UTC`;
  return h('time', { datetime: iso, title: iso }, text);
}

export function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function between(fromIso, toIso) {
  const a = parseTime(fromIso);
  const b = parseTime(toIso);
  return a === null || b === null ? null : b - a;
}

export const integer = (n) => (typeof n === 'number' ? n.toLocaleString('en-US') : '—');

export function usd(n) {
  if (typeof n !== 'number') return '—';
  if (n === 0) return '$0';
  return n < 0.01 ? `$${n.toFixed(6).replace(/0+$/, '')}` : `$${n.toFixed(4)}`;
}

export const label = (snake) => String(snake ?? '').replaceAll('_', ' ');

/** A status or decision as a coloured badge; the class is derived from a closed set of characters only. */
export function badge(value, kind = 'status') {
  const safe = String(value ?? 'unknown').toLowerCase().replace(/[^a-z0-9_-]/g, '');
  return h('span', { class: ['badge', `${kind}-${safe}`] }, label(value ?? 'unknown'));
}

/** JSON text pretty-printed when it parses, as it is otherwise. */
export function prettyJson(text) {
  if (typeof text !== 'string') return JSON.stringify(text, null, 2);
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** A definition list from [term, value] pairs; pairs whose value is null or undefined are left out. */
export function facts(pairs, attrs) {
  const list = h('dl', { class: 'facts', ...attrs });
  for (const [term, value] of pairs) {
    if (value === null || value === undefined) continue;
    list.append(h('dt', null, term), h('dd', null, value));
  }
  return list;
}

export const shortHash = (sha) => (typeof sha === 'string' && sha.length > 12 ? `${sha.slice(0, 12)}…` : sha ?? '');
