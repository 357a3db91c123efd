/** @jsxRuntime automatic */
import { tokens } from '@fluentui/react-components';

/** Stage progress as a bar with its words: the bar is named for screen readers, and the text beside it says the same. */
export function StageProgress({ closed, total, stageTitle }: { closed: number; total: number; stageTitle: string }) {
  const width = total === 0 ? 0 : Math.round((closed / total) * 100);
  const words = `${stageTitle}: ${closed} of ${total} gates closed`;
  return (
    <div style={{ display: 'grid', gap: '4px', minWidth: '6rem' }}>
      <span>{stageTitle}</span>
      <svg width="100%" height="8" role="img" aria-label={words} viewBox="0 0 100 8" preserveAspectRatio="none">
        <title>{words}</title>
        <rect x="0" y="0" width="100" height="8" rx="4" style={{ fill: tokens.colorNeutralBackground5, stroke: tokens.colorNeutralStrokeAccessible, strokeWidth: 0.5 }} />
        <rect x="0" y="0" width={width} height="8" rx="4" style={{ fill: tokens.colorBrandBackground }} />
      </svg>
      <span style={{ fontSize: tokens.fontSizeBase200, color: tokens.colorNeutralForeground2 }}>
        {closed}/{total} gates
      </span>
    </div>
  );
}
