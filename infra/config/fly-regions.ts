/**
 * Fly.io region codes that accept Machines and Volumes (fly.io/docs/reference/regions, `fly platform regions`).
 * Shipped as a list so a typo fails at config time, offline, instead of mid-`pulumi up`.
 * Fly adds and retires regions rarely; update this list when `fly platform regions --json` differs.
 */
export const FLY_REGIONS: Readonly<Record<string, string>> = {
  ams: "Amsterdam, Netherlands",
  arn: "Stockholm, Sweden",
  atl: "Atlanta, Georgia (US)",
  bog: "Bogotá, Colombia",
  bom: "Mumbai, India",
  bos: "Boston, Massachusetts (US)",
  cdg: "Paris, France",
  den: "Denver, Colorado (US)",
  dfw: "Dallas, Texas (US)",
  ewr: "Secaucus, NJ (US)",
  eze: "Ezeiza, Argentina",
  fra: "Frankfurt, Germany",
  gdl: "Guadalajara, Mexico",
  gig: "Rio de Janeiro, Brazil",
  gru: "Sao Paulo, Brazil",
  hkg: "Hong Kong, Hong Kong",
  iad: "Ashburn, Virginia (US)",
  jnb: "Johannesburg, South Africa",
  lax: "Los Angeles, California (US)",
  lhr: "London, United Kingdom",
  mad: "Madrid, Spain",
  mia: "Miami, Florida (US)",
  nrt: "Tokyo, Japan",
  ord: "Chicago, Illinois (US)",
  otp: "Bucharest, Romania",
  phx: "Phoenix, Arizona (US)",
  qro: "Querétaro, Mexico",
  scl: "Santiago, Chile",
  sea: "Seattle, Washington (US)",
  sin: "Singapore, Singapore",
  sjc: "San Jose, California (US)",
  syd: "Sydney, Australia",
  waw: "Warsaw, Poland",
  yul: "Montreal, Canada",
  yyz: "Toronto, Canada",
};

export function isFlyRegion(code: string): boolean {
  return Object.prototype.hasOwnProperty.call(FLY_REGIONS, code);
}

/** Fly Machine presets accepted by `--vm-size` / `[[vm]] size`. */
export const FLY_VM_SIZES = [
  "shared-cpu-1x", "shared-cpu-2x", "shared-cpu-4x", "shared-cpu-8x",
  "performance-1x", "performance-2x", "performance-4x", "performance-8x", "performance-16x",
] as const;
