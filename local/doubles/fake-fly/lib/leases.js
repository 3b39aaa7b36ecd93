// TEST DOUBLE of flyctl (not the real CLI): machine leases, so two flyctl runs that touch the same machines
// cannot both proceed. flyctl leases machines before changing them (internal/machine/lease.go AcquireLeases /
// AcquireLease, TTL `new(120)` seconds): `fly scale count` leases EVERY machine of the app
// (scale/count_machines.go runMachinesScaleCount: mach.AcquireLeases(ctx, appName, machines)) and `fly deploy`
// the machines it updates (deploy/machines_deploymachinesapp.go: md.machineSet.AcquireLeases). A lease held by
// someone else is retried by fly-go's flaps client for about a minute (per /work/shared/reference/fly.md:
// fly-go flaps retry; fly-go is not in the local mirror), then the command fails "failed to obtain lease".
//
// Leases are files $FAKE_FLY_STATE/leases/<machine id> created with O_EXCL, so concurrent fake processes see
// each other without a lock around state.json.
// Test-only knobs of the DOUBLE (never read by product code):
//   FAKE_FLY_LEASE_RETRY_MS  how long a run retries a held lease (default 60000, flaps' one minute);
//   FAKE_FLY_LEASE_HOLD_MS   how long a run keeps its leases after its work (default 0), so a test can make
//                            two runs overlap without timing races in the product.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { FlyError } = require("./errors");

const LEASE_TTL_MS = 120_000;
const POLL_MS = 25;

function leaseDir() {
  const dir = path.join(process.env.FAKE_FLY_STATE, "leases");
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function envMs(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^[0-9]+$/.test(raw)) throw new Error(`${name} must be a number of milliseconds`);
  return Number(raw);
}

/** One attempt: true when this process now holds the lease on `machineId`. Expired leases are taken over. */
function tryAcquire(file) {
  const lease = JSON.stringify({ holder: process.pid, expiresAt: Date.now() + LEASE_TTL_MS });
  try {
    fs.writeFileSync(file, lease, { flag: "wx" });
    return true;
  } catch (err) {
    if (err.code !== "EEXIST") throw err;
  }
  let held;
  try {
    held = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return false; // being written or released right now: retry
  }
  if (held.expiresAt > Date.now()) return false;
  fs.rmSync(file, { force: true });
  return false;
}

/**
 * Leases every machine id in `machineIds` or throws flyctl's "failed to obtain lease" after the retry window.
 * Returns a release function (flyctl releases in a deferred releaseFunc, also on errors).
 */
function acquireLeases(machineIds) {
  const dir = leaseDir();
  const retryMs = envMs("FAKE_FLY_LEASE_RETRY_MS", 60_000);
  const held = [];
  const release = () => {
    const holdMs = envMs("FAKE_FLY_LEASE_HOLD_MS", 0);
    if (holdMs > 0 && held.length > 0) sleepMs(holdMs);
    for (const file of held.splice(0)) fs.rmSync(file, { force: true });
  };
  const deadline = Date.now() + retryMs;
  for (const id of machineIds) {
    const file = path.join(dir, id);
    while (!tryAcquire(file)) {
      if (Date.now() >= deadline) {
        for (const f of held.splice(0)) fs.rmSync(f, { force: true });
        throw new FlyError(`failed to obtain lease: machine ${id} lease currently held by another flyctl run (retried ${retryMs} ms)`);
      }
      sleepMs(POLL_MS);
    }
    held.push(file);
  }
  return release;
}

module.exports = { acquireLeases };
