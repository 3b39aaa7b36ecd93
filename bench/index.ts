/**
 * Runs every benchmark in bench/ (each top-level bench/*.ts but this file), one after another in its own process
 * so one bench's servers and Pulumi state cannot disturb the next. Each prints its table and writes
 * bench/results/<name>.json. `npm run bench -- backups namespaces` runs only those.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";

const only = process.argv.slice(2);
const benches = readdirSync(__dirname)
  .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts") && file !== basename(__filename))
  .map((file) => file.slice(0, -".ts".length))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();
if (only.length > 0 && benches.length !== only.length) {
  console.error(`unknown bench: ${only.filter((n) => !benches.includes(n)).join(", ")}`);
  process.exit(2);
}

const failed: string[] = [];
for (const name of benches) {
  console.log(`\n=== bench/${name}.ts ===`);
  const started = Date.now();
  const result = spawnSync(process.execPath, ["--import", "tsx", join(__dirname, `${name}.ts`)], { stdio: "inherit" });
  console.log(`=== ${name}: ${result.status === 0 ? "done" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(0)} s ===`);
  if (result.status !== 0) failed.push(name);
}
if (failed.length > 0) {
  console.error(`failed: ${failed.join(", ")}`);
  process.exit(1);
}
