/**
 * What scripts/migrate.ts prints, in lines of bounded length whatever the number of namespaces or files.
 *
 * The stack's `migrations` Command logs stdout and stderr, and pulumi-command v1.2.1 reads logged output with a
 * default bufio.Scanner (provider/pkg/provider/util/util.go `LogOutput`): a line of 64 KiB or more stops the
 * reader and the Command never finishes (local/commandOutputs.go `run` blocks in `cmd.Wait()`). One JSON object
 * for all namespaces reached that with ~720 tenants, so stdout is one JSON object per namespace per line (JSON
 * Lines), and every line here stays under MAX_LINE_BYTES: long lists are cut, with counts saying so.
 */
import type { FailedNamespace, MigrationRun, NamespaceResult } from "../../infra/migrations/migrator";

/** Longest line printed (bytes, without "\n"): far below the scanner's 65 535, leaving room for prefixes. */
export const MAX_LINE_BYTES = 8 * 1024;

/** Longest error text kept in a line; the database's messages are short, a proxy's HTML page is not. */
const MAX_ERROR_CHARS = 1_000;

const bytes = (text: string) => Buffer.byteLength(text, "utf8");

/** `text` cut to `max` characters, saying how much was cut. */
export function clip(text: string, max = MAX_ERROR_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** The longest prefix of `names` whose line (built by `render`) fits MAX_LINE_BYTES. */
function fittingPrefix(names: readonly string[], render: (shown: readonly string[]) => string): readonly string[] {
  if (bytes(render(names)) <= MAX_LINE_BYTES) return names;
  let low = 0;
  let high = names.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (bytes(render(names.slice(0, mid))) <= MAX_LINE_BYTES) low = mid;
    else high = mid - 1;
  }
  return names.slice(0, low);
}

/**
 * One stdout line per namespace: `{"namespace","ok","appliedCount","applied",("failedFile","error","blocking","skipped")}`.
 * `applied` lists the files applied in this run, cut to what fits the line (`appliedCount` is always the full
 * count). A failure has `blocking`: true when it fails the run (and `pulumi up`), false when it is the tenant's
 * own (the tenant stays at its version and is tried again by the next run); `skipped` when the run stopped before
 * this namespace.
 */
export function resultLine(result: NamespaceResult): string {
  const base = result.ok
    ? { namespace: result.namespace, ok: true, appliedCount: result.applied.length }
    : {
        namespace: result.namespace,
        ok: false,
        appliedCount: result.applied.length,
        failedFile: result.failedFile,
        error: clip(result.error),
        blocking: result.blocking ?? true,
        ...(result.skipped && { skipped: true }),
      };
  const render = (shown: readonly string[]) => JSON.stringify({ ...base, applied: shown });
  return render(fittingPrefix(result.applied, render));
}

/** The stdout line saying why the run stopped before the tenants (printed first), when it did. */
export function stoppedLine(run: MigrationRun): string | undefined {
  if (!run.stopped) return undefined;
  return JSON.stringify({ stopped: run.stopped.stage, ok: false, failedFile: run.stopped.failedFile && clip(run.stopped.failedFile, 300), error: clip(run.stopped.error) });
}

/** The stderr progress line of one namespace, the applied files cut to fit. */
export function progressLine(result: NamespaceResult): string {
  const head = `${result.namespace}: `;
  if (!result.ok) return `${head}${result.skipped ? "SKIPPED" : result.blocking === false ? "FAILED (this tenant only; the run goes on)" : "FAILED"}`;
  if (result.applied.length === 0) return `${head}ok, applied nothing`;
  const render = (shown: readonly string[]) =>
    `${head}ok, applied ${shown.join(", ")}${shown.length < result.applied.length ? ` and ${result.applied.length - shown.length} more` : ""}`;
  return render(fittingPrefix(result.applied, render));
}

function failureLine(f: FailedNamespace): string {
  const head = `  - ${f.namespace}: ${f.failedFile ? `${clip(f.failedFile, 300)} failed: ` : ""}${clip(f.error)}`;
  const render = (shown: readonly string[]) =>
    `${head}${shown.length ? ` (applied before that: ${shown.join(", ")}${shown.length < f.applied.length ? ` and ${f.applied.length - shown.length} more` : ""})` : ""}`;
  return render(fittingPrefix(f.applied, render));
}

/**
 * The stderr summary of a run with failures: why it stopped (if it did), one line per failed namespace (cut to
 * fit), and the tenants left behind on their own, which do not fail the run.
 */
export function failureLines(run: MigrationRun): string[] {
  const lines: string[] = [];
  const skipped = run.failed.filter((f) => f.skipped).length;
  if (run.stopped) {
    lines.push(`migrate: STOPPED before ${skipped > 0 ? `${skipped} namespace(s)` : "the tenants"} (${run.stopped.stage}): ${clip(run.stopped.error)}`);
  }
  const blocking = run.failed.filter((f) => !f.skipped && f.blocking !== false);
  if (blocking.length > 0) lines.push(`migrate: ${blocking.length} of ${run.results.length} namespaces failed:`, ...blocking.map(failureLine));
  const behind = run.failed.filter((f) => f.blocking === false);
  if (behind.length > 0) {
    lines.push(
      `migrate: ${behind.length} of ${run.results.length} tenant namespaces failed on their own after the canary passed; they stay at their version, do not fail the run, and are tried again by the next run:`,
      ...behind.map(failureLine),
    );
  }
  return lines;
}
