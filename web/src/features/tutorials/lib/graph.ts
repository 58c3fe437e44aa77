/**
 * The tutorial graph as the editor draws it: a layered layout (steps by
 * their distance from the start, outcomes one layer below the step that
 * leads to them, unreachable steps in a last layer), ordered within a layer
 * by their parents' positions to keep edges from crossing. Pure functions.
 */

/** The parts of a step the layout needs. */
export interface GraphStep {
  key: string;
  title: string;
  choices: { key: string; label: string; target: { type: string; step?: string } }[];
}

export interface LaidNode {
  id: string;
  /** `step` or an outcome type (`solved`, `open_ticket`, `article`). */
  kind: string;
  /** The step key (for outcomes: the step that leads there). */
  step: string;
  label: string;
  x: number;
  y: number;
  layer: number;
  reachable: boolean;
}

export interface LaidEdge {
  id: string;
  from: string;
  to: string;
  label: string;
  /** The choice this edge is. */
  step: string;
  choice: string;
  /** Goes back up (or sideways) in the layers: a loop. */
  back: boolean;
}

export interface Layout {
  nodes: LaidNode[];
  edges: LaidEdge[];
  width: number;
  height: number;
}

export const NODE_W = 180;
export const NODE_H = 52;
export const OUTCOME_W = 120;
const GAP_X = 36;
const GAP_Y = 84;
const MARGIN = 24;

const outcomeId = (step: string, choice: string) => `out:${step}:${choice}`;

/** Lays out `steps` from `start`. */
export function layout(steps: GraphStep[], start: string): Layout {
  const byKey = new Map(steps.map((s) => [s.key, s]));
  const layerOf = new Map<string, number>();
  const queue: string[] = [];
  if (byKey.has(start)) {
    layerOf.set(start, 0);
    queue.push(start);
  }
  while (queue.length) {
    const key = queue.shift() as string;
    for (const c of byKey.get(key)?.choices ?? []) {
      const to = c.target.type === 'step' ? c.target.step : undefined;
      if (to && byKey.has(to) && !layerOf.has(to)) {
        layerOf.set(to, (layerOf.get(key) ?? 0) + 1);
        queue.push(to);
      }
    }
  }
  const deepest = Math.max(-1, ...layerOf.values());
  const nodes: Omit<LaidNode, 'x' | 'y'>[] = [];
  for (const s of steps) {
    const reachable = layerOf.has(s.key);
    nodes.push({ id: s.key, kind: 'step', step: s.key, label: s.title || s.key, layer: reachable ? (layerOf.get(s.key) as number) : deepest + 2, reachable });
  }
  const edges: LaidEdge[] = [];
  for (const s of steps) {
    const from = nodes.find((n) => n.id === s.key);
    for (const c of s.choices) {
      if (c.target.type === 'step') {
        const to = c.target.step ?? '';
        if (!byKey.has(to)) continue;
        const target = nodes.find((n) => n.id === to);
        edges.push({ id: `${s.key}:${c.key}`, from: s.key, to, label: c.label, step: s.key, choice: c.key, back: (target?.layer ?? 0) <= (from?.layer ?? 0) });
      } else {
        const id = outcomeId(s.key, c.key);
        nodes.push({ id, kind: c.target.type, step: s.key, label: c.label, layer: (from?.layer ?? 0) + 1, reachable: from?.reachable ?? false });
        edges.push({ id: `${s.key}:${c.key}`, from: s.key, to: id, label: c.label, step: s.key, choice: c.key, back: false });
      }
    }
  }
  // Order each layer by the mean position of its parents (one sweep down).
  const layers = new Map<number, typeof nodes>();
  for (const n of nodes) layers.set(n.layer, [...(layers.get(n.layer) ?? []), n]);
  const order = new Map<string, number>();
  const sortedLayers = [...layers.keys()].sort((a, b) => a - b);
  for (const l of sortedLayers) {
    const row = layers.get(l) ?? [];
    const weight = (n: (typeof nodes)[number]) => {
      const parents = edges.filter((e) => e.to === n.id && !e.back).map((e) => order.get(e.from)).filter((v): v is number => v !== undefined);
      return parents.length ? parents.reduce((a, b) => a + b, 0) / parents.length : Number.MAX_SAFE_INTEGER;
    };
    const weighted = row.map((n, i) => ({ n, w: weight(n), i }));
    weighted.sort((a, b) => a.w - b.w || a.i - b.i);
    weighted.forEach(({ n }, i) => order.set(n.id, i));
    layers.set(l, weighted.map((w) => w.n));
  }
  const rowWidth = (row: typeof nodes) => row.reduce((sum, n) => sum + (n.kind === 'step' ? NODE_W : OUTCOME_W) + GAP_X, -GAP_X);
  const width = Math.max(NODE_W, ...[...layers.values()].map(rowWidth)) + 2 * MARGIN;
  const laid: LaidNode[] = [];
  sortedLayers.forEach((l, li) => {
    const row = layers.get(l) ?? [];
    let x = (width - rowWidth(row)) / 2;
    for (const n of row) {
      const w = n.kind === 'step' ? NODE_W : OUTCOME_W;
      laid.push({ ...n, x, y: MARGIN + li * (NODE_H + GAP_Y) });
      x += w + GAP_X;
    }
  });
  const height = MARGIN * 2 + sortedLayers.length * (NODE_H + GAP_Y) - GAP_Y;
  return { nodes: laid, edges, width, height: Math.max(height, NODE_H + 2 * MARGIN) };
}

/** The width of a laid node. */
export const widthOf = (n: LaidNode) => (n.kind === 'step' ? NODE_W : OUTCOME_W);

/** The step index a problem's JSON pointer is about (`/steps/2/…` → 2). */
export function stepOfPointer(pointer: string): number | null {
  const m = /^\/steps\/(\d+)(\/|$)/.exec(pointer);
  return m ? Number(m[1]) : null;
}
