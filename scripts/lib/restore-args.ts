/**
 * `npm run restore` arguments and the pure rules of a restore: which names are allowed, what "restore to --to"
 * asks of sqld. No I/O here, so every refusal is tested without processes.
 *
 * What sqld 0.24.32 offers (upstream tag libsql-server-v0.24.32, checked on the real binary, see README "Restore one
 * tenant"): `POST /v1/namespaces/<ns>/fork/<to>` with a JSON body `{"timestamp": <chrono NaiveDateTime>}`
 * (libsql-server/src/http/admin/mod.rs `ForkNamespaceReq`, `handle_fork_namespace`) builds the new namespace from
 * the bucket (namespace/configurator/fork.rs `PointInTimeRestore`, `ForkTask::restore_from_backup`, which calls
 * bottomless/src/replicator.rs `Replicator::restore(None, Some(timestamp))`): the newest generation started at or
 * before the time (`latest_generation_before`), then its WAL batches whose upload second is at or before it
 * (`restore_wal` stops at the first batch "more recent than expected"). A batch's key carries the whole second it
 * was cut (bottomless/src/backup.rs, `chrono::Utc::now().timestamp()`), so it may hold writes of that whole second.
 */
import { TENANT_PATTERN } from "../../worker/claims";
import { parseCliFlags, UsageError } from "./cli-flags";

export const RESTORE_USAGE = `usage: npm run -s restore -- --stack <name> --tenant <name> --to <time> [--into <namespace>] [--config <Pulumi.<x>.yaml>] [--json]
  --stack   a deployed self-hosted stack with backups (its Pulumi.<name>.yaml and pulumi stack output)
  --tenant  one of the stack's tenants; it is not changed
  --to      ISO 8601 time with a zone, e.g. 2026-12-06T03:00:00Z or 2026-12-06T04:00:00+01:00; not in the future
  --into    the new namespace that receives the copy (default <tenant>-restored-<--to as yyyymmddhhmmss, UTC>);
            it must not exist and must not be one of the stack's namespaces
  --json    print the report as JSON
  --swap    refused: sqld 0.24.32 cannot rename a namespace; the report says how to swap by hand
exit codes: 0 restored beside the tenant, 1 refused or failed on the server (nothing left behind), 2 usage error`;

export interface RestoreArgs {
  stack: string;
  config: string;
  tenant: string;
  /** The --to instant. */
  to: Date;
  into: string;
  json: boolean;
}

/** An instant with an explicit zone: a zone-less time would be read in whichever zone the operator's shell is in. */
const ZONED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function parseRestoreTime(text: string, now: Date): Date {
  if (!ZONED_TIME.test(text)) throw new UsageError(`invalid --to ${JSON.stringify(text)}: an ISO 8601 time with a zone, e.g. 2026-12-06T03:00:00Z`);
  const at = new Date(text);
  // JavaScript rolls 2026-02-30 over to March; the written date must be a real one.
  const [y, mo, d] = text.slice(0, 10).split("-").map(Number) as [number, number, number];
  const written = new Date(Date.UTC(y, mo - 1, d));
  if (Number.isNaN(at.getTime()) || written.getUTCMonth() !== mo - 1 || written.getUTCDate() !== d) throw new UsageError(`invalid --to ${JSON.stringify(text)}: not a real date`);
  if (at.getTime() > now.getTime()) throw new UsageError(`--to ${at.toISOString()} is in the future (now ${now.toISOString()}): nothing is backed up after now`);
  return at;
}

/** `yyyymmddhhmmss` in UTC, for the default copy name. */
export const compactUtc = (at: Date) => at.toISOString().slice(0, 19).replace(/[-T:]/g, "");

export function defaultInto(tenant: string, to: Date): string {
  return `${tenant}-restored-${compactUtc(to)}`;
}

/**
 * The time sent to sqld: one whole second before the second --to falls in. Every batch uploaded in that second or
 * earlier was cut before the second of --to began, so nothing written at or after --to is in the copy (a batch cut
 * in --to's own second can hold writes made after --to). The price: writes of the last batch interval plus up to
 * two seconds before --to may be missing (the recovery point, measured by `npm run bench -- restore`).
 * Formatted as chrono's NaiveDateTime (no zone): sqld 0.24.32 reads the body as `Option<Json<ForkNamespaceReq>>`,
 * and a body it cannot parse (e.g. a trailing `Z`) is dropped silently: the fork is then of the CURRENT state
 * (observed). The caller verifies the copy for that reason too.
 */
export function forkTimestamp(to: Date): string {
  const cutoff = new Date(Math.floor(to.getTime() / 1000) * 1000 - 1000);
  return cutoff.toISOString().slice(0, 19);
}

export interface NameRules {
  /** The stack's tenants (plan.namespaces.tenants). */
  tenants: readonly string[];
  /** Every namespace the stack creates (plan.namespaces.all): a copy must never take one of their names. */
  stackNamespaces: readonly string[];
}

/** Refuses a tenant outside the stack and a copy name that is invalid or belongs to the stack. */
export function checkNames(tenant: string, into: string, rules: NameRules): void {
  if (!rules.tenants.includes(tenant)) {
    throw new UsageError(`unknown tenant ${JSON.stringify(tenant)}: the stack's tenants are ${rules.tenants.join(", ") || "(none)"} (libsql-stack:tenants)`);
  }
  if (!TENANT_PATTERN.test(into)) {
    throw new UsageError(`invalid --into ${JSON.stringify(into)}: 1-63 of a-z, 0-9 and "-", starting with a letter or digit${into.length > 63 ? "; the default name is too long for this tenant, pass a shorter --into" : ""}`);
  }
  if (rules.stackNamespaces.includes(into)) throw new UsageError(`--into ${into} is one of the stack's namespaces: the copy must go to a new namespace`);
}

export function parseRestoreArgs(argv: string[], now = new Date()): RestoreArgs {
  const values = parseCliFlags(argv, {
    stack: { type: "string" },
    config: { type: "string" },
    tenant: { type: "string" },
    to: { type: "string" },
    into: { type: "string" },
    json: { type: "boolean" },
    swap: { type: "boolean" },
  });
  if (values.swap) {
    throw new UsageError(
      "--swap is not supported: sqld 0.24.32 has no namespace rename, so a swap is delete + fork, which replicas and embedded replicas of the tenant do not follow safely; restore beside (without --swap) and follow the printed steps",
    );
  }
  const stack = values.stack as string | undefined;
  const tenant = values.tenant as string | undefined;
  const toText = values.to as string | undefined;
  for (const [name, value] of [["stack", stack], ["tenant", tenant], ["to", toText]] as const) if (value === undefined) throw new UsageError(`--${name} is required`);
  if (!/^[A-Za-z0-9._/-]+$/.test(stack!)) throw new UsageError(`invalid --stack ${JSON.stringify(stack)}`);
  const to = parseRestoreTime(toText!, now);
  return {
    stack: stack!,
    config: (values.config as string | undefined) ?? `Pulumi.${stack}.yaml`,
    tenant: tenant!,
    to,
    into: (values.into as string | undefined) ?? defaultInto(tenant!, to),
    json: values.json === true,
  };
}
