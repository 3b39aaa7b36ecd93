import { describe, expect, it } from "vitest";
import { changedPaths, diffPlans, hasChanges, maskKeyMaterial, noisyPaths } from "../../scripts/lib/plan-diff";
import { formatPlanDiff } from "../../scripts/lib/plan-diff-format";
import type { Plan, PlannedResource } from "../../scripts/lib/plan-runner";

/** The pure diff over hand-made plans: what counts as a change and what does not. */
const CMD = "command:local:Command";

function res(name: string, inputs: Record<string, unknown>, extra: Partial<PlannedResource> = {}): PlannedResource {
  return { type: CMD, name, parent: null, custom: true, inputs, protect: false, retainOnDelete: false, dependsOn: [], ...extra };
}
function plan(resources: PlannedResource[], outputs: Record<string, unknown> = {}): Plan {
  return { project: "libsql-stack", stack: "prod", mode: "self-hosted", resources, outputs };
}
const pem = (body: string) => `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----\n`;

describe("diffPlans", () => {
  it("sorts resources into create, update (with changed keys) and delete", () => {
    const base = plan([res("a", { create: "x" }), res("b", { environment: { N: "1", M: "k" } }), res("gone", {})]);
    const head = plan([res("a", { create: "x" }), res("b", { environment: { N: "2", M: "k" } }), res("new", {})]);
    const d = diffPlans(base, head);
    expect(d.create).toEqual([{ type: CMD, name: "new" }]);
    expect(d.update).toEqual([{ type: CMD, name: "b", keys: ["environment.N"] }]);
    expect(d.delete).toEqual([{ type: CMD, name: "gone" }]);
    expect(d.unchanged).toBe(1);
    expect(hasChanges(d)).toBe(true);
  });

  it("treats [secret] on both sides and re-drawn key material as unchanged", () => {
    const base = plan([res("s", { stdin: "[secret]", note: `key:${pem("AAAA")}` })], { jwtPublicKeyPem: pem("AAAA"), apiKey: "[secret]" });
    const head = plan([res("s", { stdin: "[secret]", note: `key:${pem("BBBB")}` })], { jwtPublicKeyPem: pem("BBBB"), apiKey: "[secret]" });
    const d = diffPlans(base, head);
    expect(hasChanges(d)).toBe(false);
    expect(diffPlans(base, head, { maskKeyMaterial: false }).update).toEqual([{ type: CMD, name: "s", keys: ["note"] }]);
  });

  it("masks PEM blocks, SSH keys, fingerprints and JWTs only", () => {
    expect(maskKeyMaterial(`a ${pem("x")} b`)).toBe("a [pem:PUBLIC KEY]\n b");
    expect(maskKeyMaterial(`ssh-ed25519 ${"A".repeat(68)}`)).toBe("[ssh-key:ed25519]");
    expect(maskKeyMaterial(`SHA256:${"a".repeat(43)}`)).toBe("[key-fingerprint]");
    expect(maskKeyMaterial("t=eyJhbGciOiJ9.eyJpZCI6MX0.c2lnbmF0dXJl")).toBe("t=[jwt]");
    expect(maskKeyMaterial("v0.24.33")).toBe("v0.24.33");
  });

  it("ignores paths measured as noisy (random per run) on the same revision", () => {
    const first = plan([res("r", { suffix: "abc", size: 1 })], { id: "x1" });
    const second = plan([res("r", { suffix: "xyz", size: 1 })], { id: "x2" });
    const noisy = noisyPaths(first, second);
    expect([...noisy].sort()).toEqual([`${CMD}::r::suffix`, "outputs::id"]);
    const head = plan([res("r", { suffix: "qqq", size: 2 })], { id: "x3" });
    const d = diffPlans(first, head, { noisy });
    expect(d.update).toEqual([{ type: CMD, name: "r", keys: ["size"] }]);
    expect(d.outputs.changed).toEqual([]);
  });

  it("reports option changes (protect, retainOnDelete, parent, dependsOn)", () => {
    const base = plan([res("v", {}, { protect: true, retainOnDelete: true, dependsOn: ["a", "b"] })]);
    const head = plan([res("v", {}, { protect: false, retainOnDelete: true, dependsOn: ["b", "a", "c"] })]);
    expect(diffPlans(base, head).update[0]!.keys).toEqual(["opts.protect", "opts.dependsOn"]);
  });

  it("names list entries by their `name` (Worker bindings) and by index otherwise", () => {
    const a = { bindings: [{ name: "A", text: "1" }, { name: "B", text: "2" }], args: ["x", "y"] };
    const b = { bindings: [{ name: "NEW", text: "0" }, { name: "A", text: "1" }, { name: "B", text: "3" }], args: ["x", "z"] };
    expect(changedPaths(a, b, (s) => s)).toEqual(["args[1]", "bindings[B].text", "bindings[NEW]"]);
    expect(changedPaths(["x"], ["x", "y"], (s) => s)).toEqual([""]);
  });

  it("diffs outputs: added, removed, changed", () => {
    const d = diffPlans(plan([], { a: 1, b: 2, c: { x: 1 } }), plan([], { b: 2, c: { x: 2 }, d: 4 }));
    expect(d.outputs).toEqual({ added: ["d"], removed: ["a"], changed: ["c"] });
  });
});

describe("formatPlanDiff", () => {
  it("prints a preview-like summary", () => {
    const d = diffPlans(plan([res("b", { n: 1 }), res("gone", {})]), plan([res("b", { n: 2 }), res("new", {})], { url: "u" }));
    expect(formatPlanDiff(d, "Plan diff for stack prod")).toBe(
      [
        "Plan diff for stack prod",
        `  + create  ${CMD}  new`,
        `  ~ update  ${CMD}  b: n`,
        `  - delete  ${CMD}  gone`,
        "  outputs: +url",
        "Resources: 1 to create, 1 to update, 1 to delete, 0 unchanged.",
        "Secrets print as [secret] in both plans and compare equal: a changed secret value is not shown.",
        "",
      ].join("\n"),
    );
    expect(formatPlanDiff(diffPlans(plan([res("a", {})]), plan([res("a", {})])), "t")).toMatch(/^t\nNo changes \(1 resources unchanged\)\./);
  });
});
