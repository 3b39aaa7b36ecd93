import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../infra/config/parse";

/** A valid self-hosted config; each case below breaks one thing. */
const base = (): Record<string, unknown> => ({
  mode: "self-hosted",
  fly: { org: "acme", app: "acme-sqld" },
  regions: [
    { code: "ams", role: "primary", volumeSizeGb: 10 },
    { code: "iad", role: "replica", volumeSizeGb: 10 },
  ],
  sqld: { autoStop: "off" },
  tenants: ["acme", "globex"],
});

const TURSO = { org: "acme", location: "aws-eu-west-1", database: "acme-main" };
/** `base()` turned managed: no sqld, a Turso database per tenant (acme, globex). */
const MANAGED = { mode: "managed", fly: undefined, regions: [], sqld: {}, turso: TURSO };

type Case = [title: string, mutate: (c: Record<string, unknown>) => void, key: string, fragment: RegExp];

const regions = (c: Record<string, unknown>) => c.regions as Record<string, unknown>[];

const cases: Case[] = [
  ["sqld.publicUrl over http", (c) => ((c.sqld as Record<string, unknown>).publicUrl = "http://db.example.com"), "libsql-stack:sqld.publicUrl", /must use https/],
  ["sqld.publicUrl with a path", (c) => ((c.sqld as Record<string, unknown>).publicUrl = "https://db.example.com/v2"), "libsql-stack:sqld.publicUrl", /origin only/],
  ["sqld.publicUrl not a URL", (c) => ((c.sqld as Record<string, unknown>).publicUrl = "db.example.com"), "libsql-stack:sqld.publicUrl", /not a URL/],
  ["sqld.tenantDomain as a wildcard", (c) => ((c.sqld as Record<string, unknown>).tenantDomain = "*.db.example.com"), "libsql-stack:sqld.tenantDomain", /must not start with "\*\."/],
  ["sqld.tenantDomain with a scheme", (c) => ((c.sqld as Record<string, unknown>).tenantDomain = "https://db.example.com"), "libsql-stack:sqld.tenantDomain", /host name only/],
  ["sqld.tenantDomain one label", (c) => ((c.sqld as Record<string, unknown>).tenantDomain = "example"), "libsql-stack:sqld.tenantDomain", /two labels/],
  ["sqld.tenantDomain without a zone", (c) => ((c.sqld as Record<string, unknown>).tenantDomain = "db.example.com"), "libsql-stack:sqld.tenantDomainZoneId", /Cloudflare zone/],
  ["sqld.tenantDomainZoneId alone", (c) => ((c.sqld as Record<string, unknown>).tenantDomainZoneId = "a".repeat(32)), "libsql-stack:sqld.tenantDomainZoneId", /without sqld.tenantDomain/],
  ["*.localhost tenantDomain on a public origin", (c) => ((c.sqld as Record<string, unknown>).tenantDomain = "db.localhost"), "libsql-stack:sqld.tenantDomain", /loopback sqld.publicUrl/],
  [
    "a tenant that cannot be a host label",
    (c) => Object.assign(c, { tenants: ["acme", "globex-"], sqld: { autoStop: "off", tenantDomain: "db.example.com", tenantDomainZoneId: "a".repeat(32) } }),
    "libsql-stack:tenants[1]",
    /cannot be a host name label/,
  ],
  ["unknown mode", (c) => (c.mode = "hybrid"), "libsql-stack:mode", /self-hosted|managed/],
  ["missing mode", (c) => delete c.mode, "libsql-stack:mode", /required/],
  ["unknown top-level key", (c) => (c.regoins = []), "libsql-stack:regoins", /not a known setting/],
  ["unknown nested key", (c) => ((c.fly as Record<string, unknown>).ap = "x"), "libsql-stack:fly.ap", /not a known setting/],
  ["missing fly in self-hosted", (c) => delete c.fly, "libsql-stack:fly", /required in self-hosted/],
  ["fly app with capitals", (c) => ((c.fly as Record<string, unknown>).app = "Acme"), "libsql-stack:fly.app", /lowercase/],
  ["no regions", (c) => (c.regions = []), "libsql-stack:regions", /at least one region/],
  ["two primaries", (c) => (regions(c)[1]!.role = "primary"), "libsql-stack:regions", /exactly one region with role "primary" \(found 2\)/],
  ["no primary", (c) => (regions(c)[0]!.role = "replica"), "libsql-stack:regions", /found 0/],
  ["unknown region code", (c) => (regions(c)[1]!.code = "xxx"), "libsql-stack:regions[1].code", /"xxx" is not a Fly region/],
  ["duplicate region", (c) => (regions(c)[1]!.code = "ams"), "libsql-stack:regions[1].code", /listed twice/],
  ["bad role", (c) => (regions(c)[0]!.role = "leader"), "libsql-stack:regions[0].role", /primary|replica/],
  ["volume 0 GB", (c) => (regions(c)[0]!.volumeSizeGb = 0), "libsql-stack:regions[0].volumeSizeGb", />=1/],
  ["volume 501 GB", (c) => (regions(c)[1]!.volumeSizeGb = 501), "libsql-stack:regions[1].volumeSizeGb", /<=500/],
  ["volume fractional", (c) => (regions(c)[0]!.volumeSizeGb = 1.5), "libsql-stack:regions[0].volumeSizeGb", /integer|int/i],
  ["unknown vm size", (c) => (regions(c)[0]!.vm = { size: "huge" }), "libsql-stack:regions[0].vm.size", /shared-cpu-1x/],
  [
    "replica regions with different vm sizes",
    (c) => regions(c).push({ code: "sin", role: "replica", volumeSizeGb: 10, vm: { size: "shared-cpu-2x" } }),
    "libsql-stack:regions[2].vm",
    /differs from regions\[1\]\.vm .*same vm\.size/,
  ],
  ["vm memory not multiple of 256", (c) => (regions(c)[0]!.vm = { memoryMb: 300 }), "libsql-stack:regions[0].vm.memoryMb", /multiple of 256/],
  // The binary is pinned in code (infra/sqld/image/hardened-sqld.ts): any tag or image, even the old pinned one, is refused.
  ["retired sqld.tag", (c) => ((c.sqld as Record<string, unknown>).tag = "v0.24.33"), "libsql-stack:sqld.tag", /is no longer a setting: .*fileio.*hardened-sqld\.ts.*remove `tag`/],
  ["retired sqld.image", (c) => ((c.sqld as Record<string, unknown>).image = "ghcr.io/tursodatabase/libsql-server"), "libsql-stack:sqld.image", /is no longer a setting: .*remove `image`/],
  ["bluegreen for sqld", (c) => (c.deploy = { sqld: { strategy: "bluegreen" } }), "libsql-stack:deploy.sqld.strategy", /volumes/],
  ["canary for sqld", (c) => (c.deploy = { sqld: { strategy: "canary" } }), "libsql-stack:deploy.sqld.strategy", /volumes/],
  ["unknown strategy", (c) => (c.deploy = { sqld: { strategy: "yolo" } }), "libsql-stack:deploy.sqld.strategy", /rolling/],
  ["namespace with underscore", (c) => (c.tenants = ["acme_corp"]), "libsql-stack:tenants[0]", /not a valid namespace name/],
  ["namespace starting with dash", (c) => (c.tenants = ["ok", "-bad"]), "libsql-stack:tenants[1]", /not a valid namespace name/],
  ["namespace too long", (c) => (c.tenants = ["a".repeat(64)]), "libsql-stack:tenants[0]", /not a valid namespace name/],
  ["duplicate namespace", (c) => (c.tenants = ["acme", "acme"]), "libsql-stack:tenants[1]", /listed twice/],
  ["max active namespaces below tenants + default", (c) => ((c.sqld as Record<string, unknown>).maxActiveNamespaces = 1), "libsql-stack:sqld.maxActiveNamespaces", /1 is below the \d+ namespaces .* at least \d+/],
  ["auto stop with replicas", (c) => ((c.sqld as Record<string, unknown>).autoStop = "stop"), "libsql-stack:sqld.autoStop", /replica/],
  [
    "api bluegreen without health check",
    (c) => {
      c.api = { app: "acme-api", image: "registry.fly.io/acme-api:1", regions: ["ams"] };
      c.deploy = { api: { strategy: "bluegreen" } };
    },
    "libsql-stack:api.healthCheck",
    /bluegreen/,
  ],
  [
    "api with image and dockerfile",
    (c) => (c.api = { app: "acme-api", image: "x:1", dockerfile: "Dockerfile", regions: ["ams"] }),
    "libsql-stack:api",
    /exactly one of `image`/,
  ],
  ["api region unknown", (c) => (c.api = { app: "acme-api", image: "x:1", regions: ["zzz"] }), "libsql-stack:api.regions[0]", /not a Fly region/],
  ["api reuses sqld app name", (c) => (c.api = { app: "acme-sqld", image: "x:1", regions: ["ams"] }), "libsql-stack:api.app", /already the sqld app/],
  ["deploy.api without api", (c) => (c.deploy = { api: { strategy: "rolling" } }), "libsql-stack:deploy.api", /no `api` app/],
  ["managed without turso", (c) => (c.mode = "managed"), "libsql-stack:turso", /required in managed mode/],
  ...(
    [
      ["a tenant whose database name is too long", { tenants: ["acme", "t".repeat(60)] }, "libsql-stack:tenants[1]", /database name "acme-main-t+" is 70 characters; Turso allows 64/],
      ["a tenant whose <db>-<org> host label is too long", { tenants: ["t".repeat(50)] }, "libsql-stack:tenants[0]", /a DNS label holds 63/],
      ["turso.database too long for its host label", { tenants: [], turso: { ...TURSO, database: "d".repeat(60) } }, "libsql-stack:turso.database", /a DNS label holds 63/],
      ["tenantSettings (self-hosted only)", { tenantSettings: { acme: { maxSizeMb: 5 } } }, "libsql-stack:tenantSettings.acme", /self-hosted sqld only/],
    ] as const
  ).map(([title, change, key, fragment]): Case => [`managed: ${title}`, (c) => Object.assign(c, MANAGED, change), key, fragment]),
  ["worker account id malformed", (c) => (c.worker = { accountId: "nope" }), "libsql-stack:worker.accountId", /32-hex/],
  [
    "worker route and custom domain",
    (c) =>
      (c.worker = {
        accountId: "0".repeat(32),
        customDomain: { hostname: "db.acme.dev", zoneId: "a".repeat(32) },
        route: { pattern: "acme.dev/db/*", zoneId: "a".repeat(32) },
      }),
    "libsql-stack:worker.route",
    /customDomain/,
  ],
  [
    "backups without credentials",
    (c) => (c.backups = { endpoint: "https://s3.example.test", bucket: "acme-backups" }),
    "libsql-stack:backupAccessKeyId",
    /--secret/,
  ],
  ["backups endpoint not a URL", (c) => (c.backups = { endpoint: "s3", bucket: "acme-backups" }), "libsql-stack:backups.endpoint", /URL/i],
  ...(
    [
      ["over http", "http://s3.example.test", /must use https \(plain http only on 127\.0\.0\.1, localhost or \[::1\]\)/],
      ["over http to a name that starts like loopback", "http://127.0.0.1.attacker.test", /must use https/],
      ["over http to localhost's subdomain", "http://localhost.attacker.test:9000", /must use https/],
      ["over ftp", "ftp://s3.example.test", /must use https/],
      ["with user:pass@", "https://AKIA:secret@s3.example.test", /must not contain credentials .*--secret libsql-stack:backupAccessKeyId/],
      ["with a user only", "https://AKIA@s3.example.test", /must not contain credentials/],
      ["with userinfo on loopback", "http://u:p@127.0.0.1:4568", /must not contain credentials/],
      ["with a query", "https://s3.example.test/?X-Amz-Credential=AKIA", /must not have a query or fragment/],
      ["with an empty query", "https://s3.example.test/?", /must not have a query or fragment/],
      ["with a fragment", "https://s3.example.test/#x", /must not have a query or fragment/],
    ] as const
  ).map(([title, endpoint, fragment]): Case => [
    `backups endpoint ${title}`,
    (c) => (c.backups = { endpoint, bucket: "acme-backups" }),
    "libsql-stack:backups.endpoint",
    fragment,
  ]),
  ["regions not a list", (c) => (c.regions = "ams"), "libsql-stack:regions", /array/],
  ["settings for no tenant", (c) => (c.tenantSettings = { initech: { maxSizeMb: 5 } }), "libsql-stack:tenantSettings.initech", /names no tenant/],
  ["a suspension reason without a suspension", (c) => (c.tenantSettings = { acme: { reason: "x" } }), "libsql-stack:tenantSettings.acme.reason", /shown only while the tenant is suspended/],
  ["a suspension mode that does not exist", (c) => (c.tenantSettings = { acme: { suspended: "reads" } }), "libsql-stack:tenantSettings.acme.suspended", /writes|all/],
  ["a reason over two lines", (c) => (c.tenantSettings = { acme: { suspended: "all", reason: "a\nb" } }), "libsql-stack:tenantSettings.acme.reason", /one line/],
  ["a key version for no tenant", (c) => (c.auth = { tenantKeyVersions: { initech: 2 } }), "libsql-stack:auth.tenantKeyVersions.initech", /names no tenant/],
  [
    "a key version with one shared key",
    (c) => {
      c.tenants = ["acme"];
      c.auth = { tenantKeys: false, tenantKeyVersions: { acme: 2 } };
    },
    "libsql-stack:auth.tenantKeyVersions.acme",
    /has no effect with one shared key/,
  ],
  ["retiring the signing key itself", (c) => (c.auth = { signingKeyVersion: 2, retiredSigningKeyVersion: 2 }), "libsql-stack:auth.retiredSigningKeyVersion", /cannot be retired/],
  ["a negative retired key version", (c) => (c.auth = { retiredSigningKeyVersion: -1 }), "libsql-stack:auth.retiredSigningKeyVersion", /0|greater|>=/],
];

