// The Action Graph as inline SVG: a layered layout, left to right. A node's layer is the longest path to it from a
// root (a node with no dependencies), so every edge points right; within a layer, nodes are ordered by the mean
// position of their dependencies (one barycentre pass) to keep edges from crossing.

import { svg } from './dom.js';

const W = 172;
const H = 66;
const GAP_X = 64;
const GAP_Y = 22;
const PAD = 18;

/** Layer of each node: 0 for roots, else 1 + the deepest dependency. Unknown dependencies are ignored; a cycle (never
 * valid in a plan) is cut where it is found rather than looping. */
export function layers(nodes) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const layer = new Map();
  const visiting = new Set();
  const depth = (id) => {
    if (layer.has(id)) return layer.get(id);
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const deps = (byId.get(id)?.dependsOn ?? []).filter((d) => byId.has(d));
    const value = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(depth));
    visiting.delete(id);
    layer.set(id, value);
    return value;
  };
  nodes.forEach((n) => depth(n.id));
  return layer;
}

/**
 * Positions of the nodes' boxes (top-left corners), the route of each edge and the drawing's size. An edge that spans
 * more than one layer passes through a reserved slot in every layer it crosses (a "dummy" node, as in Sugiyama's
 * method), so it never runs behind a box.
 */
export function layout(nodes) {
  const layerOf = layers(nodes);
  const known = new Set(nodes.map((n) => n.id));
  const columns = [];
  const preds = new Map(); // slot id -> the slots one layer to the left that lead into it
  const routes = new Map(); // "from\u0000to" -> dummy slot ids, left to right
  const put = (slot, layer) => (columns[layer] ??= []).push(slot);

  nodes.forEach((n) => put({ id: n.id }, layerOf.get(n.id)));
  for (const n of nodes) {
    const into = [];
    for (const d of new Set((n.dependsOn ?? []).filter((x) => known.has(x)))) {
      let previous = d;
      const chain = [];
      for (let l = layerOf.get(d) + 1; l < layerOf.get(n.id); l++) {
        const id = `\u0000${d}\u0000${n.id}\u0000${l}`;
        put({ id, dummy: true }, l);
        preds.set(id, [previous]);
        chain.push(id);
        previous = id;
      }
      routes.set(`${d}\u0000${n.id}`, chain);
      into.push(previous);
    }
    preds.set(n.id, into);
  }

  const rank = new Map();
  columns.forEach((column, l) => {
    if (l > 0) {
      const mean = (slot) => {
        const from = (preds.get(slot.id) ?? []).filter((p) => rank.has(p));
        return from.length === 0 ? Number.MAX_SAFE_INTEGER : from.reduce((sum, p) => sum + rank.get(p), 0) / from.length;
      };
      const keyed = column.map((slot, i) => ({ slot, key: mean(slot), i }));
      keyed.sort((a, b) => a.key - b.key || a.i - b.i);
      column.splice(0, column.length, ...keyed.map((k) => k.slot));
    }
    column.forEach((slot, i) => rank.set(slot.id, (i + 0.5) / column.length));
  });

  const count = Math.max(1, columns.length);
  const rows = Math.max(1, ...columns.map((c) => c.length));
  const height = PAD * 2 + rows * H + (rows - 1) * GAP_Y;
  const width = PAD * 2 + count * W + (count - 1) * GAP_X;
  const position = new Map();
  columns.forEach((column, l) => {
    const top = PAD + ((rows - column.length) * (H + GAP_Y)) / 2;
    column.forEach((slot, i) => position.set(slot.id, { x: PAD + l * (W + GAP_X), y: top + i * (H + GAP_Y), layer: l }));
  });
  return { position, routes, width, height, layers: count };
}

/** An edge's path: a curve between layers and a straight run through each slot it passes. */
function edgePath(from, to, via) {
  const points = [[from.x + W, from.y + H / 2]];
  for (const v of via) points.push([v.x, v.y + H / 2], [v.x + W, v.y + H / 2]);
  points.push([to.x, to.y + H / 2]);
  let d = `M${points[0][0]},${points[0][1]}`;
  for (let i = 1; i < points.length; i++) {
    const [x1, y1] = points[i - 1];
    const [x2, y2] = points[i];
    if (i % 2 === 0) {
      d += ` L${x2},${y2}`; // across a slot
    } else {
      const bend = Math.max(20, (x2 - x1) / 2);
      d += ` C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`;
    }
  }
  return d;
}

