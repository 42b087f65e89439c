import { closest, distance } from 'fastest-levenshtein';

/** The one of `known` that `name` is most likely a typo of (`rat` for `rate`), if any is close enough. */
export function likelyMeant(name: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const extended = known.find((candidate) => name.length >= 3 && candidate.startsWith(name));
  if (extended) return extended;
  const nearest = closest(name, [...known]);
  return distance(name, nearest) <= Math.max(2, Math.floor(name.length / 3)) ? nearest : undefined;
}
