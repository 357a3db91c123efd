/** The benchmark evidence form as a person fills it on the card, and what Liftoff reads from it (with its date). */
export const BENCHMARK_FORM = {
  p95Ms: '180',
  throughputRps: '450',
  targetP95Ms: '200',
  targetRps: '400',
  sizing: 'app-vm01: D4s_v5 -> D2s_v5\nsql01: GP_Gen5_8 -> GP_Gen5_4',
  costBefore: '1200',
  costAfter: '800',
};

export const benchmarkRead = (recordedAt: string) => ({
  kind: 'benchmark',
  p95Ms: 180,
  throughputRps: 450,
  targetP95Ms: 200,
  targetRps: 400,
  costBefore: 1200,
  costAfter: 800,
  sizing: [
    { asset: 'app-vm01', before: 'D4s_v5', after: 'D2s_v5' },
    { asset: 'sql01', before: 'GP_Gen5_8', after: 'GP_Gen5_4' },
  ],
  recordedAt,
});
