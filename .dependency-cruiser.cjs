/**
 * Architecture rules, checked by `npm run lint` (and so by .ci/run). docs/architecture.md draws the same picture.
 *
 * Layers, outermost first; a layer may import the ones below it, never one above:
 *   scripts/ bench/   CLIs and benchmarks a user runs
 *   stacks/           composition: config → components → outputs
 *   infra/            config, components, script builders (pure functions)
 *   worker/           the Cloudflare Worker; runs in workerd, so it imports nothing of ours outside worker/
 * policy/ is apart: the CrossGuard pack reads pinned facts from infra/ but nothing imports the pack.
 * local/ is the local platform (Fly/Turso/Cloudflare in a box, real sqld helpers) the demo and benches run on; it
 * sits beside stacks/ (it runs the program) and may use scripts/lib, the libraries under the CLIs.
 * test/ may import anything; nothing outside test/ imports test/ (a test helper in product code is a product path
 * that exists only for tests).
 */
const layer = (name, forbidden, why) => ({
  name,
  comment: why,
  severity: "error",
  from: { path: `^${name}/` },
  to: { path: `^(${forbidden.join("|")})/` },
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "A cycle means two modules cannot be understood (or tested) apart: move the shared part down a layer.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-circular-between-folders",
      comment: "Folders are the units a reader navigates (infra/config, infra/migrations, ...): no two may need each other.",
      severity: "error",
      scope: "folder",
      from: { path: "^(infra|stacks|worker|scripts|bench|policy|local)/" },
      to: { circular: true },
    },
    {
      name: "product-never-imports-tests",
      comment: "Test helpers are not product code: what scripts/ or bench/ need from the local platform lives in local/.",
      severity: "error",
      from: { pathNot: "^test/" },
      to: { path: "^test/" },
    },
    layer("worker", ["infra", "stacks", "scripts", "bench", "policy", "local"], "The Worker bundle must stay small and run in workerd: only worker/ and npm."),
    layer("infra", ["stacks", "scripts", "bench", "policy", "local"], "Components and builders know nothing of the stack that uses them or the CLIs."),
    layer("stacks", ["scripts", "bench", "policy", "local"], "The program runs in `pulumi up`: no CLI, benchmark or local-platform code."),
    layer("policy", ["stacks", "scripts", "bench", "local"], "The policy pack judges the program's resources; it must not run the program's code."),
    layer("local", ["bench", "policy"], "The local platform is a library for the demo, the benches and the tests."),
    {
      name: "local-uses-no-cli",
      comment: "local/ may run the program under mocks (scripts/lib), but the CLIs (scripts/*.ts) sit above it.",
      severity: "error",
      from: { path: "^local/" },
      to: { path: "^scripts/[^/]+\\.ts$" },
    },
    {
      name: "shared-infra-knows-no-vendor",
      comment: "infra/*.ts (Command wiring, deletion consent, verify) serve every vendor folder; a vendor type they need belongs here.",
      severity: "error",
      from: { path: "^infra/[^/]+\\.ts$" },
      to: { path: "^infra/(fly|turso|cloudflare|sqld)/" },
    },
    {
      name: "nothing-imports-policy",
      comment: "The policy pack is loaded by the Pulumi engine; product code does not depend on it.",
      severity: "error",
      from: { path: "^(infra|stacks|worker|scripts|bench|local)/" },
      to: { path: "^policy/" },
    },
    {
      name: "not-to-unresolvable",
      comment: "An import that does not resolve is a broken build.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|dist|\\.engine|\\.demo)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
