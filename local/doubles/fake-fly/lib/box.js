// TEST DOUBLE of flyctl (not the real CLI): waiting for machines to start and pass checks, as `fly deploy` does,
// when a local platform ("box", local/box) runs the machines. Without a box the double's machines are only JSON
// and nothing is waited for (the behaviour the unit tests of the double rely on).
//
// flyctl: internal/command/deploy/machines_deploymachinesapp.go `waitForMachine` (updated machines) and
// `spawnMachineInGroup` (created machines) call leasableMachine.WaitForState(started, md.waitTimeout) and then
// WaitForHealthchecksToPass(md.waitTimeout) (internal/machine/leasable_machine.go), unless --detach
// (deploy.go: SkipHealthChecks: flag.GetDetach(ctx)). flaps Wait keys on the machine version (InstanceID), so an
// answer from the machine's previous version does not count. A timeout fails the deploy with
// machine.WaitTimeoutErr "timeout reached waiting for machine's state to change" (internal/machine/wait.go) and
// suggestChangeWaitTimeout's hint (machines_deploymachinesapp.go).
//
// The box announces itself in $FAKE_FLY_STATE/box.json {"pid", "url"} and answers GET <url>/fly/machines/<id> with
// {"instance_id", "status": "starting" | "ready" | "failed", "error"?}: "ready" once sqld's HTTP port answers.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { FlyError } = require("./errors");

const POLL_MS = 200;

/** {pid, url} of the attached box, or null when none is attached. A box.json whose process is gone is an error. */
function attachedBox() {
  const file = path.join(process.env.FAKE_FLY_STATE, "box.json");
  if (!fs.existsSync(file)) return null;
  const box = JSON.parse(fs.readFileSync(file, "utf8"));
  try {
    process.kill(box.pid, 0);
  } catch {
    throw new FlyError(`fake fly: ${file} names box pid ${box.pid}, which is not running (remove the file or restart the box)`);
  }
  if (!/^http:\/\/127\.0\.0\.1:[0-9]+$/.test(box.url)) throw new FlyError(`fake fly: box url ${JSON.stringify(box.url)} must be http://127.0.0.1:<port>`);
  return box;
}

/**
 * Go's time.ParseDuration for what flyctl accepts in --wait-timeout (deploy.go parseDurationFlag): "5m0s", "90s",
 * a bare integer as seconds, "none" as 0 (no waiting). Returns milliseconds.
 */
function parseWaitTimeout(text) {
  if (text === undefined || text === null) return 5 * 60_000; // deploy/machines.go DefaultWaitTimeout = 5 * time.Minute
  if (text === "none") return 0;
  if (/^[0-9]+$/.test(text)) return Number(text) * 1000;
  const units = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let match;
  let consumed = 0;
  while ((match = re.exec(text))) {
    total += Number(match[1]) * units[match[2]];
    consumed = re.lastIndex;
  }
  if (consumed !== text.length || text === "") throw new FlyError(`invalid duration "${text}" for --wait-timeout`);
  return total;
}

async function machineStatus(url, id) {
  try {
    const response = await fetch(`${url}/fly/machines/${id}`, { signal: AbortSignal.timeout(2000) });
    return response.status === 200 ? await response.json() : null;
  } catch {
    return null;
  }
}

/** Waits until the box runs every machine of `machines` ({id, instance_id}) at that version and it answers. */
async function waitForMachinesReady(machines, timeoutMs, out) {
  const box = attachedBox();
  if (!box || timeoutMs === 0) return;
  const deadline = Date.now() + timeoutMs;
  for (const m of machines) {
    out.line(`Waiting for ${m.id} to become healthy (started, 1/1)`);
    for (;;) {
      const status = await machineStatus(box.url, m.id);
      if (status && status.instance_id === m.instance_id && status.status === "ready") break;
      if (Date.now() >= deadline) {
        const seen = status ? ` (box: ${status.status}${status.error ? `: ${status.error}` : ""})` : "";
        throw new FlyError(
          `timeout reached waiting for machine's state to change${seen}\n` +
            `The machine ${m.id} took more than ${timeoutMs / 1000}s to reach "started"\n` +
            "You can try deploying to a different region,\nor you can try increasing the timeout with the --wait-timeout flag",
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}

module.exports = { attachedBox, parseWaitTimeout, waitForMachinesReady };
