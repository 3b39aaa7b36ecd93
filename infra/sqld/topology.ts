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
  primary: SqldRegion;
  replicas: SqldRegion[];
  placements: MachinePlacement[];
}

/**
 * Where each process group runs. `fly deploy` starts one machine per process group in primary_region only,
 * so the `replica` group also gets a machine next to the primary on first deploy; we scale that one to 0
 * (there is no replica region equal to the primary region: region codes are unique).
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
  if (replicas.length > 0) placements.push({ group: "replica", region: primary.code, count: 0, vm: replicas[0]!.vm });
  return { primary, replicas, placements };
}
