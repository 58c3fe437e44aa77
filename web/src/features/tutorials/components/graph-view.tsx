/**
 * The tutorial as a diagram: steps as boxes in layers from the start,
 * outcomes as pills, choices as labelled arrows (loops curve back on the
 * side). Click a step (or an outcome, for the step it ends) to edit it;
 * steps with problems are outlined in red. Plain SVG, laid out by `layout`.
 */
import { useMemo } from 'react';
import { layout, NODE_H, widthOf, type GraphStep, type LaidNode } from '../lib/graph';

const SOLVED = { fill: '#e6f6ea', stroke: '#2f9e44', text: 'Solved' };
const OUTCOME_STYLE: Record<string, { fill: string; stroke: string; text: string }> = {
  solved: SOLVED,
  open_ticket: { fill: '#fff4e6', stroke: '#e8590c', text: 'Open a ticket' },
  article: { fill: '#e7f5ff', stroke: '#1971c2', text: 'Article' },
};

function truncate(s: string, n: number) {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export interface GraphViewProps {
  steps: GraphStep[];
  start: string;
  selected: string | null;
  /** Step keys with validation problems. */
  invalid: Set<string>;
  /** Runs that reached each step (analytics), when shown. */
  reached?: Record<string, number>;
  onSelect: (stepKey: string) => void;
}

export function GraphView({ steps, start, selected, invalid, reached, onSelect }: GraphViewProps) {
  const l = useMemo(() => layout(steps, start), [steps, start]);
  const byId = useMemo(() => new Map(l.nodes.map((n) => [n.id, n])), [l]);
  const center = (n: LaidNode) => n.x + widthOf(n) / 2;
  // The how-many-th forward arrow into its target each edge is.
  const incoming = useMemo(() => {
    const seen = new Map<string, number>();
    const out = new Map<string, number>();
    for (const e of l.edges) {
      if (e.back) continue;
      const n = seen.get(e.to) ?? 0;
      out.set(e.id, n);
      seen.set(e.to, n + 1);
    }
    return out;
  }, [l]);
  return (
    <svg
      role="img"
      aria-label="Tutorial graph"
      data-testid="tutorial-graph"
      viewBox={`0 0 ${l.width} ${l.height}`}
      width={l.width}
      height={l.height}
      style={{ maxWidth: 'none', display: 'block', fontFamily: 'inherit' }}
    >
      <defs>
        <marker id="tutorial-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M0,0 L10,5 L0,10 z" fill="#868e96" />
        </marker>
      </defs>
      {l.edges.map((e) => {
        const a = byId.get(e.from);
        const b = byId.get(e.to);
        if (!a || !b) return null;
        let d: string;
        let lx: number;
        let ly: number;
        if (e.back) {
          // A loop: leave from the right side and come back into the target's right side.
          const x1 = a.x + widthOf(a);
          const y1 = a.y + NODE_H / 2;
          const x2 = b.x + widthOf(b);
          const y2 = b.y + NODE_H / 2;
          const out = Math.max(x1, x2) + 40;
          d = `M${x1},${y1} C${out},${y1} ${out},${y2} ${x2 + 2},${y2}`;
          lx = out - 8;
          ly = (y1 + y2) / 2;
        } else {
          const x1 = center(a);
          const y1 = a.y + NODE_H;
          const x2 = center(b);
          const y2 = b.y;
          const my = (y1 + y2) / 2;
          d = `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2 - 2}`;
          // Labels sit just above their target: targets of one layer never overlap, so neither do they
          // (several arrows into one step stack their labels).
          const nth = incoming.get(e.id) ?? 0;
          lx = x2;
          ly = y2 - 12 - nth * 13;
        }
        return (
          <g key={e.id} data-testid={`graph-edge-${e.id}`}>
            <path d={d} fill="none" stroke="#adb5bd" strokeWidth={1.5} strokeDasharray={e.back ? '5 4' : undefined} markerEnd="url(#tutorial-arrow)" />
            <text x={lx} y={ly} textAnchor="middle" fontSize={11} fill="#495057" paintOrder="stroke" stroke="#fff" strokeWidth={4}>
              {truncate(e.label, e.back ? 18 : b.kind === 'step' ? 26 : 17)}
            </text>
          </g>
        );
      })}
      {l.nodes.map((n) => {
        const w = widthOf(n);
        const isSel = n.step === selected && n.kind === 'step';
        const handle = () => onSelect(n.step);
        const common = {
          role: 'button',
          tabIndex: 0,
          onClick: handle,
          onKeyDown: (ev: React.KeyboardEvent) => {
            if (ev.key === 'Enter' || ev.key === ' ') {
              ev.preventDefault();
              handle();
            }
          },
          style: { cursor: 'pointer' },
        } as const;
        if (n.kind !== 'step') {
          const st = OUTCOME_STYLE[n.kind] ?? SOLVED;
          return (
            <g key={n.id} {...common} aria-label={`${st.text} (from ${n.step})`} data-testid={`graph-outcome-${n.id}`}>
              <rect x={n.x} y={n.y + 8} width={w} height={NODE_H - 16} rx={18} fill={st.fill} stroke={st.stroke} />
              <text x={n.x + w / 2} y={n.y + NODE_H / 2 + 4} textAnchor="middle" fontSize={12} fill={st.stroke} fontWeight={600}>
                {st.text}
              </text>
            </g>
          );
        }
        const bad = invalid.has(n.step);
        const count = reached?.[n.step];
        return (
          <g key={n.id} {...common} aria-label={`Step ${n.label}`} aria-pressed={isSel} data-testid={`graph-node-${n.step}`}>
            <rect
              x={n.x}
              y={n.y}
              width={w}
              height={NODE_H}
              rx={8}
              fill={isSel ? '#e7f5ff' : '#fff'}
              stroke={bad ? '#e03131' : isSel ? '#1c7ed6' : n.reachable ? '#ced4da' : '#adb5bd'}
              strokeWidth={bad || isSel ? 2 : 1}
              strokeDasharray={n.reachable ? undefined : '4 3'}
            />
            {n.step === start && (
              <text x={n.x + 8} y={n.y + 14} fontSize={10} fill="#1c7ed6" fontWeight={700}>
                START
              </text>
            )}
            <text x={n.x + w / 2} y={n.y + NODE_H / 2 + (n.step === start ? 8 : 4)} textAnchor="middle" fontSize={13} fill="#212529">
              {truncate(n.label, 24)}
            </text>
            {count !== undefined && (
              <text x={n.x + w - 8} y={n.y + 14} textAnchor="end" fontSize={10} fill="#495057">
                {count} reached
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}
