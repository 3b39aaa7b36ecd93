import { parse as parseToml } from "smol-toml";
import { beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../../scripts/lib/plan-runner";
import { byName, planStack } from "../../local/plan";

const env = (plan: Plan, name: string) => byName(plan, name).inputs.environment as Record<string, string>;
const bindings = (plan: Plan) => byName(plan, "gateway-script").inputs.bindings as { name: string; type: string; text: string }[];

describe("managed mode (Turso) from config alone", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planStack("managed", {}, "examples/Pulumi.managed.yaml");
  });

  it("creates no sqld resources and no admin key", () => {
    expect(plan.mode).toBe("managed");
    expect(plan.resources.filter((r) => r.name.startsWith("sqld") || r.type.includes(":sqld:"))).toEqual([]);
    expect(plan.resources.find((r) => r.name === "keys-admin-key")).toBeUndefined();
  });

  it("creates group → database → token, database protected and retained, token stable until rotation", () => {
    expect(byName(plan, "turso-database")).toMatchObject({ protect: true, retainOnDelete: true, dependsOn: ["turso-group"] });
    expect(byName(plan, "turso-token").dependsOn).toEqual(["turso-database"]);
    expect(JSON.stringify(byName(plan, "turso-token").inputs.triggers)).toContain("2026-11");
  });

  it("wires the Worker to the tenant default's database: its URL and tokens in one TENANT_DATABASES secret_text", () => {
    const b = Object.fromEntries(bindings(plan).map((x) => [x.name, x]));
    expect(b.DB_URL).toMatchObject({ type: "plain_text", text: expect.stringMatching(/^libsql:\/\/acme-main-.+\.turso\.io$/) });
    expect(b.DB_MODE).toMatchObject({ type: "plain_text", text: "managed" });
    // Per-database tokens only (full-access and read-only): no Platform API token reaches the Worker.
    expect(b.TENANT_DATABASES_0).toEqual({ name: "TENANT_DATABASES_0", type: "secret_text", text: "[secret]" });
    expect(Object.keys(b).filter((n) => n.startsWith("TENANT_DATABASES_"))).toEqual(["TENANT_DATABASES_0"]);
    expect(b.DB_TOKEN).toBeUndefined();
    // Read mode uses a read-only token: a read transaction alone does not stop writes.
    expect(String(byName(plan, "turso-read-token").inputs.create)).toContain("read-only");
    expect(b.TENANTS).toEqual({ name: "TENANTS", type: "json", json: '["default"]' });
    expect(plan.outputs.databaseUrl).toMatch(/^libsql:\/\//);
  });

  it("deploys the API app blue-green from its Dockerfile with a health check and secret DATABASE_* ", () => {
    const deploy = byName(plan, "api-deploy");
    expect(String(deploy.inputs.create)).toMatch(/^strategy=bluegreen$/m);
    expect(String(deploy.inputs.create)).toMatch(/^dockerfile=Dockerfile$/m);
    const toml = parseToml(env(plan, "api-deploy").FLY_TOML ?? "") as Record<string, any>;
    expect(toml.mounts).toBeUndefined();
    expect(toml.http_service.checks[0]).toMatchObject({ path: "/healthz", method: "GET" });
    expect(byName(plan, "api-secrets").inputs.stdin).toBe("[secret]");
    expect(byName(plan, "api").dependsOn).toEqual(["turso"]);
  });

  it("checks the database after deploy with the Turso token", () => {
    const verify = byName(plan, "database-verify");
    expect(verify.dependsOn).toEqual(["turso"]);
    expect(env(plan, "database-verify")).toMatchObject({ DATABASE_URL: expect.stringMatching(/^libsql:/), DATABASE_AUTH_TOKEN: "[secret]" });
  });
});

