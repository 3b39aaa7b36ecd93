// TEST DOUBLE of flyctl (not the real CLI): one platform-wide lock around each read-modify-write of state.json.
// Why: every fake `fly` call is its own process, and the real engine runs independent Commands in parallel (three
// `volumes create` at once on a 3-region stack). Real Fly applies each API call atomically on its side; without this
// lock two fake calls could load the same state.json and the later save would drop the earlier one's change (seen:
// a volume vanished and the first deploy then failed with "needs an unattached volume").
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const POLL_MS = 20;
/** A holder that died (SIGKILL mid-call) must not block the platform for ever. */
const STALE_MS = 30_000;

function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function holderAlive(lockDir) {
  try {
    const pid = Number(fs.readFileSync(path.join(lockDir, "pid"), "utf8"));
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err && err.code === "EPERM";
  }
}

/** Takes the lock (mkdir is atomic), waiting while another live call holds it. Returns the release function. */
function lockState(stateDir) {
  const lockDir = path.join(stateDir, ".state.lock");
  const started = Date.now();
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, "pid"), String(process.pid));
      let released = false;
      return () => {
        if (released) return;
        released = true;
        fs.rmSync(lockDir, { recursive: true, force: true });
      };
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
      // The pid file appears just after the mkdir: only a lock older than a moment can be judged stale.
      const age = Date.now() - (fs.statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 1000 && !holderAlive(lockDir)) fs.rmSync(lockDir, { recursive: true, force: true });
      else if (Date.now() - started > STALE_MS * 4) throw new Error(`fake fly: state lock ${lockDir} held for over ${STALE_MS * 4} ms`);
      else sleepMs(POLL_MS);
    }
  }
}

module.exports = { lockState };
