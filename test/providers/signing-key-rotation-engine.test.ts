/**
 * StackKeys' signing key rotation under the REAL Pulumi engine (tls TEST DOUBLE provider): the first `up` after an
 * auth.signingKeyVersion bump creates the new key and KEEPS the old one (same resource, same key), so sqld's
 * SQLD_AUTH_JWT_KEY lists both; only the `up` with auth.retiredSigningKeyVersion deletes it. Each state is stable:
 * a preview right after an `up` changes nothing. Runs only where the engine is built (.engine/bin).
 */
import { afterAll, describe, expect, it } from "vitest";
import { ed25519PublicKeyToBase64Url } from "../../infra/auth/keys";
import { engineBin, REPO_ROOT, Workspace } from "../../local/workspace";

const PROGRAM = [
  'require("tsx/cjs");',
  'const pulumi = require("@pulumi/pulumi");',
  `const { StackKeys } = require(${JSON.stringify(`${REPO_ROOT}/infra/auth/index.ts`)});`,
  "const cfg = new pulumi.Config();",
  'const keys = new StackKeys("keys", { signingKeyVersion: cfg.requireNumber("signingKeyVersion"), retiredSigningKeyVersion: cfg.getNumber("retiredSigningKeyVersion"), withAdminKey: false });',
  "exports.sqldJwtKey = keys.sqldJwtKey;",
  "exports.signingPublicKeyPem = keys.jwtPublicKeyPem;",
  "exports.hasPrevious = keys.previousJwtPrivateKeyPem !== undefined;",
  "",
].join("\n");

describe.skipIf(!engineBin())("signing key rotation in the real Pulumi engine", () => {
  let ws: Workspace | undefined;
  afterAll(() => ws?.cleanup());

  it("bump keeps the old key verifying, the second up retires it", async () => {
    ws = Workspace.forProgram("key-rotation", { "Pulumi.yaml": "name: rotation\nruntime: nodejs\nmain: index.js\n", "index.js": PROGRAM });
    const workspace = ws;
    await workspace.initStack("t");
    const upWith = async (config: Record<string, number>) => {
      for (const [key, value] of Object.entries(config)) await workspace.pulumi(["config", "set", key, String(value)]);
      await workspace.pulumi(["up", "--yes", "--skip-preview"]);
      const preview = JSON.parse((await workspace.pulumi(["preview", "--json"])).stdout) as { changeSummary?: Record<string, number> };
      expect(Object.keys(preview.changeSummary ?? {}).filter((k) => k !== "same")).toEqual([]);
      const keyNames = (await workspace.resources("t")).filter((r) => r.type === "tls:index/privateKey:PrivateKey").map((r) => r.urn.split("::").pop());
      return { outputs: (await workspace.outputs("t")) as { sqldJwtKey: string; signingPublicKeyPem: string; hasPrevious: boolean }, keyNames: keyNames.sort() };
    };

    const before = await upWith({ signingKeyVersion: 1 });
    const v1 = before.outputs.signingPublicKeyPem;
    expect(before.keyNames).toEqual(["keys-signing-key-v1"]);
    expect(before.outputs.sqldJwtKey).toBe(ed25519PublicKeyToBase64Url(v1));

    const firstUp = await upWith({ signingKeyVersion: 2 });
    const v2 = firstUp.outputs.signingPublicKeyPem;
    expect(v2).not.toBe(v1); // the new key signs from the first up
    expect(firstUp.keyNames).toEqual(["keys-signing-key-v1", "keys-signing-key-v2"]);
    expect(firstUp.outputs.hasPrevious).toBe(true);
    const oneLine = (pem: string) => pem.trim().split("\n").join(" ");
    expect(firstUp.outputs.sqldJwtKey).toBe(`${oneLine(v2)} ${oneLine(v1)}`); // the SAME v1 key, still verifying

    const secondUp = await upWith({ retiredSigningKeyVersion: 1 });
    expect(secondUp.keyNames).toEqual(["keys-signing-key-v2"]);
    expect(secondUp.outputs.signingPublicKeyPem).toBe(v2);
    expect(secondUp.outputs.sqldJwtKey).toBe(ed25519PublicKeyToBase64Url(v2));
    expect(secondUp.outputs.hasPrevious).toBe(false);
  }, 600_000);
});
