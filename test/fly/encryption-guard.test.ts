/**
 * The encryption guard (issue 20 item 5) against the fake flyctl TEST DOUBLE: turning sqld.encryptionAtRest on for an
 * app whose volumes hold plain data, turning it off for an app that holds the key, and a key this stack did not set,
 * are each refused before any Fly change, naming the config key; the consistent cases pass. What each refusal
 * prevents is observed on the real binary in test/sqld/encryption-at-rest.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appScripts, encryptionGuardLine, encryptionGuardScripts, secretsScripts, volumeScripts } from "../../infra/fly/scripts";
import { encryptionKeyId } from "../../infra/auth/keys";
import { makeFakeFlyEnv, runScript, runScriptOk, type FakeFlyEnv } from "../../local/doubles/fake-fly/harness";

const APP = "demo-app";
const KEY_ID = encryptionKeyId("k".repeat(64));
const OTHER_ID = encryptionKeyId("o".repeat(64));
const CONFIG_KEY = "libsql-stack:sqld.encryptionAtRest";
const guard = (encrypted: boolean) => encryptionGuardScripts({ app: APP, encrypted, secret: "SQLD_ENCRYPTION_KEY", volumeName: "sqld_data", configKey: CONFIG_KEY }).create;

describe("encryption guard against the fake flyctl", () => {
  let fake: FakeFlyEnv;
  const state = () => JSON.stringify(fake.state().apps[APP]);
  /** Runs the guard as the Command would: the key id in env, the previous run's stdout when there was one. */
  const run = (encrypted: boolean, o: { keyId?: string; previous?: string } = {}) => {
    const env: NodeJS.ProcessEnv = { ...fake.env, ENCRYPTION_KEY_ID: encrypted ? (o.keyId ?? KEY_ID) : "" };
    if (o.previous !== undefined) env.PULUMI_COMMAND_STDOUT = o.previous;
    const before = { state: state(), calls: fake.calls().length };
    const res = runScript(guard(encrypted), { env });
    return { ...res, calls: fake.calls().slice(before.calls).map((c) => c.slice(0, 2).join(" ")), unchanged: state() === before.state };
  };

  beforeEach(() => {
    fake = makeFakeFlyEnv();
    runScriptOk(appScripts({ app: APP, org: "personal" }).create, { env: fake.env });
  });
  afterEach(() => fake.cleanup());

  it("passes on a new app either way, and prints the key id the next run compares", () => {
    const on = run(true);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout.trim()).toBe(encryptionGuardLine(KEY_ID));
    expect(on.calls).toEqual(["secrets list", "volumes list"]);
    const off = run(false);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout.trim()).toBe(encryptionGuardLine(undefined));
    expect(off.calls).toEqual(["secrets list"]);
  });

  describe("on an app whose volume holds plain data (no key secret)", () => {
    beforeEach(() => {
      runScriptOk(volumeScripts({ app: APP, volumeName: "sqld_data", region: "ams", sizeGb: 1, count: 1, vmSize: "shared-cpu-1x", vmMemoryMb: 512, destroyOnDelete: false }).create, { env: fake.env });
      runScriptOk(secretsScripts({ app: APP, names: ["LIBSQL_ADMIN_AUTH_KEY"], stage: false }).create, { env: fake.env, stdin: "LIBSQL_ADMIN_AUTH_KEY=admin\n" });
    });

    it("refuses turning encryption on, naming the key and the volume, and changes nothing", () => {
      const volume = fake.state().apps[APP].volumes[0].id as string;
      for (const previous of [undefined, encryptionGuardLine(undefined)]) {
        const res = run(true, { previous });
        expect(res.code).toBe(1);
        expect(res.stderr).toMatch(new RegExp(`^${CONFIG_KEY}: ${APP} already has sqld volumes \\(${volume}\\) written without encryption: .*Keep sqld\\.encryptionAtRest: false, .*Nothing was changed\\.\\n$`));
        expect(res.unchanged).toBe(true);
        expect(res.calls).toEqual(["secrets list", "volumes list"]);
      }
    });

    it("passes while encryption stays off", () => {
      expect(run(false, { previous: encryptionGuardLine(undefined) }).code).toBe(0);
    });
  });

  describe("on an app that holds SQLD_ENCRYPTION_KEY", () => {
    beforeEach(() => {
      runScriptOk(volumeScripts({ app: APP, volumeName: "sqld_data", region: "ams", sizeGb: 1, count: 1, vmSize: "shared-cpu-1x", vmMemoryMb: 512, destroyOnDelete: false }).create, { env: fake.env });
      runScriptOk(secretsScripts({ app: APP, names: ["SQLD_ENCRYPTION_KEY"], stage: false }).create, { env: fake.env, stdin: `SQLD_ENCRYPTION_KEY=${"k".repeat(64)}\n` });
    });

    it("passes with the key id its previous run printed, reading only the secret names", () => {
      const res = run(true, { previous: encryptionGuardLine(KEY_ID) });
      expect(res.code, res.stderr).toBe(0);
      expect(res.calls).toEqual(["secrets list"]);
    });

    it("refuses turning encryption off, whatever ran before", () => {
      for (const previous of [undefined, encryptionGuardLine(KEY_ID)]) {
        const res = run(false, { previous });
        expect(res.code).toBe(1);
        expect(res.stderr).toMatch(new RegExp(`^${CONFIG_KEY}: ${APP} holds SQLD_ENCRYPTION_KEY: its volumes are encrypted at rest, .*"file is not a database"\\. Keep sqld\\.encryptionAtRest: true; .*Nothing was changed\\.\\n$`));
        expect(res.unchanged).toBe(true);
      }
    });

    it("refuses a key this stack did not set: a replaced key, or a fresh state (no previous run)", () => {
      for (const previous of [encryptionGuardLine(OTHER_ID), undefined, encryptionGuardLine(undefined)]) {
        const res = run(true, { previous });
        expect(res.code).toBe(1);
        expect(res.stderr).toMatch(new RegExp(`^${CONFIG_KEY}: ${APP} holds a SQLD_ENCRYPTION_KEY this stack did not set .*pulumi stack import.*Nothing was changed\\.\\n$`));
        expect(res.unchanged).toBe(true);
      }
    });
  });

  it("fails when fly fails, rather than passing blind", () => {
    const res = runScript(guard(true), { env: { ...fake.env, ENCRYPTION_KEY_ID: KEY_ID, FAKE_FLY_FAIL: "secrets list:1" } });
    expect(res.code).not.toBe(0);
    expect(res.stdout).toBe("");
  });

  it("refuses a missing key id when encryption is on, and bad names at build time", () => {
    expect(runScript(guard(true), { env: { ...fake.env, ENCRYPTION_KEY_ID: "" } }).stderr).toMatch(/ENCRYPTION_KEY_ID must be 16 hex digits/);
    expect(() => encryptionGuardScripts({ app: APP, encrypted: true, secret: "BAD-NAME", volumeName: "sqld_data", configKey: CONFIG_KEY })).toThrow(/secret/);
    expect(() => encryptionGuardScripts({ app: "-x", encrypted: true, secret: "S", volumeName: "sqld_data", configKey: CONFIG_KEY })).toThrow(/app/);
  });
});
