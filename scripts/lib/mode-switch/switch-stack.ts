/**
 * The mode switch of a whole stack (issue 18 item 4), as the `mode-switch` Command runs it on every `pulumi up` of
 * a config that holds both sides (README "Mode switch"). Its stdout records the side that serves; pulumi-command
 * hands the previous run's stdout back (PULUMI_COMMAND_STDOUT), which is how a run knows the mode changed:
 *  - same mode as recorded: nothing to copy (the retained side keeps its write block: write-block.ts);
 *  - another mode recorded: every tenant (and shared namespace) is copied from the retained side into the serving
 *    side, replacing what the serving side held (it is the stale side of an earlier switch), then verified;
 *  - no record (the Command is new: both sides were just configured): a tenant is copied only when the retained
 *    side holds data and the serving side holds none or the same; if both hold different data the run refuses,
 *    since nothing says which side is current.
 * Tenants go one after another. On a failure every block this run set is released and the run fails: the Worker
 * and the API app depend on this Command, so they stay on the old side, and a re-run copies again (a tenant
 * already complete is verified and skipped).
 */
import type { DbMode } from "../../../worker/modes";
import { findDatabase } from "./turso-api";
import { copyToManaged, copyToSelfHosted, existingManagedEndpoint, type CopyResult, type ManagedTenant, type SelfHostedTenant } from "./copy-tenant";
import { compareDigests, digestDatabase } from "./verify";
import { HranaStream } from "./hrana";
import type { TenantEndpoint } from "./endpoint";

/** What the Command prints (one line): the serving side and each tenant's outcome this run. */
export interface SwitchRecord {
  serving: DbMode;
  tenants: Record<string, TenantOutcome>;
}

export type TenantOutcome = "copied" | "already-complete" | "nothing-to-carry" | "serving";

export interface SwitchTenant {
  /** Tenant or shared namespace: the sqld namespace's name. */
  tenant: string;
  /** Its Turso database's name. */
  database: string;
}

export interface SwitchSides {
  selfHosted(tenant: SwitchTenant): Promise<SelfHostedTenant>;
  managed(tenant: SwitchTenant): ManagedTenant;
  /** Where the upload file of a copy into managed is built. */
  workDir: string;
  /** After a copy into self-hosted: forget the tenant's migration ledger rows, so the migrator adopts the copied records. */
  afterCopyToSelfHosted?(tenant: SwitchTenant): Promise<void>;
}

export class SwitchRefused extends Error {}

/** The previous run's record, from its stdout; undefined when there is none (or it is not ours). */
export function previousRecord(stdout: string | undefined): SwitchRecord | undefined {
  const line = stdout?.trim().split("\n").at(-1);
  if (!line) return undefined;
  try {
    const parsed = JSON.parse(line) as Partial<SwitchRecord>;
    return parsed.serving === "managed" || parsed.serving === "self-hosted" ? { serving: parsed.serving, tenants: parsed.tenants ?? {} } : undefined;
  } catch {
    return undefined;
  }
}

const userObjects = "SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";

/** Whether the database holds any schema object of its own (a table, index, view or trigger). */
async function holdsData(endpoint: TenantEndpoint): Promise<boolean> {
  const stream = new HranaStream(endpoint);
  try {
    const row = (await stream.query(userObjects)).rows[0]![0]!;
    return row.type === "integer" && Number(row.value) > 0;
  } finally {
    await stream.close().catch(() => undefined);
  }
}

/**
 * With no record: whether this tenant needs a copy into `mode`'s side. Throws SwitchRefused when both sides hold
 * different data.
 */
async function firstRunNeedsCopy(mode: DbMode, t: SwitchTenant, sides: SwitchSides): Promise<boolean> {
  const selfHosted = (await sides.selfHosted(t)).endpoint;
  const managed = await existingManagedEndpoint(sides.managed(t));
  const [source, target] = mode === "managed" ? [selfHosted, managed] : [managed, selfHosted];
  if (!source || !(await holdsData(source))) return false;
  if (!target || !(await holdsData(target))) return true;
  const problems = compareDigests(await digestDatabase(source), await digestDatabase(target));
  if (problems.length === 0) return true; // the copy verifies and skips it, and lifts a block left on the target
  const [from, to] = mode === "managed" ? ["self-hosted namespace", "Turso database"] : ["Turso database", "self-hosted namespace"];
  throw new SwitchRefused(
    `tenant ${t.tenant}: the ${from} and the ${to} both hold data, and they differ (${problems[0]}); this stack has no record of which side served last (the mode-switch step is new). Nothing was changed. Keep the side that is current: empty or delete the other one, then run pulumi up again`,
  );
}

/** Copies one tenant to `mode`'s side; undefined when the other side has no database for it (a tenant added with the switch). */
async function copyOne(mode: DbMode, t: SwitchTenant, sides: SwitchSides): Promise<CopyResult | undefined> {
  if (mode === "managed") return copyToManaged({ source: await sides.selfHosted(t), target: sides.managed(t), workDir: sides.workDir });
  const source = sides.managed(t);
  // The stack creates a new tenant's Turso database after the switch: nothing of it to carry.
  if (!(await findDatabase(source.api, source.database))) return undefined;
  const result = await copyToSelfHosted({ source, target: await sides.selfHosted(t) });
  if (result.outcome === "copied") await sides.afterCopyToSelfHosted?.(t);
  return result;
}

/** The record of a run in the mode that already serves: nothing copied. */
export function unchangedRecord(mode: DbMode, tenants: readonly SwitchTenant[]): SwitchRecord {
  return { serving: mode, tenants: Object.fromEntries(tenants.map((t) => [t.tenant, "serving" as const])) };
}

/** Brings every tenant to `mode`'s side as the record says; returns the new record. `log` gets one line per tenant. */
export async function switchStack(o: { mode: DbMode; previous: SwitchRecord | undefined; tenants: readonly SwitchTenant[]; sides: SwitchSides; log(line: string): void }): Promise<SwitchRecord> {
  if (o.previous?.serving === o.mode) return unchangedRecord(o.mode, o.tenants);
  const record: SwitchRecord = { serving: o.mode, tenants: {} };
  const blocks: CopyResult["sourceBlock"][] = [];
  try {
    for (const t of o.tenants) {
      const started = Date.now();
      const result = o.previous === undefined && !(await firstRunNeedsCopy(o.mode, t, o.sides)) ? undefined : await copyOne(o.mode, t, o.sides);
      if (!result) {
        record.tenants[t.tenant] = "nothing-to-carry";
        o.log(`mode-switch: ${t.tenant}: nothing to carry (the ${o.mode === "managed" ? "self-hosted" : "managed"} side holds no data)`);
        continue;
      }
      blocks.push(result.sourceBlock);
      record.tenants[t.tenant] = result.outcome;
      const rows = Object.values(result.digest.tables).reduce((n, d) => n + d.rows, 0);
      o.log(`mode-switch: ${t.tenant}: ${result.outcome} to ${o.mode} (${Object.keys(result.digest.tables).length} tables, ${rows} rows verified, ${Date.now() - started} ms)`);
    }
  } catch (error) {
    // The old side serves on: give every tenant copied so far its writes back (the failing one released its own).
    for (const block of blocks) await block.release().catch(() => undefined);
    throw error;
  }
  return record;
}
