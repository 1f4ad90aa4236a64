import { describe, expect, it } from 'vitest';
import { serviceAbuseSchema } from './security.js';

describe('logs.abuse.address: where a service writes the client address', () => {
  it.each(['first_field', 'field:client_ip', 'field:peer.addr', 'regex:^\\S+ (\\S+) '])(
    'accepts %s',
    (address) => {
      expect(serviceAbuseSchema.safeParse({ address }).success).toBe(true);
    },
  );

  it.each(['anywhere', 'field:', 'regex:no group', 'regex:(a)(b)', 'regex:(unclosed'])(
    'refuses %s',
    (address) => {
      expect(serviceAbuseSchema.safeParse({ address }).success).toBe(false);
    },
  );
});
