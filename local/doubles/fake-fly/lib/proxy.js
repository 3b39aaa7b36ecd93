// TEST DOUBLE of flyctl (not the real CLI): `fly proxy LOCAL[:REMOTE] [REMOTE_HOST] -a APP`.
// Behaviour imitated from superfly/flyctl (commit ad0172f):
// - internal/command/proxy/proxy.go `New`/`run`: usage `proxy <local:remote> [remote_host]` (cobra.RangeArgs(1, 2));
//   without remote_host the host is `<app>.internal`.
// - proxy/connect.go `NewServer`: a host that is not an IPv6 literal must resolve first (agent `WaitForDNS`, which
//   retries ErrNoSuchHost for up to 4 minutes) and only then is the local port bound; it prints
//   "Proxying localhost:%s to remote %s" with the remote as `[host]:port`.
// - proxy/connect.go `NewServer`: the local end is a TCP port when it is all digits (strconv.Atoi), otherwise a
//   unix socket path (net.ResolveUnixAddr + net.ListenUnix: "bind: address already in use" if the path exists);
//   the arguments are split with strings.Split(args[0], ":") (proxy.go `run`), so a path holding ':' cannot work.
// - Before any of that, `run` establishes the agent and the WireGuard tunnel (agent.Establish, agentclient.Establish,
//   ConnectToTunnel; agent/client.go `WaitForTunnel` allows 4 minutes), which takes seconds to minutes on a real
//   machine: $FAKE_FLY_PROXY_START_DELAY_MS (default 0) delays the double by that much before it resolves and binds.
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
// $FAKE_FLY_STATE/proxy-targets.json, which the local platform (local/box) rewrites as it starts and stops
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

/** The agent/tunnel start-up flyctl spends before NewServer (see the header); configurable so tests can slow it. */
function startDelayMs() {
  const raw = process.env.FAKE_FLY_PROXY_START_DELAY_MS;
  if (raw === undefined || raw === "") return 0;
  if (!/^[0-9]+$/.test(raw)) throw new UsageError(`FAKE_FLY_PROXY_START_DELAY_MS must be a number of milliseconds, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** proxy.go `run` + connect.go `NewServer`: strings.Split on ":"; all digits = TCP port, anything else = unix path. */
function parseLocal(arg) {
  const ports = arg.split(":");
  if (ports.length > 2 || ports.some((p) => p === "")) throw new UsageError(`invalid ports ${JSON.stringify(arg)}: expected LOCAL[:REMOTE]`);
  const [local, remote] = ports;
  const isPort = /^[0-9]+$/.test(local);
  const remotePort = remote ?? local;
  if (!/^[0-9]+$/.test(remotePort)) throw new UsageError(`invalid remote port ${JSON.stringify(remotePort)}`);
  return isPort ? { kind: "tcp", port: Number(local), remotePort: Number(remotePort) } : { kind: "unix", path: local, remotePort: Number(remotePort) };
}

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
  const local = parseLocal(positionals[0]);
  const remotePort = local.remotePort;
  const bind = flags["bind-addr"] ?? "127.0.0.1";
  if (!LOOPBACK.has(bind)) throw new UsageError(`the test double only binds 127.0.0.1, not ${bind}`);
  currentTargets(); // refuse bad or missing targets before waiting for DNS
  const delay = startDelayMs();
  if (delay > 0) await new Promise((r) => setTimeout(r, delay));
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
    const where = local.kind === "tcp" ? `tcp ${bind}:${local.port}` : `unix ${local.path}`;
    server.on("error", (err) => reject(new FlyError(`listen ${where}: ${err.message}`)));
    const announce = () => {
      const shown = local.kind === "tcp" ? server.address().port : local.path;
      stdout.write(`Proxying localhost:${shown} to remote [${remoteHost}]:${remotePort}\n`);
    };
    // Node unlinks nothing on its own: like Go's ListenUnix, an existing path is "address already in use".
    if (local.kind === "tcp") server.listen(local.port, "127.0.0.1", announce);
    else server.listen(local.path, announce);
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
