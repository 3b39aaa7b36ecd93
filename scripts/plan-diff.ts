/**
 * Offline preview diff: `npm run plan:diff -- --stack prod --base <git ref> [--json] [--fast] [--expect-no-changes]`.
 * Plans the stack (scripts/plan.ts, under Pulumi mocks) at the base revision and in the working tree, and
 * prints which resources would be created, updated (which inputs) or deleted, like a `pulumi preview` of the
 * change, without cloud credentials.
 * Values that are random per run (keys, passwords) are not changes: key material is masked, and the base is
 * planned a second time to find any other value that differs between identical runs (skip with --fast).
 * Exit codes: 0 done (1 with --expect-no-changes and changes), 2 bad arguments or invalid config.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { diffPlans, hasChanges, noisyPaths } from "./lib/plan-diff";
import { formatPlanDiff } from "./lib/plan-diff-format";
import { checkoutBase, PlanDiffError, resolveCommit, runPlanCli, shortCommit } from "./lib/plan-diff-git";

const USAGE = "usage: npm run plan:diff -- --stack <name> --base <git ref> [--json] [--fast] [--expect-no-changes]";
const ROOT = resolve(__dirname, "..");

function parse() {
  try {
    const { values } = parseArgs({
      options: {
        stack: { type: "string" },
        base: { type: "string" },
        json: { type: "boolean", default: false },
        fast: { type: "boolean", default: false },
        "expect-no-changes": { type: "boolean", default: false },
      },
      strict: true,
    });
    if (!values.stack || !values.base) throw new Error(`${values.stack ? "--base" : "--stack"} is required`);
    return { ...values, stack: values.stack, base: values.base };
  } catch (e) {
    throw new PlanDiffError(`plan:diff: ${(e as Error).message}\n${USAGE}`, 2);
  }
}

async function main(): Promise<number> {
  const args = parse();
  const commit = resolveCommit(ROOT, args.base);
  const label = `${args.base} (${shortCommit(ROOT, commit)})`;
  // Two extractions of the base so the calibration run never shares a build dir (dist/) with the real one.
  const checkouts = [checkoutBase(ROOT, commit), ...(args.fast ? [] : [checkoutBase(ROOT, commit)])];
  try {
    const [base, head, again] = await Promise.all([
      runPlanCli(checkouts[0]!.dir, args.stack, label),
      runPlanCli(ROOT, args.stack, "the working tree"),
      ...(checkouts[1] ? [runPlanCli(checkouts[1].dir, args.stack, label)] : []),
    ]);
    const diff = diffPlans(base!, head!, { noisy: again ? noisyPaths(base!, again) : undefined });
    process.stdout.write(args.json ? `${JSON.stringify({ base: { ref: args.base, commit }, ...diff }, null, 2)}\n` : formatPlanDiff(diff, `Plan diff for stack ${args.stack}: ${label} → working tree`));
    return args["expect-no-changes"] && hasChanges(diff) ? 1 : 0;
  } finally {
    for (const c of checkouts) c.cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof PlanDiffError ? e.message : `plan:diff: ${(e as Error).stack ?? String(e)}`}\n`);
    process.exit(e instanceof PlanDiffError ? e.exitCode : 1);
  },
);