describe("self-hosted prod: API app and post-deploy check", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planStack("prod");
  });

  it("creates no Turso resources", () => {
    expect(plan.resources.filter((r) => r.name.startsWith("turso") || r.type.includes(":turso:"))).toEqual([]);
  });

  it("deploys the API app blue-green after sqld and its namespaces, one machine per extra region", () => {
    expect(byName(plan, "api").dependsOn).toEqual(["sqld-scale-primary-ams", "sqld-scale-replica-iad", "sqld-scale-replica-sin", "sqld-ips", "sqld-namespaces"]);
    expect(String(byName(plan, "api-deploy").inputs.create)).toMatch(/^strategy=bluegreen$/m);
    expect(String(byName(plan, "api-deploy").inputs.create)).toMatch(/^image=registry\.fly\.io\/acme-api\\?:1\.4\.2$/m); // shell-quote may escape ":"
    expect(plan.resources.filter((r) => r.name.startsWith("api-scale-")).map((r) => r.name)).toEqual(["api-scale-app-iad"]);
  });

  it("re-runs the post-deploy check only when the rollout changes", async () => {
    const verify = byName(plan, "database-verify");
    expect(env(plan, "database-verify")).toMatchObject({ DATABASE_URL: "https://acme-sqld-prod.fly.dev", NAMESPACE: "acme", JWT_PRIVATE_KEY: "[secret]" });
    const sameRollout = await planStack("prod", { tenants: ["acme", "globex", "initech", "hooli"] });
    expect(byName(sameRollout, "database-verify").inputs.triggers).toEqual(verify.inputs.triggers);
    const newRollout = await planStack("prod", { sqld: { maxActiveNamespaces: 5000 } });
    expect(byName(newRollout, "database-verify").inputs.triggers).not.toEqual(verify.inputs.triggers);
  });

  it("without tenants, checks sqld's `default` namespace (issue 21 item 7: no namespace meant the Host's `<app>`)", async () => {
    const noTenants = await planStack("prod", { tenants: [] });
    expect(env(noTenants, "database-verify")).toMatchObject({ NAMESPACE: "default", JWT_PRIVATE_KEY: "[secret]" });
  });

  it("sends the gateway, verify and migrations to sqld.publicUrl when set (own hostname)", async () => {
    const own = await planStack("prod", { sqld: { publicUrl: "https://db.acme.example/" } });
    expect(env(own, "database-verify")).toMatchObject({ DATABASE_URL: "https://db.acme.example" });
    const bindings = byName(own, "gateway-script").inputs.bindings as { name: string; text?: string }[];
    expect(bindings.find((b) => b.name === "DB_URL")?.text).toBe("https://db.acme.example");
  });
});

describe("self-hosted with bottomless backups", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planStack("prod", {}, "examples/Pulumi.backups.yaml");
  });

  it("turns on bottomless on the primary only, with a database id (namespaces are on)", () => {
    const toml = parseToml(env(plan, "sqld-deploy").FLY_TOML ?? "") as Record<string, any>;
    expect(String(toml.processes.primary)).toContain("--enable-bottomless-replication");
    expect(String(toml.processes.replica)).not.toContain("--enable-bottomless-replication");
    expect(toml.env).toMatchObject({
      LIBSQL_BOTTOMLESS_ENDPOINT: "https://fly.storage.tigris.dev",
      LIBSQL_BOTTOMLESS_BUCKET: "acme-sqld-backups",
      LIBSQL_BOTTOMLESS_DATABASE_ID: "acme-sqld-prod",
    });
    expect(JSON.stringify(toml)).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
  });

  it("imports the S3 keys as Fly secrets over stdin", () => {
    const secrets = byName(plan, "sqld-secrets");
    expect(secrets.inputs.stdin).toBe("[secret]");
    expect(String(secrets.inputs.delete)).toContain("LIBSQL_BOTTOMLESS_AWS_SECRET_ACCESS_KEY");
    expect(String(secrets.inputs.create)).not.toContain("placeholder");
  });
});
