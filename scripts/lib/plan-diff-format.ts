import { hasChanges, type PlanDiff } from "./plan-diff";

/**
 * The human-readable plan diff, shaped like `pulumi preview`'s summary: one line per resource
 * (+ create, ~ update with the changed keys, - delete), then the outputs and a count.
 */
export function formatPlanDiff(diff: PlanDiff, title: string): string {
  const lines = [title];
  const width = Math.max(0, ...[...diff.create, ...diff.update, ...diff.delete].map((r) => r.type.length));
  for (const r of diff.create) lines.push(`  + create  ${r.type.padEnd(width)}  ${r.name}`);
  for (const r of diff.update) lines.push(`  ~ update  ${r.type.padEnd(width)}  ${r.name}: ${r.keys.map((k) => k || "(value)").join(", ")}`);
  for (const r of diff.delete) lines.push(`  - delete  ${r.type.padEnd(width)}  ${r.name}`);
  const o = diff.outputs;
  const outputs = [...o.added.map((n) => `+${n}`), ...o.changed.map((n) => `~${n}`), ...o.removed.map((n) => `-${n}`)];
  if (outputs.length > 0) lines.push(`  outputs: ${outputs.join(" ")}`);
  if (!hasChanges(diff)) {
    lines.push(`No changes (${diff.unchanged} resources unchanged).`);
  } else {
    lines.push(
      `Resources: ${diff.create.length} to create, ${diff.update.length} to update, ${diff.delete.length} to delete, ${diff.unchanged} unchanged.`,
    );
  }
  lines.push("Secrets print as [secret] in both plans and compare equal: a changed secret value is not shown.");
  return `${lines.join("\n")}\n`;
}
