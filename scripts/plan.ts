/**
 * Offline plan: `npm run plan -- --stack <name> [--config <Pulumi.<x>.yaml>]`.
 * Runs stacks/program.ts under Pulumi mocks and prints ONE JSON document (see ../shared/DESIGN.md).
 * Exit 2 with one line per problem when the config is invalid.
 */
import { parseArgs } from "node:util";
import { parseStackConfig, PROJECT } from "../infra/config/parse";
import { readStackConfigFile } from "./lib/stack-config-file";
import { runPlan } from "./lib/plan-runner";

const USAGE = "usage: npm run plan -- --stack <name> [--config <path to Pulumi.<x>.yaml>]";

function fail(lines: string[]): never {
  for (const l of lines) process.stderr.write(`${l}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: { stack?: string; config?: string };
  try {
    ({ values } = parseArgs({ options: { stack: { type: "string" }, config: { type: "string" } }, strict: true }));
  } catch (e) {
    fail([`plan: ${(e as Error).message}`, USAGE]);
  }
  if (!values.stack) fail(["plan: --stack is required", USAGE]);
  const stack = values.stack;
  const path = values.config ?? `Pulumi.${stack}.yaml`;

  let file;
  try {
    file = readStackConfigFile(path);
  } catch (e) {
    fail([`plan: cannot read stack config ${path}: ${(e as Error).message}`]);
  }
  // Validate before touching Pulumi so bad config never yields a stack trace.
  const prefix = `${PROJECT}:`;
  const raw = Object.fromEntries(Object.entries(file.config).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
  const secretKeys = new Set(file.secretKeys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)));
  const checked = parseStackConfig(raw, { stack, secretKeys });
  if (!checked.ok) fail(checked.problems);

  // stdout carries exactly one JSON document: anything the SDK or a component logs goes to stderr.
  console.log = console.info = (...args: unknown[]) => console.error(...args);
  const plan = await runPlan({
    stack,
    config: file.config,
    secretKeys: file.secretKeys,
    // Imported only now: the program must load after the mocks are in place.
    program: () => (require("../stacks/program") as typeof import("../stacks/program")).defineStack(),
  });
  process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
}

main().catch((e: unknown) => {
  const err = e as Error & { problems?: string[] };
  fail(err.problems ?? [`plan: ${err.message}`]);
});
