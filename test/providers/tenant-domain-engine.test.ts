/**
 * TenantDomain (infra/sqld/tenant-domain.ts) under the REAL Pulumi engine, against the fake flyctl TEST DOUBLE (the
 * certificate Command, run by the pulumi-command double) and the cloudflare provider TEST DOUBLE (DnsRecord, held by
 * a real box): `up` adds the certificate and both CNAMEs as Fly and Cloudflare would hold them, a second `up` and a
 * preview change nothing, a new tenant domain moves both records and removes the old certificate, destroy leaves
 * nothing. Runs only where the engine is built (.engine/bin).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appScripts, ipScripts } from "../../infra/fly/scripts";
import { startBox, type Box } from "../../local/box/box";
import { makeFakeFlyEnv, runScriptOk, type FakeFlyEnv } from "../../local/doubles/fake-fly/harness";
import { engineBin, REPO_ROOT, Workspace } from "../../local/workspace";

const APP = "acme-sqld";
const ZONE = "fedcba9876543210fedcba9876543210";
const PROGRAM = [
  'require("tsx/cjs");',
  'const pulumi = require("@pulumi/pulumi");',
  `const { TenantDomain } = require(${JSON.stringify(`${REPO_ROOT}/infra/sqld/tenant-domain.ts`)});`,
  "const cfg = new pulumi.Config();",
  // The app and its IPs exist before the up (the test makes them), so the certificate waits for nothing here.
  'new TenantDomain("sqld-tenant-domain", { app: cfg.require("app"), domain: cfg.require("domain"), zoneId: cfg.require("zoneId"), after: [] });',
  "",
].join("\n");

describe.skipIf(!engineBin())("TenantDomain in the real Pulumi engine", () => {
  let fake: FakeFlyEnv;
  let box: Box;
  let ws: Workspace;

  beforeAll(async () => {
    fake = makeFakeFlyEnv();
    runScriptOk(appScripts({ app: APP, org: "personal" }).create, { env: fake.env });
    runScriptOk(ipScripts({ app: APP }).create, { env: fake.env });
    box = await startBox({ root: join(fake.stateDir, "box"), flyStateDir: fake.stateDir });
    ws = Workspace.forProgram("tenant-domain", { "Pulumi.yaml": "name: tenant-domain\nruntime: nodejs\nmain: index.js\n", "index.js": PROGRAM }, {
      FAKE_FLY_STATE: fake.stateDir,
      FLY_API_TOKEN: fake.env.FLY_API_TOKEN,
      LIBSQL_BOX_URL: box.url,
    });
    await ws.initStack("t");
    await ws.pulumi(["config", "set", "app", APP]);
    await ws.pulumi(["config", "set", "zoneId", ZONE]);
  }, 120_000);
  afterAll(async () => {
    await box?.stop();
    ws?.cleanup();
    fake?.cleanup();
  });

  const certs = () => (fake.state().apps[APP].certificates as { hostname: string; acmeTarget: string }[]).map((c) => ({ hostname: c.hostname, target: c.acmeTarget }));
  const records = () => box.dnsRecords.list(ZONE).map((r) => ({ name: r.name, type: r.type, content: r.content, proxied: r.proxied, ttl: r.ttl }));
  const upWith = async (domain: string) => {
    await ws.pulumi(["config", "set", "domain", domain]);
    await ws.pulumi(["up", "--yes", "--skip-preview"]);
    const preview = JSON.parse((await ws.pulumi(["preview", "--json"])).stdout) as { changeSummary?: Record<string, number> };
    expect(Object.keys(preview.changeSummary ?? {}).filter((k) => k !== "same")).toEqual([]);
  };
  // In the box's list order (by name).
  const expected = (domain: string, target: string) => [
    { name: `_acme-challenge.${domain}`, type: "CNAME", content: target, proxied: false, ttl: 1 },
    { name: `*.${domain}`, type: "CNAME", content: `${APP}.fly.dev`, proxied: false, ttl: 1 },
  ];

  it("up adds the certificate and both DNS-only CNAMEs; again changes nothing; a new domain replaces them; destroy removes them", async () => {
    await upWith("db.example.com");
    const [first] = certs();
    expect(certs()).toEqual([{ hostname: "*.db.example.com", target: expect.stringMatching(/^db\.example\.com\.[0-9a-f]{4}\.flydns\.net$/) }]);
    expect(records()).toEqual(expected("db.example.com", first!.target));
    const ids = box.dnsRecords.list(ZONE).map((r) => r.id);

    const addsBefore = fake.calls().filter((c) => c[0] === "certs" && c[1] === "add").length;
    await ws.pulumi(["up", "--yes", "--skip-preview"]);
    expect(fake.calls().filter((c) => c[0] === "certs" && c[1] === "add")).toHaveLength(addsBefore);
    expect(box.dnsRecords.list(ZONE).map((r) => r.id)).toEqual(ids);

    await upWith("tenants.example.com");
    const [second] = certs();
    expect(certs()).toEqual([{ hostname: "*.tenants.example.com", target: expect.stringMatching(/^tenants\.example\.com\./) }]);
    expect(records()).toEqual(expected("tenants.example.com", second!.target));

    await ws.pulumi(["destroy", "--yes", "--skip-preview"]);
    expect(certs()).toEqual([]);
    expect(records()).toEqual([]);
  }, 600_000);
});
