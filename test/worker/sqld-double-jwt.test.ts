// The sqld test double must enforce sqld's JWT rules, or gateway tests would pass against a lenient fake.
import { createPublicKey } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSqldDouble, type SqldDouble } from "../doubles/sqld-double";
import { generateEd25519Keys } from "./helpers/gateway-harness";
import { executeOnDouble, firstResultType, nowSeconds, signTestJwt } from "./helpers/jwt-for-tests";

const keys = generateEd25519Keys();
const otherKeys = generateEd25519Keys();
let double: SqldDouble;

beforeAll(async () => {
  double = await startSqldDouble({ jwtKey: keys.publicKeyPem, namespaces: ["t1", "t2"] });
  const setup = signTestJwt({}, keys.privateKeyPem);
  for (const ns of ["default", "t1", "t2"]) {
    await executeOnDouble(double.url, "CREATE TABLE items(id INTEGER PRIMARY KEY, v TEXT)", { token: setup, namespace: ns });
  }
});
afterAll(() => double?.close());

const read = (token: string | undefined, namespace: string) =>
  executeOnDouble(double.url, "SELECT count(*) FROM items", { token, namespace });
const write = (token: string, namespace: string) =>
  executeOnDouble(double.url, "INSERT INTO items(v) VALUES ('x')", { token, namespace });

describe("sqld double: JWT verification", () => {
  it("rejects requests without a token when a key is configured (401)", async () => {
    const reply = await read(undefined, "t1");
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: expect.stringContaining("Authorization") });
  });

  it("rejects a token carrying an aud claim, even if otherwise valid (401)", async () => {
    const token = signTestJwt({ p: { rw: { ns: ["t1"] } }, aud: "sqld" }, keys.privateKeyPem);
    const reply = await read(token, "t1");
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: "Unauthorized: `Authentication failed`" });
  });

  it("rejects a token signed by another key, or with a non-EdDSA alg header", async () => {
    expect((await read(signTestJwt({}, otherKeys.privateKeyPem), "t1")).body).toEqual({
      error: "Unauthorized: `The JWT is invalid`",
    });
    const wrongAlg = signTestJwt({}, keys.privateKeyPem, { alg: "ES256" });
    expect((await read(wrongAlg, "t1")).status).toBe(401);
  });

  it("accepts an expired token within the 60 s leeway, rejects it beyond", async () => {
    const withinLeeway = signTestJwt({ exp: nowSeconds() - 30 }, keys.privateKeyPem);
    expect(firstResultType(await read(withinLeeway, "t1"))).toBe("ok");
    const beyond = signTestJwt({ exp: nowSeconds() - 120 }, keys.privateKeyPem);
    const reply = await read(beyond, "t1");
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: "Unauthorized: `The JWT has expired`" });
  });

  it("gives a token with neither id nor p access to EVERY namespace", async () => {
    const unscoped = signTestJwt({ exp: nowSeconds() + 60 }, keys.privateKeyPem);
    for (const ns of ["default", "t1", "t2"]) {
      expect(firstResultType(await write(unscoped, ns))).toBe("ok");
    }
  });

  it("scopes legacy id/a claims: other namespaces are 404, ro cannot write (401)", async () => {
    const token = signTestJwt({ id: "t1", a: "ro" }, keys.privateKeyPem);
    expect(firstResultType(await read(token, "t1"))).toBe("ok");
    const other = await read(token, "t2");
    expect(other.status).toBe(404);
    expect(other.body).toEqual({ error: "Namespace `t2` doesn't exist" });
    const denied = await write(token, "t1");
    expect(denied.status).toBe(401);
    expect(denied.body).toEqual({ error: expect.stringContaining("Not authorized") });
  });

  it("lets p take precedence over id/a", async () => {
    const token = signTestJwt({ id: "t2", a: "rw", p: { ro: { ns: ["t1"] } } }, keys.privateKeyPem);
    expect(firstResultType(await read(token, "t1"))).toBe("ok");
    expect((await write(token, "t1")).status).toBe(401);
    expect((await read(token, "t2")).status).toBe(404);
  });

  it("answers an unknown namespace with 404 even for a full-access token", async () => {
    const reply = await read(signTestJwt({}, keys.privateKeyPem), "nope");
    expect(reply.status).toBe(404);
  });

  it("counts requests and JWT verifications", () => {
    expect(double.stats.requests).toBeGreaterThan(10);
    expect(double.stats.jwtVerifications).toBeGreaterThanOrEqual(double.stats.jwtRejections);
    expect(double.stats.jwtRejections).toBeGreaterThanOrEqual(5);
  });
});

describe("sqld double: key formats", () => {
  it("refuses a PRIVATE KEY PEM at start-up, as sqld does", async () => {
    await expect(startSqldDouble({ jwtKey: keys.privateKeyPem })).rejects.toThrow(/PUBLIC KEY/);
  });

  it("accepts a raw unpadded base64url key, but not one with stray whitespace", async () => {
    const raw = createPublicKey(keys.publicKeyPem).export({ format: "jwk" }).x!;
    const rawDouble = await startSqldDouble({ jwtKey: raw });
    try {
      expect(firstResultType(await executeOnDouble(rawDouble.url, "SELECT 1", { token: signTestJwt({}, keys.privateKeyPem) }))).toBe("ok");
    } finally {
      await rawDouble.close();
    }
    await expect(startSqldDouble({ jwtKey: `${raw}\n` })).rejects.toThrow(/base64url/);
  });

  it("accepts tokens from any of several concatenated PUBLIC KEY blocks", async () => {
    const multi = await startSqldDouble({ jwtKey: keys.publicKeyPem + otherKeys.publicKeyPem });
    try {
      for (const pem of [keys.privateKeyPem, otherKeys.privateKeyPem]) {
        expect(firstResultType(await executeOnDouble(multi.url, "SELECT 1", { token: signTestJwt({}, pem) }))).toBe("ok");
      }
    } finally {
      await multi.close();
    }
  });

  it("disables auth entirely when no key is configured", async () => {
    const open = await startSqldDouble();
    try {
      expect(firstResultType(await executeOnDouble(open.url, "SELECT 1"))).toBe("ok");
      expect(open.stats.jwtVerifications).toBe(0);
    } finally {
      await open.close();
    }
  });
});
