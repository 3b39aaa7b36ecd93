// TEST DOUBLE of flyctl (not the real CLI): `fly deploy`, modelled on internal/command/deploy (deploy.go,
// deploy_build.go, machines.go, deploy_first.go, machines_deploymachinesapp.go, machines_launchinput.go).
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { FlyError, UsageError } = require("./errors");
const { now, hex4, reloadState, requireApp, requireYes } = require("./state");
const { loadConfig, processNames, mountsFor, servicesFor, guestFromConfig, guestFor, parseMemoryMb, parseSizeGb } = require("./appconfig");
const { createVolume, unattachedByName } = require("./volumes");
const { launchMachine, destroyMachine } = require("./machines");
const { acquireLeases } = require("./leases");
const { allocate, octet } = require("./ips");
const { parseWaitTimeout, waitForMachinesReady } = require("./box");

const STRATEGIES = ["rolling", "immediate", "canary", "bluegreen"];

function readText(file, what) {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new FlyError(`${what} ${file} could not be read: ${err.code ?? err.message}`);
  }
}

/**
 * Where the image comes from. `-i` first, then fly.toml [build] image; a Dockerfile from fly.toml
 * [build].dockerfile (relative to the config file's dir) wins over `--dockerfile` (deploy_build.go
 * resolveDockerfilePath); a Dockerfile in the working dir that differs from the one fly.toml names is an error
 * (deploy_build.go multipleDockerfile: "ignoring %s, and using %s (from %s)").
 */
function resolveBuild(flags, config, configPath) {
  if (flags.image) return { image: flags.image, dockerfilePath: null, dockerfile: null };
  if (config.build?.image) return { image: config.build.image, dockerfilePath: null, dockerfile: null };
  let file = null;
  if (config.build?.dockerfile) file = path.resolve(path.dirname(configPath), config.build.dockerfile);
  else if (flags.dockerfile) file = path.resolve(flags.dockerfile);
  const inWorkingDir = ["Dockerfile", "dockerfile"].map((n) => path.resolve(n)).find((f) => fs.existsSync(f)) ?? null;
  if (config.build && file && inWorkingDir && inWorkingDir !== file) {
    throw new FlyError(`ignoring ${inWorkingDir}, and using ${file} (from ${configPath})`);
  }
  file ??= inWorkingDir;
  if (!file) throw new FlyError("app does not have a Dockerfile or an image configured");
  return { image: null, dockerfilePath: file, dockerfile: readText(file, "Dockerfile") };
}

const splitList = (v) => (v ?? "").split(",").map((x) => x.trim()).filter((x) => x !== "");

/**
 * deploy_first.go provisionVolumesOnFirstDeploy: for every group of fly.toml (NOT only --process-groups) and each
 * of its mounts, count one spare volume of that name IN ANY REGION, else create one in primary_region.
 */
function provisionVolumesOnFirstDeploy(app, config, spare, out) {
  const left = Object.fromEntries(Object.entries(spare).map(([name, vs]) => [name, vs.length]));
  for (const group of processNames(config)) {
    for (const m of mountsFor(config, group)) {
      if ((left[m.source] ?? 0) > 0) {
        left[m.source]--;
        continue;
      }
      const sizeGb = m.initial_size === undefined ? 1 : parseSizeGb(m.initial_size);
      out.line(`Creating a ${sizeGb} GB volume named '${m.source}' for process group '${group}'. Use 'fly vol extend' to increase its size`);
      const volume = createVolume(app, { name: m.source, region: config.primary_region, sizeGb, uniqueZone: false });
      (spare[m.source] ??= []).push(volume);
    }
  }
}

/** machines.go popVolumeFor: the first spare volume of that name in that region, removed from the pool. */
function popVolumeFor(spare, name, region) {
  const list = spare[name] ?? [];
  const idx = list.findIndex((v) => v.region === region);
  return idx < 0 ? null : list.splice(idx, 1)[0];
}

