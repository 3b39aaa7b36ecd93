/**
 * What the fake flyctl TEST DOUBLE (local/doubles/fake-fly) says should run: its state.json and the secret values it
 * keeps (secret-values.json), read as the local platform needs them. Read-only: the box never writes the fake's
 * state, so the fake stays the only writer (state flows fake → box through files, box → fake through its API).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** One machine the fake has in state "started", with the release config it runs. */
export interface WantedMachine {
  app: string;
  id: string;
  /** The machine version (fly-go Machine.InstanceID): changes on every update (deploy, non-staged secrets). */
  instanceId: string;
  group: string;
  region: string;
  privateIp: string;
  image: string;
  release: string;
  /** fly.toml text of the release the machine runs (the fake's deploy record of that version). */
  flyToml: string;
  /** The machine config env: fly.toml [env] + PRIMARY_REGION + FLY_PROCESS_GROUP (deploy.js / scale.js). */
  env: Record<string, string>;
  mounts: { volume: string; path: string }[];
}

export interface FlyPlatformState {
  machines: WantedMachine[];
  /** Every volume id that exists in any app (the rest of <root>/volumes is gone on Fly too). */
  volumeIds: Set<string>;
  /** app → primary_region of its latest release. */
  primaryRegions: Record<string, string>;
}

interface FakeMachine {
  id: string;
  state: string;
  region: string;
  group: string;
  instance_id: string;
  private_ip: string;
  config: { image: string; env: Record<string, string>; mounts: { volume: string; path: string }[]; metadata: { fly_release_version: string } };
}

interface FakeApp {
  name: string;
  machines: FakeMachine[];
  volumes: { id: string }[];
  deploys: { version: number; flyToml: string; config: { primary_region?: string } }[];
  config: { primary_region?: string } | null;
}

/** The fake's state, or null while state.json is missing or being replaced (retry on the next poll). */
export function readFlyPlatform(flyStateDir: string): FlyPlatformState | null {
  const file = join(flyStateDir, "state.json");
  if (!existsSync(file)) return { machines: [], volumeIds: new Set(), primaryRegions: {} };
  let state: { apps: Record<string, FakeApp> };
  try {
    state = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return null;
  }
  const machines: WantedMachine[] = [];
  const volumeIds = new Set<string>();
  const primaryRegions: Record<string, string> = {};
  for (const app of Object.values(state.apps)) {
    for (const v of app.volumes) volumeIds.add(v.id);
    if (app.config?.primary_region) primaryRegions[app.name] = app.config.primary_region;
    for (const m of app.machines.filter((x) => x.state === "started")) {
      const release = m.config.metadata.fly_release_version;
      const deploy = app.deploys.find((d) => String(d.version) === release);
      if (!deploy) continue; // a machine without a release has no config to run (the fake never makes one)
      machines.push({
        app: app.name,
        id: m.id,
        instanceId: m.instance_id,
        group: m.group,
        region: m.region,
        privateIp: m.private_ip,
        image: m.config.image,
        release,
        flyToml: deploy.flyToml,
        env: m.config.env,
        mounts: m.config.mounts.map((x) => ({ volume: x.volume, path: x.path })),
      });
    }
  }
  return { machines, volumeIds, primaryRegions };
}

/**
 * Host names of the app's certificates (`fly certs add`, local/doubles/fake-fly/lib/certs.js), read per request by
 * the edge so a certificate counts from the moment the fake holds it; [] while state.json is missing or replaced.
 */
export function readCertificateHosts(flyStateDir: string, app: string): string[] {
  const file = join(flyStateDir, "state.json");
  if (!existsSync(file)) return [];
  try {
    const state = JSON.parse(readFileSync(file, "utf8")) as { apps: Record<string, { certificates?: { hostname: string }[] }> };
    return (state.apps[app]?.certificates ?? []).map((c) => c.hostname);
  } catch {
    return [];
  }
}

/** The app's secret values as `fly secrets import` stored them (local/doubles/fake-fly/lib/secrets.js). */
export function readSecretValues(flyStateDir: string, app: string): Record<string, string> {
  const file = join(flyStateDir, "secret-values.json");
  if (!existsSync(file)) return {};
  return (JSON.parse(readFileSync(file, "utf8")) as Record<string, Record<string, string>>)[app] ?? {};
}
