import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appScripts, flySecretsImportInput, secretsScripts } from "../../infra/fly/scripts";
import { callsOf, makeFakeFlyEnv, runScript, runScriptOk, type FakeFlyEnv } from "../../local/doubles/fake-fly/harness";

const APP = "demo-app";
const NAMES = ["LIBSQL_ADMIN_AUTH_KEY", "SQLD_AUTH_JWT_KEY"];
const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

describe("secretsScripts against the fake flyctl", () => {
  let fake: FakeFlyEnv;
  const secrets = (): Record<string, { digest: string; status: string }> => fake.state().apps[APP]?.secrets ?? {};
  // A value that would do damage if any layer evaluated it: spaces, both quotes, $(...), backticks, ${...}.
  const pwned = () => path.join(fake.stateDir, "pwned");
  const nasty = () => `s3cr3t value 'single' "double" $(touch ${pwned()}) \`touch ${pwned()}\` \${HOME}`;

  beforeEach(() => {
    fake = makeFakeFlyEnv();
    runScriptOk(appScripts({ app: APP, org: "personal" }).create, { env: fake.env });
  });
  afterEach(() => fake.cleanup());

  it("imports values from stdin only: never in argv, never evaluated", () => {
    const scripts = secretsScripts({ app: APP, names: NAMES, stage: false });
    const value = nasty();
    const result = runScriptOk(scripts.create, { env: fake.env, stdin: `LIBSQL_ADMIN_AUTH_KEY=${value}\nSQLD_AUTH_JWT_KEY=jwt-key-1\n` });

    expect(secrets()).toEqual({
      LIBSQL_ADMIN_AUTH_KEY: expect.objectContaining({ digest: sha256(value), status: "Deployed" }),
      SQLD_AUTH_JWT_KEY: expect.objectContaining({ digest: sha256("jwt-key-1"), status: "Deployed" }),
    });
    expect(fs.existsSync(pwned())).toBe(false);
    const callsLog = fs.readFileSync(path.join(fake.stateDir, "calls.log"), "utf8");
    expect(callsLog).not.toContain("s3cr3t");
    expect(callsLog).not.toContain("jwt-key-1");
    expect(scripts.create).not.toContain("s3cr3t");
    expect(result.stdout + result.stderr).not.toContain("s3cr3t");
    expect(callsOf(fake, "secrets", "import")).toEqual([["secrets", "import", "-a", APP]]);
  });

  it("re-running converges on the new values without adding names", () => {
    const scripts = secretsScripts({ app: APP, names: NAMES, stage: false });
    runScriptOk(scripts.create, { env: fake.env, stdin: "LIBSQL_ADMIN_AUTH_KEY=old\nSQLD_AUTH_JWT_KEY=jwt\n" });
    runScriptOk(scripts.create, { env: fake.env, stdin: "LIBSQL_ADMIN_AUTH_KEY=new\nSQLD_AUTH_JWT_KEY=jwt\n" });
    expect(Object.keys(secrets()).sort()).toEqual(NAMES);
    expect(secrets().LIBSQL_ADMIN_AUTH_KEY!.digest).toBe(sha256("new"));
    expect(secrets().SQLD_AUTH_JWT_KEY!.digest).toBe(sha256("jwt"));
  });

  it("before the first deploy (no machines) a non-staged import only stages for it, restarting nothing (flyctl DeploySecrets)", () => {
    const result = runScriptOk(secretsScripts({ app: APP, names: ["API_KEY"], stage: false }).create, { env: fake.env, stdin: "API_KEY=k\n" });
    expect(result.stdout + result.stderr).toMatch(/Secrets are staged for the first deployment/);
    expect(fake.state().apps[APP].secretRestarts ?? 0).toBe(0);
  });

  it("passes --stage when asked, so machines are not restarted", () => {
    runScriptOk(secretsScripts({ app: APP, names: ["API_KEY"], stage: true }).create, { env: fake.env, stdin: "API_KEY=k\n" });
    expect(callsOf(fake, "secrets", "import")).toEqual([["secrets", "import", "-a", APP, "--stage"]]);
    expect(secrets().API_KEY!.status).toBe("Staged");
  });

  it("fails like flyctl on a line that is not NAME=VALUE, and flyctl echoes that line (so stdin must never hold one)", () => {
    // superfly/flyctl internal/command/secrets/parser.go parseSecrets: "Secrets must be provided as NAME=VALUE
    // pairs (%s is invalid)" quotes the line: flySecretsImportInput only ever writes NAME=<quoted value> lines.
    const result = runScript(secretsScripts({ app: APP, names: ["API_KEY"], stage: false }).create, {
      env: fake.env,
      stdin: "API_KEY=ok\nnot-a-pair\n",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/NAME=VALUE pairs \(not-a-pair is invalid\)/);
    expect(secrets()).toEqual({});
  });

  it("stores values with #, quotes, spaces and = exactly when stdin comes from flySecretsImportInput", () => {
    const values = {
      S3_SECRET: 'ab#cd "q" \'s\' = x#y',
      S3_URL: "https://u:p@host/path?a=b#frag",
      ODD_QUOTE: 'x"#y',
      LEADING: "  lead and trail  ",
      B64: "dGhpcyBpcyBiYXNlNjQ+Lw==",
    };
    const names = Object.keys(values);
    const stdin = flySecretsImportInput(Object.entries(values).map(([name, value]) => ({ name, value, source: `test:${name}` })));
    runScriptOk(secretsScripts({ app: APP, names, stage: false }).create, { env: fake.env, stdin });
    for (const [name, value] of Object.entries(values)) expect(secrets()[name]!.digest, name).toBe(sha256(value));
  });

  it("alters a naive NAME=VALUE line as flyctl does (the defect the quoting fixes)", () => {
    runScriptOk(secretsScripts({ app: APP, names: ["K"], stage: false }).create, { env: fake.env, stdin: 'K= "ab#cd"  \n' });
    // TrimLeft " "; one quote before "#" (odd) so no cut; no quote stripping because the value ends in spaces.
    expect(secrets().K!.digest).toBe(sha256('"ab#cd"  '));
    runScriptOk(secretsScripts({ app: APP, names: ["K"], stage: false }).create, { env: fake.env, stdin: "K=secret#tail\n" });
    expect(secrets().K!.digest).toBe(sha256("secret")); // cut at "#" (no quote before it)
  });
  it("delete unsets exactly the declared names (staged) and leaves others", () => {
    runScriptOk(secretsScripts({ app: APP, names: ["OTHER"], stage: false }).create, { env: fake.env, stdin: "OTHER=x\n" });
    const scripts = secretsScripts({ app: APP, names: NAMES, stage: false });
    runScriptOk(scripts.create, { env: fake.env, stdin: "LIBSQL_ADMIN_AUTH_KEY=a\nSQLD_AUTH_JWT_KEY=b\n" });
    runScriptOk(scripts.delete!, { env: fake.env });
    expect(Object.keys(secrets())).toEqual(["OTHER"]);
    expect(callsOf(fake, "secrets", "unset")).toEqual([["secrets", "unset", ...NAMES, "-a", APP, "--stage"]]);
  });

  it("delete tolerates an app that is already gone", () => {
    runScriptOk(appScripts({ app: APP, org: "personal" }).delete!, { env: fake.env });
    const result = runScriptOk(secretsScripts({ app: APP, names: NAMES, stage: false }).delete!, { env: fake.env });
    expect(result.stdout).toMatch(/already gone/);
    expect(callsOf(fake, "secrets", "unset")).toEqual([]);
  });

  it("create fails when the app does not exist (no silent success)", () => {
    const result = runScript(secretsScripts({ app: "missing-app", names: ["A"], stage: false }).create, { env: fake.env, stdin: "A=1\n" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Could not find App/);
  });

  it("an empty name list neither reads stdin nor calls fly", () => {
    const scripts = secretsScripts({ app: APP, names: [], stage: false });
    runScriptOk(scripts.create, { env: fake.env, stdin: "IGNORED=1\n" });
    runScriptOk(scripts.delete!, { env: fake.env });
    expect(callsOf(fake, "secrets")).toEqual([]);
  });
});

describe("secretsScripts argument validation", () => {
  it.each([
    [{ app: "demo-app", names: ["1BAD"], stage: false }, /^names\[0\]: /],
    [{ app: "demo-app", names: ["OK", "has-dash"], stage: false }, /^names\[1\]: /],
    [{ app: "demo-app", names: ["A=B"], stage: false }, /^names\[0\]: /],
    [{ app: "demo-app", names: ["A", "A"], stage: false }, /^names: duplicate/],
    [{ app: "demo app", names: ["A"], stage: false }, /^app: /],
  ])("rejects %j naming the field", (args, field) => {
    expect(() => secretsScripts(args)).toThrow(field);
  });
});
