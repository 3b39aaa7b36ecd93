// TEST DOUBLE of flyctl (not the real CLI): `fly scale count`, modelled on internal/command/scale (count.go,
// count_machines.go, machine_defaults.go).
"use strict";
const { FlyError, UsageError } = require("./errors");
const { reloadState, requireApp, requireYes } = require("./state");
const { processNames, mountsFor, guestFromConfig, guestFor, parseMemoryMb } = require("./appconfig");
const { createVolume, unattachedByName } = require("./volumes");
const { launchMachine, destroyMachine } = require("./machines");
const { acquireLeases } = require("./leases");

/**
 * count_machines.go convergeGroupCounts (without --max-per-region): per-region deltas so that the LISTED
 * regions hold `total` machines together; machines in other regions are not counted. Adds round-robin from the
 * first region, removes from the last.
 */
function convergeGroupCounts(total, current, regions) {
  const list = [...new Set(regions)];
  const diffs = {};
  let diff = total - list.reduce((sum, r) => sum + (current[r] ?? 0), 0);
  for (let i = 0; diff > 0; i++, diff--) diffs[list[i % list.length]] = (diffs[list[i % list.length]] ?? 0) + 1;
  for (let idx = -1; diff < 0; idx--) {
    const r = list[-idx % list.length];
    if ((current[r] ?? 0) + (diffs[r] ?? 0) > 0) {
      diffs[r] = (diffs[r] ?? 0) - 1;
      diff++;
    }
  }
  return diffs;
}

/**
 * The launch config of a new machine of `group` (count_machines.go computeActions): a COPY of the group's first
 * machine when the group has machines (so --vm-size/--vm-memory are ignored); otherwise machine_defaults.go
 * ToMachineConfig: fly.toml's [[vm]] for the group, else the guest of a machine of another group (newDefaults),
 * and only when the app has no machine at all the --vm-* flags.
 */
function launchTemplate(app, group, flags) {
  const first = app.machines.find((m) => m.group === group);
  if (first) return { guest: { ...first.config.guest }, mounts: first.config.mounts.map((m) => ({ ...m })), env: { ...first.config.env } };
  const config = app.config;
  const otherGuest = processNames(config).map((g) => app.machines.find((m) => m.group === g)?.config.guest).find(Boolean);
  const flagGuest = guestFor(flags["vm-size"] ?? "shared-cpu-1x", parseMemoryMb(flags["vm-memory"]));
  const guest = guestFromConfig(config, group) ?? otherGuest ?? flagGuest;
  const sizeByName = {};
  for (const v of app.volumes) sizeByName[v.name] = Math.max(sizeByName[v.name] ?? 0, v.size_gb);
  const mounts = mountsFor(config, group).map((m) => ({ name: m.source, path: m.destination, size_gb: sizeByName[m.source] ?? 1 }));
  return { guest, mounts, env: { ...(config.env ?? {}), PRIMARY_REGION: config.primary_region, FLY_PROCESS_GROUP: group } };
}

function runScaleCount({ state, flags, positionals, out, afterSave }) {
  requireApp(state, flags.app);
  if (positionals.length !== 1 || positionals[0].includes("=")) {
    throw new UsageError("the test double supports only `scale count N [--process-group G]`");
  }
  if (!/^[0-9]+$/.test(positionals[0])) throw new FlyError(`'${positionals[0]}' is not a valid process=count option`);
  const total = Number(positionals[0]);
  // count_machines.go runMachinesScaleCount: without a complete release there is nothing to copy from.
  if (!state.apps[flags.app].deploys.some((d) => d.status === "complete")) {
    throw new FlyError("this app has no complete releases. Run `fly deploy` to create one and rerun this command");
  }
  const group = flags["process-group"] ?? "app";
  const names = processNames(state.apps[flags.app].config);
  if (!names.includes(group)) {
    throw new FlyError(`Attempting to scale unknown process groups [${group}] but valid names are [${names.join(" ")}].`);
  }
  // Leases on EVERY machine of the app, held until the end (count_machines.go: mach.AcquireLeases(ctx, appName,
  // machines)); flyctl takes them after planning and confirming, the double before planning so the plan is
  // made on the state after any run it waited for.
  afterSave(acquireLeases(state.apps[flags.app].machines.map((m) => m.id)));
  reloadState(state);
  const app = requireApp(state, flags.app);
  const ofGroup = app.machines.filter((m) => m.group === group);
  let regions = flags.region ? flags.region.split(",") : [...new Set(app.machines.map((m) => m.region))];
  if (regions.length === 0) regions = [app.config.primary_region];
  const current = {};
  for (const m of ofGroup) current[m.region] = (current[m.region] ?? 0) + 1;
  const deltas = Object.entries(convergeGroupCounts(total, current, regions)).filter(([, d]) => d !== 0);
  if (deltas.length === 0) return out.line("App already scaled to desired state. No need for changes");
  requireYes(flags);

  const template = launchTemplate(app, group, flags);
  const spare = unattachedByName(app);
  for (const [region, delta] of deltas) {
    const existingInRegion = ofGroup.filter((m) => m.region === region);
    for (let i = 0; i < delta; i++) {
      // machine_defaults.go PopAvailableVolumes: unattached volumes of the mount's name IN THIS REGION first;
      // then CreateVolumeRequest, with RequireUniqueZone when the region will hold more than one machine.
      const mounts = template.mounts.map((m) => {
        const list = spare[m.name] ?? [];
        const idx = list.findIndex((v) => v.region === region);
        const volume = idx >= 0 ? list.splice(idx, 1)[0] : createVolume(app, { name: m.name, region, sizeGb: m.size_gb, uniqueZone: existingInRegion.length + delta > 1 });
        return { ...m, volume: volume.id, size_gb: volume.size_gb };
      });
      const machine = launchMachine(app, { group, region, guest: template.guest, mounts, env: template.env });
      out.line(`  Created ${machine.id} group:${group} region:${region} size:${template.guest.size}`);
    }
    for (const m of existingInRegion.slice(0, Math.max(0, -delta))) {
      destroyMachine(app, m);
      out.line(`  Destroyed ${m.id} group:${group} region:${region} size:${m.config.guest.size}`);
    }
  }
}

const commands = {
  "scale count": {
    // count.go newScaleCount: app, config, yes, process-group, max-per-region, region, with-new-volumes,
    // from-snapshot, the VM size flags and env. No --json.
    flags: {
      app: { type: "string", short: "a" },
      config: { type: "string", short: "c" },
      region: { type: "string", short: "r" },
      "process-group": { type: "string" },
      "vm-size": { type: "string" },
      "vm-memory": { type: "string" },
      yes: { type: "bool", short: "y" },
    },
    mutates: true,
    run: runScaleCount,
  },
};

module.exports = { commands, convergeGroupCounts };
