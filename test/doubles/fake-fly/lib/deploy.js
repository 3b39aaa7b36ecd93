// TEST DOUBLE of flyctl (not the real CLI): `fly deploy` and `fly scale count`.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { FlyError, UsageError } = require("./errors");
const { intArg } = require("./args");
const { now, requireApp, requireYes } = require("./state");
const { guestFor, parseMemoryMb, processGroups, mountsFor, vmFor, launchMachine, destroyMachine } = require("./machines");

const STRATEGIES = ["rolling", "immediate", "canary", "bluegreen"];

function readText(file, what) {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new FlyError(`${what} ${file} could not be read: ${err.code ?? err.message}`);
  }
}

/** Where the image comes from, in flyctl's order: -i, --dockerfile, [build] image|dockerfile, DIR/Dockerfile. */
function resolveBuild(flags, config, dir, configDir) {
  if (flags.image) return { image: flags.image, dockerfilePath: null, dockerfile: null };
  if (config.build?.image) return { image: config.build.image, dockerfilePath: null, dockerfile: null };
  let file = flags.dockerfile ? path.resolve(flags.dockerfile) : null;
  if (!file && config.build?.dockerfile) file = path.resolve(configDir, config.build.dockerfile);
  if (!file && fs.existsSync(path.join(dir, "Dockerfile"))) file = path.join(dir, "Dockerfile");
  if (!file) throw new FlyError("app does not have a Dockerfile or an image configured");
  return { image: null, dockerfilePath: flags.dockerfile ?? file, dockerfile: readText(file, "Dockerfile") };
}

function runDeploy({ state, flags, positionals, out }) {
  if (positionals.length > 1) throw new UsageError(`deploy takes at most one directory, got ${positionals.length}`);
  if (flags["remote-only"] && flags["local-only"]) throw new FlyError("--remote-only and --local-only are mutually exclusive");
  const dir = path.resolve(positionals[0] ?? ".");
  const configPath = flags.config ? path.resolve(flags.config) : path.join(dir, "fly.toml");
  const flyToml = readText(configPath, "app config");
  let config;
  try {
    // Loaded here, not at the top: every other command starts faster without the TOML parser.
    config = require("smol-toml").parse(flyToml);
  } catch (err) {
    throw new FlyError(`failed loading app config from ${configPath}: ${err.message}`);
  }
  const app = requireApp(state, flags.app ?? config.app);
  requireYes(flags);
  const strategy = flags.strategy ?? config.deploy?.strategy ?? "rolling";
  if (!STRATEGIES.includes(strategy)) throw new FlyError(`invalid deployment strategy ${JSON.stringify(strategy)}`);
  const groups = processGroups(config);
  if ((strategy === "bluegreen" || strategy === "canary") && groups.some((g) => mountsFor(config, g).length > 0)) {
    throw new FlyError(`${strategy} deployment strategy is not supported for machines with mounted volumes`);
  }
  const build = resolveBuild(flags, config, dir, path.dirname(configPath));

  app.version += 1;
  app.config = config;
  app.currentImage = build.image ?? `registry.fly.io/${app.name}:deployment-${app.version}`;
  for (const machine of [...app.machines]) {
    // Machines of groups no longer in fly.toml are removed, as flyctl does.
    if (!groups.includes(machine.group)) destroyMachine(app, machine);
  }
  for (const group of groups) {
    const existing = app.machines.filter((m) => m.group === group);
    for (const m of existing) {
      m.config.image = app.currentImage;
      m.config.metadata.fly_release_version = String(app.version);
      m.updated_at = now();
    }
    if (existing.length > 0) continue;
    // First deploy of a group: one machine, in primary_region only (--regions would only filter existing ones).
    if (!config.primary_region) throw new FlyError("primary_region is required in fly.toml to create machines");
    const vm = vmFor(config, group);
    const machine = launchMachine(app, { group, region: config.primary_region, guest: guestFor(vm.size, vm.memoryMb) });
    out.line(`Created machine ${machine.id} [${group}] in ${machine.region}`);
  }
  for (const s of Object.values(app.secrets)) s.status = "Deployed";
  app.deploys.push({
    version: app.version,
    at: now(),
    dir,
    configPath,
    flyToml,
    config,
    strategy,
    waitTimeout: flags["wait-timeout"] ?? null,
    ha: flags.ha !== false,
    remoteOnly: flags["remote-only"] === true,
    image: build.image,
    dockerfilePath: build.dockerfilePath,
    dockerfile: build.dockerfile,
  });
  out.line(`Visit your newly deployed app at https://${app.name}.fly.dev/`);
}

