import * as pulumi from "@pulumi/pulumi";
import { local } from "@pulumi/command";
import type { CommandScripts } from "./shell";

export interface ScriptCommandArgs {
  scripts: CommandScripts;
  /** Extra environment for the script (e.g. generated files); secrets here must be Pulumi secrets. */
  environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Secret values, fed to the script's stdin so they never appear in argv or in the script text. */
  stdin?: pulumi.Input<string>;
  /** Values whose change replaces the Command (re-runs create) instead of updating it. */
  triggers?: pulumi.Input<unknown[]>;
  /** Stdout carries a secret (tokens): mark it secret and keep it out of logs. */
  secretStdout?: boolean;
  /**
   * Hand the previous run's stdout to the script as PULUMI_COMMAND_STDOUT (for scripts that diff against it).
   * @default true when the scripts have an `update` (it exists to read that), else false
   */
  previousStdoutInEnv?: boolean;
}

/**
 * One vendor operation (flyctl, curl) as a `local.Command`. Output logging is off whenever a secret can be near the script
 * (stdin or stdout), so `pulumi up` logs never echo credentials.
 */
export function scriptCommand(name: string, args: ScriptCommandArgs, opts: pulumi.CustomResourceOptions): local.Command {
  const quiet = args.stdin !== undefined || args.secretStdout === true;
  return new local.Command(
    name,
    {
      create: args.scripts.create,
      update: args.scripts.update,
      delete: args.scripts.delete,
      environment: args.environment,
      stdin: args.stdin,
      triggers: args.triggers,
      logging: quiet ? "none" : "stdoutAndStderr",
      addPreviousOutputInEnv: args.previousStdoutInEnv ?? args.scripts.update !== undefined,
    },
    { ...opts, additionalSecretOutputs: args.secretStdout ? ["stdout"] : opts.additionalSecretOutputs },
  );
}
