// TEST DOUBLE of flyctl (not the real CLI): apps list/create/destroy and status.
"use strict";
const { FlyError, UsageError } = require("./errors");
const { now, requireApp, requireYes } = require("./state");
const { machineView } = require("./machines");

const APP_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** fly-go's App has no JSON tags, so `--json` output uses Go field names. */
function appView(app) {
  return {
    ID: app.name,
    Name: app.name,
    Status: app.machines.length > 0 ? "deployed" : "pending",
    Deployed: app.deploys.length > 0,
    Hostname: `${app.name}.fly.dev`,
    AppURL: `https://${app.name}.fly.dev`,
    Version: app.version,
    Organization: { Slug: app.org, Name: app.org },
    CurrentRelease: null,
  };
}

const commands = {
  "apps list": {
    flags: { org: { type: "string", short: "o" }, quiet: { type: "bool", short: "q" } },
    run({ state, flags, out }) {
      const apps = Object.values(state.apps).filter((a) => !flags.org || a.org === flags.org);
      if (flags.json) return out.json(apps.map(appView));
      out.line("NAME\tOWNER\tSTATUS");
      for (const a of apps) out.line(`${a.name}\t${a.org}\t${appView(a).Status}`);
    },
  },
  "apps create": {
    flags: { org: { type: "string", short: "o" }, name: { type: "string" }, network: { type: "string" } },
    mutates: true,
    run({ state, flags, positionals, out }) {
      const name = positionals[0] ?? flags.name;
      if (!name) throw new FlyError("app name is required when not running interactively");
      if (positionals.length > 1) throw new UsageError(`apps create takes one app name, got ${positionals.length}`);
      if (!APP_NAME.test(name)) throw new FlyError(`Validation failed: Name ${JSON.stringify(name)} must only contain lowercase letters, numbers, and dashes`);
      if (!flags.org) throw new FlyError("org is required when not running interactively (--org)");
      if (state.apps[name]) throw new FlyError("Validation failed: Name has already been taken");
      const app = { name, org: flags.org, createdAt: now(), version: 0, secrets: {}, volumes: [], machines: [], ips: [], sharedIpv4: null, certificates: [], deploys: [], config: null };
      state.apps[name] = app;
      if (flags.json) return out.json(appView(app));
      out.line(`New app created: ${name}`);
    },
  },
  "apps destroy": {
    flags: { yes: { type: "bool", short: "y" } },
    mutates: true,
    run({ state, flags, positionals, out }) {
      if (positionals.length !== 1) throw new UsageError(`apps destroy takes one app name, got ${positionals.length}`);
      requireApp(state, positionals[0]);
      requireYes(flags);
      // Like Fly: the app's machines, volumes, IPs and secrets go with it.
      delete state.apps[positionals[0]];
      require("./secrets").updateSecretValues((values) => delete values[positionals[0]]);
      out.line(`Destroyed app ${positionals[0]}`);
    },
  },
  status: {
    flags: { app: { type: "string", short: "a" }, all: { type: "bool" } },
    run({ state, flags, out }) {
      const app = requireApp(state, flags.app);
      if (flags.json) return out.json({ ...appView(app), Machines: app.machines.map(machineView) });
      out.line(`App\n  Name     = ${app.name}\n  Owner    = ${app.org}\n  Hostname = ${app.name}.fly.dev`);
      for (const m of app.machines) out.line(`${m.id}\t${m.group}\t${m.region}\t${m.state}`);
    },
  },
};

module.exports = { commands };
