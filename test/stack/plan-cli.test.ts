import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../local/plan";

function plan(...args: string[]) {
  const res = spawnSync(process.execPath, ["--import", "tsx", "scripts/plan.ts", ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe("plan CLI (public interface, see DESIGN.md)", () => {
  it("prints one JSON plan for dev with the documented shape", () => {
    const res = plan("--stack", "dev");
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout);
    expect(Object.keys(doc)).toEqual(["project", "stack", "mode", "resources", "outputs"]);
    expect(doc).toMatchObject({ project: "libsql-stack", stack: "dev", mode: "self-hosted" });
    expect(Object.keys(doc.resources[0])).toEqual(["type", "name", "parent", "custom", "inputs", "protect", "retainOnDelete", "dependsOn"]);
    expect(doc.outputs.jwtPrivateKeyPem).toBe("[secret]");
    // npm run status reads the admin key from the outputs: it must stay a secret there.
    expect(doc.outputs.sqldAdminKey).toBe("[secret]");
  });

  it("exits 2 with one key-naming line per problem and no stack trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "plan-cli-"));
    const bad = readFileSync(join(ROOT, "Pulumi.prod.yaml"), "utf8").replace("code: iad", "code: xyz").replace("libsql-stack:tenants:", "libsql-stack:sqld:\n    tag: v0.24.33\n  libsql-stack:tenants:");
    writeFileSync(join(dir, "Pulumi.bad.yaml"), bad);
    const res = plan("--stack", "prod", "--config", join(dir, "Pulumi.bad.yaml"));
    expect(res.code).toBe(2);
    expect(res.stdout).toBe("");
    const lines = res.stderr.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^libsql-stack:regions\[1\]\.code "xyz" is not a Fly region/);
    expect(lines[1]).toMatch(/^libsql-stack:sqld\.tag is no longer a setting: /);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 2 for a missing --stack or an unreadable config file", () => {
    expect(plan().code).toBe(2);
    const res = plan("--stack", "nosuch");
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/cannot read stack config Pulumi\.nosuch\.yaml/);
  });
});
