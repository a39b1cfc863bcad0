/**
 * The candidate a mistyped word most likely meant (`--dryrun` → `--dry-run`, `reconclie` →
 * `reconcile`), or null when none is close: within a third of the word's length in edits
 * (at least 2), ignoring case and dashes.
 */
export function closestMatch(word: string, candidates: readonly string[]): string | null {
  const normal = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const target = normal(word);
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(target, normal(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
