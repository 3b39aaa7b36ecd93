/**
 * The `sqld-namespaces` script sets each tenant's signing key through its own `fly proxy` session (fake flyctl TEST
 * DOUBLE in front of the dev stack's REAL sqld): tokens then verify only on their own tenant. A failure to set a
 * key fails the step, and the step's stdout stays the namespace set.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { namespaceScripts } from "../../infra/sqld/namespace-scripts";
import { mintScopedToken } from "../../worker/jwt";
import { runShell as run } from "../../local/run-process";
import { generateTestKeys } from "../../local/sqld/cluster";
import { startNamespaceScriptEnv, type NamespaceScriptEnv } from "../support/sqld/namespace-script-env";
import { executeRaw } from "../../local/sqld/tenant-client";

let arena: NamespaceScriptEnv;
let keysEnv: NodeJS.ProcessEnv;
beforeAll(async () => {
  arena = await startNamespaceScriptEnv("dev");
  keysEnv = { ...arena.env, NAMESPACES: "acme globex streams", TENANTS: "acme globex", TENANT_KEYS: "per-tenant", LIBSQL_STACK_SIGNING_KEY: arena.cluster.keys.privateKeyPem };
});
afterAll(() => arena?.close());

const create = () => namespaceScripts({ app: arena.app, allowDeletion: false }).create;
const jwtKeyOf = async (ns: string) => JSON.parse((await arena.cluster.admin(arena.cluster.primary, "GET", `/v1/namespaces/${ns}/config`)).text).jwt_key as string | null;
const statusWith = async (signer: string, tenant: string, mode: "per-tenant" | "shared", ns: string) => {
  const { token } = await mintScopedToken(signer, { tenant, access: "ro", ttlSeconds: 300, nowSeconds: Math.floor(Date.now() / 1000) }, mode);
  return (await executeRaw(arena.cluster.primary.httpUrl, "SELECT 1", { token, namespace: ns })).status;
};

describe("tenant signing keys set by the namespaces step", () => {
  it("creates the namespaces, gives each tenant (not the shared namespace) its key, and prints only the set", async () => {
    const res = await run(create(), keysEnv);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe("acme\nglobex\nstreams\n");
    expect(res.stderr).toMatch(/tenant configs \(per-tenant keys\): 2 namespace\(s\) written/);
    expect(await jwtKeyOf("acme")).toMatch(/BEGIN PUBLIC KEY/);
    expect(await jwtKeyOf("streams")).toBeNull();
    const pem = arena.cluster.keys.privateKeyPem;
    expect(await statusWith(pem, "acme", "per-tenant", "acme")).toBe(200);
    expect(await statusWith(pem, "globex", "per-tenant", "acme")).toBe(401);
    expect(await statusWith(pem, "acme", "shared", "acme")).toBe(200); // the stack's own services
    const again = await run(create(), { ...keysEnv, PULUMI_COMMAND_STDOUT: res.stdout });
    expect(again.stderr).toMatch(/0 namespace\(s\) written, 2 already right/);
  });

  it("fails the step, naming the namespace, when a key cannot be set; switching to shared clears the keys", async () => {
    const foreign = generateTestKeys().privateKeyPem;
    const broken = await run(create(), { ...keysEnv, TENANTS: "acme missing-tenant", LIBSQL_STACK_SIGNING_KEY: foreign });
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toMatch(/config of namespace missing-tenant failed: HTTP 404/);
    expect(broken.stdout).toBe("");
    const shared = await run(create(), { ...keysEnv, TENANT_KEYS: "shared" });
    expect(shared.code, shared.stderr).toBe(0);
    expect(await jwtKeyOf("acme")).toBeNull();
    expect(await jwtKeyOf("globex")).toBeNull();
  });
});
