/**
 * Contract between the Pulumi components (infra/sqld/cluster.ts, infra/fly/api-app.ts) and the pure flyctl script
 * builders (infra/fly/scripts/*).
 * Every builder returns POSIX sh scripts for a `local.Command`:
 *  - `create` is idempotent (create-if-missing) and converges when re-run after a partial failure;
 *  - `delete` undoes `create` (or is a no-op that says why, for protected data);
 *  - secrets never appear in a script: they arrive on stdin or in the environment;
 *  - every interpolated value is shell-quoted (shell-quote), flyctl is called as `fly`
 *    (auth from FLY_API_TOKEN / FLY_ACCESS_TOKEN in the environment).
 */

/** The Fly organisation apps are created in when the config names none (`fly.org`). */
export const FLY_DEFAULT_ORG = "personal";

/** `fly deploy --strategy` values; the config's `deploy.*.strategy` enum is this list. */
export const FLY_DEPLOY_STRATEGIES = ["rolling", "immediate", "canary", "bluegreen"] as const;
export type FlyDeployStrategy = (typeof FLY_DEPLOY_STRATEGIES)[number];

/** The strategies an app with volumes (sqld) can use: canary and bluegreen need an app without mounts. */
export const FLY_VOLUME_DEPLOY_STRATEGIES = ["rolling", "immediate"] as const satisfies readonly FlyDeployStrategy[];
export type FlyVolumeDeployStrategy = (typeof FLY_VOLUME_DEPLOY_STRATEGIES)[number];

/** The config rule (deploy.sqld.strategy) and the narrowing of a self-hosted config both ask this. */
export function isVolumeDeployStrategy(strategy: FlyDeployStrategy): strategy is FlyVolumeDeployStrategy {
  return (FLY_VOLUME_DEPLOY_STRATEGIES as readonly FlyDeployStrategy[]).includes(strategy);
}

/** fly.toml `auto_stop_machines`: what the Fly proxy does with an idle machine. */
export const FLY_AUTO_STOP_MODES = ["off", "stop", "suspend"] as const;
export type FlyAutoStop = (typeof FLY_AUTO_STOP_MODES)[number];

export interface AppScriptArgs {
  app: string;
  org: string;
  /**
   * The app has volumes with data (sqld): `fly apps destroy` would take them, so delete also needs the run-time
   * consent of infra/deletion-consent.ts. @default false
   */
  holdsData?: boolean;
}

export interface VolumeScriptArgs {
  app: string;
  /** Volume name (== [[mounts]].source), e.g. `sqld_data`. */
  volumeName: string;
  region: string;
  sizeGb: number;
  /** How many volumes of this name must exist in this region (one per machine). */
  count: number;
  vmSize: string;
  vmMemoryMb: number;
  /** When false, delete only prints that the volume is kept (data protection). */
  destroyOnDelete: boolean;
}

export interface SecretsScriptArgs {
  app: string;
  /** Names of the secrets that arrive on stdin as NAME=VALUE lines (delete unsets them). */
  names: string[];
  /** `--stage`: set without restarting machines (the following deploy picks them up). */
  stage: boolean;
}

export interface DeployScriptArgs {
  app: string;
  strategy: FlyDeployStrategy;
  waitTimeout: string;
  /**
   * Process groups that a deploy may create machines for, or undefined for flyctl's default (every group).
   * When set, the first deploy (the app has no machine yet) runs `--process-groups <these>`, which starts one
   * machine per listed group in primary_region; every later deploy runs `--update-only`: it updates the machines
   * of all groups and never creates one (groups are placed per region with `fly scale count`).
   */
  firstDeployGroups?: string[];
  /**
   * Where the build context comes from:
   * - `generated`: the script writes $FLY_TOML and $DOCKERFILE (environment variables) into a fresh temp dir;
   * - `image`: writes only $FLY_TOML and deploys `-i image`;
   * - `dockerfile`: writes $FLY_TOML to a temp file and builds `dockerfile` with `context` as the context dir.
   */
  source:
    | { kind: "generated" }
    | { kind: "image"; image: string }
    | { kind: "dockerfile"; dockerfile: string; context: string };
}

/** Where a stateless app's image comes from (the sqld app's files are always `generated`). */
export type ApiAppSource = Exclude<DeployScriptArgs["source"], { kind: "generated" }>;

export interface ScaleScriptArgs {
  app: string;
  processGroup: string;
  region: string;
  count: number;
}

export interface IpScriptArgs {
  app: string;
}

export interface CertScriptArgs {
  app: string;
  /** The host name of the certificate, e.g. `*.db.example.com` (a wildcard is validated by DNS-01 only). */
  hostname: string;
}
