// TEST DOUBLE of flyctl (not the real CLI): ips allocate-v4 [--shared] / allocate-v6 / list / release.
"use strict";
const crypto = require("node:crypto");
const net = require("node:net");
const { FlyError, UsageError } = require("./errors");
const { hex4, now, requireApp, requireYes } = require("./state");

const octet = () => 1 + (crypto.randomBytes(1)[0] % 254);

/**
 * `fly ips list --json` shape: fly-go IPAddress (Go field names). Like flyctl's GetIPAddresses, the app's shared
 * IPv4 is appended as a `shared_v4` entry without ID or region.
 */
function ipList(app) {
  const list = app.ips.map((ip) => ({ ...ip }));
  if (app.sharedIpv4) list.push({ ID: "", Address: app.sharedIpv4, Type: "shared_v4", Region: "", CreatedAt: "0001-01-01T00:00:00Z" });
  return list;
}

function allocate(app, type, address, region) {
  const ip = { ID: `ip_${hex4()}${hex4()}${hex4()}`, Address: address, Type: type, Region: region ?? "global", CreatedAt: now() };
  app.ips.push(ip);
  return ip;
}

const commands = {
  "ips allocate-v4": {
    flags: { app: { type: "string", short: "a" }, shared: { type: "bool" }, yes: { type: "bool", short: "y" }, region: { type: "string", short: "r" } },
    mutates: true,
    run({ state, flags, positionals, out }) {
      const app = requireApp(state, flags.app);
      if (positionals.length > 0) throw new UsageError("ips allocate-v4 takes no arguments");
      if (flags.shared) {
        // An app has at most one shared IPv4: asking again returns the same address.
        app.sharedIpv4 = app.sharedIpv4 ?? `66.241.124.${octet()}`;
        return out.line(`VERSION\tIP\tTYPE\tREGION\nv4\t${app.sharedIpv4}\tshared\tglobal`);
      }
      requireYes(flags); // a dedicated IPv4 costs money: flyctl asks first
      const ip = allocate(app, "v4", `137.66.${octet()}.${octet()}`, flags.region);
      out.line(`VERSION\tIP\tTYPE\tREGION\nv4\t${ip.Address}\tpublic (dedicated, $2/mo)\t${ip.Region}`);
    },
  },
  "ips allocate-v6": {
    flags: { app: { type: "string", short: "a" }, private: { type: "bool" }, region: { type: "string", short: "r" }, org: { type: "string", short: "o" }, network: { type: "string" } },
    mutates: true,
    run({ state, flags, positionals, out }) {
      const app = requireApp(state, flags.app);
      if (positionals.length > 0) throw new UsageError("ips allocate-v6 takes no arguments");
      // Like Fly, every call adds another address: callers must check `ips list` first.
      const ip = flags.private
        ? allocate(app, "private_v6", `fdaa:0:${hex4()}:0:1::${hex4()}`, flags.region)
        : allocate(app, "v6", `2a09:8280:1::${hex4()}:${hex4()}`, flags.region);
      out.line(`VERSION\tIP\tTYPE\tREGION\nv6\t${ip.Address}\t${flags.private ? "private" : "public"}\t${ip.Region}`);
    },
  },
  "ips list": {
    flags: { app: { type: "string", short: "a" } },
    run({ state, flags, out }) {
      const app = requireApp(state, flags.app);
      if (flags.json) return out.json(ipList(app));
      out.line("VERSION\tIP\tTYPE\tREGION");
      for (const ip of ipList(app)) out.line(`${ip.Type}\t${ip.Address}\t${ip.Region}`);
    },
  },
  "ips release": {
    flags: { app: { type: "string", short: "a" } },
    mutates: true,
    run({ state, flags, positionals, out }) {
      const app = requireApp(state, flags.app);
      if (positionals.length !== 1) throw new UsageError(`ips release takes exactly one address, got ${positionals.length}`);
      const address = positionals[0];
      if (!net.isIP(address)) throw new FlyError(`Invalid IP address: '${address}'`);
      if (app.sharedIpv4 === address) {
        app.sharedIpv4 = null;
      } else {
        if (!app.ips.some((ip) => ip.Address === address)) throw new FlyError(`Could not find IP address ${address} in app ${app.name}`);
        app.ips = app.ips.filter((ip) => ip.Address !== address);
      }
      out.line(`Released ${address} from ${app.name}`);
    },
  },
};
commands["ips ls"] = commands["ips list"];

module.exports = { allocate, octet, commands };
