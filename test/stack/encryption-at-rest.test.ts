/**
 * sqld.encryptionAtRest in the planned program (Pulumi mocks): the generated key reaches sqld only as the Fly secret
 * SQLD_ENCRYPTION_KEY, it has no version to bump, it is protected whenever the volumes it encrypts may outlive the
 * stack, and the encryption guard runs before every Fly change.
 */
import { describe, expect, it } from "vitest";
import { byName, planStack } from "../../local/plan";
import { secretNamesOf } from "../../local/sqld/cluster";

const ON = { sqld: { encryptionAtRest: true } };
const guardEnv = (plan: Awaited<ReturnType<typeof planStack>>) => (byName(plan, "sqld-encryption-guard").inputs.environment as Record<string, string>).ENCRYPTION_KEY_ID;

describe("sqld.encryptionAtRest in the plan", () => {
  it("off (the default): no key resource, no SQLD_ENCRYPTION_KEY, the guard checks that the app holds none", async () => {
    const plan = await planStack("dev");
    expect(plan.resources.some((r) => r.name === "keys-encryption-key")).toBe(false);
    expect(secretNamesOf(String(byName(plan, "sqld-secrets").inputs.delete))).not.toContain("SQLD_ENCRYPTION_KEY");
    expect(guardEnv(plan)).toBe("");
    expect(String(byName(plan, "sqld-encryption-guard").inputs.create)).toContain("want=off");
    expect(plan.outputs).not.toHaveProperty("sqldEncryptionKey");
  });

  it("on: one generated key with no version, set as SQLD_ENCRYPTION_KEY beside the other sqld secrets, exported as a secret", async () => {
    const plan = await planStack("dev", ON);
    const key = byName(plan, "keys-encryption-key");
    expect(key.type).toBe("random:index/randomPassword:RandomPassword");
    // No keepers: no config value replaces the key (sqld 0.24.32 cannot re-encrypt).
    expect(key.inputs).toEqual({ length: 64, special: false });
    expect(secretNamesOf(String(byName(plan, "sqld-secrets").inputs.delete))).toEqual(expect.arrayContaining(["SQLD_ENCRYPTION_KEY", "LIBSQL_ADMIN_AUTH_KEY"]));
    expect(byName(plan, "sqld-secrets").inputs.stdin).toBe("[secret]");
    expect(plan.outputs.sqldEncryptionKey).toBe("[secret]");
    // The guard gets the key's public id, never the key; it is on, and it runs before volumes, secrets and the Worker.
    expect(guardEnv(plan)).toMatch(/^[0-9a-f]{16}$/);
    expect(String(byName(plan, "sqld-encryption-guard").inputs.create)).toContain("want=on");
    expect(byName(plan, "sqld-volume-ams").dependsOn).toContain("sqld-encryption-guard");
    expect(byName(plan, "sqld-secrets").dependsOn).toContain("sqld-encryption-guard");
    expect(byName(plan, "gateway-script").dependsOn).toContain("sqld-encryption-guard");
    // The fly.toml does not change: turning encryption on is a secret, not a new release.
    const env = (p: typeof plan) => (byName(p, "sqld-deploy").inputs.environment as Record<string, string>).FLY_TOML;
    expect(env(plan)).toBe(env(await planStack("dev")));
  });

  it("protects the key unless the stack may delete the volumes it encrypts", async () => {
    // dev: protect false + allowVolumeDeletion true, so a destroy takes the volumes and the key together.
    expect(byName(await planStack("dev", ON), "keys-encryption-key").protect).toBe(false);
    const kept = await planStack("dev", { ...ON, dataProtection: { protect: false, allowVolumeDeletion: false } });
    expect(byName(kept, "keys-encryption-key").protect).toBe(true);
    const prodLike = await planStack("dev", { ...ON, dataProtection: { protect: true, allowVolumeDeletion: true } });
    expect(byName(prodLike, "keys-encryption-key").protect).toBe(true);
  });

  it("a rotated admin or signing key leaves the encryption key alone", async () => {
    const a = await planStack("dev", ON);
    const b = await planStack("dev", { ...ON, auth: { adminKeyVersion: 2, signingKeyVersion: 2 } });
    expect(byName(b, "keys-encryption-key").inputs).toEqual(byName(a, "keys-encryption-key").inputs);
  });
});
