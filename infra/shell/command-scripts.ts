/**
 * What every script builder returns: the POSIX sh scripts of one `local.Command` (infra/command.ts runs them).
 *  - `create` is idempotent (create-if-missing) and converges when re-run after a partial failure;
 *  - `delete` undoes `create` (or is a no-op that says why, for protected data);
 *  - secrets never appear in a script: they arrive on stdin or in the environment.
 */
export interface CommandScripts {
  create: string;
  /** Runs instead of `create` when inputs or triggers change; it sees the previous stdout (PULUMI_COMMAND_STDOUT). */
  update?: string;
  delete?: string;
}
