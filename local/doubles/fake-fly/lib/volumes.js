// TEST DOUBLE of flyctl (not the real CLI): volumes create/list/destroy, plus the volume placement used by
// deploy and scale (deploy.js / scale.js choose volumes the way flyctl does; nothing is made on demand here).
"use strict";
const crypto = require("node:crypto");
const { FlyError, UsageError } = require("./errors");
const { intArg } = require("./args");
const { newVolumeId, now, requireApp, requireYes } = require("./state");

const VOLUME_NAME = /^[a-z0-9_]{1,30}$/;
const ZONES_PER_REGION = 4;

/** Each region has a few hardware zones with stable, realistic-looking 4-hex names. */
function zonesOf(region) {
  const zones = [];
  for (let i = 0; i < ZONES_PER_REGION; i++) zones.push(crypto.createHash("sha1").update(`${region}/${i}`).digest("hex").slice(0, 4));
  return zones;
}

/** The `fly volumes list --json` shape (fly-go Volume has snake_case JSON tags). */
function volumeView(v) {
  const { vmHint, ...view } = v;
  return view;
}

/**
 * Adds a volume to `app`. With `uniqueZone` the zone must differ from every other volume of that name in the
 * region (flyctl's --require-unique-zone, default true); when no zone is left that is an error, as on Fly.
 */
function createVolume(app, { name, region, sizeGb, uniqueZone, vmHint }) {
  if (!VOLUME_NAME.test(name)) throw new FlyError(`failed creating volume: name ${JSON.stringify(name)} must be 1-30 lowercase letters, digits or underscores`);
  const taken = new Set(app.volumes.filter((v) => v.name === name && v.region === region).map((v) => v.zone));
  const zones = zonesOf(region);
  const free = zones.filter((z) => !taken.has(z));
  if (uniqueZone && free.length === 0) {
    throw new FlyError(`failed creating volume: no zone in ${region} left without a volume named ${name} (--require-unique-zone)`);
  }
  const zone = free[0] ?? zones[app.volumes.length % zones.length];
  const volume = {
    id: newVolumeId(),
    name,
    state: "created",
    size_gb: sizeGb,
    region,
    zone,
    encrypted: true,
    attached_machine_id: null,
    attached_alloc_id: null,
    created_at: now(),
    host_dedication_id: "",
    snapshot_retention: 5,
    auto_backup_enabled: true,
    fstype: "ext4",
    vmHint: vmHint ?? null,
  };
  app.volumes.push(volume);
  return volume;
}

/**
 * Unattached volumes grouped by name, as deploy and scale read them before placing machines
 * (deploy/machines.go setVolumes; scale/machine_defaults.go newDefaults: !v.IsAttached() && HostStatus "ok").
 */
function unattachedByName(app) {
  const byName = {};
  for (const v of app.volumes) if (!v.attached_machine_id) (byName[v.name] ??= []).push(v);
  return byName;
}

const commands = {
  "volumes create": {
    flags: {
      app: { type: "string", short: "a" },
      region: { type: "string", short: "r" },
      size: { type: "string", short: "s" },
      "vm-size": { type: "string" },
      "vm-memory": { type: "string" },
      "require-unique-zone": { type: "bool" },
      "snapshot-retention": { type: "string" },
      yes: { type: "bool", short: "y" },
    },
    mutates: true,
    run({ state, flags, positionals, out }) {
      const app = requireApp(state, flags.app);
      if (positionals.length !== 1) throw new UsageError(`volumes create takes one volume name, got ${positionals.length}`);
      if (!flags.region) throw new FlyError("region is required when not running interactively (-r)");
      requireYes(flags);
      const sizeGb = flags.size === undefined ? 1 : intArg("--size", flags.size);
      if (sizeGb < 1 || sizeGb > 500) throw new FlyError(`failed creating volume: size must be between 1 and 500 GB, got ${sizeGb}`);
      const vmMemory = flags["vm-memory"] === undefined ? null : intArg("--vm-memory", flags["vm-memory"]);
      const volume = createVolume(app, {
        name: positionals[0],
        region: flags.region,
        sizeGb,
        uniqueZone: flags["require-unique-zone"] !== false,
        vmHint: { size: flags["vm-size"] ?? null, memoryMb: vmMemory },
      });
      if (flags.json) return out.json(volumeView(volume));
      out.line(`        ID: ${volume.id}\n      Name: ${volume.name}\n    Region: ${volume.region}\n      Zone: ${volume.zone}\n   Size GB: ${volume.size_gb}`);
    },
  },
  "volumes list": {
    flags: { app: { type: "string", short: "a" }, all: { type: "bool" } },
    run({ state, flags, out }) {
      const app = requireApp(state, flags.app);
      if (flags.json) return out.json(app.volumes.map(volumeView));
      out.line("ID\tSTATE\tNAME\tSIZE\tREGION\tZONE\tATTACHED VM");
      for (const v of app.volumes) out.line(`${v.id}\t${v.state}\t${v.name}\t${v.size_gb}GB\t${v.region}\t${v.zone}\t${v.attached_machine_id ?? ""}`);
    },
  },
  "volumes destroy": {
    flags: { app: { type: "string", short: "a" }, yes: { type: "bool", short: "y" } },
    mutates: true,
    run({ state, flags, positionals, out }) {
      const app = requireApp(state, flags.app);
      if (positionals.length === 0) throw new FlyError("volume ID or app required");
      requireYes(flags);
      for (const id of positionals) {
        const volume = app.volumes.find((v) => v.id === id);
        if (!volume) throw new FlyError(`failed destroying volume: volume ${id} not found`);
        // Stricter than needed on purpose: destroying a mounted volume would pull data from under a machine.
        if (volume.attached_machine_id) throw new FlyError(`failed destroying volume: ${id} is attached to machine ${volume.attached_machine_id}`);
        app.volumes = app.volumes.filter((v) => v.id !== id);
        out.line(`Destroyed volume ID: ${id} name: ${volume.name}`);
      }
    },
  },
  "volumes extend": {
    flags: { app: { type: "string", short: "a" }, size: { type: "string", short: "s" }, yes: { type: "bool", short: "y" } },
    mutates: true,
    run({ state, flags, positionals, out }) {
      const app = requireApp(state, flags.app);
      if (positionals.length !== 1) throw new UsageError(`volumes extend takes one volume id, got ${positionals.length}`);
      requireYes(flags);
      const volume = app.volumes.find((v) => v.id === positionals[0]);
      if (!volume) throw new FlyError(`failed extending volume: volume ${positionals[0]} not found`);
      const sizeGb = intArg("--size", flags.size);
      // Fly volumes only grow.
      if (sizeGb <= volume.size_gb) throw new FlyError(`failed extending volume: target size ${sizeGb} GB must be larger than the current ${volume.size_gb} GB`);
      if (sizeGb > 500) throw new FlyError(`failed extending volume: size must be at most 500 GB, got ${sizeGb}`);
      volume.size_gb = sizeGb;
      if (flags.json) return out.json(volumeView(volume));
      out.line(`        ID: ${volume.id}\n   Size GB: ${volume.size_gb}`);
    },
  },
};
commands["volumes ls"] = commands["volumes list"];

module.exports = { commands, createVolume, unattachedByName, volumeView };
