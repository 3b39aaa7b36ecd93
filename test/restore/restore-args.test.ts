/** `npm run restore` arguments and name rules: pure, plus the CLI's usage errors (exit 2 before any pulumi or fly call). */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../local/plan";
import { UsageError } from "../../scripts/lib/cli-flags";
import { checkNames, defaultInto, forkTimestamp, parseRestoreArgs, parseRestoreTime } from "../../scripts/lib/restore-args";

const NOW = new Date("2026-12-06T03:30:00.500Z");

describe("restore arguments", () => {
  it("reads the flags; --into defaults to <tenant>-restored-<--to in UTC>", () => {
    expect(parseRestoreArgs(["--stack", "prod", "--tenant", "acme", "--to", "2026-12-06T04:15:07+01:00"], NOW)).toEqual({
      stack: "prod",
      config: "Pulumi.prod.yaml",
      tenant: "acme",
      to: new Date("2026-12-06T03:15:07Z"),
      into: "acme-restored-20261206031507",
      json: false,
    });
    expect(parseRestoreArgs(["--stack", "dev", "--tenant", "acme", "--to", "2026-12-06T03:00Z", "--into", "acme-old", "--json"], NOW)).toMatchObject({ into: "acme-old", json: true });
  });

  it.each([
    [["--stack", "prod", "--tenant", "acme"], /--to is required/],
    [["--tenant", "acme", "--to", "2026-12-06T03:00:00Z"], /--stack is required/],
    [["--stack", "prod", "--tenant", "acme", "--to", "2026-12-06T03:00:00"], /invalid --to .*with a zone/],
    [["--stack", "prod", "--tenant", "acme", "--to", "yesterday"], /invalid --to/],
    [["--stack", "prod", "--tenant", "acme", "--to", "2026-12-06T03:30:01Z"], /is in the future/],
    [["--stack", "prod", "--tenant", "acme", "--to", "2026-02-30T03:00:00Z"], /invalid --to/],
    [["--stack", "prod", "--tenant", "acme", "--to", "2026-12-06T03:00:00Z", "--swap"], /--swap is not supported: sqld 0.24.32 has no namespace rename/],
  ])("%j is a usage error", (argv, message) => {
    expect(() => parseRestoreArgs(argv, NOW)).toThrow(UsageError);
    expect(() => parseRestoreArgs(argv, NOW)).toThrow(message);
  });

  it("asks sqld for the whole second before --to's second, as a zone-less time (a `Z` would be dropped silently)", () => {
    expect(forkTimestamp(new Date("2026-12-06T03:15:07.999Z"))).toBe("2026-12-06T03:15:06");
    expect(forkTimestamp(new Date("2026-12-06T03:15:07.000Z"))).toBe("2026-12-06T03:15:06");
    expect(parseRestoreTime("2026-12-06T03:30:00.500Z", NOW)).toEqual(NOW); // now itself is allowed
  });

  it("refuses a tenant outside the stack, an invalid or too long copy name, and a stack namespace as the copy", () => {
    const rules = { tenants: ["acme", "globex"], stackNamespaces: ["acme", "globex", "streams"] };
    expect(() => checkNames("acme", "acme-restored-20261206031507", rules)).not.toThrow();
    expect(() => checkNames("initech", "x", rules)).toThrow(/unknown tenant "initech": the stack's tenants are acme, globex/);
    expect(() => checkNames("acme", "Acme_old", rules)).toThrow(/invalid --into "Acme_old"/);
    expect(() => checkNames("acme", "streams", rules)).toThrow(/one of the stack's namespaces/);
    expect(() => checkNames("acme", "acme", rules)).toThrow(/one of the stack's namespaces/);
    const long = "a".repeat(40);
    expect(() => checkNames(long, defaultInto(long, NOW), { tenants: [long], stackNamespaces: [long] })).toThrow(/too long for this tenant, pass a shorter --into/);
  });
});

describe("npm run restore usage errors", () => {
  const restore = (...args: string[]) => {
    // PATH without pulumi or fly: a usage error must be found before either would be needed.
    const res = spawnSync(process.execPath, ["--import", "tsx", "scripts/restore.ts", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, PATH: "/nonexistent" } });
    return { code: res.status, stdout: res.stdout, stderr: res.stderr };
  };

  it.each([
    [["--stack", "prod", "--tenant", "umbrella", "--to", "2026-01-01T00:00:00Z"], /unknown tenant "umbrella"/],
    [["--stack", "prod", "--tenant", "acme", "--to", "2099-01-01T00:00:00Z"], /is in the future/],
    [["--stack", "managed", "--config", "examples/Pulumi.managed.yaml", "--tenant", "acme", "--to", "2026-01-01T00:00:00Z"], /is managed \(Turso\)/],
    [["--stack", "prod", "--tenant", "acme", "--to", "2026-01-01T00:00:00Z", "--swap"], /--swap is not supported/],
    [["--stack", "prod", "--tenant", "acme", "--to", "2026-01-01T00:00:00Z"], /stack prod has no backups: set libsql-stack:backups/],
  ])("%j exits 2", (args, message) => {
    const res = restore(...args);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(message);
    expect(res.stderr).toMatch(/usage: npm run -s restore/);
  });
});
