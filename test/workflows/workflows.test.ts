import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ROOT } from "../../local/plan";

/**
 * The CI workflows, parsed (the `yaml` package reads YAML 1.2, where `on` is a plain key) and checked for what
 * makes them safe and useful: triggers, the stack matrix, pinned actions, the preview with PR comment and the
 * policy pack, the prod approval gate, and secrets that only ever come from `secrets.`.
 */
type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, unknown>; name?: string };
type Job = { steps: Step[]; needs?: string | string[]; environment?: string | { name: string }; strategy?: any; env?: Record<string, unknown> };
type Workflow = { on: Record<string, any>; permissions?: Record<string, string>; concurrency?: any; jobs: Record<string, Job>; env?: Record<string, unknown> };

const load = (file: string) => parse(readFileSync(join(ROOT, ".github/workflows", file), "utf8")) as Workflow;
const preview = load("preview.yml");
const deploy = load("deploy.yml");

const action = (s: Step) => s.uses?.split("@")[0];
const findStep = (job: Job, uses: string) => job.steps.find((s) => action(s) === uses);
const stepIndex = (job: Job, match: (s: Step) => boolean) => job.steps.findIndex(match);
/** A tag like v4 / 1.5 / v1.2.3, or a full commit SHA: never a branch such as master. */
const PINNED = /@(v?\d+(\.\d+)*|[0-9a-f]{40})$/;
const SECRETS = ["PULUMI_CONFIG_PASSPHRASE", "FLY_API_TOKEN", "CLOUDFLARE_API_TOKEN", "TURSO_API_TOKEN"];

/** Every env block (workflow, job, step) with where it is. */
function envBlocks(w: Workflow): [string, Record<string, unknown>][] {
  const blocks: [string, Record<string, unknown>][] = w.env ? [["workflow", w.env]] : [];
  for (const [id, job] of Object.entries(w.jobs)) {
    if (job.env) blocks.push([id, job.env]);
    job.steps.forEach((s, i) => s.env && blocks.push([`${id}.steps[${i}]`, s.env]));
  }
  return blocks;
}

function expectPulumiStep(job: Job, command: string, stack: string) {
  const pulumi = findStep(job, "pulumi/actions")!;
  expect(pulumi, `pulumi/actions in ${stack}`).toBeDefined();
  expect(pulumi.uses).toMatch(/^pulumi\/actions@v\d+$/);
  expect(pulumi.with).toMatchObject({ command, "stack-name": stack, diff: true, policyPacks: "policy", "cloud-url": "${{ vars.PULUMI_BACKEND_URL }}" });
  for (const name of SECRETS) expect(pulumi.env?.[name], name).toBe(`\${{ secrets.${name} }}`);
  // Node and dependencies before Pulumi runs the TypeScript program; flyctl on PATH for the Command scripts.
  const ci = stepIndex(job, (s) => s.run === "npm ci");
  const node = stepIndex(job, (s) => action(s) === "actions/setup-node");
  const fly = stepIndex(job, (s) => action(s) === "superfly/flyctl-actions/setup-flyctl");
  const up = job.steps.indexOf(pulumi);
  expect(stepIndex(job, (s) => action(s) === "actions/checkout")).toBe(0);
  expect([node, ci, fly].every((i) => i >= 0 && i < up)).toBe(true);
  expect(node).toBeLessThan(ci);
  expect(findStep(job, "actions/setup-node")!.with).toMatchObject({ "node-version": 20, cache: "npm" });
  expect(String(findStep(job, "superfly/flyctl-actions/setup-flyctl")!.with?.version)).toMatch(/^\d+\.\d+\.\d+$/);
}

