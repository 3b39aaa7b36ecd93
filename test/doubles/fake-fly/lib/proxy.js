// TEST DOUBLE of flyctl (not the real CLI): `fly proxy LOCAL[:REMOTE] [REMOTE_HOST] -a APP`.
// Behaviour imitated from superfly/flyctl (commit ad0172f):
// - internal/command/proxy/proxy.go `New`/`run`: usage `proxy <local:remote> [remote_host]` (cobra.RangeArgs(1, 2));
//   without remote_host the host is `<app>.internal`.
// - proxy/connect.go `NewServer`: a host that is not an IPv6 literal must resolve first (agent `WaitForDNS`, which
//   retries ErrNoSuchHost for up to 4 minutes) and only then is the local port bound; it prints
//   "Proxying localhost:%s to remote %s" with the remote as `[host]:port`.
// - proxy/server.go `ProxyServer`: every accepted connection dials `[host]:port` anew; a failed dial just closes
//   the local connection. The agent's `connect` (agent/server/session.go) dials through the WireGuard netstack,
//   which resolves the name AGAIN per connection (wireguard-go tun/netstack `Net.DialContext`) and tries the
//   addresses in DNS order. So one proxy session can reach different machines for different connections.
// - 6PN DNS names (Fly docs "Private networking"; /work/shared/reference/fly.md): `<app>.internal` (every started
//   machine), `<group>.process.<app>.internal`, `<region>.<app>.internal`, `<machine_id>.vm.<app>.internal`;
//   stopped machines are not returned. Fly documents no answer order: this double answers NEWEST machine first
//   (after `fly scale count` that is a replica), so a caller that relies on `<app>.internal` meeting the primary
//   fails here as it can in production.
// Local stand-ins: $FAKE_FLY_PROXY_TARGETS is a JSON object {"<machine_id>:<remote port>": "127.0.0.1:<port>"}
// naming the local process that plays each machine's port. Without that variable the same map is read from
// $FAKE_FLY_STATE/proxy-targets.json, which the local platform (test/e2e/box) rewrites as it starts and stops
// machines; it is read again for every connection, like the per-connection DNS lookup above. A machine/port
// without an entry refuses the connection (the dial moves on to the next address, as netstack's dial does).
"use strict";
const fs = require("node:fs");
const net = require("node:net");
const path = require("node:path");
const { FlyError, UsageError } = require("./errors");
const { loadState, requireApp } = require("./state");

const LOOPBACK = new Set(["127.0.0.1", "localhost"]);
/** agent/client.go `WaitForDNS`: context.WithTimeout(parent, 4*time.Minute). */
const DNS_WAIT_MS = 4 * 60 * 1000;
const DNS_RETRY_MS = 200;

/** The current targets: $FAKE_FLY_PROXY_TARGETS, else the box's proxy-targets.json; neither is a usage error. */
function currentTargets() {
  if (process.env.FAKE_FLY_PROXY_TARGETS !== undefined) return parseTargets(process.env.FAKE_FLY_PROXY_TARGETS);
  const file = path.join(process.env.FAKE_FLY_STATE, "proxy-targets.json");
  if (!fs.existsSync(file)) return parseTargets(undefined);
  return parseTargets(fs.readFileSync(file, "utf8"));
}

function parseTargets(text) {
  if (!text) throw new UsageError('FAKE_FLY_PROXY_TARGETS must be set (or a box must write $FAKE_FLY_STATE/proxy-targets.json): {"<machine_id>:<port>": "127.0.0.1:<port>"}');
  let map;
  try {
    map = JSON.parse(text);
  } catch {
    throw new UsageError("FAKE_FLY_PROXY_TARGETS is not JSON");
  }
  for (const [key, value] of Object.entries(map)) {
    if (!/^[0-9a-f]+:[0-9]+$/.test(key)) throw new UsageError(`FAKE_FLY_PROXY_TARGETS key ${JSON.stringify(key)} must be <machine_id>:<port>`);
    const match = /^([^:]+):([0-9]+)$/.exec(String(value));
    // The tests never reach beyond this machine.
    if (!match || !LOOPBACK.has(match[1])) throw new UsageError(`FAKE_FLY_PROXY_TARGETS[${key}] must be 127.0.0.1:<port>, got ${JSON.stringify(value)}`);
  }
  return map;
}

