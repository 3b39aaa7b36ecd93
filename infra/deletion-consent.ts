import { shellWord } from "./shell";

/**
 * The run-time half of data deletion. A Command's delete runs the script stored in state at the previous `up`
 * (pulumi-command v1.2.1 provider/pkg/provider/local/commandController.go `Command.Delete` reads req.State), so
 * `dataProtection.allow*Deletion: true -> false` plus removing a region, a tenant or the whole stack in the SAME step
 * would still run the destroying script. Every script that destroys data therefore also needs this variable in the
 * environment of the `pulumi` process (local.Command passes it on), naming what may be destroyed: it cannot lag.
 */
export const DELETE_DATA_ENV = "LIBSQL_STACK_DELETE_DATA";

/**
 * sh lines that exit 0, keeping the data and saying how to delete it, unless $LIBSQL_STACK_DELETE_DATA lists
 * `owner` (the Fly app or Turso group name; several names may be given, separated by spaces or commas).
 * An owner name and not a plain "yes", so a variable left in a shell profile cannot delete another stack's data.
 */
export function requireDeletionConsent(owner: string, what: string): string[] {
  const o = shellWord(owner);
  return [
    `case " $(printf '%s' "\${${DELETE_DATA_ENV}:-}" | tr ',' ' ') " in`,
    `  *" "${o}" "*) ;;`,
    "  *)",
    `    printf '%s: kept. Deleting data needs dataProtection to allow it AND %s=%s in the environment of this pulumi run (the allowing script was stored by an earlier up).\\n' ${shellWord(what)} ${DELETE_DATA_ENV} ${o} >&2`,
    "    exit 0 ;;",
    "esac",
  ];
}