describe.each([
  ["preview.yml", preview],
  ["deploy.yml", deploy],
])("%s: hygiene", (_, w) => {
  it("pins every action to a version tag or commit SHA", () => {
    const uses = Object.values(w.jobs).flatMap((j) => j.steps.flatMap((s) => (s.uses ? [s.uses] : [])));
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) expect(u, u).toMatch(PINNED);
  });

  it("takes credentials only from secrets, and only into env", () => {
    for (const [where, env] of envBlocks(w)) {
      for (const [key, value] of Object.entries(env)) {
        if (/TOKEN|PASSPHRASE|SECRET|KEY|PASSWORD/.test(key)) expect(value, `${where}.${key}`).toBe(`\${{ secrets.${key} }}`);
      }
    }
    const text = JSON.stringify(w);
    const references = [...text.matchAll(/\$\{\{\s*secrets\.([A-Z_]+)\s*\}\}/g)].map((m) => m[1]);
    expect([...new Set(references)].sort()).toEqual([...SECRETS].sort());
    // Never at workflow or job level, where npm install scripts and tests would see them.
    expect(envBlocks(w).filter(([where]) => !where.includes(".steps[")).length).toBe(0);
  });

  it("reads no more than it needs", () => {
    expect(w.permissions?.contents).toBe("read");
  });
});

describe("preview.yml", () => {
  const job = preview.jobs.preview!;

  it("runs on pull requests only, for both stacks, failing independently", () => {
    expect(Object.keys(preview.on)).toEqual(["pull_request"]);
    expect(job.strategy.matrix.stack).toEqual(["dev", "prod"]);
    expect(job.strategy["fail-fast"]).toBe(false);
    for (const stack of job.strategy.matrix.stack as string[]) expect(existsSync(join(ROOT, `Pulumi.${stack}.yaml`)), stack).toBe(true);
  });

  it("may comment on the PR", () => {
    expect(preview.permissions).toEqual({ contents: "read", "pull-requests": "write" });
  });

  it("installs, tests, then previews the matrix stack with a diff comment and the policy pack", () => {
    expectPulumiStep(job, "preview", "${{ matrix.stack }}");
    expect(findStep(job, "pulumi/actions")!.with?.["comment-on-pr"]).toBe(true);
    const test = stepIndex(job, (s) => s.run === "npm test");
    expect(test).toBeGreaterThan(stepIndex(job, (s) => s.run === "npm ci"));
    expect(test).toBeLessThan(job.steps.indexOf(findStep(job, "pulumi/actions")!));
    expect(existsSync(join(ROOT, "policy", "PulumiPolicy.yaml"))).toBe(true);
  });

  it("prints the offline plan diff against the PR base (full history, informational)", () => {
    const diff = job.steps.find((s) => s.run?.includes("npm run plan:diff"))!;
    expect(diff.run).toMatch(/--stack "\$STACK" --base "\$BASE_SHA"/);
    expect(diff.env).toMatchObject({ STACK: "${{ matrix.stack }}", BASE_SHA: "${{ github.event.pull_request.base.sha }}" });
    expect(findStep(job, "actions/checkout")!.with?.["fetch-depth"]).toBe(0);
  });
});

describe("deploy.yml", () => {
  it("runs on pushes to main only and never cancels an update half-way", () => {
    expect(deploy.on).toEqual({ push: { branches: ["main"] } });
    expect(deploy.concurrency).toMatchObject({ "cancel-in-progress": false });
  });

  it("tests, then updates dev automatically, then prod behind the production environment", () => {
    const { test, dev, prod } = deploy.jobs;
    expect(test!.steps.some((s) => s.run === "npm test")).toBe(true);
    expect(dev!.needs).toBe("test");
    expectPulumiStep(dev!, "up", "dev");
    expect(prod!.needs).toBe("dev");
    const environment = typeof prod!.environment === "string" ? prod!.environment : prod!.environment?.name;
    expect(environment).toBe("production");
    expectPulumiStep(prod!, "up", "prod");
    expect(Object.keys(deploy.jobs).sort()).toEqual(["dev", "prod", "test"]);
  });
});