describe("invalid stack configs", () => {
  it("the base config is valid (so each case fails for its own reason)", () => {
    expect(parseStackConfig(base(), { stack: "dev" })).toMatchObject({ ok: true });
  });

  it.each(cases)("%s → names %s", (_title, mutate, key, fragment) => {
    const raw = base();
    mutate(raw);
    const result = parseStackConfig(raw, { stack: "dev" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const line = result.problems.find((p) => p.startsWith(`${key} `));
    expect(line, `no problem names ${key}; got:\n${result.problems.join("\n")}`).toBeDefined();
    expect(line).toMatch(fragment);
  });

  it("reports every problem at once", () => {
    const raw = base();
    regions(raw)[0]!.code = "xxx";
    raw.tenants = ["Bad", "ok", "ok"];
    (raw.sqld as Record<string, unknown>).tag = "v0.24.33";
    const result = parseStackConfig(raw, { stack: "dev" });
    expect(result.ok ? [] : result.problems).toHaveLength(4);
  });

  it("refuses a credential stored in plain text", () => {
    const raw = { ...base(), tursoApiToken: "tok" };
    const result = parseStackConfig(raw, { stack: "dev", secretKeys: new Set() });
    expect(result.ok ? [] : result.problems).toEqual([
      "libsql-stack:tursoApiToken holds a credential in plain text; set it with: pulumi config set --secret libsql-stack:tursoApiToken <value>",
    ]);
    expect(parseStackConfig(raw, { stack: "dev", secretKeys: new Set(["tursoApiToken"]) }).ok).toBe(true);
  });
});
