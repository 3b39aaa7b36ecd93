/**
 * local/doubles/providers/bin/launch: the provider doubles run from an esbuild bundle that is rebuilt whenever a
 * file it was built from changes, so an edited double never runs stale. Runs on a copy of the doubles in a temp
 * folder laid out like the repo (the launcher finds the repo from its own path), with the repo's node_modules.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../local/workspace";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "provider-launch-"));
const doubles = path.join(root, "local/doubles/providers");
fs.cpSync(path.join(REPO_ROOT, "local/doubles/providers"), doubles, { recursive: true });
fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(root, "node_modules"));
const bundle = path.join(root, ".cache/provider-doubles/random.cjs");

/** Starts the random double, returns what it printed on stdout (the port handshake) and stops it. */
function handshake(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(doubles, "bin/pulumi-resource-random"), [], { cwd: os.tmpdir(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
      if (stdout.includes("\n")) child.kill();
    });
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", () => (stdout.includes("\n") ? resolve(stdout) : reject(new Error(`no port line; stderr: ${stderr}`))));
  });
}

describe("provider double launcher", () => {
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("builds the bundle once, reuses it, and rebuilds when a source file changes", async () => {
    expect(await handshake()).toMatch(/^\d+\n$/);
    const built = fs.statSync(bundle).mtimeMs;
    expect(fs.readFileSync(path.join(root, ".cache/provider-doubles/random.inputs"), "utf8")).toContain("local/doubles/providers/wire.ts");

    expect(await handshake()).toMatch(/^\d+\n$/);
    expect(fs.statSync(bundle).mtimeMs).toBe(built);

    // A shared file (not the double's own folder) edited after the build: its change must reach the bundle.
    const wire = path.join(doubles, "wire.ts");
    fs.appendFileSync(wire, "\nexport const LAUNCH_TEST_MARKER = 'rebuilt';\nconsole.error(LAUNCH_TEST_MARKER);\n");
    const later = new Date(built + 5_000);
    fs.utimesSync(wire, later, later);
    expect(await handshake()).toMatch(/^\d+\n$/);
    expect(fs.statSync(bundle).mtimeMs).toBeGreaterThan(built);
    expect(fs.readFileSync(bundle, "utf8")).toContain("LAUNCH_TEST_MARKER");
  });
});
