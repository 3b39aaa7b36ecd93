/**
 * The validated config, discriminated on `mode`: what the rules (rules.ts) guarantee is in the type, so nothing
 * downstream needs a `!` or a cast. Pure (no Pulumi).
 */
import { isVolumeDeployStrategy, type FlyVolumeDeployStrategy } from "../fly/contract";
import type { ConfigShape, FlyConfig, TursoConfig } from "./schema";

type Common = Omit<ConfigShape, "mode" | "fly" | "turso" | "deploy">;

/** sqld on Fly: the sqld app is named, and its deploy strategy is one a Fly app with volumes can use. */
export interface SelfHostedConfig extends Common {
  mode: "self-hosted";
  fly: FlyConfig & { app: string };
  turso?: TursoConfig;
  deploy: Omit<ConfigShape["deploy"], "sqld"> & { sqld: ConfigShape["deploy"]["sqld"] & { strategy: FlyVolumeDeployStrategy } };
}

/** A Turso database; `fly` only names the org of an optional API app. */
export interface ManagedConfig extends Common {
  mode: "managed";
  fly?: FlyConfig;
  turso: TursoConfig;
  deploy: ConfigShape["deploy"];
}

export type StackConfig = SelfHostedConfig | ManagedConfig;

/**
 * Narrows a config that passed every rule. Throws only if rules.ts let through what it must refuse: a bug here,
 * not a config mistake (those are reported by the rules, naming the key).
 */
export function narrowStackConfig(cfg: ConfigShape): StackConfig {
  if (cfg.mode === "self-hosted") {
    const { fly, deploy } = cfg;
    const strategy = deploy.sqld.strategy;
    if (fly?.app === undefined || !isVolumeDeployStrategy(strategy)) {
      throw new Error("internal: a self-hosted config passed the rules without fly.app or with a deploy.sqld.strategy sqld cannot use");
    }
    return { ...cfg, mode: "self-hosted", fly: { ...fly, app: fly.app }, deploy: { ...deploy, sqld: { ...deploy.sqld, strategy } } };
  }
  if (!cfg.turso) throw new Error("internal: a managed config passed the rules without turso");
  return { ...cfg, mode: "managed", turso: cfg.turso };
}

/**
 * The side a mode switch keeps (README "Mode switch"): the same config read in the other mode, when it holds that
 * side too (`fly.app` beside `mode: managed`, or `turso` beside `mode: self-hosted`); undefined otherwise.
 */
export function retainedSideConfig(cfg: StackConfig): StackConfig | undefined {
  if (cfg.mode === "managed") return cfg.fly?.app === undefined ? undefined : narrowStackConfig({ ...cfg, mode: "self-hosted" });
  return cfg.turso === undefined ? undefined : narrowStackConfig({ ...cfg, mode: "managed" });
}
