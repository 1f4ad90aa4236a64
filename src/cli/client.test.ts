import { describe, expect, it } from 'vitest';
import { requestHeaders } from './client.js';

describe('requestHeaders', () => {
  it('sends a JSON content type only with a body (a bodiless DELETE with one is a 400)', () => {
    expect(requestHeaders({ method: 'DELETE' }, undefined)).toEqual({});
    expect(requestHeaders({ method: 'POST' }, 'tok')).toEqual({ authorization: 'Bearer tok' });
    expect(requestHeaders({ method: 'POST', body: '{}' }, undefined)).toEqual({
      'content-type': 'application/json',
    });
  });
});
