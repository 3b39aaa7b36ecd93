// TEST DOUBLE of flyctl (not the real CLI): secrets import/unset/list. Values are never printed: state.json and
// `secrets list` hold only a SHA-256 digest of what flyctl's parser would store, so tests can check the exact value.
// Fly itself keeps the values, to inject them into machines as env and [[files]] (Fly docs "Secrets and Fly Apps":
// secrets are stored encrypted and decrypted into the machine's environment at boot). The double keeps them the
// same way, in $FAKE_FLY_STATE/secret-values.json ({"<app>": {"NAME": "value"}}, mode 0600, never in state.json
// or calls.log), so the local platform (local/box) can start machines with them.
"use strict";
const { parseWaitTimeout, waitForMachinesReady } = require("./box");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const { FlyError, UsageError } = require("./errors");
const { now, hex4, requireApp } = require("./state");

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const digestOf = (value) => crypto.createHash("sha256").update(value).digest("hex");

/**
 * Lines as Go's bufio.Scanner with ScanLines yields them: split at "\n", one trailing "\r" dropped, no empty
 * last token. A line longer than bufio.MaxScanTokenSize (64 KiB) stops the scan with ErrTooLong, which
 * parseSecrets never checks (superfly/flyctl internal/command/secrets/parser.go parseSecrets: only
 * `for scanner.Scan()`), so everything from that line on is silently ignored.
 */
function scannerLines(buffer) {
  const lines = [];
  let start = 0;
  while (start < buffer.length) {
    let end = buffer.indexOf(0x0a, start);
    const last = end < 0;
    if (last) end = buffer.length;
    // The scanner's buffer holds at most 64 KiB; a token (with its "\n") must fit, else ErrTooLong.
    if (end - start + (last ? 0 : 1) > 64 * 1024) break;
    let line = buffer.subarray(start, end);
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    lines.push(line.toString("utf8"));
    start = end + 1;
  }
  return lines;
}

const count = (s, ch) => s.split(ch).length - 1;

/**
 * flyctl's import parser, step for step (superfly/flyctl internal/command/secrets/parser.go parseSecrets):
 * comment/blank skip, Cut at the first "=", TrimSpace(key), TrimLeft(value, " "), cut at the first "#" unless
 * the part before it has an odd number of '"' (then TrimRight " "), then `"""…"""`, `"""` multi-line, `"…"`,
 * `'…'`. An unterminated multi-line value is dropped. Errors quote the line as flyctl does (it echoes it).
 */
function parseSecrets(buffer) {
  const secrets = new Map();
  let multiline = null; // { key, value }
  for (const line of scannerLines(buffer)) {
    if (multiline) {
      if (line.endsWith('"""')) {
        secrets.set(multiline.key, multiline.value + line.slice(0, -3));
        multiline = null;
      } else {
        multiline.value += `${line}\n`;
      }
      continue;
    }
    if (line.startsWith("#") || line.trim() === "") continue;
    const eq = line.indexOf("=");
    if (eq < 0) throw new FlyError(`Failed to parse secrets from stdin: Secrets must be provided as NAME=VALUE pairs (${line} is invalid)`);
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).replace(/^ +/, "");
    const hash = value.indexOf("#");
    if (hash >= 0 && count(value.slice(0, hash), '"') % 2 === 0) value = value.slice(0, hash).replace(/ +$/, "");
    if (value.startsWith('"""') && value.endsWith('"""') && value.length >= 6) {
      secrets.set(key, value.slice(3, -3));
    } else if (value.startsWith('"""')) {
      multiline = { key, value: `${value.slice(3)}\n` };
    } else {
      if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) value = value.slice(1, -1);
      secrets.set(key, value);
    }
  }
  return secrets;
}

function secretValuesFile() {
  return path.join(process.env.FAKE_FLY_STATE, "secret-values.json");
}

/** Every app's secret values as stored by `secrets import` ({} before the first import). */
function readSecretValues() {
  const file = secretValuesFile();
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
}

