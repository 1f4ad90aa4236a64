/**
 * Reduces a stream of surprises (nats, ≥ 0) to the onsets of events. Each sample over an alarm threshold is an
 * alarm of its own, so an event that stays strange for fifty samples would raise fifty; what is worth passing on
 * is the moment it starts and the moments it clearly gets worse. A surprise passes when it is
 * - rising: above the running peak of the episode, which decays by `decay` per sample (an event that merely
 *   goes on, or ebbs and flows, is the same event), and
 * - clearly stronger than the last one passed: above `margin` × that one, which decays by `decay` per sample
 *   too (a slowly growing event is re-announced each time its surprise grows by the margin, not every sample).
 * Anything else scores 0. Both conditions are relative to the series' own recent surprises: no threshold is
 * assumed, so the gate works for whatever threshold the caller alarms at. Settings are in samples
 * (`decay` 0.99: an episode's memory halves in about 70 samples).
 */
export class OnsetGate {
  private peak = 0;
  private passed = 0;

  constructor(
    private readonly decay = 0.99,
    private readonly margin = 1.5,
  ) {}

  get byteLength(): number {
    return 2 * 8;
  }

  push(u: number): number {
    const rising = u > this.peak;
    this.peak = Math.max(u, this.peak * this.decay);
    let out = 0;
    if (rising && u > this.passed * this.margin) {
      this.passed = u;
      out = u;
    }
    this.passed *= this.decay;
    return out;
  }
}
