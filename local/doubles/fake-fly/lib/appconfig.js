// TEST DOUBLE of flyctl (not the real CLI): fly.toml loading and the checks of flyctl's appconfig.Validate
// (internal/appconfig/validation.go) for the keys this project writes, plus the accessors deploy and scale use.
"use strict";
const { FlyError } = require("./errors");

/** `512`, `"512mb"`, `"1gb"` → megabytes ([[vm]] memory and --vm-memory accept these). */
function parseMemoryMb(value) {
  if (value === undefined || value === null) return null;
  const match = /^([0-9]+)\s*(mb|m|gb|g)?$/i.exec(String(value));
  if (!match) throw new FlyError(`invalid memory size ${JSON.stringify(value)}`);
  return /^g/i.test(match[2] ?? "") ? Number(match[1]) * 1024 : Number(match[1]);
}

/** `"1gb"`, `10`, `"500mb"` → GB, or null when it does not parse (helpers.ParseSize with units.GB). */
function parseSizeGb(value) {
  const match = /^([0-9]+)\s*(gb|g|mb|m)?$/i.exec(String(value));
  if (!match) return null;
  const n = Number(match[1]);
  return /^m/i.test(match[2] ?? "") ? n / 1024 : n;
}

const asList = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** appconfig ProcessNames: the [processes] keys, or the implicit `app` group without them. */
function processNames(config) {
  const names = config.processes && typeof config.processes === "object" ? Object.keys(config.processes).sort() : [];
  return names.length > 0 ? names : ["app"];
}

/** appconfig flattenGroupsMatch: a section without `processes` applies to every group. */
const appliesTo = (section, group) => !Array.isArray(section.processes) || section.processes.length === 0 || section.processes.includes(group);

function mountsFor(config, group) {
  return asList(config.mounts).filter((m) => appliesTo(m, group));
}

function servicesFor(config, group) {
  return [...asList(config.http_service), ...asList(config.services)].filter((s) => appliesTo(s, group));
}

/** The group's [[vm]] as a guest, or null when fly.toml has none for it (appconfig/machines.go toMachineGuest). */
function guestFromConfig(config, group) {
  const vm = asList(config.vm).find((v) => appliesTo(v, group));
  if (!vm) return null;
  return guestFor(vm.size ?? "shared-cpu-1x", parseMemoryMb(vm.memory ?? vm.memory_mb));
}

/** `shared-cpu-2x` → 2 shared CPUs; `performance-4x` → 4 dedicated CPUs; memory defaults like Fly's presets. */
function guestFor(size, memoryMb) {
  const match = /^(shared-cpu|performance)-([0-9]+)x$/.exec(size);
  if (!match) throw new FlyError(`invalid VM size ${JSON.stringify(size)}`);
  const cpus = Number(match[2]);
  const kind = match[1] === "performance" ? "performance" : "shared";
  return { cpu_kind: kind, cpus, memory_mb: memoryMb ?? (kind === "shared" ? 256 : 2048) * cpus, size };
}

/**
 * appconfig.Validate subset (validation.go): validateServicesSection (service processes must exist; a service
 * without processes when [processes] exists), validateProcessesSection (a command must split), validateMounts
 * (one mount per group after Flatten, initial_size ≥ 1GB, snapshot_retention 1..60), validateDeploySection
 * (canary with mounts), plus [[mounts]]/[[vm]] processes naming a known group (flattening would drop them).
 */
function validateConfig(config) {
  const problems = [];
  const names = processNames(config);
  const declared = Boolean(config.processes && Object.keys(config.processes).length > 0);
  for (const s of [...asList(config.http_service), ...asList(config.services)]) {
    if ((!Array.isArray(s.processes) || s.processes.length === 0) && declared) {
      problems.push(`Service has no processes set but app has ${names.length} processes defined; update fly.toml to set processes for each service`);
    }
    for (const p of s.processes ?? []) {
      if (!names.includes(p)) problems.push(`Service specifies '${p}' as one of its processes, but no processes are defined with that name`);
    }
  }
  for (const [name, cmd] of Object.entries(config.processes ?? {})) {
    if (typeof cmd !== "string" || /["']/.test(cmd.replace(/"[^"]*"|'[^']*'/g, ""))) {
      problems.push(`Could not parse command for '${name}' process group; check [processes] section`);
    }
  }
  for (const section of ["mounts", "vm"]) {
    for (const entry of asList(config[section])) {
      for (const p of entry.processes ?? []) {
        if (!names.includes(p)) problems.push(`[[${section}]] names process group '${p}', but no processes are defined with that name`);
      }
    }
  }
  for (const m of asList(config.mounts)) {
    if (typeof m.source !== "string" || typeof m.destination !== "string") problems.push("a [[mounts]] entry needs source and destination");
    if (m.initial_size !== undefined) {
      const gb = parseSizeGb(m.initial_size);
      if (gb === null) problems.push(`mount '${m.source}' with initial_size '${m.initial_size}' will fail`);
      else if (gb < 1) problems.push(`mount '${m.source}' has an initial_size '${m.initial_size}' value which is smaller than 1GB`);
    }
    if (m.snapshot_retention !== undefined && (m.snapshot_retention < 1 || m.snapshot_retention > 60)) {
      problems.push(`mount '${m.source}' has a snapshot_retention value which is not between 1 and 60 days inclusive`);
    }
  }
  for (const group of names) {
    if (mountsFor(config, group).length > 1) problems.push(`group '${group}' has more than one [[mounts]] section defined`);
  }
  if (config.deploy?.strategy === "canary" && asList(config.mounts).length > 0) {
    problems.push("error canary deployment strategy is not supported when using mounted volumes");
  }
  if (problems.length > 0) throw new FlyError(`App configuration is not valid:\n${problems.join("\n")}`);
}

/** Parses fly.toml text, validates it and returns the config object. */
function loadConfig(text, where) {
  let config;
  try {
    // Loaded here, not at the top: every other command starts faster without the TOML parser.
    config = require("smol-toml").parse(text);
  } catch (err) {
    throw new FlyError(`failed loading app config from ${where}: ${err.message}`);
  }
  validateConfig(config);
  return config;
}

module.exports = { loadConfig, validateConfig, processNames, mountsFor, servicesFor, guestFromConfig, guestFor, parseMemoryMb, parseSizeGb };
