// Who gets per-tenant signing keys: the one resolver (infra/config/tenant-keys.ts), without mocks (its rule: invalid-configs.test.ts).
import { describe, expect, it } from "vitest";
import { tenantKeysMode } from "../../infra/config/tenant-keys";
import type { StackConfig } from "../../infra/config/stack-config";

const regions = (...roles: ("primary" | "replica")[]) => roles.map((role, i) => ({ code: ["ams", "iad", "syd"][i]!, role }));
const cfg = (over: { mode?: "self-hosted" | "managed"; roles?: ("primary" | "replica")[]; tenantKeys?: boolean }) =>
  ({ mode: over.mode ?? "self-hosted", regions: regions(...(over.roles ?? ["primary"])), auth: { signingKeyVersion: 1, adminKeyVersion: 1, tenantKeys: over.tenantKeys } }) as unknown as StackConfig;

describe("tenantKeysMode", () => {
  it("defaults to per-tenant, with or without replica regions", () => {
    expect(tenantKeysMode(cfg({}))).toBe("per-tenant");
    expect(tenantKeysMode(cfg({ roles: ["primary", "replica"] }))).toBe("per-tenant");
  });
  it("follows auth.tenantKeys when set, and is shared in managed mode", () => {
    expect(tenantKeysMode(cfg({ tenantKeys: false }))).toBe("shared");
    expect(tenantKeysMode(cfg({ roles: ["primary", "replica"], tenantKeys: false }))).toBe("shared");
    expect(tenantKeysMode(cfg({ mode: "managed", tenantKeys: true }))).toBe("shared");
  });
});