/** Applies `change(values)` to the stored values: write-then-rename, created 0600 (it holds plaintext secrets). */
function updateSecretValues(change) {
  const values = readSecretValues();
  change(values);
  const tmp = `${secretValuesFile()}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(values), { mode: 0o600 });
  fs.renameSync(tmp, secretValuesFile());
}

/**
 * A non-staged change is a deployment (flyctl internal/command/secrets/secrets.go `DeploySecrets`): with no machines
 * on an app never deployed it only stages ("Secrets are staged for the first deployment"); otherwise
 * deploy.NewMachineDeployment{RestartOnly: true, SkipHealthChecks: --detach} + DeployMachinesApp updates every
 * machine (a new machine version: fly-go Machine.InstanceID, what flaps Wait keys on), i.e. RESTARTS them, and waits
 * for each to start and pass its checks like `fly deploy` (lib/box.js, default wait 5 minutes); a machine that does
 * not come back fails the command after the values were stored. Returns the machines to wait for.
 */
function restartMachinesForSecrets(app, out) {
  if (app.deploys.length === 0 && app.machines.length === 0) {
    out.line("Secrets are staged for the first deployment");
    return [];
  }
  for (const m of app.machines) {
    m.instance_id = hex4() + hex4();
    m.updated_at = now();
  }
  app.secretRestarts = (app.secretRestarts ?? 0) + 1;
  out.line(`Updating existing machines in '${app.name}' with rolling strategy`);
  return app.machines.filter((m) => m.state === "started").map((m) => ({ id: m.id, instance_id: m.instance_id }));
}

/** After the state is saved (the box then restarts the machines): wait for them unless --detach. */
function waitUnlessDetached(restarted, flags, whenSaved, out) {
  if (flags.detach || restarted.length === 0) return;
  whenSaved(() => waitForMachinesReady(restarted, parseWaitTimeout(undefined), out));
}

const commands = {
  "secrets import": {
    flags: { app: { type: "string", short: "a" }, stage: { type: "bool" }, detach: { type: "bool" } },
    mutates: true,
    run({ state, flags, positionals, out, whenSaved }) {
      const app = requireApp(state, flags.app);
      if (positionals.length > 0) throw new UsageError("secrets import reads NAME=VALUE lines from stdin and takes no arguments");
      const secrets = parseSecrets(fs.readFileSync(0));
      // internal/command/secrets/import.go runImport
      if (secrets.size === 0) throw new FlyError("requires at least one SECRET=VALUE pair");
      // Stricter than flyctl (it sends any key to the API and lets it fail there): a name the API would refuse.
      for (const name of secrets.keys()) if (!SECRET_NAME.test(name)) throw new FlyError(`invalid secret name ${JSON.stringify(name)}`);
      for (const [name, value] of secrets) {
        app.secrets[name] = { name, digest: digestOf(value), status: flags.stage ? "Staged" : "Deployed", createdAt: now() };
      }
      // Values land before state.json (saved after run), so whoever sees the new machine version sees them.
      updateSecretValues((values) => Object.assign((values[app.name] ??= {}), Object.fromEntries(secrets)));
      if (flags.stage) return out.line("Secrets have been staged, but not set on VMs. Deploy or update machines in this app for the secrets to take effect.");
      // Not staged: Fly restarts the machines so they pick the new values up.
      waitUnlessDetached(restartMachinesForSecrets(app, out), flags, whenSaved, out);
    },
  },
  "secrets unset": {
    flags: { app: { type: "string", short: "a" }, stage: { type: "bool" }, detach: { type: "bool" } },
    mutates: true,
    run({ state, flags, positionals, out, whenSaved }) {
      const app = requireApp(state, flags.app);
      if (positionals.length === 0) throw new UsageError("secrets unset needs at least one NAME");
      for (const name of positionals) delete app.secrets[name];
      updateSecretValues((values) => {
        for (const name of positionals) delete values[app.name]?.[name];
      });
      if (flags.stage) return out.line("Secrets have been staged, but not set on VMs.");
      waitUnlessDetached(restartMachinesForSecrets(app, out), flags, whenSaved, out);
    },
  },
  "secrets list": {
    flags: { app: { type: "string", short: "a" } },
    run({ state, flags, out }) {
      const app = requireApp(state, flags.app);
      // --json: superfly/flyctl internal/command/secrets/list.go runList renders `SecretWithStatus` (json tags
      // `name`, `digest`, `status`); the table has the columns Name, Digest, Status.
      const rows = Object.values(app.secrets).map((s) => ({ name: s.name, digest: s.digest, status: s.status }));
      if (flags.json) return out.json(rows);
      out.line("NAME\tDIGEST\tSTATUS");
      for (const r of rows) out.line(`${r.name}\t${r.digest.slice(0, 16)}\t${r.status}`);
    },
  },
};

module.exports = { commands, digestOf, parseSecrets, readSecretValues, updateSecretValues };
