/** Reading what the real engine and the fake platform did: preview steps, `up` summaries, fly calls, state. */
import type { FakeFlyEnv } from "../../../local/doubles/fake-fly/harness";
import type { StateResource, Workspace } from "../../../local/workspace";

/** Name (last URN segment) → op of every step of `pulumi preview --json` that is not "same"/"read". */
export async function changedSteps(ws: Workspace, stack: string): Promise<Record<string, string>> {
  const run = await ws.pulumi(["preview", "--json", "--stack", stack]);
  const steps = (JSON.parse(run.stdout).steps ?? []) as { op: string; urn: string }[];
  const changed: Record<string, string> = {};
  for (const step of steps) {
    if (step.op === "same" || step.op === "read") continue;
    const name = step.urn.split("::").pop()!;
    // A replacement shows as several steps (replace, create-replacement, delete-replaced): report it once.
    if (changed[name] === undefined || step.op === "replace") changed[name] = step.op.replace(/^(create-replacement|delete-replaced)$/, "replace");
  }
  return changed;
}

/** The "Resources:" block of `pulumi up` text output: counts by verb, and the unchanged count. */
export function upSummary(stdout: string): { changed: Record<string, number>; unchanged: number } {
  const block = stdout.slice(stdout.lastIndexOf("Resources:"));
  const changed: Record<string, number> = {};
  for (const match of block.matchAll(/^\s*[+~\-±]*\s*(\d+) (created|updated|deleted|replaced|imported|to create|to update|to delete|to replace)\b/gm)) {
    changed[match[2]!] = Number(match[1]);
  }
  const unchanged = Number(/(\d+) unchanged/.exec(block)?.[1] ?? 0);
  return { changed, unchanged };
}

export function flyCallsSince(fly: FakeFlyEnv, before: number): string[][] {
  return fly.calls().slice(before);
}

/** flyctl commands that only read (everything else changes the platform; `proxy` carries admin API writes). */
const READ_ONLY = new Set(["apps list", "status", "volumes list", "volumes ls", "machines list", "machine list", "machines ls", "ips list", "secrets list", "version"]);

export function mutatingCalls(calls: string[][]): string[][] {
  return calls.filter((argv) => !READ_ONLY.has(argv.slice(0, 2).join(" ")) && !READ_ONLY.has(argv[0] ?? ""));
}

export async function resourceNamed(ws: Workspace, stack: string, name: string): Promise<StateResource> {
  const found = (await ws.resources(stack)).find((r) => r.urn.endsWith(`::${name}`));
  if (!found) throw new Error(`no resource ${name} in the ${stack} state`);
  return found;
}