/** flyctl's convergeGroupCounts without max-per-region: deltas per region so the listed regions hold `total`. */
function regionDeltas(total, current, regions) {
  const deltas = {};
  let diff = total - regions.reduce((sum, r) => sum + (current[r] ?? 0), 0);
  for (let i = 0; diff > 0; i++, diff--) deltas[regions[i % regions.length]] = (deltas[regions[i % regions.length]] ?? 0) + 1;
  for (let i = regions.length - 1; diff < 0; i = (i - 1 + regions.length) % regions.length) {
    const r = regions[i];
    if ((current[r] ?? 0) + (deltas[r] ?? 0) > 0) {
      deltas[r] = (deltas[r] ?? 0) - 1;
      diff++;
    }
  }
  return deltas;
}

function runScaleCount({ state, flags, positionals, out }) {
  const app = requireApp(state, flags.app);
  if (positionals.length !== 1 || positionals[0].includes("=")) {
    throw new UsageError("the test double supports only `scale count N [--process-group G]`");
  }
  const total = intArg("count", positionals[0]);
  if (total < 0) throw new FlyError(`count must be non-negative, got ${total}`);
  if (app.machines.length === 0 || !app.config) {
    throw new FlyError("Impossible to scale the app when there aren't running machines for this app (did you ever `fly deploy`?)");
  }
  const group = flags["process-group"] ?? "app";
  if (!processGroups(app.config).includes(group)) throw new FlyError(`process group ${JSON.stringify(group)} is not defined in the app config`);
  const ofGroup = app.machines.filter((m) => m.group === group);
  const regions = flags.region ? flags.region.split(",") : [...new Set(ofGroup.map((m) => m.region))];
  if (regions.length === 0) regions.push(app.config.primary_region);
  const current = {};
  for (const m of ofGroup) current[m.region] = (current[m.region] ?? 0) + 1;
  const deltas = Object.entries(regionDeltas(total, current, regions)).filter(([, d]) => d !== 0);
  if (deltas.length === 0) return out.line("App already scaled to desired state. No need for changes");
  requireYes(flags);

  const template = ofGroup[0]?.config.guest;
  const vm = vmFor(app.config, group);
  const size = flags["vm-size"] ?? template?.size ?? vm.size;
  const memoryMb = parseMemoryMb(flags["vm-memory"]) ?? (flags["vm-size"] ? null : template?.memory_mb ?? vm.memoryMb);
  const guest = guestFor(size, memoryMb);
  for (const [region, delta] of deltas) {
    for (let i = 0; i < delta; i++) {
      const m = launchMachine(app, { group, region, guest });
      out.line(`  Created ${m.id} group:${group} region:${region} size:${guest.size}`);
    }
    if (delta >= 0) continue;
    // Scale-down removes the newest machines first; their volumes stay, unattached, for a later scale-up.
    for (const m of app.machines.filter((x) => x.group === group && x.region === region).slice(delta)) {
      destroyMachine(app, m);
      out.line(`  Destroyed ${m.id} group:${group} region:${region} size:${m.config.guest.size}`);
    }
  }
}

const commands = {
  deploy: {
    flags: {
      app: { type: "string", short: "a" },
      config: { type: "string", short: "c" },
      dockerfile: { type: "string" },
      image: { type: "string", short: "i" },
      strategy: { type: "string" },
      "remote-only": { type: "bool" },
      "local-only": { type: "bool" },
      ha: { type: "bool" },
      yes: { type: "bool", short: "y" },
      "wait-timeout": { type: "string" },
      detach: { type: "bool" },
    },
    mutates: true,
    run: runDeploy,
  },
  "scale count": {
    flags: {
      app: { type: "string", short: "a" },
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

module.exports = { commands };
