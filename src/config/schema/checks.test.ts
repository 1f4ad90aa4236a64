import { describe, expect, it } from 'vitest';
import { checkSchema } from './checks.js';

describe("a check's timeout longer than its interval", () => {
  it('is refused naming both values, and the default when the check gave none', () => {
    const short = checkSchema.safeParse({ process: { pid: 1 }, interval: '1s' });
    expect(short.success).toBe(false);
    expect(short.error?.issues[0]?.path).toEqual(['timeout']);
    expect(short.error?.issues[0]?.message).toBe(
      'timeout 5.00s (the default, when a check gives none) must not exceed interval 1.00s',
    );
    const given = checkSchema.safeParse({ process: { pid: 1 }, interval: '1s', timeout: '2s' });
    expect(given.error?.issues[0]?.message).toBe('timeout 2.00s must not exceed interval 1.00s');
    expect(checkSchema.safeParse({ process: { pid: 1 }, interval: '1s', timeout: '1s' }).success).toBe(true);
  });
});
