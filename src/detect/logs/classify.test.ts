import { describe, expect, it } from 'vitest';
import { ErrorClassifier } from './classify.js';

describe('ErrorClassifier', () => {
  const c = new ErrorClassifier();
  const cases: Array<[string, string]> = [
    ['GET /api/orders HTTP/1.1" 503 1234', 'http_5xx'],
    ['request failed with status=502', 'http_5xx'],
    ['java.lang.IllegalStateException: boom\n    at com.acme.Foo.bar(Foo.java:12)', 'exception'],
    ['Traceback (most recent call last):\n  File "x.py", line 1', 'exception'],
    ['ERROR: deadlock detected SQLSTATE 40P01', 'database'],
    ['upstream answered 429 Too Many Requests', 'rate_limit'],
    ['context deadline exceeded while calling payments', 'timeout'],
    ['java.lang.OutOfMemoryError: Java heap space', 'out_of_memory'],
    ['authentication failure; logname= uid=0 rhost=1.2.3.4', 'auth_failure'],
    ['connect ECONNREFUSED 127.0.0.1:5432', 'connection_refused'],
    ['write /data/x: no space left on device', 'disk_full'],
  ];
  it.each(cases)('%s → %s', (line, category) => {
    expect(c.classify(line)?.category).toBe(category);
  });

  it('leaves ordinary lines alone', () => {
    expect(c.classify('Server started on port 8080')).toBeNull();
  });

  it('runs configured rules first, with their severity', () => {
    const custom = new ErrorClassifier([
      { category: 'payment_declined', severity: 'info', pattern: 'card declined' },
    ]);
    expect(custom.classify('Card declined for order 17')).toEqual({
      category: 'payment_declined',
      severity: 'info',
    });
  });

  it('counts a line its writer marked as an error', () => {
    expect(c.classify('something odd happened', 'error')).toEqual({ category: 'error', severity: 'warning' });
  });
});

describe('access-log lines', () => {
  it('an access line answered 5xx is http_5xx; 2xx and 4xx are not errors', async () => {
    const { ErrorClassifier } = await import('./classify.js');
    const c = new ErrorClassifier();
    expect(c.classify('2026-01-01T00:00:00.000Z demo-service[12] GET /api/work 500 3ms')?.category).toBe(
      'http_5xx',
    );
    expect(c.classify('GET /health 200 1ms')).toBeNull();
    expect(c.classify('POST /login 404 1ms')).toBeNull();
  });
});
