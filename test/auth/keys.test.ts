import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ed25519PublicKeyToBase64Url, encryptionKeyId } from "../../infra/auth/keys";
import { mintServiceToken, SERVICE_TOKEN_WINDOW_SECONDS } from "../../infra/auth/service-token";

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const privatePem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();

describe("sqld JWT key format", () => {
  it("turns the PKIX PEM into the raw 32-byte key, unpadded base64url, one line", () => {
    const raw = ed25519PublicKeyToBase64Url(publicPem);
    expect(raw).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Round trip: the raw key is the public key sqld will verify with.
    const again = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw }, format: "jwk" });
    expect(again.export({ type: "spki", format: "pem" })).toBe(publicPem);
  });

  it("refuses a non-Ed25519 key", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ type: "spki", format: "pem" }).toString();
    expect(() => ed25519PublicKeyToBase64Url(rsa)).toThrow(/Ed25519/);
  });
});

describe("service token for the API app", () => {
  const decode = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString());

  const NOW = 1_800_000_000; // a fixed instant: 2027-01-15T08:00:00Z
  const WINDOW_START = NOW - (NOW % SERVICE_TOKEN_WINDOW_SECONDS);

  it("is scoped to the tenant namespaces, has no aud, expires 60 days after its window starts, and verifies", () => {
    const token = mintServiceToken(privatePem, ["globex", "acme"], "rw", NOW);
    const [header, payload, signature] = token.split(".") as [string, string, string];
    expect(decode(header)).toEqual({ alg: "EdDSA", typ: "JWT" });
    expect(decode(payload)).toEqual({ p: { rw: { ns: ["acme", "globex"] } }, exp: WINDOW_START + 60 * 86400 });
    expect(decode(payload).exp - NOW).toBeGreaterThan(30 * 86400); // at least 30 days left whenever it is minted
    expect(verify(null, Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, "base64url"))).toBe(true);
  });

  it("is identical within a 30-day window, so a plain `pulumi up` does not redeploy the app", () => {
    const last = WINDOW_START + SERVICE_TOKEN_WINDOW_SECONDS - 1;
    expect(mintServiceToken(privatePem, ["a", "b"], "rw", WINDOW_START)).toBe(mintServiceToken(privatePem, ["b", "a"], "rw", last));
    expect(mintServiceToken(privatePem, ["a"], "rw", NOW)).not.toBe(mintServiceToken(privatePem, ["a", "b"], "rw", NOW));
  });

  it("is renewed when the window rolls: the next window's token expires 30 days later", () => {
    const next = WINDOW_START + SERVICE_TOKEN_WINDOW_SECONDS;
    const before = mintServiceToken(privatePem, ["a"], "rw", next - 1);
    const after = mintServiceToken(privatePem, ["a"], "rw", next);
    expect(after).not.toBe(before);
    expect(decode(after.split(".")[1]!).exp - decode(before.split(".")[1]!).exp).toBe(SERVICE_TOKEN_WINDOW_SECONDS);
  });
});

describe("encryptionKeyId (the encryption guard's public name for sqld's key)", () => {
  it("is 16 hex digits, the same for the same key, different for another, and not the key's own text", () => {
    const key = "A".repeat(32) + "b".repeat(32);
    expect(encryptionKeyId(key)).toMatch(/^[0-9a-f]{16}$/);
    expect(encryptionKeyId(key)).toBe(encryptionKeyId(key));
    expect(encryptionKeyId(`${key.slice(0, -1)}c`)).not.toBe(encryptionKeyId(key));
    expect(key).not.toContain(encryptionKeyId(key));
  });
  it("refuses an empty key", () => {
    expect(() => encryptionKeyId("")).toThrow(/empty/);
  });
});
