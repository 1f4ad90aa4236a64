import { describe, expect, it } from 'vitest';
import { parsePromText, seriesKey } from './prom-text.js';

const EXPOSITION = `# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# Escaping in label values:
msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9

# Minimalistic line:
metric_without_timestamp_and_labels 12.47

# A weird metric from before the epoch:
something_weird{problem="division by zero"} +Inf -3982045

# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320
go_gc_duration_seconds{quantile="0.5"} NaN
`;

describe('Prometheus text format', () => {
  it('parses the reference exposition', () => {
    const { samples, families } = parsePromText(EXPOSITION);
    expect(families.http_requests_total).toEqual({
      type: 'counter',
      help: 'The total number of HTTP requests.',
    });
    expect(families.http_request_duration_seconds?.type).toBe('histogram');
    expect(samples[0]).toEqual({
      name: 'http_requests_total',
      labels: { method: 'post', code: '200' },
      value: 1027,
      timestamp: 1395066363000,
    });
    expect(samples[1]?.value).toBe(3);
    expect(samples[2]?.labels).toEqual({ path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' });
    expect(samples[3]).toEqual({
      name: 'metric_without_timestamp_and_labels',
      labels: {},
      value: 12.47,
      timestamp: null,
    });
    expect(samples[4]).toMatchObject({ value: Number.POSITIVE_INFINITY, timestamp: -3982045 });
    expect(samples.find((s) => s.labels.le === '+Inf')?.value).toBe(144320);
    expect(samples.at(-1)?.value).toBeNaN();
    expect(samples).toHaveLength(10);
  });

  it('names the line of a malformed sample', () => {
    expect(() => parsePromText('ok 1\nbroken{a="x" 2\n')).toThrow(/line 2/);
    expect(() => parsePromText('x notanumber')).toThrow(/line 1: bad sample value/);
  });

  it('keys a series by name and sorted labels', () => {
    expect(seriesKey('up', { job: 'api', instance: 'a:1' })).toBe('up{instance="a:1",job="api"}');
    expect(seriesKey('up', {})).toBe('up');
  });
});
