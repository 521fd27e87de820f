import unhomoglyph from 'unhomoglyph';
import { AppError } from '../errors.js';

/**
 * Characters that do not show as themselves or change how the rest shows: controls and format
 * characters (bidi overrides like U+202E, zero-width ones like U+200B), surrogates, private-use and
 * unassigned code points, line and paragraph separators.
 */
const UNSEEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;

/** Code points renderers skip (fillers, variation selectors, soft hyphen...), and blank-looking letters. */
const IGNORABLE = /[\p{Default_Ignorable_Code_Point}\u2800]/gu;

/** Variation selectors 15 and 16 pick how an emoji is drawn: allowed right after one, nowhere else. */
const EMOJI_VARIATION = /(?<=\p{Extended_Pictographic})[\uFE0E\uFE0F]/gu;

/** More combining marks on one letter than any script writes: they pile up over the neighbours' names. */
const MARK_PILE = /\p{M}{5,}/u;

/**
 * Refuses a name (already NFC, as the protocol schema leaves it) that holds anything that does not
 * show as itself, so what a room sees is what the name is. AGENT_NAME_INVALID.
 */
export function assertVisibleName(name: string): void {
  const shown = name.replace(EMOJI_VARIATION, '');
  IGNORABLE.lastIndex = 0;
  if (UNSEEN.test(shown) || IGNORABLE.test(shown) || MARK_PILE.test(name)) {
    throw new AppError('AGENT_NAME_INVALID');
  }
}

/**
 * The name's skeleton after Unicode TS #39 (section 4): two names with the same skeleton look
 * alike (`alice`, `аlice` with a Cyrillic a, `aIice`). NFD, default-ignorable code points removed,
 * each character replaced by its prototype from Unicode's confusables.txt (the `unhomoglyph`
 * table), NFD again; runs of white space count as one space and none at either end.
 */
export function nameSkeleton(name: string): string {
  const stripped = name.normalize('NFD').replace(IGNORABLE, '');
  return unhomoglyph(stripped).normalize('NFD').replace(/\s+/gu, ' ').trim();
}

/** The first of `others` that looks like `name` without being it, or undefined. */
export function lookalikeOf(name: string, others: readonly string[]): string | undefined {
  const skeleton = nameSkeleton(name);
  return others.find((other) => other !== name && nameSkeleton(other) === skeleton);
}