const clip = (text, max) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * The graph as an <svg>. Each node is a focusable button (click, Enter or Space calls onSelect with its id) coloured
 * by its status through the class status-{status}.
 */
export function renderDag(nodes, { selected, onSelect, changed = new Set(), title = 'Action Graph' } = {}) {
  const { position, routes, width, height } = layout(nodes);
  const drawing = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    class: 'dag',
    role: 'group',
    'aria-label': `${title}: ${nodes.length} steps. Select a step to see its details.`,
  });

  // Scales down to the width available, never up beyond its natural size.
  drawing.style.maxWidth = `${width}px`;
  drawing.style.minWidth = `${Math.min(width, 560)}px`;
  drawing.append(svg('defs', null,
    svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow' }))));

  const edges = svg('g', { class: 'edges', 'aria-hidden': 'true' });
  for (const n of nodes) {
    const to = position.get(n.id);
    for (const d of new Set(n.dependsOn ?? [])) {
      const from = position.get(d);
      if (!from || !to) continue;
      const via = (routes.get(`${d}\u0000${n.id}`) ?? []).map((id) => position.get(id));
      edges.append(svg('path', {
        d: edgePath(from, to, via),
        class: ['edge', `edge-${String(n.status).replace(/[^a-z_]/g, '')}`],
        'marker-end': 'url(#arrow)',
        dataset: { from: d, to: n.id },
      }));
    }
  }
  drawing.append(edges);

  for (const n of nodes) {
    const p = position.get(n.id);
    const status = String(n.status ?? 'pending').replace(/[^a-z_]/g, '');
    const differs = changed.has(n.id);
    const name = `${n.id}: ${n.tool}, ${status.replaceAll('_', ' ')}${n.requiresApproval ? ', requires approval' : ''}${differs ? ', differs from the original' : ''}`;
    const select = () => onSelect?.(n.id);
    const g = svg('g', {
      class: ['node', `status-${status}`, n.id === selected && 'selected', differs && 'changed'],
      transform: `translate(${p.x},${p.y})`,
      tabindex: 0,
      role: 'button',
      'aria-label': name,
      'aria-pressed': n.id === selected ? 'true' : 'false',
      dataset: differs ? { node: n.id, status, changed: 'true' } : { node: n.id, status },
      on: {
        click: select,
        keydown: (e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            select();
          }
        },
      },
    },
    svg('title', null, name),
    svg('rect', { width: W, height: H, rx: 9, ry: 9 }),
    svg('text', { x: 12, y: 21, class: 'node-id' }, clip(n.id, n.requiresApproval ? 13 : 19)),
    svg('text', { x: 12, y: 39, class: 'node-tool' }, clip(n.tool ?? '', 24)),
    svg('text', { x: 12, y: 56, class: 'node-status' }, status.replaceAll('_', ' ')));
    if (n.requiresApproval) {
      g.append(svg('g', { class: 'approval-tag', transform: `translate(${W - 66},8)` },
        svg('rect', { width: 58, height: 16, rx: 8, ry: 8 }),
        svg('text', { x: 29, y: 12, 'text-anchor': 'middle' }, 'approval')));
    }
    if (differs) {
      g.append(svg('g', { class: 'changed-tag', transform: `translate(${W - 66},${H - 22})` },
        svg('rect', { width: 58, height: 16, rx: 8, ry: 8 }),
        svg('text', { x: 29, y: 12, 'text-anchor': 'middle' }, 'changed')));
    }
    drawing.append(g);
  }

  return drawing;
}

/** The statuses a node can have, in the order the legend lists them. */
export const STATUSES = ['pending', 'running', 'awaiting_approval', 'approved', 'succeeded', 'failed', 'denied', 'timed_out', 'skipped', 'forbidden'];
