import { describe, expect, it } from 'vitest';
import { characters, classify } from '@/lib/fountain';

const SCRIPT = `INT. LIGHTHOUSE - NIGHT

The lamp turns.

MARA
(whispering)
It's still burning.

TOMAS (V.O.)
Then we wait.

[[a note]]

CUT TO:

MARA
Again.`;

describe('fountain', () => {
  it('finds the speaking characters once, in order', () => {
    expect(characters(SCRIPT)).toEqual(['MARA', 'TOMAS']);
  });
  it('classifies headings, cues, parentheticals, notes', () => {
    const kinds = classify(SCRIPT);
    expect(kinds[0]).toBe('heading');
    expect(kinds[4]).toBe('cue');
    expect(kinds[5]).toBe('parenthetical');
    expect(kinds[6]).toBe('dialogue');
    expect(kinds[11]).toBe('note');
    expect(kinds[13]).toBe('transition');
  });
  it('an upper-case action line alone is not a cue', () => {
    expect(characters('INT. ROOM - DAY\n\nBOOM.\n\nNothing.')).toEqual([]);
  });
});
