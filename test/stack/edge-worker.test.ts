import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../../scripts/lib/plan-runner";
import { byName, ofType, planStack, ROOT } from "../../local/plan";

type Binding = { name: string; type: string; text: string };

describe("EdgeWorker in the dev plan", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planStack("dev");
  });

  it("uploads the esbuild bundle by file + sha256, with nodejs_compat", () => {
    const script = byName(plan, "gateway-script");
    expect(script.parent).toBe("gateway");
    const { contentFile, contentSha256, mainModule, compatibilityFlags, scriptName } = script.inputs as Record<string, unknown>;
    expect(contentFile).toBe("dist/gateway/worker.js"); // relative: plans agree across machines
    const bundle = readFileSync(resolve(ROOT, String(contentFile)));
    expect(contentSha256).toBe(createHash("sha256").update(bundle).digest("hex"));
    expect(plan.outputs.gatewayBundleSha256).toBe(contentSha256);
    expect(mainModule).toBe("worker.js");
    expect(compatibilityFlags).toEqual(["nodejs_compat"]);
    expect(scriptName).toBe("acme-libsql-gateway-dev");
  });

  it("binds config as plain_text and every secret as secret_text, redacted", () => {
    const bindings = byName(plan, "gateway-script").inputs.bindings as Binding[];
    expect(bindings).toEqual([
      { name: "DB_URL", type: "plain_text", text: "https://acme-sqld-dev.fly.dev" },
      { name: "DB_MODE", type: "plain_text", text: "self-hosted" },
      // dev has no replica region: each tenant gets its own key (infra/config/tenant-keys.ts).
      { name: "TENANT_KEYS", type: "plain_text", text: "per-tenant" },
      { name: "PRIMARY_REGION", type: "plain_text", text: "ams" },
      { name: "JWT_PRIVATE_KEY", type: "secret_text", text: "[secret]" },
      { name: "GATEWAY_API_KEY", type: "secret_text", text: "[secret]" },
      { name: "TENANTS", type: "json", json: JSON.stringify(["acme", "globex"]) },
    ]);
    expect(plan.outputs.gatewayApiKey).toBe("[secret]");
    // No sqld.tenantDomain in dev: no tenant URL to hand out (the token route then answers DB_URL + the header).
    expect(plan.outputs).not.toHaveProperty("tenantUrlTemplate");
  });

  it("with sqld.tenantDomain, binds TENANT_URL_TEMPLATE and outputs it (the token route and `npm run token` use it)", async () => {
    const zoned = await planStack("dev", { sqld: { tenantDomain: "db.acme.dev", tenantDomainZoneId: "f".repeat(32) } });
    const bindings = byName(zoned, "gateway-script").inputs.bindings as Binding[];
    expect(bindings.find((b) => b.name === "TENANT_URL_TEMPLATE")).toEqual({ name: "TENANT_URL_TEMPLATE", type: "plain_text", text: "libsql://{tenant}.db.acme.dev" });
    expect(zoned.outputs.tenantUrlTemplate).toBe("libsql://{tenant}.db.acme.dev");
  });

  it("builds the same bundle twice (deterministic, so no spurious update)", async () => {
    const again = await planStack("dev");
    expect(byName(again, "gateway-script").inputs.contentSha256).toBe(byName(plan, "gateway-script").inputs.contentSha256);
  });
});

describe("EdgeWorker exposure", () => {
  const worker = { accountId: "0123456789abcdef0123456789abcdef", scriptName: "gw" };
  const zoneId = "fedcba9876543210fedcba9876543210";

  it("adds a custom domain when configured", async () => {
    const plan = await planStack("dev", { worker: { ...worker, customDomain: { hostname: "db.acme.dev", zoneId } } });
    expect(byName(plan, "gateway-domain").inputs).toMatchObject({ hostname: "db.acme.dev", service: "gw", zoneId });
    expect(plan.outputs.gatewayUrl).toBe("https://db.acme.dev");
    expect(ofType(plan, "cloudflare:index/workersRoute:WorkersRoute")).toEqual([]);
  });

  it("adds a route when configured", async () => {
    const plan = await planStack("dev", { worker: { ...worker, route: { pattern: "acme.dev/db/*", zoneId } } });
    expect(byName(plan, "gateway-route").inputs).toMatchObject({ pattern: "acme.dev/db/*", script: "gw", zoneId });
    expect(plan.outputs.gatewayUrl).toBe("https://acme.dev/db/");
    expect(plan.resources.filter((r) => r.name.startsWith("gateway-workers-dev"))).toEqual([]);
  });

  it("with neither, turns the workers.dev route on and still outputs gatewayUrl (workers.dev)", async () => {
    const plan = await planStack("dev", { worker });
    expect(byName(plan, "gateway-workers-dev").inputs).toMatchObject({ accountId: worker.accountId, scriptName: "gw", enabled: true, previewsEnabled: false });
    expect(byName(plan, "gateway-workers-dev-subdomain").dependsOn).toEqual(["gateway-workers-dev"]);
    expect(String(plan.outputs.gatewayUrl)).toMatch(/^https:\/\/gw\.acct-[0-9a-f]{8}\.workers\.dev$/);
  });

  it("also uses workers.dev for a route whose host is a wildcard", async () => {
    const plan = await planStack("dev", { worker: { ...worker, route: { pattern: "*.acme.dev/*", zoneId } } });
    expect(byName(plan, "gateway-workers-dev").inputs).toMatchObject({ enabled: true });
    expect(String(plan.outputs.gatewayUrl)).toMatch(/\.workers\.dev$/);
  });

  it("is left out when no worker is configured", async () => {
    const plan = await planStack("dev", { worker: null });
    expect(plan.resources.filter((r) => r.name.startsWith("gateway"))).toEqual([]);
  });
});
