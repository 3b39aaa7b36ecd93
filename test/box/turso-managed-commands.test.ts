/**
 * The managed stack's own Turso Commands (planned with mocks from examples/Pulumi.managed.yaml) run as
 * `local.Command` runs them (`/bin/sh -c`) against the box's Turso API, then database-verify queries the real sqld
 * behind it over `libsql://localhost:<port>` with the box CA, and destroy deletes database and group.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDatabaseStdout, parseTokenStdout } from "../../infra/turso/scripts";
import type { Plan } from "../../scripts/lib/plan-runner";
import { startBox, type Box } from "../../local/box/box";
import { byName, planStack } from "../../local/plan";
import { runProcess, runShell } from "../../local/run-process";

const TOKEN = "turso-api-token-for-managed-commands";
const REPO = join(__dirname, "..", "..");

describe("box: the managed stack's Turso Commands", () => {
  let box: Box;
  let dir: string;
  let plan: Plan;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "box-turso-commands-"));
    box = await startBox({ root: join(dir, "root"), flyStateDir: join(dir, "fly"), turso: { token: TOKEN } });
    plan = await planStack("managed", { dataProtection: { protect: false, allowDatabaseDeletion: true } }, "examples/Pulumi.managed.yaml");
  });
  afterAll(async () => {
    await box?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const command = async (name: string, phase: "create" | "delete") => {
    const script = String(byName(plan, name).inputs[phase]);
    // Deleting data needs the operator's run-time consent naming the group (infra/deletion-consent.ts).
    // The group is examples/Pulumi.managed.yaml's turso.group.
    const consent = { LIBSQL_STACK_DELETE_DATA: "acme-eu" };
    const result = await runShell(script, { PATH: process.env.PATH, HOME: process.env.HOME, TURSO_API_URL: `${box.url}/turso`, TURSO_API_TOKEN: TOKEN, ...consent });
    expect(result.code, `${name} ${phase}: ${result.stderr}`).toBe(0);
    return result.stdout;
  };

  // The box answers the Hostname `localhost:<tls port>`; the turso-database Command accepts a port
  // (infra/turso/snippets.ts DATABASE_OUTPUT_JS).
  it("up: group, database, tokens, database-verify pass against real sqld; destroy removes them", async () => {
    await command("turso-group", "create");
    const database = parseDatabaseStdout(await command("turso-database", "create"));
    const token = parseTokenStdout(await command("turso-token", "create")).jwt;
    parseTokenStdout(await command("turso-read-token", "create"));
    const verify = byName(plan, "database-verify");
    const environment = verify.inputs.environment as Record<string, string>;
    const result = await runProcess("/bin/sh", ["-c", String(verify.inputs.create)], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NAMESPACE: environment.NAMESPACE, DATABASE_URL: database.url, DATABASE_AUTH_TOKEN: token, NODE_EXTRA_CA_CERTS: box.tursoCaFile, VERIFY_DEADLINE_MS: "5000" },
      cwd: REPO,
    });
    expect(result.code, result.stderr).toBe(0);
    const pid = (await box.turso()).databases["acme-main"]!.pid!;

    await command("turso-database", "delete");
    await command("turso-group", "delete");
    expect(await box.turso()).toEqual({ groups: [], databases: {} });
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