function runDeploy({ state, flags, positionals, out, afterSave, whenSaved }) {
  if (positionals.length > 1) throw new UsageError(`accepts at most 1 arg(s), received ${positionals.length}`);
  // command.ChangeWorkingDirectoryToFirstArgIfPresent: DIR becomes the working dir; -c and the build resolve from it.
  if (positionals[0]) {
    try {
      process.chdir(positionals[0]);
    } catch (err) {
      throw new FlyError(`failed to change working directory to ${positionals[0]}: ${err.code}`);
    }
  }
  if (flags["remote-only"] && flags["local-only"]) throw new FlyError("--remote-only and --local-only are mutually exclusive");
  const configPath = path.resolve(flags.config ?? "fly.toml");
  const flyToml = readText(configPath, "app config");
  const config = loadConfig(flyToml, configPath);
  requireApp(state, flags.app ?? config.app);
  requireYes(flags);
  // The machines this run will touch are leased first (then re-read), so a concurrent run fails instead of
  // racing (machines_deploymachinesapp.go: md.machineSet.AcquireLeases).
  // machines.go setMachinesForDeployment: --process-groups filters the machines this deploy touches, and
  // ProcessNames() the groups it creates machines for.
  const onlyGroups = splitList(flags["process-groups"]);
  const inScope = (group) => onlyGroups.length === 0 || onlyGroups.includes(group);
  afterSave(acquireLeases(state.apps[flags.app ?? config.app].machines.filter((m) => inScope(m.group)).map((m) => m.id)));
  reloadState(state);
  const app = requireApp(state, flags.app ?? config.app);
  const strategy = flags.strategy ?? config.deploy?.strategy ?? "rolling";
  if (!STRATEGIES.includes(strategy)) throw new FlyError(`invalid deployment strategy ${JSON.stringify(strategy)}`);
  if ((strategy === "bluegreen" || strategy === "canary") && processNames(config).some((g) => mountsFor(config, g).length > 0)) {
    throw new FlyError(`${strategy} deployment strategy is not supported for machines with mounted volumes`);
  }
  const build = resolveBuild(flags, config, configPath);
  const waitTimeoutMs = parseWaitTimeout(flags["wait-timeout"]);
  // The machines this deploy launches or updates: the ones flyctl waits for (lib/box.js).
  const touched = [];
  const deployGuest = guestFor(flags["vm-size"] ?? "shared-cpu-1x", parseMemoryMb(flags["vm-memory"]));

  const groups = processNames(config).filter(inScope);
  const machineSet = app.machines.filter((m) => inScope(m.group));
  // machines.go setFirstDeploy: !app.Deployed() && machineSet.IsEmpty().
  const isFirstDeploy = app.deploys.length === 0 && machineSet.length === 0;
  const hasMounts = Array.isArray(config.mounts) ? config.mounts.length > 0 : config.mounts !== undefined;
  const spare = hasMounts ? unattachedByName(app) : {};
  if (isFirstDeploy && hasMounts) {
    if (!config.primary_region) throw new FlyError("primary_region is required in fly.toml to create volumes");
    provisionVolumesOnFirstDeploy(app, config, spare, out);
  }
  // machines.go validateVolumeConfig, case false: a group without machines needs a spare volume (any region).
  for (const group of groups) {
    if (machineSet.some((m) => m.group === group)) continue;
    for (const m of mountsFor(config, group)) {
      if ((spare[m.source] ?? []).length === 0) {
        throw new FlyError(`creating a new machine in group '${group}' requires an unattached '${m.source}' volume. Create it with \`fly volume create ${m.source}\``);
      }
    }
  }

  // deploy_first.go provisionIpsOnFirstDeploy: an app with services and no IPs gets a v6 and a shared v4.
  if (isFirstDeploy && app.ips.length === 0 && !app.sharedIpv4 && processNames(config).some((g) => servicesFor(config, g).length > 0)) {
    allocate(app, "v6", `2a09:8280:1::${Math.floor(Math.random() * 65535).toString(16)}:1`);
    app.sharedIpv4 = `66.241.124.${octet()}`;
  }
  app.version += 1;
  app.config = config;
  // imgsrc NewDeploymentTag: a build is pushed as registry.fly.io/<app>:<--image-label or deployment-<ulid>>.
  app.currentImage = build.image ?? `registry.fly.io/${app.name}:${flags["image-label"] ?? `deployment-${app.version}`}`;
  const env = (group) => ({ ...(config.env ?? {}), PRIMARY_REGION: config.primary_region, FLY_PROCESS_GROUP: group });
  // machines_deploymachinesapp.go resolveProcessGroupChanges: machines of groups gone from fly.toml are destroyed.
  for (const m of machineSet.filter((x) => !groups.includes(x.group))) destroyMachine(app, m);
  if (!flags["update-only"]) {
    // deployCreateMachinesForGroups → spawnMachineInGroup → launchInputForLaunch: one machine per group without
    // machines, in primary_region only, on an unattached volume of the mount's name THERE.
    for (const group of groups.filter((g) => !machineSet.some((m) => m.group === g))) {
      const region = config.primary_region;
      if (!region) throw new FlyError("primary_region is required in fly.toml to create machines");
      const mounts = mountsFor(config, group).map((mount) => {
        const volume = popVolumeFor(spare, mount.source, region);
        if (!volume) throw new FlyError(`New machine in group '${group}' needs an unattached volume named '${mount.source}' in region '${region}'`);
        return { volume: volume.id, name: mount.source, path: mount.destination, size_gb: volume.size_gb };
      });
      const guest = guestFromConfig(config, group) ?? deployGuest;
      const count = flags.ha !== false && mounts.length === 0 && servicesFor(config, group).length > 0 ? 2 : 1;
      for (let i = 0; i < count; i++) {
        const machine = launchMachine(app, { group, region, guest, mounts: i === 0 ? mounts : [], env: env(group) });
        touched.push(machine);
        out.line(`Created machine ${machine.id} [${group}] in ${machine.region}`);
      }
    }
  }
  // launchInputForUpdate: image and config from this release; the guest only when fly.toml has a [[vm]] for the
  // group (appconfig/machines.go toMachineGuest), else the machine keeps what `fly scale`/`machine update` set.
  for (const m of app.machines.filter((x) => machineSet.includes(x) && groups.includes(x.group))) {
    m.config.image = app.currentImage;
    m.config.env = env(m.group);
    m.config.guest = guestFromConfig(config, m.group) ?? m.config.guest;
    m.config.metadata.fly_release_version = String(app.version);
    // A machine update makes a new machine version (fly-go Machine.InstanceID), which flaps Wait keys on.
    m.instance_id = hex4() + hex4();
    m.updated_at = now();
    touched.push(m);
  }
  for (const s of Object.values(app.secrets)) s.status = "Deployed";
  app.deploys.push({
    version: app.version,
    status: "complete",
    at: now(),
    dir: process.cwd(),
    configPath,
    flyToml,
    config,
    strategy,
    waitTimeout: flags["wait-timeout"] ?? null,
    ha: flags.ha !== false,
    processGroups: onlyGroups,
    updateOnly: flags["update-only"] === true,
    remoteOnly: flags["remote-only"] === true,
    image: build.image,
    dockerfilePath: build.dockerfilePath,
    dockerfile: build.dockerfile,
  });
  if (!flags.detach) {
    const started = touched.filter((m) => m.state === "started").map((m) => ({ id: m.id, instance_id: m.instance_id }));
    whenSaved(() => waitForMachinesReady(started, waitTimeoutMs, out));
  }
  out.line(`Visit your newly deployed app at https://${app.name}.fly.dev/`);
}

const commands = {
  deploy: {
    // A subset of deploy.go CommonFlags + New(); flags flyctl does not have (e.g. --json) are refused.
    flags: {
      app: { type: "string", short: "a" },
      config: { type: "string", short: "c" },
      dockerfile: { type: "string" },
      image: { type: "string", short: "i" },
      "image-label": { type: "string" },
      strategy: { type: "string" },
      "remote-only": { type: "bool" },
      "local-only": { type: "bool" },
      ha: { type: "bool" },
      yes: { type: "bool", short: "y" },
      "wait-timeout": { type: "string" },
      detach: { type: "bool" },
      "process-groups": { type: "string" },
      "update-only": { type: "bool" },
      "vm-size": { type: "string" },
      "vm-memory": { type: "string" },
    },
    mutates: true,
    run: runDeploy,
  },
};

module.exports = { commands };
