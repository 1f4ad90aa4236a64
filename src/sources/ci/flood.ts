/**
 * A fixed-window count per key (provider and sender address): a flood of webhooks, signed or not, is refused
 * before any signature is computed or anything is audited.
 */
export class FloodLimit {
  private readonly windows = new Map<string, { start: number; n: number }>();

  constructor(private readonly limit: () => { max: number; window: number }) {}

  /** Counts one request; false when the key is over its limit in this window. */
  take(key: string, now: number): boolean {
    const { max, window } = this.limit();
    let w = this.windows.get(key);
    if (!w || now - w.start >= window) {
      if (this.windows.size > 10_000) this.windows.clear();
      w = { start: now, n: 0 };
      this.windows.set(key, w);
    }
    w.n++;
    return w.n <= max;
  }
}
