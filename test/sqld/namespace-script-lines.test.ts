// The sqld-namespaces Command's script (infra/sqld/namespace-scripts.ts) is logged by pulumi-command v1.2.1, which
// hangs on a line of 64 KiB or more (util/util.go LogOutput; test/providers/command-log-lines.test.ts). With 2,000
// tenants of 63 characters its record of the managed set (stdout) was one ~130 KB JSON line; now no line grows.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { namespaceScripts } from "../../infra/sqld/namespace-scripts";
import { LONGEST_LOGGED_LINE } from "../../local/doubles/providers/command/log-scanner";

const names = Array.from({ length: 2_000 }, (_, i) => `t${String(i).padStart(5, "0")}-${"n".repeat(56)}`);
const script = namespaceScripts({ app: "acme-sqld", allowDeletion: true }).create;

/** The lines of the create script that print the managed set and read the previous one (run as they are). */
function snippet(pattern: RegExp): string {
  const line = script.split("\n").find((l) => pattern.test(l));
  expect(line, `no line matching ${pattern} in the create script`).toBeDefined();
  return line!;
}

const sh = (code: string, env: Record<string, string>) => spawnSync("/bin/sh", ["-c", code], { env: { PATH: process.env.PATH, ...env }, encoding: "utf8", maxBuffer: 1 << 24 });

describe("sqld-namespaces script output with 2,000 tenants", () => {
  const print = snippet(/^for ns in \$NAMESPACES; do printf/);
  const readPrevious = `${snippet(/^previous=/)}\nprintf '%s' "$previous"`;

  it("prints the managed set one name per line, none near the scanner's limit", () => {
    const result = sh(print, { NAMESPACES: names.join(" ") });
    expect(result.status).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines.slice(0, -1)).toEqual(names);
    expect(Math.max(...lines.map((l) => Buffer.byteLength(l)))).toBeLessThanOrEqual(63);
    expect(63).toBeLessThan(LONGEST_LOGGED_LINE);
  });

  it("the next run reads that list back (trailing newline trimmed or not), and the old JSON-array form", () => {
    const printed = sh(print, { NAMESPACES: names.join(" ") }).stdout;
    for (const previous of [printed, printed.replace(/\n$/, ""), JSON.stringify(names.slice(0, 3)), ""]) {
      const result = sh(readPrevious, { PULUMI_COMMAND_STDOUT: previous });
      expect(result.status, result.stderr).toBe(0);
      const expected = previous === "" ? [] : previous.startsWith("[") ? names.slice(0, 3) : names;
      expect(result.stdout.split(" ").filter(Boolean)).toEqual(expected);
    }
  });

  it("echoes no response body or proxy log whole: every such message goes through the 1,000-byte excerpt", () => {
    expect(script).not.toMatch(/\$\(cat "\$tmp\/(body|proxy\.log)"\)/);
    const excerpt = `${snippet(/^excerpt\(\)/)}\nexcerpt "$F"`;
    const result = spawnSync("/bin/sh", ["-c", `printf '%s' "$BODY" > "$F"; ${excerpt}`], {
      env: { PATH: process.env.PATH, F: `/tmp/ns-excerpt-${process.pid}`, BODY: `<html>\n${"x".repeat(100_000)}` },
      encoding: "utf8",
    });
    expect(result.stdout.length).toBe(1000);
    expect(result.stdout).not.toContain("\n");
  });
});
