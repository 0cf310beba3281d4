/**
 * cpu.shares (v1 scale 2…262144) to cpu.weight (1…10000) with the quadratic formula of runc ≥1.4
 * and crun ≥1.23 (opencontainers/cgroups utils.go ConvertCPUSharesToCgroupV2Value): it maps the
 * default 1024 to the default 100, which the old linear formula did not. 0 means unset.
 */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;

  const l = Math.log2(shares);
  const exponent = (l * l + 125 * l) / 612 - 7 / 34;
  return Math.ceil(Math.pow(10, exponent));
}
