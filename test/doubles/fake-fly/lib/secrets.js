// TEST DOUBLE of flyctl (not the real CLI): secrets import/unset/list. Values are never stored or printed:
// only a SHA-256 digest is kept, so tests can check which value was set without the value being anywhere.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const { FlyError, UsageError } = require("./errors");
const { now, requireApp } = require("./state");

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const digestOf = (value) => crypto.createHash("sha256").update(value).digest("hex");

/** NAME=VALUE lines; blank lines and # comments are skipped. Errors cite line numbers, never content. */
function parseSecretLines(text) {
  const secrets = new Map();
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    const eq = line.indexOf("=");
    if (eq < 0) throw new FlyError(`stdin line ${index + 1}: expected NAME=VALUE (no "=" found)`);
    const name = line.slice(0, eq).trim();
    if (!SECRET_NAME.test(name)) throw new FlyError(`stdin line ${index + 1}: invalid secret name`);
    secrets.set(name, line.slice(eq + 1));
  });
  return secrets;
}

const commands = {
  "secrets import": {
    flags: { app: { type: "string", short: "a" }, stage: { type: "bool" }, detach: { type: "bool" } },
    mutates: true,
    run({ state, flags, positionals, out }) {
      const app = requireApp(state, flags.app);
      if (positionals.length > 0) throw new UsageError("secrets import reads NAME=VALUE lines from stdin and takes no arguments");
      const secrets = parseSecretLines(fs.readFileSync(0, "utf8"));
      if (secrets.size === 0) throw new FlyError("requires at least one SECRET=VALUE pair on stdin");
      for (const [name, value] of secrets) {
        app.secrets[name] = { name, digest: digestOf(value), status: flags.stage ? "Staged" : "Deployed", createdAt: now() };
      }
      if (flags.stage) return out.line("Secrets have been staged, but not set on VMs. Deploy or update machines in this app for the secrets to take effect.");
      // Not staged: Fly restarts the machines so they pick the new values up.
      for (const m of app.machines) m.updated_at = now();
      app.secretRestarts = (app.secretRestarts ?? 0) + 1;
      out.line(`Updating existing machines in '${app.name}' with rolling strategy`);
    },
  },
  "secrets unset": {
    flags: { app: { type: "string", short: "a" }, stage: { type: "bool" }, detach: { type: "bool" } },
    mutates: true,
    run({ state, flags, positionals, out }) {
      const app = requireApp(state, flags.app);
      if (positionals.length === 0) throw new UsageError("secrets unset needs at least one NAME");
      for (const name of positionals) delete app.secrets[name];
      if (!flags.stage) app.secretRestarts = (app.secretRestarts ?? 0) + 1;
      out.line(flags.stage ? "Secrets have been staged, but not set on VMs." : `Updating existing machines in '${app.name}'`);
    },
  },
  "secrets list": {
    flags: { app: { type: "string", short: "a" } },
    run({ state, flags, out }) {
      const app = requireApp(state, flags.app);
      const rows = Object.values(app.secrets).map((s) => ({ Name: s.name, Digest: s.digest, Status: s.status, CreatedAt: s.createdAt }));
      if (flags.json) return out.json(rows);
      out.line("NAME\tDIGEST\tSTATUS");
      for (const r of rows) out.line(`${r.Name}\t${r.Digest.slice(0, 16)}\t${r.Status}`);
    },
  },
};

module.exports = { commands, digestOf };
