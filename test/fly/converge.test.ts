/**
 * Done-when check of issue 9 (Fly part): the plan's own Fly Commands, run in dependency order with `sh -c`
 * against the strict fake flyctl (local/doubles/fake-fly), end with one machine per configured region in the
 * right process group on its own attached volume, no unattached volume; a failure injected into any mutating
 * flyctl call followed by another `up` converges to the same state; a second full run changes nothing.
 * sqld-namespaces and database-verify are left out: they talk to sqld itself (tested with real sqld elsewhere).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeFakeFlyEnv, type FakeFlyEnv } from "../../local/doubles/fake-fly/harness";
import { planStack, stackYamlConfig } from "../../local/plan";
import { flyCommandsOf, up, type PlannedCommand } from "../support/fly/run-commands";

interface Region {
  code: string;
  role: "primary" | "replica";
  vm?: { size?: string; memoryMb?: number };
}
interface Machine {
  id: string;
  group: string;
  region: string;
  config: { guest: { size: string; memory_mb: number }; mounts: { volume: string }[] };
}
interface Volume {
  id: string;
  name: string;
  region: string;
  attached_machine_id: string | null;
}

/** flyctl commands that change the platform (everything else only reads). */
const MUTATING = ["apps create", "apps destroy", "secrets import", "secrets unset", "volumes create", "volumes extend", "volumes destroy", "deploy", "scale count", "ips allocate-v4", "ips allocate-v6", "ips release", "machine update", "machine destroy"];
const keyOf = (argv: string[]) => [argv.slice(0, 2).join(" "), argv[0]!].find((k) => MUTATING.includes(k));

const prodRegions = stackYamlConfig("prod").regions as Region[];
/**
 * `before`: the call fails and changes nothing; `after`: its changes land, then it fails (e.g. a deploy whose
 * health checks time out). Each stack gets one mode, to keep this file's run time bounded (every injected step
 * costs a partial and a full run): dev's `before` failures are e2e scenario e's, on the real engine.
 */
type FailureMode = "before" | "after";
const STACKS: { title: string; stack: string; overrides: Record<string, unknown>; regions: Region[]; modes: FailureMode[] }[] = [
  { title: "prod (3 regions)", stack: "prod", overrides: {}, regions: prodRegions, modes: ["before"] },
  { title: "prod with 2 regions", stack: "prod", overrides: { regions: prodRegions.slice(0, 2) }, regions: prodRegions.slice(0, 2), modes: ["after"] },
  { title: "dev (1 region)", stack: "dev", overrides: {}, regions: stackYamlConfig("dev").regions as Region[], modes: ["after"] },
];
const isFlyStep = (name: string) => /^sqld-(app|secrets|volume-|deploy|scale-|ips)/.test(name);

describe.each(STACKS)("the plan's Fly Commands converge: $title", ({ stack, overrides, regions, modes }) => {
  let fake: FakeFlyEnv;
  let commands: PlannedCommand[];
  let app: string;

  beforeEach(async () => {
    fake = makeFakeFlyEnv();
    const plan = await planStack(stack, overrides);
    commands = flyCommandsOf(plan, isFlyStep);
    app = (stackYamlConfig(stack).fly as { app: string }).app;
  });
  afterEach(() => fake.cleanup());

  function expectConverged(): void {
    const state = fake.state().apps[app];
    const machines = state.machines as Machine[];
    const volumes = state.volumes as Volume[];
    expect(machines.map((m) => `${m.group}@${m.region}`).sort()).toEqual(regions.map((r) => `${r.role}@${r.code}`).sort());
    for (const m of machines) {
      const r = regions.find((x) => x.code === m.region)!;
      expect(m.config.guest).toMatchObject({ size: r.vm?.size ?? "shared-cpu-1x", memory_mb: r.vm?.memoryMb ?? 512 });
      expect(m.config.mounts).toHaveLength(1);
      const volume = volumes.find((v) => v.id === m.config.mounts[0]!.volume)!;
      expect(volume).toMatchObject({ name: "sqld_data", region: m.region, attached_machine_id: m.id });
    }
    expect(volumes).toHaveLength(regions.length);
    expect(volumes.filter((v) => v.attached_machine_id === null)).toEqual([]);
  }

  it("a first up creates one machine per region on its own volume, and a second full run mutates nothing", () => {
    const first = up(commands, fake, new Set());
    expect(first.failed).toEqual([]);
    expect(first.succeeded).toHaveLength(commands.length);
    expectConverged();

    // Every create script again, as if no state were kept: only reads, apart from the secrets import (its
    // re-run re-sets the same values; pulumi never re-runs a Command whose inputs did not change).
    const before = fake.calls().length;
    const again = up(commands, fake, new Set());
    expect(again.failed).toEqual([]);
    const mutating = fake.calls().slice(before).map(keyOf).filter((k) => k !== undefined && k !== "secrets import");
    expect(mutating).toEqual([]);
    expectConverged();
  });

  // One partial and one full run per mutating call: the timeout is for hangs, not a timing assertion.
  it("a failure injected into each mutating flyctl call, then another up, converges to the same state", { timeout: 600_000 }, () => {
    // The clean run, with the fake's state saved before each Command: an injected failure's run starts from the
    // state before the Command that makes the failing call (what the Commands before it leave is the same with or
    // without the injection: the fake is deterministic and counts calls in its state), which spares re-running
    // that prefix for every step.
    const snapshots = new Map<string, { dir: string; created: string[] }>();
    const created = new Set<string>();
    const clean = up(commands, fake, created, {}, (name) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "converge-snapshot-"));
      fs.cpSync(fake.stateDir, dir, { recursive: true });
      snapshots.set(name, { dir, created: [...created] });
    });
    expect(clean.failed).toEqual([]);
    // The n-th call of each mutating command in a clean run (the fake counts calls per command: FAKE_FLY_FAIL),
    // and the Command that makes it.
    const calls = fake.calls();
    const commandAt = (index: number) => Object.entries(clean.callsOf).find(([, [from, to]]) => index >= from && index < to)![0];
    const seen: Record<string, number> = {};
    const steps = calls.flatMap((argv, index) => {
      const key = keyOf(argv);
      if (!key) return [];
      seen[key] = (seen[key] ?? 0) + 1;
      return [{ step: `${key}:${seen[key]}`, command: commandAt(index) }];
    });
    expect(steps.length).toBeGreaterThanOrEqual(regions.length * 2 + 2);

    try {
      for (const { step, command } of modes.flatMap((mode) => steps.map((s) => ({ ...s, step: `${s.step}:${mode}` })))) {
        const snapshot = snapshots.get(command)!;
        fs.rmSync(fake.stateDir, { recursive: true, force: true });
        fs.cpSync(snapshot.dir, fake.stateDir, { recursive: true });
        const done = new Set(snapshot.created);
        const broken = up(commands, fake, done, { FAKE_FLY_FAIL: step });
        expect(broken.failed.map((f) => f.stderr).join("\n"), step).toMatch(/injected failure/);
        expect(broken.failed[0]?.name, step).toBe(command);
        const rerun = up(commands, fake, done);
        expect(rerun.failed, step).toEqual([]);
        expect(done.size, step).toBe(commands.length);
        expectConverged();
      }
    } finally {
      for (const { dir } of snapshots.values()) fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
