export interface DrillRun {
  fault: string;
  run: number;
  detected: boolean;
  healed: boolean;
  mttd_ms: number | null;
  mttr_ms: number | null;
  actions: number;
  incident: string | null;
  note?: string;
}

export interface DrillSummary {
  fault: string;
  runs: number;
  detected: number;
  healed: number;
  mttd_median_ms: number | null;
  mttd_worst_ms: number | null;
  mttr_median_ms: number | null;
  mttr_worst_ms: number | null;
}

export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
}

export function summarize(fault: string, runs: DrillRun[]): DrillSummary {
  const mttd = runs.flatMap((r) => (r.mttd_ms === null ? [] : [r.mttd_ms]));
  const mttr = runs.flatMap((r) => (r.mttr_ms === null ? [] : [r.mttr_ms]));
  return {
    fault,
    runs: runs.length,
    detected: runs.filter((r) => r.detected).length,
    healed: runs.filter((r) => r.healed).length,
    mttd_median_ms: median(mttd),
    mttd_worst_ms: mttd.length ? Math.max(...mttd) : null,
    mttr_median_ms: median(mttr),
    mttr_worst_ms: mttr.length ? Math.max(...mttr) : null,
  };
}
