import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { ROOT } from "../../local/plan";

/**
 * `npm run plan:diff` end to end, in a throwaway git repository holding a copy of the current working tree
 * (tracked and untracked files, minus ignored ones; node_modules linked). That keeps the test independent of
 * what is committed in the real clone and of other people's uncommitted edits to it.
 */
let repo: string;

function run(cmd: string, args: string[], cwd = repo) {
  return spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 240_000 });
}
function git(...args: string[]) {
  const r = run("git", ["-c", "user.name=plan-diff test", "-c", "user.email=plan-diff@example.invalid", ...args]);
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}
function planDiff(...args: string[]) {
  return run(join(repo, "node_modules", ".bin", "tsx"), ["scripts/plan-diff.ts", "--stack", "prod", ...args]);
}

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), "plan-diff-e2e-"));
  const listed = spawnSync("git", ["-C", ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], { encoding: "utf8" });
  for (const file of listed.stdout.split("\0").filter(Boolean)) {
    mkdirSync(dirname(join(repo, file)), { recursive: true });
    try {
      copyFileSync(join(ROOT, file), join(repo, file));
    } catch {
      // Deleted in the working tree but still in the index: not part of what we plan.
    }
  }
  symlinkSync(join(ROOT, "node_modules"), join(repo, "node_modules"), "dir");
  git("init", "-q");
  // `node_modules/` in .gitignore matches directories only, not this symlink.
  writeFileSync(join(repo, ".git", "info", "exclude"), "node_modules\n");
  git("add", "-A");
  git("commit", "-q", "-m", "snapshot of the working tree");
});

afterAll(() => {
  if (repo) rmSync(repo, { recursive: true, force: true });
});

describe("npm run plan:diff (end to end)", () => {
  it("reports no changes against HEAD on a clean tree, even though keys are re-drawn on every run", () => {
    const r = planDiff("--base", "HEAD", "--expect-no-changes");
    expect(r.stderr).not.toMatch(/plan:diff:/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Plan diff for stack prod: HEAD \([0-9a-f]+\) → working tree\n/);
    expect(r.stdout).toMatch(/No changes \(\d+ resources unchanged\)\./);
  });

  it("shows a new tenant and a bigger volume as updates of exactly those resources (and the gateway allow-list)", () => {
    const file = join(repo, "Pulumi.prod.yaml");
    const doc = parse(readFileSync(file, "utf8")) as { config: Record<string, any> };
    doc.config["libsql-stack:tenants"].push("umbrella");
    doc.config["libsql-stack:regions"][1].volumeSizeGb = 40;
    writeFileSync(file, stringify(doc));

    const text = planDiff("--base", "HEAD", "--fast", "--expect-no-changes");
    expect(text.status).toBe(1); // --expect-no-changes and there are changes
    expect(text.stdout).toMatch(/~ update\s+command:local:Command\s+sqld-namespaces: environment\.NAMESPACES, environment\.TENANTS\n/);
    expect(text.stdout).toMatch(/~ update\s+command:local:Command\s+sqld-volume-iad: create\b/);

    const json = planDiff("--base", "HEAD", "--json");
    expect(json.status).toBe(0);
    const diff = JSON.parse(json.stdout) as { create: unknown[]; delete: unknown[]; update: { name: string; keys: string[] }[] };
    expect(diff.create).toEqual([]);
    expect(diff.delete).toEqual([]);
    const updates = Object.fromEntries(diff.update.map((u) => [u.name, u.keys]));
    // The gateway's TENANTS allow-list follows the tenant list.
    expect(Object.keys(updates).sort()).toEqual(["gateway-script", "sqld-namespaces", "sqld-volume-iad"]);
    expect(updates["sqld-namespaces"]).toEqual(["environment.NAMESPACES", "environment.TENANTS"]);
    expect(updates["gateway-script"]).toEqual(["bindings[TENANTS].json"]);
    // The size lives in the volume's create script (and in its delete script only if that one mentions it).
    expect(updates["sqld-volume-iad"]).toContain("create");
  });

  it("refuses an unknown base with exit code 2 and a clear message", () => {
    const r = planDiff("--base", "no-such-ref");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--base "no-such-ref" is not a commit/);
    expect(planDiff().stderr).toMatch(/--base is required/);
  });
});
