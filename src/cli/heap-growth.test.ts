import { describe, expect, it } from 'vitest';
import { heapGrowthFlag } from './heap-growth.js';

describe('heapGrowthFlag', () => {
  it('limits the growth of the daemon heap unless the operator set it', () => {
    expect(heapGrowthFlag('', [])).toBe('--heap-growing-percent=50');
    expect(heapGrowthFlag('--max-old-space-size=512', ['--enable-source-maps'])).toBe(
      '--heap-growing-percent=50',
    );
    expect(heapGrowthFlag('--heap-growing-percent=100', [])).toBeNull();
    expect(heapGrowthFlag('', ['--optimize-for-size'])).toBeNull();
  });
});