/** The started machines a 6PN name stands for, newest first; [] when the name does not resolve. */
function resolveHost(state, appName, host) {
  const app = state.apps[appName];
  if (!app) return [];
  // app.machines is in creation order (launchMachine appends), so reversed it is newest first.
  const started = app.machines.filter((m) => m.state === "started").reverse();
  const literal = host.replace(/^\[|\]$/g, "");
  if (net.isIPv6(literal)) return started.filter((m) => m.private_ip === literal);
  const suffix = `.${appName}.internal`;
  if (host === `${appName}.internal`) return started;
  if (!host.endsWith(suffix)) return [];
  const label = host.slice(0, -suffix.length);
  let match;
  if ((match = /^([a-z0-9-]+)\.process$/.exec(label))) return started.filter((m) => m.group === match[1]);
  if ((match = /^([0-9a-f]+)\.vm$/.exec(label))) return started.filter((m) => m.id === match[1]);
  if (/^[a-z]{3}$/.test(label)) return started.filter((m) => m.region === label);
  return [];
}

/** Dial the machines in order; the first local stand-in that accepts wins (netstack dials addresses in turn). */
function dialFirst(machines, remotePort, targets) {
  return new Promise((resolve) => {
    const next = (i) => {
      if (i >= machines.length) return resolve(null);
      const target = targets[`${machines[i].id}:${remotePort}`];
      if (!target) return next(i + 1);
      const [host, port] = target.split(":");
      const socket = net.connect(Number(port), host);
      socket.once("connect", () => resolve(socket));
      socket.once("error", () => next(i + 1));
    };
    next(0);
  });
}

async function waitForDns(appName, host) {
  const deadline = Date.now() + DNS_WAIT_MS;
  for (;;) {
    if (resolveHost(loadState(), appName, host).length > 0) return;
    if (Date.now() > deadline) throw new FlyError(`${host}: no such host`);
    await new Promise((r) => setTimeout(r, DNS_RETRY_MS));
  }
}

async function runProxy({ state, flags, positionals, stdout }) {
  const app = requireApp(state, flags.app);
  if (positionals.length < 1 || positionals.length > 2) throw new UsageError(`accepts between 1 and 2 arg(s), received ${positionals.length}`);
  const match = /^([0-9]+)(?::([0-9]+))?$/.exec(positionals[0]);
  if (!match) throw new UsageError(`invalid ports ${JSON.stringify(positionals[0])}: expected LOCAL[:REMOTE]`);
  const localPort = Number(match[1]);
  const remotePort = Number(match[2] ?? match[1]);
  const bind = flags["bind-addr"] ?? "127.0.0.1";
  if (!LOOPBACK.has(bind)) throw new UsageError(`the test double only binds 127.0.0.1, not ${bind}`);
  currentTargets(); // refuse bad or missing targets before waiting for DNS
  const remoteHost = positionals[1] ?? `${app.name}.internal`;
  if (!net.isIPv6(remoteHost)) await waitForDns(app.name, remoteHost);

  const sockets = new Set();
  const track = (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  };
  const server = net.createServer(async (client) => {
    track(client);
    client.pause();
    let targets;
    try {
      targets = currentTargets();
    } catch {
      return client.destroy();
    }
    const upstream = await dialFirst(resolveHost(loadState(), app.name, remoteHost), remotePort, targets);
    if (!upstream) return client.destroy();
    track(upstream);
    for (const s of [client, upstream]) s.on("error", () => (client.destroy(), upstream.destroy()));
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  });
  return new Promise((resolve, reject) => {
    server.on("error", (err) => reject(new FlyError(`listen tcp ${bind}:${localPort}: ${err.message}`)));
    server.listen(localPort, "127.0.0.1", () => {
      stdout.write(`Proxying localhost:${server.address().port} to remote [${remoteHost}]:${remotePort}\n`);
    });
    const stop = () => {
      server.close();
      for (const s of sockets) s.destroy();
      resolve();
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
}

const commands = {
  proxy: {
    flags: {
      app: { type: "string", short: "a" },
      "bind-addr": { type: "string", short: "b" },
      quiet: { type: "bool", short: "q" },
    },
    run: runProxy,
  },
};

module.exports = { commands, resolveHost };
