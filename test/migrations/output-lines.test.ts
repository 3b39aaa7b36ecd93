// scripts/migrate.ts output for a 2,000-tenant run: every line stays under pulumi-command v1.2.1's 65 535-byte
// scanner limit (util/util.go LogOutput; a longer line hangs the Command, see test/providers/command-log-lines.test.ts),
// with the worst inputs each field allows: 63-character names, many long file names, a huge error body.
import { describe, expect, it } from "vitest";
import type { MigrationRun, NamespaceResult } from "../../infra/migrations/migrator";
import { LONGEST_LOGGED_LINE } from "../../local/doubles/providers/command/log-scanner";
import { failureLines, MAX_LINE_BYTES, progressLine, resultLine } from "../../scripts/lib/migrate-output";

const TENANTS = 2_000;
const name = (i: number) => `t${String(i).padStart(5, "0")}-${"n".repeat(56)}`; // 63 characters
const files = Array.from({ length: 400 }, (_, i) => `${String(i + 1).padStart(4, "0")}_${"long_migration_name_".repeat(10)}.sql`);
const htmlError = `HTTP status 502: <html>${"<p>proxy error ✗</p>\n".repeat(20_000)}</html>`;

function run(): MigrationRun {
  const results: NamespaceResult[] = Array.from({ length: TENANTS }, (_, i) =>
    i % 10 === 9
      ? { namespace: name(i), ok: false, applied: files.slice(0, 200), failedFile: files[200], error: htmlError }
      : { namespace: name(i), ok: true, applied: files },
  );
  const failed = results.filter((r): r is Extract<NamespaceResult, { ok: false }> => !r.ok);
  return { ok: failed.length === 0, results, failed };
}

/** Everything the script writes for `run`, split as the provider's scanner splits it. */
function printedLines(r: MigrationRun): string[] {
  const stdout = r.results.map((x) => `${resultLine(x)}\n`).join("");
  const stderr = `${r.results.map((x) => `${progressLine(x)}\n`).join("")}${failureLines(r).join("\n")}\n`;
  return [...stdout.split("\n"), ...stderr.split("\n")];
}

describe("migrate output with 2,000 tenants", () => {
  const migration = run();

  it(`prints no line over ${MAX_LINE_BYTES} bytes (and so none near the scanner's ${LONGEST_LOGGED_LINE})`, () => {
    const lines = printedLines(migration);
    expect(lines.length).toBeGreaterThan(3 * TENANTS);
    const longest = Math.max(...lines.map((l) => Buffer.byteLength(l)));
    expect(longest).toBeLessThanOrEqual(MAX_LINE_BYTES);
    expect(MAX_LINE_BYTES).toBeLessThan(LONGEST_LOGGED_LINE);
  });

  it("stdout is one JSON object per namespace, in order, with full counts when lists are cut", () => {
    const objects = migration.results.map((r) => JSON.parse(resultLine(r)) as Record<string, unknown>);
    expect(objects.map((o) => o.namespace)).toEqual(migration.results.map((r) => r.namespace));
    expect(objects[0]).toMatchObject({ ok: true, appliedCount: 400 });
    expect((objects[0]!.applied as string[]).length).toBeLessThan(400);
    expect(objects[0]!.applied).toEqual(files.slice(0, (objects[0]!.applied as string[]).length));
    expect(objects[9]).toMatchObject({ ok: false, appliedCount: 200, failedFile: files[200], error: expect.stringMatching(/^HTTP status 502: <html>.*more characters\)$/s) });
  });

  it("keeps short results whole", () => {
    const line = resultLine({ namespace: "acme", ok: true, applied: ["0001_a.sql"] });
    expect(JSON.parse(line)).toEqual({ namespace: "acme", ok: true, appliedCount: 1, applied: ["0001_a.sql"] });
    expect(progressLine({ namespace: "acme", ok: true, applied: [] })).toBe("acme: ok, applied nothing");
    expect(progressLine({ namespace: "acme", ok: true, applied: files.slice(0, 2) })).toBe(`acme: ok, applied ${files[0]}, ${files[1]}`);
    expect(progressLine({ namespace: "acme", ok: true, applied: files })).toMatch(/ and \d+ more$/);
  });
});
