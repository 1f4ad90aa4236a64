import { describe, expect, it } from 'vitest';
import { lastWords } from './supervision.js';

describe("an exit's last words", () => {
  it('quote the last non-empty stderr line, trimmed and capped', () => {
    expect(lastWords([])).toBe('');
    expect(lastWords(['  ', ''])).toBe('');
    expect(lastWords(['starting', "can't run as root without the -u switch", '   '])).toBe(
      ": can't run as root without the -u switch",
    );
    expect(lastWords(['\x1b[31mERROR\x1b[0m: config missing', '\x1b[0m'])).toBe(': ERROR: config missing');
    const long = lastWords(['x'.repeat(500)]);
    expect(long).toBe(`: ${'x'.repeat(200)}…`);
  });
});
