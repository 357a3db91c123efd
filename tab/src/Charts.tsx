/** @jsxRuntime automatic */
import { tokens } from '@fluentui/react-components';
import type { ReactNode } from 'react';
import type { BurnDownPoint, CycleView, NoticeView } from '../../bot/tab/view';

/**
 * The pictures of the workload panel, as plain SVG in Fluent's colour tokens (so every theme, high contrast
 * included, draws them): each is an image named by the sentence that says the same, shown beside it.
 */
function Figure({ words, height, children, caption }: { words: string; height: number; children: ReactNode; caption?: ReactNode }) {
  return (
    <figure style={{ margin: '4px 0', maxWidth: '28rem' }}>
      <svg width="100%" height={height} viewBox={`0 0 200 ${height}`} preserveAspectRatio="none" role="img" aria-label={words}>
        <title>{words}</title>
        {children}
      </svg>
      <figcaption style={{ fontSize: tokens.fontSizeBase200, color: tokens.colorNeutralForeground2 }}>{caption ?? words}</figcaption>
    </figure>
  );
}

const frame = { fill: tokens.colorNeutralBackground5, stroke: tokens.colorNeutralStrokeAccessible, strokeWidth: 0.5 };

/** UAT progress against the rule: approvals, rejections and those still to decide, with the rule's mark. */
export function UatProgress({ cycle }: { cycle: CycleView }) {
  const testers = Math.max(1, cycle.approved + cycle.rejected + cycle.pending);
  const w = (n: number) => (n / testers) * 200;
  const mark = Math.min(200, w(cycle.needed));
  const words = `UAT cycle ${cycle.number}: ${cycle.approved} approved of ${cycle.needed} needed, ${cycle.rejected} rejected, ${cycle.pending} still to decide`;
  return (
    <Figure words={words} height={16}>
      <rect x="0" y="2" width="200" height="12" style={frame} />
      <rect x="0" y="2" width={w(cycle.approved)} height="12" style={{ fill: tokens.colorPaletteGreenBackground3 }} />
      <rect x={w(cycle.approved)} y="2" width={w(cycle.rejected)} height="12" style={{ fill: tokens.colorPaletteRedBackground3 }} />
      <line x1={mark} x2={mark} y1="0" y2="16" style={{ stroke: tokens.colorNeutralForeground1, strokeWidth: 1.5 }} />
    </Figure>
  );
}

const shortTime = (iso: string) => new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** Acknowledgements of a notice over time, as a share of those it reached. */
export function AcknowledgedOverTime({ notice }: { notice: NoticeView }) {
  const points = notice.acknowledgedOver;
  const reached = Math.max(1, notice.sent);
  const rate = Math.round((notice.acknowledged / reached) * 100);
  const words =
    points.length === 0
      ? `"${notice.title}": no acknowledgement yet of ${notice.sent} reached`
      : `"${notice.title}": ${notice.acknowledged} of ${notice.sent} reached acknowledged (${rate}%), the first ${shortTime(points[0]!.at)}, the latest ${shortTime(points.at(-1)!.at)}`;
  const first = points.length ? Date.parse(points[0]!.at) : 0;
  const span = Math.max(1, (points.length ? Date.parse(points.at(-1)!.at) : 0) - first);
  const x = (at: string) => (points.length === 1 ? 200 : ((Date.parse(at) - first) / span) * 200);
  const y = (n: number) => 40 - (n / reached) * 38;
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(p.acknowledged).toFixed(1)}`).join(' ');
  return (
    <Figure words={words} height={40}>
      <rect x="0" y="0" width="200" height="40" style={frame} />
      {points.length > 0 && (
        <path
          d={`M0,40 L${x(points[0]!.at).toFixed(1)},40 ${path.replace(/^M/, 'L')} L200,${y(points.at(-1)!.acknowledged).toFixed(1)}`}
          style={{ fill: 'none', stroke: tokens.colorBrandForeground1, strokeWidth: 1.5 }}
        />
      )}
    </Figure>
  );
}

/** Open retro action items day by day: the burn-down. */
export function BurnDown({ points }: { points: BurnDownPoint[] }) {
  if (points.length === 0) return null;
  const most = Math.max(1, ...points.map((p) => p.open));
  const bar = 200 / points.length;
  const last = points.at(-1)!;
  const words = `Open action items: ${points[0]!.open} on ${points[0]!.day}, ${last.open} on ${last.day} (most ${most})`;
  return (
    <Figure words={words} height={40}>
      <rect x="0" y="0" width="200" height="40" style={frame} />
      {points.map((p, i) => (
        <rect key={p.day} x={i * bar + bar * 0.1} width={bar * 0.8} y={40 - (p.open / most) * 38} height={(p.open / most) * 38} style={{ fill: tokens.colorBrandBackground }} />
      ))}
    </Figure>
  );
}
