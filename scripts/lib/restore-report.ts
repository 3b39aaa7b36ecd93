/**
 * What `npm run restore` prints: the verified copy (tables and row counts beside the tenant's current ones), how to
 * read it, and the steps to put it in the tenant's place by hand. The swap is not automated: sqld 0.24.32 has no
 * namespace rename, so a swap is delete + fork under the same name, during which the tenant answers 404; a replica
 * keeps serving a deleted namespace's old pages (observed, /work/shared/reference sqld "Namespaces") and embedded
 * replicas hold frames of the old log. The operator chooses that moment.
 */
import type { RestoreReport } from "./restore-tenant";

export interface SwapContext {
  stack: string;
  app: string;
  primaryMachineId: string;
  adminPort: number;
}

/** The by-hand swap, each step a command. */
export function swapSteps(r: RestoreReport, c: SwapContext): string[] {
  const before = `${r.tenant}-before-restore-${r.to.slice(0, 19).replace(/[-T:]/g, "")}`.slice(0, 63);
  const curl = (method: string, path: string, body?: string) =>
    `curl -sf -X ${method} -H @admin.h${body ? ` -H 'content-type: application/json' -d '${body}'` : ""} --unix-socket admin.sock http://sqld${path}`;
  return [
    `set libsql-stack:tenantSettings.${r.tenant}.suspended: writes (reason "restore"), pulumi up --stack ${c.stack}, then wait 5 s (uploads of the last writes)`,
    `npm run restore -- --stack ${c.stack} --tenant ${r.tenant} --to <now, ISO 8601 UTC> --into ${before}    # today's data, kept and locked down`,
    `fly proxy admin.sock:${c.adminPort} ${c.primaryMachineId}.vm.${c.app}.internal -a ${c.app} &    # the primary's admin API`,
    `printf 'Authorization: Basic %s\\n' "$(pulumi stack output sqldAdminKey --show-secrets --stack ${c.stack})" > admin.h    # key in a file, not in argv`,
    `${curl("DELETE", `/v1/namespaces/${r.tenant}`, '{"keep_backup":true}')}    # ${r.tenant} answers 404 from here`,
    `${curl("POST", `/v1/namespaces/${r.into}/fork/${r.tenant}`, "{}")}    # the copy becomes ${r.tenant}`,
    `remove the suspension, pulumi up --stack ${c.stack}: it writes ${r.tenant}'s jwt_key, size cap and blocks back (until then ${r.tenant}'s tokens are refused)`,
    `fly machine restart <each replica machine> -a ${c.app}: a replica keeps serving the deleted namespace's pages; clients' embedded replicas of ${r.tenant} start from a new file`,
    `when done with it: ${curl("DELETE", `/v1/namespaces/${r.into}`, '{"keep_backup":true}')}; then rm admin.h and stop the fly proxy`,
  ];
}

function table(rows: RestoreReport["restored"], current: RestoreReport["current"]): string[] {
  const names = [...new Set([...rows.map((r) => r.table), ...current.map((r) => r.table)])].sort();
  const width = Math.max(5, ...names.map((n) => n.length));
  const count = (list: RestoreReport["restored"], name: string) => String(list.find((r) => r.table === name)?.rows ?? "-");
  return [`  ${"table".padEnd(width)}  restored  current`, ...names.map((n) => `  ${n.padEnd(width)}  ${count(rows, n).padStart(8)}  ${count(current, n).padStart(7)}`)];
}

export function formatRestoreReport(r: RestoreReport, c: SwapContext): string {
  return [
    `restored ${r.tenant} as it was at ${r.to} into namespace ${r.into} (${r.seconds.toFixed(1)} s); ${r.tenant} itself is unchanged`,
    `backups applied: every batch uploaded up to ${r.backupsUpTo} (writes of the last upload interval + ~2 s before --to may be missing; nothing written at or after --to is in the copy)`,
    ...table(r.restored, r.current),
    "",
    `read the copy (only a token signed for ${r.into} opens it; ${r.tenant}'s tokens are refused):`,
    `  npm run -s token -- --stack ${c.stack} --tenant ${r.into} --access ro --tenant-keys per-tenant`,
    "",
    `to put the copy in ${r.tenant}'s place (by hand: sqld 0.24.32 cannot rename a namespace; ${r.tenant} is offline between the DELETE and the fork):`,
    ...swapSteps(r, c).map((s, i) => `  ${i + 1}. ${s}`),
    "",
  ].join("\n");
}
