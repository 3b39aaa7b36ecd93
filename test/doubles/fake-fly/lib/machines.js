// TEST DOUBLE of flyctl (not the real CLI): machines and how deploy/scale create them (see deploy.js, scale.js).
"use strict";
const { FlyError, UsageError } = require("./errors");
const { newMachineId, hex4, now, requireApp } = require("./state");
const { attachVolume, detachVolumes } = require("./volumes");

/** `shared-cpu-2x` → 2 shared CPUs; `performance-4x` → 4 dedicated CPUs; memory defaults like Fly's presets. */
function guestFor(size, memoryMb) {
  const match = /^(shared-cpu|performance)-([0-9]+)x$/.exec(size);
  if (!match) throw new FlyError(`invalid VM size ${JSON.stringify(size)}`);
  const cpus = Number(match[2]);
  const kind = match[1] === "performance" ? "performance" : "shared";
  return { cpu_kind: kind, cpus, memory_mb: memoryMb ?? (kind === "shared" ? 256 : 2048) * cpus, size };
}

/** `512`, `"512mb"`, `"1gb"` → megabytes (fly.toml [[vm]] memory and --vm-memory accept these). */
function parseMemoryMb(value) {
  if (value === undefined || value === null) return null;
  const match = /^([0-9]+)\s*(mb|m|gb|g)?$/i.exec(String(value));
  if (!match) throw new UsageError(`invalid memory size ${JSON.stringify(value)}`);
  return /^g/i.test(match[2] ?? "") ? Number(match[1]) * 1024 : Number(match[1]);
}

/** `"1gb"`, `10`, `"500mb"` → whole GB (at least 1), as for [[mounts]] initial_size. */
function parseSizeGb(value) {
  if (value === undefined || value === null) return 1;
  const match = /^([0-9]+)\s*(gb|g|mb|m)?$/i.exec(String(value));
  if (!match) throw new FlyError(`invalid size ${JSON.stringify(value)}`);
  const n = Number(match[1]);
  return Math.max(1, /^m/i.test(match[2] ?? "") ? Math.ceil(n / 1024) : n);
}

/** Process groups declared by a parsed fly.toml; without [processes] everything is the `app` group. */
function processGroups(config) {
  const groups = config.processes && typeof config.processes === "object" ? Object.keys(config.processes) : [];
  return groups.length > 0 ? groups : ["app"];
}

/** [[mounts]] or [mounts], restricted to the ones that apply to `group` (a mount without `processes` applies to all). */
function mountsFor(config, group) {
  const all = config.mounts === undefined ? [] : Array.isArray(config.mounts) ? config.mounts : [config.mounts];
  return all.filter((m) => !Array.isArray(m.processes) || m.processes.length === 0 || m.processes.includes(group));
}

/** The [[vm]] entry for `group` (first one naming it, else the first without `processes`). */
function vmFor(config, group) {
  const all = config.vm === undefined ? [] : Array.isArray(config.vm) ? config.vm : [config.vm];
  const vm = all.find((v) => Array.isArray(v.processes) && v.processes.includes(group)) ?? all.find((v) => !Array.isArray(v.processes)) ?? {};
  return { size: vm.size ?? "shared-cpu-1x", memoryMb: parseMemoryMb(vm.memory ?? vm.memory_mb) };
}

/** Creates a started machine of `group` in `region`, with a volume for each mount that applies to it. */
function launchMachine(app, { group, region, guest }) {
  const config = app.config;
  const id = newMachineId();
  const mounts = mountsFor(config, group).map((m) => {
    const volume = attachVolume(app, { name: m.source, region, sizeGb: parseSizeGb(m.initial_size), machineId: id });
    return { volume: volume.id, name: m.source, path: m.destination };
  });
  const machine = {
    id,
    name: `${group}-${hex4()}`,
    state: "started",
    region,
    group,
    instance_id: hex4() + hex4(),
    private_ip: `fdaa:0:${hex4()}:a7b:${hex4()}:${hex4()}:${hex4()}:2`,
    created_at: now(),
    updated_at: now(),
    config: {
      image: app.currentImage,
      guest,
      mounts,
      env: { ...(config.env ?? {}), PRIMARY_REGION: config.primary_region ?? region },
      metadata: { fly_process_group: group, fly_release_version: String(app.version), fly_platform_version: "v2" },
    },
  };
  app.machines.push(machine);
  return machine;
}

function destroyMachine(app, machine) {
  detachVolumes(app, machine.id);
  app.machines = app.machines.filter((m) => m.id !== machine.id);
}

/** The `fly machines list --json` shape (fly-go Machine has snake_case JSON tags). */
function machineView(m) {
  const { group, ...view } = m;
  return { ...view, image_ref: { registry: "registry.fly.io", repository: m.config.image }, events: [], checks: [] };
}

const commands = {
  "machines list": {
    flags: { app: { type: "string", short: "a" }, quiet: { type: "bool", short: "q" } },
    run({ state, flags, out }) {
      const app = requireApp(state, flags.app);
      if (flags.json) return out.json(app.machines.map(machineView));
      out.line("ID\tNAME\tSTATE\tREGION\tPROCESS GROUP");
      for (const m of app.machines) out.line(`${m.id}\t${m.name}\t${m.state}\t${m.region}\t${m.group}`);
    },
  },
};
commands["machines ls"] = commands["machines list"];
commands["machine list"] = commands["machines list"];

module.exports = { commands, guestFor, parseMemoryMb, processGroups, mountsFor, vmFor, launchMachine, destroyMachine, machineView };
