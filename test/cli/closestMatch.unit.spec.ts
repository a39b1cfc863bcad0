import { describe, expect, it } from 'vitest';
import { closestMatch } from '../../src/commandLine/closestMatch.ts';

describe('did you mean', () => {
  it('finds the flag or command a typo meant, ignoring dashes and case', () => {
    expect(closestMatch('dryrun', ['dry-run', 'all', 'backfill'])).toBe('dry-run');
    expect(closestMatch('DRY_RUN', ['dry-run', 'all'])).toBe('dry-run');
    expect(closestMatch('backfill-unionid', ['backfill-unionids', 'convert-openids'])).toBe('backfill-unionids');
    expect(closestMatch('unsubscrib', ['subscribe', 'unsubscribe'])).toBe('unsubscribe');
  });

  it('suggests nothing for a word that is not close to any', () => {
    expect(closestMatch('frobnicate', ['dry-run', 'all', 'backfill'])).toBeNull();
    expect(closestMatch('x', [])).toBeNull();
  });
});
