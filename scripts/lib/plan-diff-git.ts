import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT } from "../../infra/config/parse";
import type { Plan } from "./plan-runner";

/**
 * The side effects of `npm run plan:diff`: checking out a base revision and running the plan CLI in a directory.
 * The base is extracted with `git archive` (read-only for the repository: no worktree metadata, no index or
 * HEAD change, safe while others work in the same clone) into a temp dir that gets the working tree's
 * node_modules as a symlink.
 */
export class PlanDiffError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

function git(root: string, args: string[]): string {
  const r = spawnSync("git", ["-C", root, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new PlanDiffError(`git ${args.join(" ")} failed: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout.trim();
}

/** The commit a ref names, or a clear error for a typo. */
export function resolveCommit(root: string, ref: string): string {
  const r = spawnSync("git", ["-C", root, "rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { encoding: "utf8" });
  if (r.status !== 0) throw new PlanDiffError(`plan:diff: --base ${JSON.stringify(ref)} is not a commit in ${root}`, 2);
  return r.stdout.trim();
}

/** Extract `commit` into a fresh temp dir with node_modules linked; call the returned cleanup when done. */
export function checkoutBase(root: string, commit: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "plan-diff-base-"));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const archive = spawnSync("git", ["-C", root, "archive", "--format=tar", commit], { maxBuffer: 1 << 30 });
    if (archive.status !== 0) throw new PlanDiffError(`git archive ${commit} failed: ${archive.stderr.toString().trim()}`);
    const untar = spawnSync("tar", ["-x", "-C", dir], { input: archive.stdout });
    if (untar.status !== 0) throw new PlanDiffError(`extracting ${commit} failed: ${untar.stderr.toString().trim()}`);
    // The base runs with today's dependencies: a base that needs other package versions is out of scope.
    // (A committed node_modules symlink, which `node_modules/` in .gitignore does not match, is replaced.)
    rmSync(join(dir, "node_modules"), { recursive: true, force: true });
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
    return { dir, cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}

/** A plan of a stack with no Pulumi.<stack>.yaml at that revision: everything would be created. */
export function emptyPlan(stack: string): Plan {
  return { project: PROJECT, stack, mode: "", resources: [], outputs: {} };
}

/** Run `tsx scripts/plan.ts --stack <stack>` in `dir` (the plan CLI of that revision) and parse its JSON. */
export function runPlanCli(dir: string, stack: string, label: string): Promise<Plan> {
  if (!existsSync(join(dir, `Pulumi.${stack}.yaml`))) return Promise.resolve(emptyPlan(stack));
  const tsx = join(dir, "node_modules", ".bin", "tsx");
  if (!existsSync(join(dir, "scripts", "plan.ts"))) {
    return Promise.reject(new PlanDiffError(`plan:diff: ${label} has no scripts/plan.ts (the plan CLI); pick a newer base`));
  }
  return new Promise((resolvePlan, reject) => {
    const child = spawn(tsx, ["scripts/plan.ts", "--stack", stack], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", (e) => reject(new PlanDiffError(`plan:diff: cannot run the plan CLI for ${label}: ${e.message}`)));
    child.on("close", (code) => {
      const stderr = Buffer.concat(err).toString().trim();
      if (code !== 0) {
        reject(new PlanDiffError(`plan:diff: the plan of stack ${stack} failed for ${label} (exit ${code}):\n${stderr}`, code === 2 ? 2 : 1));
        return;
      }
      try {
        resolvePlan(JSON.parse(Buffer.concat(out).toString()) as Plan);
      } catch (e) {
        reject(new PlanDiffError(`plan:diff: the plan CLI printed no JSON for ${label}: ${(e as Error).message}`));
      }
    });
  });
}

export function shortCommit(root: string, commit: string): string {
  return git(root, ["rev-parse", "--short", commit]);
}
