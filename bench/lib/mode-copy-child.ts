/**
 * The copying process of bench/mode-copy.ts: runs the mode-switch copy engine for every tenant it is given, one
 * after another, in its own process so its peak RSS (`process.resourceUsage().maxRSS`) is the engine's alone.
 * Input: JSON in MODE_COPY_JOB; output: one JSON line on stdout.
 */
import { readFileSync } from "node:fs";
import { copyToManaged, copyToSelfHosted } from "../../scripts/lib/mode-switch/copy-tenant";

interface Job {
  direction: "to-managed" | "to-self-hosted";
  tenants: { namespace: string; database: string; token: string }[];
  sqld: { httpUrl: string; adminUrl: string; adminKey: string };
  turso: { url: string; token: string; org: string; group: string; caFile: string };
  workDir: string;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.env.MODE_COPY_JOB!) as Job;
  const ca = readFileSync(job.turso.caFile, "utf8");
  const startRssKb = Math.round(process.memoryUsage().rss / 1024);
  const ms: number[] = [];
  let statements = 0;
  for (const t of job.tenants) {
    const selfHosted = { endpoint: { url: job.sqld.httpUrl, namespace: t.namespace, token: t.token }, admin: { endpoint: { url: job.sqld.adminUrl }, key: job.sqld.adminKey } };
    const managed = { api: { url: job.turso.url, token: job.turso.token, org: job.turso.org }, database: t.database, group: job.turso.group, ca };
    const started = performance.now();
    const result = job.direction === "to-managed" ? await copyToManaged({ source: selfHosted, target: managed, workDir: job.workDir }) : await copyToSelfHosted({ source: managed, target: selfHosted });
    ms.push(performance.now() - started);
    if (result.outcome !== "copied") throw new Error(`${t.namespace}: expected a copy, got ${result.outcome}`);
    statements += result.statements;
    await result.sourceBlock.release();
  }
  process.stdout.write(`${JSON.stringify({ ms, statements, startRssKb, maxRssKb: process.resourceUsage().maxRSS })}\n`);
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
