// Fountain screenplay reading for the editor: line kinds for highlighting and the characters
// who speak (a cue: an upper-case line before dialogue, with optional (V.O.)/(CONT'D) and ^).

export type LineKind = 'heading' | 'cue' | 'parenthetical' | 'dialogue' | 'note' | 'transition' | 'action' | 'blank';

const HEADING = /^(\.(?!\.)|(INT|EXT|EST|INT\.?\/EXT|I\/E)[.\s])/i;
const TRANSITION = /^[A-Z\s]+TO:$/;
const NOTE = /^\[\[.*\]\]$/;

function isCue(line: string, next: string | undefined): boolean {
  const text = line.trim();
  if (text.startsWith('@')) return next !== undefined && next.trim() !== '';
  const name = text.replace(/\s*\^$/, '').replace(/\s*\(.*\)$/, '');
  return (
    name.length > 0 &&
    /[A-Z]/.test(name) &&
    name === name.toUpperCase() &&
    !HEADING.test(text) &&
    !TRANSITION.test(text) &&
    next !== undefined &&
    next.trim() !== ''
  );
}

export function classify(script: string): LineKind[] {
  const lines = script.split(/\r?\n/);
  const kinds: LineKind[] = [];
  let inDialogue = false;
  lines.forEach((line, i) => {
    const text = line.trim();
    const previousBlank = i === 0 || lines[i - 1].trim() === '';
    if (text === '') {
      inDialogue = false;
      kinds.push('blank');
    } else if (NOTE.test(text)) kinds.push('note');
    else if (inDialogue) kinds.push(/^\(.*\)$/.test(text) ? 'parenthetical' : 'dialogue');
    else if (previousBlank && HEADING.test(text)) kinds.push('heading');
    else if (previousBlank && TRANSITION.test(text)) kinds.push('transition');
    else if (previousBlank && isCue(text, lines[i + 1])) {
      inDialogue = true;
      kinds.push('cue');
    } else kinds.push('action');
  });
  return kinds;
}

export function characterName(cue: string): string {
  return cue.trim().replace(/^@/, '').replace(/\s*\^$/, '').replace(/\s*\(.*\)$/, '').trim().toUpperCase();
}

/** The speaking characters, in order of first appearance. */
export function characters(script: string): string[] {
  const lines = script.split(/\r?\n/);
  const seen = new Set<string>();
  classify(script).forEach((kind, i) => {
    if (kind === 'cue') seen.add(characterName(lines[i]));
  });
  return [...seen];
}
