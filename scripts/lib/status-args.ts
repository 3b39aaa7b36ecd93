/** `npm run status` arguments. */
import { parseCliFlags, UsageError } from "./cli-flags";
import { DEFAULT_THRESHOLDS, type StatusThresholds } from "./stack-status";

export const STATUS_USAGE = `usage: npm run -s status -- --stack <name> [--config <Pulumi.<x>.yaml>] [--json] [--sample <s>] [--max-lag <frames>] [--max-volume-fill <percent>] [--max-backup-age <s>]
  --stack            a deployed self-hosted stack (its Pulumi.<name>.yaml and pulumi stack output)
  --json             print the documented JSON shape (README "Operate") instead of the screen
  --sample           seconds between the two stats reads the write rates come from (default ${DEFAULT_THRESHOLDS.sampleSeconds})
  --max-lag          frames a replica may be behind the primary on a namespace (default ${DEFAULT_THRESHOLDS.maxLagFrames})
  --max-volume-fill  percent of a volume that may be used (default ${DEFAULT_THRESHOLDS.maxVolumeFillPercent})
  --max-backup-age   seconds since a database's last upload to S3 while frames wait for it (default ${DEFAULT_THRESHOLDS.maxBackupAgeSeconds})
exit codes: 0 healthy, 1 something unhealthy (listed under PROBLEMS / "problems") or unreadable, 2 usage error`;

export interface StatusArgs {
  stack: string;
  config: string;
  json: boolean;
  thresholds: StatusThresholds;
}

function numberArg(name: string, text: string | undefined, fallback: number, ok: (n: number) => boolean, what: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || !ok(n)) throw new UsageError(`invalid --${name} ${JSON.stringify(text)}: ${what}`);
  return n;
}

export function parseStatusArgs(argv: string[]): StatusArgs {
  const values = parseCliFlags(argv, {
    stack: { type: "string" },
    config: { type: "string" },
    json: { type: "boolean" },
    sample: { type: "string" },
    "max-lag": { type: "string" },
    "max-volume-fill": { type: "string" },
    "max-backup-age": { type: "string" },
  });
  const stack = values.stack as string | undefined;
  if (stack === undefined) throw new UsageError("--stack is required");
  if (!/^[A-Za-z0-9._/-]+$/.test(stack)) throw new UsageError(`invalid --stack ${JSON.stringify(stack)}`);
  const d = DEFAULT_THRESHOLDS;
  return {
    stack,
    config: (values.config as string | undefined) ?? `Pulumi.${stack}.yaml`,
    json: values.json === true,
    thresholds: {
      sampleSeconds: numberArg("sample", values.sample as string | undefined, d.sampleSeconds, (n) => n > 0 && n <= 300, "seconds, more than 0 and at most 300"),
      maxLagFrames: numberArg("max-lag", values["max-lag"] as string | undefined, d.maxLagFrames, (n) => Number.isInteger(n) && n >= 0, "a whole number of frames >= 0"),
      maxVolumeFillPercent: numberArg("max-volume-fill", values["max-volume-fill"] as string | undefined, d.maxVolumeFillPercent, (n) => n > 0 && n <= 100, "a percentage, more than 0 and at most 100"),
      maxBackupAgeSeconds: numberArg("max-backup-age", values["max-backup-age"] as string | undefined, d.maxBackupAgeSeconds, (n) => Number.isInteger(n) && n > 0, "a whole number of seconds > 0"),
    },
  };
}
