import { describe, expect, it } from 'vitest';
import type { ShotOut, StoryboardOut } from '@/client';
import { neighbour, toInput, withLine, withMove, withPicture } from '@/lib/storyboard';

const shot = (id: string, speaker: string, text: string): ShotOut => ({
  n: 0, id, description: `shot ${id}`, centered: false, asset_id: null, picture: { kind: 'drawn', asset_id: null },
  still_url: null, estimate_s: 2, lines: [{ speaker, text }],
});
const board: StoryboardOut = {
  project_id: 'p', version: 3, title: 'T', mood: 'calm', format: '1280x720', characters: ['MARA', 'TOMAS'], settings: {},
  estimate_s: 6, job_id: null, updated_at: '2026-01-01T00:00:00Z',
  scenes: [
    { heading: 'INT. A', number: null, transition: null, estimate_s: 4, shots: [shot('a', 'MARA', 'one'), shot('b', 'TOMAS', 'two')] },
    { heading: 'EXT. B', number: null, transition: null, estimate_s: 2, shots: [shot('c', 'MARA', 'three')] },
  ],
};
const ids = (b: StoryboardOut) => b.scenes.map((s) => s.shots.map((x) => x.id));

describe('storyboard edits', () => {
  it('sends every shot with its id, picture and lines', () => {
    const body = toInput(withPicture(withLine(board, 'b', 0, 'edited'), 'a', 'asset-1'));
    expect(body.scenes[0].shots).toEqual([
      { id: 'a', description: 'shot a', centered: false, asset_id: 'asset-1', lines: [{ speaker: 'MARA', text: 'one' }] },
      { id: 'b', description: 'shot b', centered: false, asset_id: null, lines: [{ speaker: 'TOMAS', text: 'edited' }] },
    ]);
    expect(body.scenes[1].heading).toBe('EXT. B');
  });
  it('moves a shot within its scene, never across scenes', () => {
    expect(ids(withMove(board, 'a', 'b'))).toEqual([['b', 'a'], ['c']]);
    expect(ids(withMove(board, 'b', 'c'))).toEqual(ids(board));
    expect(neighbour(board, 'a', 1)).toBe('b');
    expect(neighbour(board, 'b', 1)).toBeNull();
    expect(neighbour(board, 'a', -1)).toBeNull();
  });
});
