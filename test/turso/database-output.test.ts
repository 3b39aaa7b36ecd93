import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DATABASE_OUTPUT_JS } from "../../infra/turso/snippets";

const dir = mkdtempSync(join(tmpdir(), "turso-db-output-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the snippet as the database script does: `node -e JS <answer file> <database> <group>`. */
function outputFor(hostname: string) {
  const file = join(dir, "answer.json");
  writeFileSync(file, JSON.stringify({ database: { Name: "app", DbId: "0c1d", Hostname: hostname, group: "eu" } }));
  return spawnSync("node", ["-e", DATABASE_OUTPUT_JS, file, "app", "eu"], { encoding: "utf8" });
}

describe("the turso-database Command's answer check", () => {
  it.each(["app-acme.turso.io", "localhost:8443", "db.internal.example:443"])("accepts the Hostname %s and builds libsql://<Hostname>", (hostname) => {
    const run = outputFor(hostname);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ hostname, dbId: "0c1d", url: `libsql://${hostname}` });
  });

  it.each(["evil.example/path", "host:port", "host:123456", "App.turso.io", "user@host", ""])("refuses the Hostname %j", (hostname) => {
    const run = outputFor(hostname);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/has no valid Hostname/);
  });
});
