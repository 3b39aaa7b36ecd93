// TEST DOUBLE of flyctl (not the real CLI): `fly proxy LOCAL[:REMOTE] -a APP`. Listens on 127.0.0.1:LOCAL
// and forwards every TCP connection to $FAKE_FLY_PROXY_TARGET (host:port) until killed. LOCAL may be 0: the
// port actually bound is printed in the "Proxying local port N" line, which callers can wait for.
"use strict";
const net = require("node:net");
const { FlyError, UsageError } = require("./errors");
const { requireApp } = require("./state");

const LOOPBACK = new Set(["127.0.0.1", "localhost"]);

function parseTarget(value) {
  const match = /^([^:]+):([0-9]+)$/.exec(value ?? "");
  if (!match) throw new UsageError("FAKE_FLY_PROXY_TARGET must be host:port, e.g. 127.0.0.1:8080");
  // The tests never reach beyond this machine.
  if (!LOOPBACK.has(match[1])) throw new UsageError(`FAKE_FLY_PROXY_TARGET host must be 127.0.0.1, got ${match[1]}`);
  return { host: match[1], port: Number(match[2]) };
}

function runProxy({ state, flags, positionals, stdout }) {
  const app = requireApp(state, flags.app);
  if (positionals.length < 1 || positionals.length > 2) throw new UsageError("usage: proxy LOCAL[:REMOTE] [REMOTE_HOST] -a APP");
  const match = /^([0-9]+)(?::([0-9]+))?$/.exec(positionals[0]);
  if (!match) throw new UsageError(`invalid ports ${JSON.stringify(positionals[0])}: expected LOCAL[:REMOTE]`);
  const localPort = Number(match[1]);
  const remotePort = Number(match[2] ?? match[1]);
  const bind = flags["bind-addr"] ?? "127.0.0.1";
  if (!LOOPBACK.has(bind)) throw new UsageError(`the test double only binds 127.0.0.1, not ${bind}`);
  const target = parseTarget(process.env.FAKE_FLY_PROXY_TARGET);
  const remoteName = positionals[1] ?? `${app.name}.internal`;

  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.on("error", (err) => reject(new FlyError(`failed to listen on ${bind}:${localPort}: ${err.message}`)));
    server.listen(localPort, "127.0.0.1", () => {
      const port = server.address().port;
      if (!flags.quiet) stdout.write(`Proxying local port ${port} to remote [${remoteName}]:${remotePort}\n`);
      else stdout.write(`Proxying local port ${port}\n`);
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
    flags: { app: { type: "string", short: "a" }, "bind-addr": { type: "string", short: "b" }, quiet: { type: "bool", short: "q" } },
    run: runProxy,
  },
};

module.exports = { commands };
