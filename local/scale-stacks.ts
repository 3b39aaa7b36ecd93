import { stackYamlConfig } from "./plan";

/** Overrides of the prod stack for the scale guarantee: 1 region × 1 tenant, and 12 regions × 1000 tenants. */
const REGIONS_12 = ["ams", "iad", "sin", "syd", "nrt", "lhr", "fra", "ord", "lax", "gru", "jnb", "yyz"];
const prodRegion = (stackYamlConfig("prod").regions as Record<string, unknown>[])[0]!;
const region = (code: string, i: number) => ({ ...prodRegion, code, role: i === 0 ? "primary" : "replica" });

export const SMALL_STACK = { regions: [region("ams", 0)], tenants: ["acme"] };
export const LARGE_STACK = {
  regions: REGIONS_12.map(region),
  tenants: Array.from({ length: 1000 }, (_, i) => `tenant-${String(i).padStart(4, "0")}`),
};
