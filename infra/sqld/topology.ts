/** A region as the sqld cluster needs it (the validated config's region entries fit this shape). */
export interface SqldRegion {
  code: string;
  role: "primary" | "replica";
  volumeSizeGb: number;
  vm: { size: string; memoryMb: number };
}

export interface MachinePlacement {
  group: "primary" | "replica";
  region: string;
  count: number;
  vm: { size: string; memoryMb: number };
}

export interface MachinePlan {
  /** Every region as configured (one volume each, in config order). */
  regions: readonly SqldRegion[];
  /** Index of the primary in `regions` (the config key a moved primary is reported under). */
  primaryIndex: number;
  primary: SqldRegion;
  replicas: SqldRegion[];
  placements: MachinePlacement[];
}

/**
 * Where each process group runs, in the order the scale Commands run (primary first, then replicas as
 * configured). The first `fly deploy` creates only the `primary` machine (in primary_region, on the volume
 * pre-created there); each replica region's machine comes from `fly scale count 1 --region R`, which attaches
 * the volume pre-created in R. So no machine ever runs in a region it was not planned for, and every
 * pre-created volume ends up attached (see infra/fly/scripts/deploy.ts for the flyctl source behind this).
 */
export function planMachines(regions: readonly SqldRegion[]): MachinePlan {
  const primaries = regions.filter((r) => r.role === "primary");
  const primary = primaries[0];
  if (!primary || primaries.length !== 1) {
    throw new Error(`sqld needs exactly one primary region, got ${primaries.length} (regions: ${regions.map((r) => `${r.code}/${r.role}`).join(", ") || "none"})`);
  }
  const replicas = regions.filter((r) => r.role === "replica");
  const placements: MachinePlacement[] = [{ group: "primary", region: primary.code, count: 1, vm: primary.vm }];
  for (const r of replicas) placements.push({ group: "replica", region: r.code, count: 1, vm: r.vm });
  return { regions: [...regions], primaryIndex: regions.indexOf(primary), primary, replicas, placements };
}

/** The process groups the first deploy starts in primary_region: only the writer. */
export const FIRST_DEPLOY_GROUPS: readonly MachinePlacement["group"][] = ["primary"];
