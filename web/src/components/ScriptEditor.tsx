import { useMemo } from 'react';
import { classify, type LineKind } from '@/lib/fountain';

// Colours only (no bold): the highlighted copy must keep the textarea's glyph widths exactly.
const STYLE: Record<LineKind, string> = {
  heading: 'text-blue-900 bg-blue-50',
  cue: 'text-purple-900',
  parenthetical: 'text-slate-600 italic',
  dialogue: 'text-slate-900',
  note: 'text-amber-900 bg-amber-100',
  transition: 'text-rose-900',
  action: 'text-slate-800',
  blank: '',
};
const BOX = 'col-start-1 row-start-1 m-0 whitespace-pre-wrap break-words p-2 font-mono text-sm leading-6';

/** The script as a textarea laid over a highlighted copy of its own text (headings, cues,
 *  parentheticals, notes, transitions): the textarea stays the real control (typing, selection,
 *  screen readers), the copy behind it only paints the colours. Both share one grid cell, so the
 *  box grows with the text and neither ever scrolls on its own. */
export function ScriptEditor({ id, value, onChange, placeholder }: { id: string; value: string; onChange: (value: string) => void; placeholder: string }) {
  const lines = useMemo(() => {
    const kinds = classify(value);
    return value.split(/\r?\n/).map((text, i) => ({ text, kind: kinds[i] }));
  }, [value]);
  return (
    <div className="grid min-h-96 rounded border border-slate-500 bg-white" data-testid="script-editor">
      <pre aria-hidden="true" dir="auto" className={`${BOX} pointer-events-none`}>
        {lines.map((line, i) => (
          <span key={i} className={STYLE[line.kind]} data-kind={line.kind}>
            {line.text}
            {'\n'}
          </span>
        ))}
      </pre>
      <textarea
        id={id}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        spellCheck={false}
        dir="auto"
        placeholder={placeholder}
        className={`${BOX} resize-none overflow-hidden bg-transparent text-transparent caret-slate-900 outline-offset-2 placeholder:text-slate-600`}
      />
    </div>
  );
}
