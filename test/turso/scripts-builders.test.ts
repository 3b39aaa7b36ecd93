// Pure checks of the Turso script builders: argument validation, script hygiene, stdout parsers.
import { describe, expect, it } from "vitest";
import {
  databaseScripts,
  databaseTokenScripts,
  groupScripts,
  parseDatabaseStdout,
  parseTokenStdout,
  tokenRotationKey,
} from "../../infra/turso/scripts";
import { nodeEval } from "../../infra/shell";

const group = { org: "acme", group: "default", location: "aws-eu-west-1" };
const database = { org: "acme", database: "app", group: "default", allowDeletion: false };
const token = { org: "acme", database: "app" };

describe("argument validation names the field", () => {
  it.each([
    ["org", () => groupScripts({ ...group, org: "Acme Inc" })],
    ["group", () => groupScripts({ ...group, group: "-x" })],
    ["location", () => groupScripts({ ...group, location: "eu west" })],
    ["database", () => databaseScripts({ ...database, database: "app;rm -rf /" })],
    ["group", () => databaseScripts({ ...database, group: "" })],
    ["org", () => databaseTokenScripts({ ...token, org: "a".repeat(64) })],
    ["database", () => databaseTokenScripts({ ...token, database: "App" })],
    ["expiration", () => databaseTokenScripts({ ...token, expiration: "forever" })],
    ["expiration", () => databaseTokenScripts({ ...token, expiration: "0w" })],
    ["authorization", () => databaseTokenScripts({ ...token, authorization: "admin" as "read-only" })],
    ["tokenRotation", () => databaseTokenScripts({ ...token, rotation: "" })],
  ])("rejects a bad %s", (field, build) => {
    expect(build).toThrow(new RegExp(`^turso ${field} .* is invalid: `));
  });

  it("accepts valid values, including durations and any rotation string", () => {
    expect(() => databaseTokenScripts({ ...token, expiration: "1d12h", rotation: "rotated 2025-06-01 'after incident'!" })).not.toThrow();
    expect(() => groupScripts({ ...group, location: "fra" })).not.toThrow();
  });
});

describe("script hygiene", () => {
  const all = [
    groupScripts({ ...group, allowDeletion: true }),
    groupScripts(group),
    databaseScripts({ ...database, allowDeletion: true }),
    databaseScripts(database),
    databaseTokenScripts(token),
  ];

  it("never mention the token value, only the TURSO_API_TOKEN variable", () => {
    for (const scripts of all) {
      for (const text of Object.values(scripts)) {
        expect(text).not.toMatch(/Bearer [^$]/);
        expect(text).not.toMatch(/-H ["']Authorization/);
      }
    }
  });

  it("talk to https://api.turso.tech unless TURSO_API_URL is set", () => {
    expect(databaseScripts(database).create).toContain('turso_api="${TURSO_API_URL:-https://api.turso.tech}"');
  });

  it("keep deletes that protect data free of API calls", () => {
    expect(databaseScripts(database).delete).not.toContain("curl");
    expect(groupScripts(group).delete).not.toContain("curl");
    expect(databaseTokenScripts(token).delete).not.toContain("curl");
  });

  it("embed node snippets only when they cannot break out of their single quotes", () => {
    expect(() => nodeEval(`console.log('x')`)).toThrow(/single quote/);
    expect(nodeEval(`process.exit(0)`)).toBe(`node -e 'process.exit(0)'`);
  });
});

describe("token rotation key", () => {
  it("is stable for the same inputs and changes with rotation, database, authorization or expiration", () => {
    const base = tokenRotationKey(token);
    expect(tokenRotationKey({ ...token })).toBe(base);
    expect(tokenRotationKey({ ...token, rotation: "1", authorization: "full-access", expiration: "never" })).toBe(base);
    for (const change of [{ rotation: "2" }, { database: "other" }, { authorization: "read-only" as const }, { expiration: "2w" }]) {
      expect(tokenRotationKey({ ...token, ...change })).not.toBe(base);
    }
    expect(base).toMatch(/^[0-9a-f]{32}$/);
  });

  it("is what update compares, and a new rotation changes both create and update", () => {
    const one = databaseTokenScripts({ ...token, rotation: "1" });
    const two = databaseTokenScripts({ ...token, rotation: "2" });
    expect(one.update).toContain(tokenRotationKey({ ...token, rotation: "1" }));
    expect(one.create).not.toBe(two.create);
    expect(one.update).not.toBe(two.update);
  });
});

describe("stdout parsers", () => {
  it("parse the database output", () => {
    const out = '{"hostname":"app-acme.turso.io","dbId":"id-1","url":"libsql://app-acme.turso.io"}\n';
    expect(parseDatabaseStdout(out)).toEqual({ hostname: "app-acme.turso.io", dbId: "id-1", url: "libsql://app-acme.turso.io" });
    expect(() => parseDatabaseStdout("oops")).toThrow(/non-JSON output: oops/);
    expect(() => parseDatabaseStdout('{"hostname":1}')).toThrow(/lacks hostname/);
  });

  it("parse the token output without ever echoing it in errors", () => {
    expect(parseTokenStdout('{"jwt":"a.b.c","rotation":"k"}')).toEqual({ jwt: "a.b.c", rotation: "k" });
    expect(() => parseTokenStdout("secret-jwt-not-json")).toThrow(/not shown/);
    expect(parseTokenStdout('{"jwt":"a.b.c"}')).toEqual({ jwt: "a.b.c" });
    expect(() => parseTokenStdout('{"jwt":"","rotation":"k"}')).toThrow(/^turso token script output lacks jwt \(not shown/);
  });
});
