import { randomUUID } from 'node:crypto';

/** Short, sortable-enough ids with a readable prefix (inc_…, act_…, fnd_…). */
export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
}
