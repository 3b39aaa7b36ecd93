/**
 * The Turso double's createDatabase `seed` and updateDatabaseConfiguration, pure (turso-docs openapi.json
 * CreateDatabaseInput.seed, DatabaseConfigurationInput): what is accepted, what is refused, and that a refusal
 * changes nothing.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, patchConfiguration } from "../../local/doubles/fake-turso-api/configuration";
import { route, type FakeTursoState } from "../../local/doubles/fake-turso-api/routes";
import { parseCreateSeed } from "../../local/doubles/fake-turso-api/seed";
import { makeTokenSigner } from "../../local/doubles/fake-turso-api/tokens";

const state = (): FakeTursoState => ({ locations: { l: "L" }, groups: new Map([["o/g", { org: "o", name: "g", primary: "l", locations: ["l"], uuid: "u" }]]), databases: new Map(), tokensIssued: 0, rotations: 0, signer: makeTokenSigner() });
const q = new URLSearchParams();

describe("fake Turso seed", () => {
  it("accepts no seed and database_upload; refuses everything else", () => {
    expect(parseCreateSeed(undefined)).toEqual({ ok: true });
    expect(parseCreateSeed({ type: "database_upload" })).toEqual({ ok: true, seed: "database_upload" });
    for (const bad of [null, [], "database_upload", { type: "upload" }, { type: "database_upload", timestamp: "2023-12-20T09:46:08Z" }, { type: "database", name: "x" }, { type: "database_upload", x: 1 }]) expect(parseCreateSeed(bad).ok, JSON.stringify(bad)).toBe(false);
  });

  it("records the seed on the created database; a refused seed creates nothing", () => {
    const s = state();
    expect(route(s, "POST", "/v1/organizations/o/databases", q, { name: "a", group: "g", seed: { type: "nope" } }).status).toBe(400);
    expect(s.databases.size).toBe(0);
    expect(route(s, "POST", "/v1/organizations/o/databases", q, { name: "a", group: "g", seed: { type: "database_upload" } }).status).toBe(200);
    expect(s.databases.get("o/a")!.seed).toBe("database_upload");
  });
});

describe("fake Turso updateDatabaseConfiguration", () => {
  it("PATCH changes only the fields sent, reports them on GET and on getDatabase, and emits one effect per change", () => {
    const s = state();
    route(s, "POST", "/v1/organizations/o/databases", q, { name: "a", group: "g" });
    const path = "/v1/organizations/o/databases/a/configuration";
    expect(route(s, "GET", path, q, undefined).body).toEqual(DEFAULT_CONFIG);
    const patched = route(s, "PATCH", path, q, { block_writes: true });
    expect(patched.body).toEqual({ ...DEFAULT_CONFIG, block_writes: true });
    expect(patched.effects?.map((e) => e.kind)).toEqual(["database-configured"]);
    expect(route(s, "PATCH", path, q, { block_writes: true }).effects).toEqual([]);
    expect((route(s, "GET", "/v1/organizations/o/databases/a", q, undefined).body as { database: { block_writes: boolean } }).database.block_writes).toBe(true);
  });

  it("refuses unknown, mistyped or unsupported fields and changes nothing", () => {
    for (const bad of [{ block_writes: "yes" }, { nope: true }, { size_limit: "1mb" }, [], null]) {
      expect(patchConfiguration(DEFAULT_CONFIG, bad).ok, JSON.stringify(bad)).toBe(false);
    }
    const s = state();
    route(s, "POST", "/v1/organizations/o/databases", q, { name: "a", group: "g" });
    expect(route(s, "PATCH", "/v1/organizations/o/databases/a/configuration", q, { block_writes: true, bogus: 1 }).status).toBe(400);
    expect(s.databases.get("o/a")!.config).toBeUndefined();
  });
});
