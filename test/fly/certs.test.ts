/**
 * certScripts (infra/fly/scripts/certs.ts) against the fake flyctl TEST DOUBLE, and the double's `certs` commands
 * themselves (local/doubles/fake-fly/lib/certs.js): shapes from fly-go types.go, errors and aliases from flyctl
 * internal/command/certificates/root.go.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appScripts, certScripts, ipScripts } from "../../infra/fly/scripts";
import { callsOf, makeFakeFlyEnv, runScript, runScriptOk, type FakeFlyEnv } from "../../local/doubles/fake-fly/harness";

const APP = "demo-app";
const HOST = "*.db.example.com";

describe("certScripts against the fake flyctl", () => {
  let fake: FakeFlyEnv;
  const certs = () => (fake.state().apps[APP].certificates as { hostname: string; acmeTarget: string }[]) ?? [];

  beforeEach(() => {
    fake = makeFakeFlyEnv();
    runScriptOk(appScripts({ app: APP, org: "personal" }).create, { env: fake.env });
    runScriptOk(ipScripts({ app: APP }).create, { env: fake.env });
  });
  afterEach(() => fake.cleanup());

  it("adds the wildcard certificate once and prints its DNS-01 challenge record; a re-run converges", () => {
    const scripts = certScripts({ app: APP, hostname: HOST });
    const first = runScriptOk(scripts.create, { env: fake.env });
    const report = JSON.parse(first.stdout);
    expect(certs().map((c) => c.hostname)).toEqual([HOST]);
    expect(report).toEqual({ hostname: HOST, status: "pending_validation", acmeChallengeName: "_acme-challenge.db.example.com", acmeChallengeTarget: certs()[0]!.acmeTarget });
    expect(report.acmeChallengeTarget).toMatch(/^db\.example\.com\.[0-9a-f]{4}\.flydns\.net$/);
    expect(callsOf(fake, "certs", "add")).toEqual([["certs", "add", HOST, "-a", APP, "--json"]]);

    const second = runScriptOk(scripts.create, { env: fake.env });
    expect(second.stdout).toBe(first.stdout);
    expect(callsOf(fake, "certs", "add")).toHaveLength(1);
  });

  it("delete removes the certificate, and is a no-op when it or the app is gone", () => {
    const scripts = certScripts({ app: APP, hostname: HOST });
    runScriptOk(scripts.create, { env: fake.env });
    runScriptOk(scripts.delete!, { env: fake.env });
    expect(certs()).toEqual([]);
    expect(callsOf(fake, "certs", "remove")).toEqual([["certs", "remove", HOST, "-a", APP, "--yes"]]);
    runScriptOk(scripts.delete!, { env: fake.env });
    expect(callsOf(fake, "certs", "remove")).toHaveLength(1);
    runScriptOk(`fly apps destroy ${APP} --yes`, { env: fake.env });
    expect(runScriptOk(scripts.delete!, { env: fake.env }).stdout).toMatch(/already gone/);
  });

  it("refuses host names flyctl could not take, and apps that are not Fly app names, at build time", () => {
    expect(() => certScripts({ app: APP, hostname: "*.DB.example.com" })).toThrow(/hostname: .* is not valid/);
    expect(() => certScripts({ app: APP, hostname: "db.*.example.com" })).toThrow(/hostname/);
    expect(() => certScripts({ app: APP, hostname: "-x.example.com" })).toThrow(/hostname/);
    expect(() => certScripts({ app: "-a", hostname: HOST })).toThrow(/app/);
  });

  it("stops when the app has more certificates than flyctl lists and the host is not on the page", () => {
    const state = fake.state();
    state.apps[APP].certificates = Array.from({ length: 51 }, (_, i) => ({ hostname: `t${i}.example.com`, status: "active", createdAt: "2026-01-01T00:00:00Z", acmeTarget: "x.flydns.net", ownershipToken: "00" }));
    writeFileSync(join(fake.stateDir, "state.json"), JSON.stringify(state));
    const run = runScript(certScripts({ app: APP, hostname: HOST }).create, { env: fake.env });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/one page and \*\.db\.example\.com is not on it/);
    expect(callsOf(fake, "certs", "add")).toEqual([]);
  });

  it("stops when flyctl reports a challenge target that is not a host name", () => {
    runScriptOk(`fly certs add '${HOST}' -a ${APP}`, { env: fake.env });
    const state = fake.state();
    state.apps[APP].certificates[0].acmeTarget = "x; rm -rf /";
    writeFileSync(join(fake.stateDir, "state.json"), JSON.stringify(state));
    const run = runScript(certScripts({ app: APP, hostname: HOST }).create, { env: fake.env });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/ACME challenge target is not a host name/);
  });
});

describe("fake flyctl certs", () => {
  let fake: FakeFlyEnv;
  const fly = (args: string) => runScript(`fly ${args}`, { env: fake.env });

  beforeEach(() => {
    fake = makeFakeFlyEnv();
    runScriptOk(appScripts({ app: APP, org: "personal" }).create, { env: fake.env });
    runScriptOk(appScripts({ app: "other-app", org: "personal" }).create, { env: fake.env });
  });
  afterEach(() => fake.cleanup());

  it("prints fly-go CertificateDetailResponse / CertificateSummary with render.JSON's 4-space indent", () => {
    const added = fly(`certs add '${HOST}' -a ${APP} --json`);
    expect(added.code).toBe(0);
    expect(added.stdout.split("\n")[1]).toMatch(/^ {4}"hostname": /);
    const detail = JSON.parse(added.stdout);
    expect(Object.keys(detail)).toEqual(["hostname", "configured", "acme_requested", "status", "certificates", "validation", "dns_requirements"]);
    expect(detail.dns_requirements).toMatchObject({ cname: `${APP}.fly.dev`, acme_challenge: { name: "_acme-challenge.db.example.com" } });
    // `show` is check's alias, `create` add's (root.go Aliases)
    expect(JSON.parse(fly(`certs show '${HOST}' -a ${APP} --json`).stdout)).toEqual(detail);
    const list = JSON.parse(fly(`certs list -a ${APP} --json`).stdout);
    expect(list).toEqual([expect.objectContaining({ hostname: HOST, status: "pending_validation", configured: false, acme_requested: true })]);
    expect(Object.keys(list[0])).toContain("acme_dns_configured");
  });

  it("refuses what flyctl and the API refuse", () => {
    expect(fly(`certs add '${HOST}' -a ${APP}`).code).toBe(0);
    expect(fly(`certs create '${HOST}' -a ${APP}`).stderr).toMatch(/already exists on app demo-app/);
    expect(fly(`certs add '${HOST}' -a other-app`).stderr).toMatch(/already exists on another app/);
    expect(fly(`certs add Db.Example.com -a ${APP}`).stderr).toMatch(/not a valid hostname/);
    expect(fly(`certs add x.${APP}.fly.dev -a ${APP}`).stderr).toMatch(/fly\.dev hostname/);
    expect(fly(`certs add a.example.com -a missing-app`).stderr).toMatch(/Could not find App "missing-app"/);
    expect(fly(`certs remove nope.example.com -a ${APP} --yes`).stderr).toMatch(/failed to delete certificate: .* not found/);
    expect(fly(`certs check nope.example.com -a ${APP}`).stderr).toMatch(/failed to check certificate/);
    expect(fly(`certs remove '${HOST}' -a ${APP}`).stderr).toMatch(/yes flag must be specified/);
    expect(fly(`certs remove '${HOST}' -a ${APP} --custom --yes`).stderr).toMatch(/unknown flag/);
    expect(fly(`certs add -a ${APP}`).stderr).toMatch(/accepts 1 arg/);
    expect(fly(`certificates list -a ${APP}`).code).toBe(1); // flyctl has no `certificates` alias
    expect(fly(`certs delete '${HOST}' -a ${APP} --yes`).stdout).toMatch(/deleted from app demo-app/);
    expect(fake.state().apps[APP].certificates).toEqual([]);
  });
});
