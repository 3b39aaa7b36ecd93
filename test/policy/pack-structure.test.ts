import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { allPolicies } from "../../policy/policies/all";
import { ROOT } from "../../local/plan";

/** The pack's shape, checked without constructing it (a PolicyPack starts a gRPC server). */
const POLICY_DIR = join(ROOT, "policy");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    if (f === "node_modules") return [];
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe("policy pack structure", () => {
  it("has ten mandatory policies with unique names and descriptions", () => {
    expect(allPolicies).toHaveLength(10);
    expect(new Set(allPolicies.map((p) => p.name)).size).toBe(allPolicies.length);
    for (const p of allPolicies) {
      expect(p.enforcementLevel, p.name).toBe("mandatory");
      expect(p.name, p.name).toMatch(/^[a-z0-9-]+$/);
      expect(p.description.length, p.name).toBeGreaterThan(20);
    }
  });

  it("exports every policy object from a module under policy/policies", async () => {
    const modules = readdirSync(join(POLICY_DIR, "policies")).filter((f) => f.endsWith(".ts") && f !== "all.ts");
    const exported = new Set<unknown>();
    for (const m of modules) Object.values(await import(join(POLICY_DIR, "policies", m))).forEach((v) => exported.add(v));
    for (const p of allPolicies) expect(exported.has(p), p.name).toBe(true);
  });

  it("constructs the PolicyPack only in policy/index.ts, with all policies", () => {
    const sources = [...files(POLICY_DIR), ...files(join(ROOT, "test")), ...files(join(ROOT, "local"))].filter((f) => f.endsWith(".ts"));
    const constructing = sources.filter((f) => /new\s+PolicyPack\s*\(/.test(readFileSync(f, "utf8"))).map((f) => relative(ROOT, f));
    expect(constructing).toEqual(["policy/index.ts"]);
    expect(readFileSync(join(POLICY_DIR, "index.ts"), "utf8")).toMatch(/policies:\s*allPolicies/);
  });

  it("is a nodejs policy pack whose dependencies match the project's", () => {
    expect(parse(readFileSync(join(POLICY_DIR, "PulumiPolicy.yaml"), "utf8"))).toMatchObject({ runtime: "nodejs" });
    const pack = JSON.parse(readFileSync(join(POLICY_DIR, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Record<string, Record<string, string>>;
    const rootDeps = { ...root.dependencies, ...root.devDependencies };
    for (const [name, range] of Object.entries(pack.dependencies)) expect(rootDeps[name], name).toBe(range);
  });
});
