/**
 * The `mode-switch` Command's script (stacks/mode-switch.ts): carries every tenant to the side `mode` names when
 * the config holds both sides (README "Mode switch"; the logic: scripts/lib/mode-switch/switch-stack.ts).
 *
 * Environment:
 *   MODE_SWITCH_PLAN       JSON {mode, sqld: {app, url}, turso: {org, group}, tenants: [{tenant, database}], ledger}
 *   JWT_PRIVATE_KEY        the stack's signing key (secret): tokens for the tenant namespaces and the ledger
 *   SQLD_ADMIN_KEY         sqld's admin key (secret): namespace config (write blocks), re-creating a namespace
 *   TURSO_API_TOKEN        Turso Platform API token (secret): databases, their configuration, short-lived tokens
 *   TURSO_API_URL          @default https://api.turso.tech
 *   PULUMI_COMMAND_STDOUT  the previous run's stdout (pulumi-command sets it on update): the side that served
 * stdout: one line, the record (switch-stack.ts SwitchRecord); stderr: one line per tenant. Exit 1 on failure.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { modeSwitchPlanSchema } from "../infra/mode-switch-plan";
import { FLY_PREFER_REGION } from "../worker/db";
import { migratorToken } from "../infra/migrations/token";
import { LEDGER_NAMESPACE } from "../infra/migrations/stack-namespaces";
import { LEDGER_TABLE } from "../infra/migrations/ledger";
import { TURSO_DEFAULT_API_URL } from "../infra/turso/shell";
import { openPrimaryAdmin } from "./lib/restore-stack";
import { HranaStream } from "./lib/mode-switch/hrana";
import { previousRecord, switchStack, unchangedRecord, type SwitchSides, type SwitchTenant } from "./lib/mode-switch/switch-stack";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<number> {
  const plan = modeSwitchPlanSchema.parse(JSON.parse(required("MODE_SWITCH_PLAN")));
  const previous = previousRecord(process.env.PULUMI_COMMAND_STDOUT);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (previous?.serving === plan.mode) {
    // Nothing to copy: no proxy, no credentials used.
    process.stdout.write(`${JSON.stringify(unchangedRecord(plan.mode, plan.tenants))}\n`);
    return 0;
  }
  const pem = required("JWT_PRIVATE_KEY");
  const adminKey = required("SQLD_ADMIN_KEY");
  const api = { url: process.env.TURSO_API_URL || TURSO_DEFAULT_API_URL, token: required("TURSO_API_TOKEN"), org: plan.turso.org };
  const workDir = mkdtempSync(join(tmpdir(), "mode-switch-"));
  const primary = await openPrimaryAdmin(plan.sqld.app);
  const admin = { endpoint: { socketPath: primary.proxy.socketPath }, key: adminKey };
  // Tokens signed with the stack key, which every namespace verifies (tenant namespaces hold it beside their own).
  const namespaceEndpoint = (namespace: string) => ({ url: plan.sqld.url, namespace, token: migratorToken(pem, namespace, "rw"), headers: { [FLY_PREFER_REGION]: primary.region } });
  const sides: SwitchSides = {
    selfHosted: async (t: SwitchTenant) => ({ endpoint: namespaceEndpoint(t.tenant), admin }),
    managed: (t: SwitchTenant) => ({ api, database: t.database, group: plan.turso.group }),
    workDir,
    ...(plan.ledger && {
      afterCopyToSelfHosted: async (t: SwitchTenant) => {
        const ledger = new HranaStream(namespaceEndpoint(LEDGER_NAMESPACE));
        try {
          const exists = await ledger.query("SELECT 1 FROM sqlite_schema WHERE name = ?", [{ type: "text", value: LEDGER_TABLE }]);
          if (exists.rows.length > 0) await ledger.query(`DELETE FROM ${LEDGER_TABLE} WHERE namespace = ?`, [{ type: "text", value: t.tenant }]);
        } finally {
          await ledger.close().catch(() => undefined);
        }
      },
    }),
  };
  try {
    const record = await switchStack({ mode: plan.mode, previous, tenants: plan.tenants, sides, log });
    process.stdout.write(`${JSON.stringify(record)}\n`);
    return 0;
  } finally {
    await primary.proxy.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // One line (pulumi-command hangs on a log line of 64 KiB or more); never a token: messages name databases only.
    process.stderr.write(`mode-switch: ${(error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ").slice(0, 2000)}\n`);
    process.exit(1);
  },
);
