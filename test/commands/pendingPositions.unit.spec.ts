import { describe, expect, it } from 'vitest';
import { createPendingPositions } from '../../src/commands/pendingPositions.ts';

describe('pending positions (where a checkpoint may stand while work finishes out of order)', () => {
  it('moves only past positions whose work, and all work before it, is finished', () => {
    const pending = createPendingPositions();
    expect(pending.safeUpTo(10)).toBe(10);
    const a = pending.add(12);
    const b = pending.add(15);
    const c = pending.add(20);
    expect(pending.safeUpTo(25)).toBe(11);
    pending.finish(b);
    expect(pending.safeUpTo(25)).toBe(11);
    pending.finish(a);
    expect(pending.safeUpTo(25)).toBe(19);
    expect(pending.size).toBe(1);
    pending.finish(c);
    expect(pending.safeUpTo(25)).toBe(25);
    expect(pending.size).toBe(0);
  });

  it('never stands beyond what was handed out', () => {
    const pending = createPendingPositions();
    pending.add(30);
    expect(pending.safeUpTo(20)).toBe(20);
  });
});
