import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ScriptEditor } from '@/components/ScriptEditor';

const SCRIPT = `INT. LIGHTHOUSE - NIGHT

MARA
(whispering)
It's still burning.

[[check the lamp]]`;

function render(value: string): string {
  return renderToStaticMarkup(createElement(ScriptEditor, { id: 'script', value, onChange: () => {}, placeholder: '' }));
}

describe('ScriptEditor', () => {
  it('paints each Fountain element behind the text, line for line', () => {
    const html = render(SCRIPT);
    const painted = [...html.matchAll(/data-kind="(\w+)">([^<]*)/g)].map((m) => [m[1], m[2].trim()]);
    expect(painted).toEqual([
      ['heading', 'INT. LIGHTHOUSE - NIGHT'],
      ['blank', ''],
      ['cue', 'MARA'],
      ['parenthetical', '(whispering)'],
      ['dialogue', 'It&#x27;s still burning.'],
      ['blank', ''],
      ['note', '[[check the lamp]]'],
    ]);
  });
  it('keeps the textarea the one accessible control, holding the text as typed', () => {
    const html = render(SCRIPT);
    expect(html).toContain('<pre aria-hidden="true"');
    expect(html).toMatch(/<textarea id="script"[^>]*>INT\. LIGHTHOUSE/);
  });
});
