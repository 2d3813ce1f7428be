// Edits of a storyboard as the API shows it (StoryboardOut), turned into the body of its PUT
// (StoryboardIn): every shot keeps its id, so the API knows a moved or edited shot from a new one.
import type { ShotOut, StoryboardIn, StoryboardOut } from '@/client';

/** The PUT body for a storyboard: scenes → shots (id, description, picture, lines). */
export function toInput(board: StoryboardOut): StoryboardIn {
  return {
    title: board.title,
    scenes: board.scenes.map((scene) => ({
      heading: scene.heading,
      number: scene.number,
      transition: scene.transition,
      shots: scene.shots.map((shot) => ({ id: shot.id, description: shot.description, centered: shot.centered, asset_id: shot.asset_id, lines: shot.lines })),
    })),
  };
}

/** Every shot in order, with the scene it belongs to. */
export function allShots(board: StoryboardOut): { scene: number; shot: ShotOut }[] {
  return board.scenes.flatMap((scene, s) => scene.shots.map((shot) => ({ scene: s, shot })));
}

function mapShot(board: StoryboardOut, id: string, change: (shot: ShotOut) => ShotOut): StoryboardOut {
  return { ...board, scenes: board.scenes.map((scene) => ({ ...scene, shots: scene.shots.map((shot) => (shot.id === id ? change(shot) : shot)) })) };
}

/** The storyboard with line `index` of shot `id` reading `text`. */
export function withLine(board: StoryboardOut, id: string, index: number, text: string): StoryboardOut {
  return mapShot(board, id, (shot) => ({ ...shot, lines: shot.lines.map((line, i) => (i === index ? { ...line, text } : line)) }));
}

/** The storyboard with shot `id` showing image asset `assetId` (null: the studio draws it). */
export function withPicture(board: StoryboardOut, id: string, assetId: string | null): StoryboardOut {
  return mapShot(board, id, (shot) => ({ ...shot, asset_id: assetId }));
}

/** The storyboard with shot `id` moved to where shot `target` is, within its scene (a shot
 *  keeps its scene: the scene's heading is part of what its picture shows); unchanged when
 *  the two are in different scenes. */
export function withMove(board: StoryboardOut, id: string, target: string): StoryboardOut {
  return {
    ...board,
    scenes: board.scenes.map((scene) => {
      const from = scene.shots.findIndex((shot) => shot.id === id);
      const to = scene.shots.findIndex((shot) => shot.id === target);
      if (from < 0 || to < 0 || from === to) return scene;
      const shots = [...scene.shots];
      const [moved] = shots.splice(from, 1);
      shots.splice(to, 0, moved);
      return { ...scene, shots };
    }),
  };
}

/** The neighbour `delta` places away from shot `id` in its scene, or null at the scene's edge. */
export function neighbour(board: StoryboardOut, id: string, delta: number): string | null {
  for (const scene of board.scenes) {
    const at = scene.shots.findIndex((shot) => shot.id === id);
    if (at >= 0) return scene.shots[at + delta]?.id ?? null;
  }
  return null;
}
