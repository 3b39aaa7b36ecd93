/**
 * The random and tls TEST DOUBLE providers under the real Pulumi engine: `pulumi up` creates through the plugins
 * on PATH, a second `up` changes nothing, the secrets are ciphertext in `pulumi stack export`, `destroy` works.
 * Runs only where the engine is built (PULUMI_ENGINE_BIN, or the repo's .engine/bin).
 */
import { afterAll, describe, expect, it } from "vitest";
import { engineBin, Workspace } from "../../local/workspace";

describe.skipIf(!engineBin())("random and tls doubles in the real Pulumi engine", () => {
  let ws: Workspace | undefined;
  afterAll(() => ws?.cleanup());

  it("up, up again with no changes, secrets encrypted in state, destroy", async () => {
    ws = Workspace.forProgram("provider-smoke", {
      "Pulumi.yaml": "name: smoke\nruntime: nodejs\nmain: index.js\n",
      "index.js": [
        'const random = require("@pulumi/random");',
        'const tls = require("@pulumi/tls");',
        'const password = new random.RandomPassword("pw", { length: 24, special: false });',
        'const key = new tls.PrivateKey("key", { algorithm: "ECDSA", ecdsaCurve: "P256" });',
        'const ca = new tls.SelfSignedCert("ca", { privateKeyPem: key.privateKeyPem, isCaCertificate: true, subject: { commonName: "smoke" }, validityPeriodHours: 24, allowedUses: ["cert_signing"] });',
        "exports.passwordLength = password.result.apply((r) => r.length);",
        "exports.publicKeyPem = key.publicKeyPem;",
        "exports.certPem = ca.certPem;",
        "",
      ].join("\n"),
    });
    const workspace = ws;
    const pulumi = async (...args: string[]) => (await workspace.pulumi(args)).stdout;
    await workspace.initStack("t");
    await pulumi("up", "--yes", "--skip-preview");
    const outputs = JSON.parse(await pulumi("stack", "output", "--json", "--show-secrets")) as Record<string, string | number>;
    expect(outputs.passwordLength).toBe(24);
    expect(outputs.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(outputs.certPem).toMatch(/^-----BEGIN CERTIFICATE-----/);

    const second = JSON.parse(await pulumi("preview", "--json")) as { changeSummary?: Record<string, number> };
    expect(Object.keys(second.changeSummary ?? {}).filter((k) => k !== "same")).toEqual([]);
    await pulumi("up", "--yes", "--skip-preview");

    const state = JSON.parse(await pulumi("stack", "export")) as { deployment: { resources: { type: string; outputs?: Record<string, unknown> }[] } };
    const outs = (type: string) => state.deployment.resources.find((r) => r.type === type)!.outputs!;
    const isCiphertext = (v: unknown) => typeof v === "object" && v !== null && "ciphertext" in v;
    expect(isCiphertext(outs("random:index/randomPassword:RandomPassword").result)).toBe(true);
    expect(isCiphertext(outs("tls:index/privateKey:PrivateKey").privateKeyPem)).toBe(true);
    expect(isCiphertext(outs("tls:index/selfSignedCert:SelfSignedCert").privateKeyPem)).toBe(true);
    expect(outs("tls:index/privateKey:PrivateKey").publicKeyPem).toBe(outputs.publicKeyPem);
    expect(JSON.stringify(state)).not.toContain("PRIVATE KEY");

    await pulumi("destroy", "--yes", "--skip-preview");
    expect(JSON.parse(await pulumi("stack", "export")).deployment.resources ?? []).toEqual([]);
  }, 600_000);
});
