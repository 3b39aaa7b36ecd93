/**
 * The random and tls TEST DOUBLE providers under the real Pulumi engine: `pulumi up` creates through the plugins
 * on PATH, a second `up` changes nothing, the secrets are ciphertext in `pulumi stack export`, `destroy` works.
 * Runs only where the engine is built (PULUMI_ENGINE_BIN, or the repo's .engine/bin).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const repo = resolve(__dirname, "../..");
const engine = [process.env.PULUMI_ENGINE_BIN, join(repo, ".engine/bin")].find((d) => d && existsSync(join(d, "pulumi")));

describe.skipIf(!engine)("random and tls doubles in the real Pulumi engine", () => {
  const home = mkdtempSync(join(tmpdir(), "pulumi-smoke-"));
  const project = join(home, "project");
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const env = {
    ...process.env,
    PATH: `${engine}:${join(repo, "test/e2e/providers/bin")}:${process.env.PATH}`,
    PULUMI_HOME: join(home, ".pulumi"),
    PULUMI_CONFIG_PASSPHRASE: "test",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
  const pulumi = (...args: string[]) => execFileSync("pulumi", [...args, "--non-interactive"], { cwd: project, env, encoding: "utf8", timeout: 240_000 });

  it("up, up again with no changes, secrets encrypted in state, destroy", () => {
    execFileSync("mkdir", ["-p", project]);
    symlinkSync(join(repo, "node_modules"), join(project, "node_modules"));
    writeFileSync(join(project, "Pulumi.yaml"), "name: smoke\nruntime: nodejs\nmain: index.js\n");
    writeFileSync(join(project, "index.js"), [
      'const random = require("@pulumi/random");',
      'const tls = require("@pulumi/tls");',
      'const password = new random.RandomPassword("pw", { length: 24, special: false });',
      'const key = new tls.PrivateKey("key", { algorithm: "ECDSA", ecdsaCurve: "P256" });',
      'const ca = new tls.SelfSignedCert("ca", { privateKeyPem: key.privateKeyPem, isCaCertificate: true, subject: { commonName: "smoke" }, validityPeriodHours: 24, allowedUses: ["cert_signing"] });',
      "exports.passwordLength = password.result.apply((r) => r.length);",
      "exports.publicKeyPem = key.publicKeyPem;",
      "exports.certPem = ca.certPem;",
      "",
    ].join("\n"));
    pulumi("login", `file://${home}`);
    pulumi("stack", "init", "t");
    pulumi("up", "--yes", "--skip-preview");
    const outputs = JSON.parse(pulumi("stack", "output", "--json", "--show-secrets")) as Record<string, string | number>;
    expect(outputs.passwordLength).toBe(24);
    expect(outputs.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(outputs.certPem).toMatch(/^-----BEGIN CERTIFICATE-----/);

    const second = JSON.parse(pulumi("preview", "--json")) as { changeSummary?: Record<string, number> };
    expect(Object.keys(second.changeSummary ?? {}).filter((k) => k !== "same")).toEqual([]);
    pulumi("up", "--yes", "--skip-preview");

    const state = JSON.parse(pulumi("stack", "export")) as { deployment: { resources: { type: string; outputs?: Record<string, unknown> }[] } };
    const outs = (type: string) => state.deployment.resources.find((r) => r.type === type)!.outputs!;
    const isCiphertext = (v: unknown) => typeof v === "object" && v !== null && "ciphertext" in v;
    expect(isCiphertext(outs("random:index/randomPassword:RandomPassword").result)).toBe(true);
    expect(isCiphertext(outs("tls:index/privateKey:PrivateKey").privateKeyPem)).toBe(true);
    expect(isCiphertext(outs("tls:index/selfSignedCert:SelfSignedCert").privateKeyPem)).toBe(true);
    expect(outs("tls:index/privateKey:PrivateKey").publicKeyPem).toBe(outputs.publicKeyPem);
    expect(JSON.stringify(state)).not.toContain("PRIVATE KEY");

    pulumi("destroy", "--yes", "--skip-preview");
    expect(JSON.parse(pulumi("stack", "export")).deployment.resources ?? []).toEqual([]);
  }, 600_000);
});
