/** `npm run status` usage errors: exit 2, a line naming what to fix, before any pulumi or fly call. */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../local/plan";
import { parseStatusArgs } from "../../scripts/lib/status-args";

function status(...args: string[]) {
  // PATH without pulumi or fly: a usage error must be found before either would be needed.
  const res = spawnSync(process.execPath, ["--import", "tsx", "scripts/status.ts", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, PATH: "/nonexistent" } });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe("status CLI arguments", () => {
  it("reads the thresholds and defaults", () => {
    expect(parseStatusArgs(["--stack", "prod"])).toEqual({ stack: "prod", config: "Pulumi.prod.yaml", json: false, thresholds: { sampleSeconds: 2, maxLagFrames: 100, maxVolumeFillPercent: 90, maxBackupAgeSeconds: 600 } });
    expect(parseStatusArgs(["--stack", "dev", "--json", "--sample", "0.5", "--max-lag", "0", "--max-volume-fill", "80", "--max-backup-age", "120"]).thresholds).toEqual({ sampleSeconds: 0.5, maxLagFrames: 0, maxVolumeFillPercent: 80, maxBackupAgeSeconds: 120 });
  });

  it.each([
    [[], /--stack is required/],
    [["--stack", "prod", "--sample", "0"], /invalid --sample "0"/],
    [["--stack", "prod", "--max-lag", "1.5"], /invalid --max-lag "1.5"/],
    [["--stack", "prod", "--max-backup-age", "0"], /invalid --max-backup-age "0"/],
    [["--stack", "prod", "--verbose"], /Unknown option '--verbose'/],
    [["--stack", "managed", "--config", "examples/Pulumi.managed.yaml"], /stack managed is managed \(Turso\): status covers self-hosted stacks/],
  ])("%j exits 2", (args, message) => {
    const res = status(...args);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(message);
    expect(res.stderr).toMatch(/usage: npm run -s status/);
  });
});
