// TEST DOUBLE of flyctl (not the real CLI): machines and how deploy/scale create them (see deploy.js, scale.js).
"use strict";
const { FlyError, UsageError } = require("./errors");
const { attachedBox } = require("./box");
const { newMachineId, hex4, now, reloadState, requireApp } = require("./state");
const { acquireLeases } = require("./leases");

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

/**
 * The machines named by id (selectManyMachines, internal/command/machine/select.go: flyctl needs -a here, the
 * double does not resolve an app from a machine id), leased while the command runs (mach.AcquireLeases in
 * stop.go/start.go) and re-read after the leases are held. An unknown id fails like rewriteMachineNotFoundErrors.
 */
function selectLeased({ state, flags, positionals, afterSave }) {
  if (positionals.length === 0) throw new FlyError("a machine ID must be given when not running interactively");
  const app = requireApp(state, flags.app);
  for (const id of positionals) if (!app.machines.some((m) => m.id === id)) throw new FlyError(`machine ${id} was not found in app '${app.name}'`);
  afterSave(acquireLeases(positionals));
  reloadState(state);
  const fresh = requireApp(state, flags.app);
  return { app: fresh, machines: positionals.map((id) => fresh.machines.find((m) => m.id === id) ?? machineGone(id, fresh)) };
}

const machineGone = (id, app) => {
  throw new FlyError(`machine ${id} was not found in app '${app.name}'`);
};

const machineFlags = { app: { type: "string", short: "a" }, config: { type: "string", short: "c" } };

// internal/command/machine/stop.go runMachineStop: kill signal, then "stopped"; the double stops at once.
commands["machine stop"] = {
  flags: { ...machineFlags, signal: { type: "string", short: "s" }, timeout: { type: "string" }, "wait-timeout": { type: "string", short: "w" } },
  mutates: true,
  run(ctx) {
    for (const m of selectLeased(ctx).machines) {
      ctx.out.line(`Sending kill signal to machine ${m.id}...`);
      m.state = "stopped";
      m.updated_at = now();
      ctx.out.line(`${m.id} has been successfully stopped`);
    }
  },
};

// internal/command/machine/start.go runMachineStart: flaps Start, no wait for health.
commands["machine start"] = {
  flags: machineFlags,
  mutates: true,
  run(ctx) {
    for (const m of selectLeased(ctx).machines) {
      m.state = "started";
      m.updated_at = now();
      ctx.out.line(`${m.id} has been started`);
    }
  },
};

// internal/command/machine/destroy.go Destroy: a started machine needs --force; volumes stay (destroyMachine).
commands["machine destroy"] = {
  flags: { ...machineFlags, force: { type: "bool", short: "f" } },
  mutates: true,
  run(ctx) {
    const { app, machines } = selectLeased(ctx);
    for (const m of machines) {
      if (m.state === "started" && !ctx.flags.force) throw new FlyError(`machine ${m.id} currently started, either stop first or use --force flag`);
      if (m.state !== "stopped" && m.state !== "suspended" && !ctx.flags.force) {
        throw new FlyError(`machine ${m.id} is in a ${m.state} state and cannot be destroyed since it is not stopped or suspended, either stop first or use --force flag`);
      }
      ctx.out.line(`machine ${m.id} was found and is currently in ${m.state} state, attempting to destroy...`);
      destroyMachine(app, m);
      ctx.out.line(`${m.id} has been destroyed`);
    }
  },
};
/**
 * internal/command/machine/exec.go runMachineExec: `fly machine exec <id> <command> -a <app> [--timeout N] [--json]`
 * (cobra.RangeArgs(1, 2); the command is ONE string, fly-go MachineExecRequest.Cmd). flaps Exec's answer is
 * fly-go MachineExecResponse {exit_code, stdout, stderr}, every field `omitempty` (a 0 exit code is absent from
 * the JSON). Without --json flyctl prints "Exit code: N" when N != 0, then stdout, stderr to stderr, and exits 0
 * whatever the command's exit code was. A failed API call is "could not exec command on machine <id>: <err>".
 * The double runs the command through the attached box (local/box), which runs only `df` (what `npm run status`
 * needs) with the machine's mounts mapped to their volume directories; without a box there is nothing to run on.
 */
commands["machine exec"] = {
  flags: { ...machineFlags, timeout: { type: "string" }, container: { type: "string" }, "no-container": { type: "bool" }, json: { type: "bool", short: "j" } },
  async run({ state, flags, positionals, out }) {
    if (positionals.length < 1 || positionals.length > 2) throw new UsageError(`accepts between 1 and 2 arg(s), received ${positionals.length}`);
    if (positionals.length === 1) throw new FlyError("a machine ID must be given when not running interactively");
    if (flags.container && flags["no-container"]) throw new FlyError("--container and --no-container are mutually exclusive");
    const [id, cmd] = positionals;
    const app = requireApp(state, flags.app);
    const machine = app.machines.find((m) => m.id === id) ?? machineGone(id, app);
    const fail = (why) => new FlyError(`could not exec command on machine ${machine.id}: ${why}`);
    if (machine.state !== "started") throw fail(`machine is ${machine.state}, not started`);
    const box = attachedBox();
    if (!box) throw fail("no local box runs this machine (the double needs one to run commands)");
    let reply;
    try {
      const response = await fetch(`${box.url}/fly/machines/${machine.id}/exec`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ cmd, timeout: flags.timeout === undefined ? undefined : Number(flags.timeout) }),
        signal: AbortSignal.timeout(60_000),
      });
      reply = await response.json();
      if (response.status !== 200) throw new Error(reply.error ?? `box answered ${response.status}`);
    } catch (error) {
      throw fail(error.message);
    }
    const result = {};
    if (reply.exit_code) result.exit_code = reply.exit_code;
    if (reply.stdout) result.stdout = reply.stdout;
    if (reply.stderr) result.stderr = reply.stderr;
    if (flags.json) return out.json(result);
    if (result.exit_code) out.line(`Exit code: ${result.exit_code}`);
    if (result.stdout) out.line(result.stdout.replace(/\n$/, ""));
    if (result.stderr) process.stderr.write(result.stderr);
  },
};
commands["machines exec"] = commands["machine exec"];
commands["m exec"] = commands["machine exec"];

// internal/command/machine/machine.go: `machine` has the aliases `machines` and `m`; destroy.go: `remove`, `rm`.
for (const verb of ["stop", "start", "destroy"]) {
  for (const alias of ["machines", "m"]) commands[`${alias} ${verb}`] = commands[`machine ${verb}`];
}
for (const alias of ["machine", "machines", "m"]) for (const verb of ["remove", "rm"]) commands[`${alias} ${verb}`] = commands["machine destroy"];

module.exports = { commands, launchMachine, destroyMachine, machineView };
