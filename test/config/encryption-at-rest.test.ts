/** sqld.encryptionAtRest's pure rules (no mocks), and that the config parser applies them naming the key. */
import { describe, expect, it } from "vitest";
import { encryptionAtRestProblems } from "../../infra/config/encryption-at-rest";
import { parseStackConfig } from "../../infra/config/parse";

const region = (code: string, role: "primary" | "replica") => ({ code, role, volumeSizeGb: 1, vm: { size: "shared-cpu-1x" as const, memoryMb: 512 } });
const rule = (o: Partial<Parameters<typeof encryptionAtRestProblems>[0]> = {}) =>
  encryptionAtRestProblems({ mode: "self-hosted", regions: [region("ams", "primary")], backups: undefined, sqld: { encryptionAtRest: true }, ...o });
const backups = { endpoint: "https://s3.example.com", bucket: "b-1", region: "auto", batchIntervalSeconds: 1 };

describe("encryptionAtRestProblems", () => {
  it("accepts one primary without backups, and says nothing when encryption is off whatever else is set", () => {
    expect(rule()).toEqual([]);
    expect(rule({ sqld: { encryptionAtRest: false }, regions: [region("ams", "primary"), region("iad", "replica")], backups })).toEqual([]);
    expect(rule({ sqld: { encryptionAtRest: false }, mode: "managed" })).toEqual([]);
  });
  it("refuses replica regions, naming them and why (replicas answer 500 with the key)", () => {
    expect(rule({ regions: [region("ams", "primary"), region("iad", "replica"), region("sin", "replica")] })).toEqual([
      [["sqld", "encryptionAtRest"], expect.stringMatching(/^cannot be used with replica regions \(iad, sin\): .*500 "file is not a database"; keep only the primary region, or turn encryptionAtRest off$/)],
    ]);
  });
  it("refuses backups (an encrypted namespace is not restored from the bucket)", () => {
    expect(rule({ backups })).toEqual([[["sqld", "encryptionAtRest"], expect.stringMatching(/^cannot be used with backups: .*"unsupported file format".*remove backups, or turn encryptionAtRest off$/)]]);
  });
  it("gives both reasons at once, so the YAML is fixed in one pass", () => {
    expect(rule({ backups, regions: [region("ams", "primary"), region("iad", "replica")] })).toHaveLength(2);
  });
  it("refuses managed mode: Turso encrypts at rest itself", () => {
    expect(rule({ mode: "managed", regions: [] })).toEqual([[["sqld", "encryptionAtRest"], expect.stringMatching(/self-hosted sqld only: Turso already encrypts/)]]);
  });
});

describe("parseStackConfig with sqld.encryptionAtRest", () => {
  const selfHosted = (extra: Record<string, unknown>) => ({ mode: "self-hosted", fly: { app: "acme-sqld" }, regions: [{ code: "ams", role: "primary" }], ...extra });
  const parse = (raw: Record<string, unknown>) => parseStackConfig(raw, { stack: "dev" });

  it("defaults to off, and carries true into the plan", () => {
    const off = parse(selfHosted({}));
    expect(off.ok && off.plan.mode === "self-hosted" && off.plan.sqld.encryptionAtRest).toBe(false);
    const on = parse(selfHosted({ sqld: { encryptionAtRest: true } }));
    expect(on.ok && on.plan.mode === "self-hosted" && on.plan.sqld.encryptionAtRest).toBe(true);
  });
  it("reports a refused combination as libsql-stack:sqld.encryptionAtRest", () => {
    const res = parse(selfHosted({ sqld: { encryptionAtRest: true, autoStop: "off" }, regions: [{ code: "ams", role: "primary" }, { code: "iad", role: "replica" }] }));
    expect(res).toEqual({ ok: false, problems: [expect.stringMatching(/^libsql-stack:sqld\.encryptionAtRest cannot be used with replica regions \(iad\)/)] });
  });
  it("refuses a value that is not a boolean", () => {
    const res = parse(selfHosted({ sqld: { encryptionAtRest: "yes" } }));
    expect(res.ok).toBe(false);
    expect(!res.ok && res.problems[0]).toMatch(/^libsql-stack:sqld\.encryptionAtRest /);
  });
});
