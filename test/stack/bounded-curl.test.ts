/**
 * Every curl a Command runs is bounded and ignores ~/.curlrc (infra/shell curlCommand: -q, --connect-timeout,
 * --max-time): an API or admin call that never answers fails its step instead of hanging `pulumi up`. The sqld
 * admin calls of sqld-namespaces once used a bare `curl -s`.
 */
import { describe, expect, it } from "vitest";
import { ofType, planStack } from "../../local/plan";

const SCRIPT_FIELDS = ["create", "update", "delete"] as const;

/** Each line of a script that runs curl (not `command -v curl`, not a message naming it). */
function curlCalls(script: string): string[] {
  return script.split("\n").filter((line) => /(^|[\s(|;&])curl\s+-/.test(line));
}

describe("curl in the plan's Command scripts", () => {
  it.each([
    ["dev", {}, "Pulumi.dev.yaml"],
    ["prod", {}, "Pulumi.prod.yaml"],
    ["managed", {}, "examples/Pulumi.managed.yaml"],
  ] as const)("%s: every curl call has -q, --connect-timeout and --max-time", async (stack, overrides, file) => {
    const plan = await planStack(stack, overrides, file);
    const calls = ofType(plan, "command:local:Command").flatMap((r) =>
      SCRIPT_FIELDS.flatMap((field) => curlCalls(String(r.inputs[field] ?? "")).map((line) => ({ resource: r.name, field, line: line.trim() }))),
    );
    expect(calls.length).toBeGreaterThan(0);
    const unbounded = calls.filter(({ line }) => !/curl -q .*--connect-timeout \d+ --max-time \d+/.test(line));
    expect(unbounded).toEqual([]);
  });
});
