// TEST DOUBLE of flyctl (not the real CLI): machines and how deploy/scale create them (see deploy.js, scale.js).
"use strict";
const { newMachineId, hex4, now, requireApp } = require("./state");

/**
 * Creates a started machine of `group` in `region` from a launch input: `guest`, and `volumes` (one per mount,
 * already chosen by the caller: flyctl's deploy and scale pick or create the volume before Launch, see deploy.js
 * and scale.js). A volume must be unattached and in the machine's region, as on Fly.
 */
function launchMachine(app, { group, region, guest, mounts, env }) {
  const id = newMachineId();
  for (const m of mounts) {
    const volume = app.volumes.find((v) => v.id === m.volume);
    if (!volume || volume.region !== region || volume.attached_machine_id) {
      throw new Error(`fake fly bug: volume ${m.volume} is not an unattached volume in ${region}`);
    }
    volume.attached_machine_id = id;
  }
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
      guest: { ...guest },
      mounts: mounts.map((m) => ({ ...m })),
      env: { ...env },
      metadata: { fly_process_group: group, fly_release_version: String(app.version), fly_platform_version: "v2" },
    },
  };
  app.machines.push(machine);
  return machine;
}

/** Destroys a machine; its volumes stay, unattached (Fly never deletes a volume with its machine). */
function destroyMachine(app, machine) {
  for (const v of app.volumes) if (v.attached_machine_id === machine.id) v.attached_machine_id = null;
  app.machines = app.machines.filter((m) => m.id !== machine.id);
}

/** The `fly machines list --json` shape (fly-go Machine has snake_case JSON tags). */
function machineView(m) {
  const { group, ...view } = m;
  // fly-go ImageRef {registry, repository, tag, digest}: the tag is what follows the last ":" after the last "/".
  const image = m.config.image.split("@")[0];
  const colon = image.lastIndexOf(":");
  const hasTag = colon > image.lastIndexOf("/");
  const repository = hasTag ? image.slice(0, colon) : image;
  return { ...view, image_ref: { registry: "registry.fly.io", repository, tag: hasTag ? image.slice(colon + 1) : "latest" }, events: [], checks: [] };
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

module.exports = { commands, launchMachine, destroyMachine, machineView };
