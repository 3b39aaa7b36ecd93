/**
 * The box's Fly edge routes by Host like Fly's proxy (local/doubles/fly-edge/hosts.ts, local/box/edge.ts): the
 * app's fly.dev name, names its certificates cover (a wildcard covers one label), the box's loopback address and a
 * local *.localhost tenant domain it was given; any other Host is refused before a machine sees it.
 */
import { mkdtempSync } from "node:fs";
import { request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostNameOf, servesHost } from "../../local/doubles/fly-edge/hosts";
import { portOf, startEdge } from "../../local/box/edge";
import { MachineSupervisor } from "../../local/box/machines";
import { appScripts } from "../../infra/fly/scripts";
import { makeFakeFlyEnv, runScriptOk, type FakeFlyEnv } from "../../local/doubles/fake-fly/harness";

const APP = "acme-sqld";
const hosts = { app: APP, certificates: ["*.db.example.com", "api.example.org"], localTenantDomains: ["db.localhost"] };

describe("servesHost", () => {
  it("takes the loopback address, <app>.fly.dev and the hosts the app's certificates cover, with any port", () => {
    for (const h of ["127.0.0.1:8080", "localhost", "[::1]:80", `${APP}.fly.dev`, `${APP.toUpperCase()}.FLY.DEV:443`, "acme.db.example.com", "acme.db.example.com.", "api.example.org:443", "globex.db.localhost:8080"]) {
      expect(servesHost(hosts, h), h).toBe(true);
    }
  });
  it("refuses everything else: other apps, a second label under a wildcard, the wildcard's own domain, no Host", () => {
    for (const h of ["other-app.fly.dev", "a.b.db.example.com", "db.example.com", "example.com", "x.api.example.org", "db.localhost", "a.b.db.localhost", "acme.db.test", `evil.${APP}.fly.dev`]) {
      expect(servesHost(hosts, h), h).toBe(false);
    }
    expect(servesHost(hosts, undefined)).toBe(false);
    expect(servesHost({ app: APP, certificates: [] }, "acme.db.localhost")).toBe(false);
  });
  it("reads the host name out of a Host header", () => {
    expect(hostNameOf("Acme.DB.example.com:8443")).toBe("acme.db.example.com");
    expect(hostNameOf("[::1]:8080")).toBe("[::1]");
  });
});

describe("the box's edge", () => {
  let fake: FakeFlyEnv;
  let edge: Server;
  const get = (host: string) =>
    new Promise<{ status: number; body: string }>((done, fail) => {
      const req = request({ host: "127.0.0.1", port: portOf(edge), path: "/v2", headers: { host } }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c)).on("end", () => done({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", fail).end();
    });

  beforeAll(async () => {
    fake = makeFakeFlyEnv();
    runScriptOk(appScripts({ app: APP, org: "personal" }).create, { env: fake.env });
    // No machine runs: a request that passes the host check gets the no-machine 502, a refused one the 404.
    const machines = new MachineSupervisor({ root: mkdtempSync(join(tmpdir(), "edge-hosts-")), flyStateDir: fake.stateDir });
    edge = await startEdge(APP, 0, machines, { flyStateDir: fake.stateDir, localTenantDomains: ["db.localhost"] });
  });
  afterAll(() => {
    edge?.close();
    fake?.cleanup();
  });

  it("refuses an unknown host with 404 before choosing a machine; serves its own names", async () => {
    expect(await get("acme.db.example.com")).toMatchObject({ status: 404, body: expect.stringContaining("is not a host of acme-sqld") });
    expect((await get(`${APP}.fly.dev`)).status).toBe(502);
    expect((await get("127.0.0.1:8080")).status).toBe(502);
    expect((await get("globex.db.localhost:8080")).status).toBe(502);
  });

  it("serves a tenant host from the moment the app holds a certificate for it, and not after it is removed", async () => {
    runScriptOk(`fly certs add '*.db.example.com' -a ${APP}`, { env: fake.env });
    expect((await get("acme.db.example.com")).status).toBe(502);
    expect((await get("a.b.db.example.com")).status).toBe(404);
    runScriptOk(`fly certs remove '*.db.example.com' -a ${APP} --yes`, { env: fake.env });
    expect((await get("acme.db.example.com")).status).toBe(404);
  });
});
