import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ed25519PublicKeyToBase64Url } from "../../infra/auth/keys";
import { mintServiceToken } from "../../infra/auth/service-token";

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

  it("is scoped to the tenant namespaces, has no aud, and verifies with the public key", () => {
    const token = mintServiceToken(privatePem, ["globex", "acme"]);
    const [header, payload, signature] = token.split(".") as [string, string, string];
    expect(decode(header)).toEqual({ alg: "EdDSA", typ: "JWT" });
    expect(decode(payload)).toEqual({ p: { rw: { ns: ["acme", "globex"] } } });
    expect(verify(null, Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, "base64url"))).toBe(true);
  });

  it("is deterministic, so a plain `pulumi up` does not redeploy the app", () => {
    expect(mintServiceToken(privatePem, ["a", "b"])).toBe(mintServiceToken(privatePem, ["b", "a"]));
    expect(mintServiceToken(privatePem, ["a"])).not.toBe(mintServiceToken(privatePem, ["a", "b"]));
  });
});
