/**
 * TEST DOUBLE of Fly's proxy choosing the machine for a request to an app's public address, from Fly's docs
 * ("Dynamic request routing", fly.io/docs/networking/dynamic-request-routing): a request goes to the region nearest
 * to the client; the request headers `fly-prefer-region: <region>` (that region if it has a started machine, else
 * as usual) and `fly-force-instance-id: <machine id>` (that machine or nothing) override it. Pure, so the box's
 * edge and the gateway tests route the same way.
 */

export interface EdgeCandidate {
  id: string;
  region: string;
}

export const PREFER_REGION = "fly-prefer-region";
export const FORCE_INSTANCE = "fly-force-instance-id";

/**
 * The machine Fly's proxy would pick among the started `candidates` (in the order Fly would try them), or undefined
 * when none can take the request (Fly answers 502). `nearestRegion` stands for the client's location.
 */
export function routeToMachine<T extends EdgeCandidate>(candidates: readonly T[], header: (name: string) => string | undefined, nearestRegion: string | undefined): T | undefined {
  const forced = header(FORCE_INSTANCE);
  if (forced) return candidates.find((c) => c.id === forced);
  const preferred = header(PREFER_REGION);
  const inRegion = (region: string | undefined) => (region === undefined ? undefined : candidates.find((c) => c.region === region));
  return inRegion(preferred) ?? inRegion(nearestRegion) ?? candidates[0];
}
