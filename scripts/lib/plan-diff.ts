import type { Plan, PlannedResource } from "./plan-runner";

/**
 * What would change between two offline plans (scripts/plan.ts output) of one stack: resources to create,
 * update (with the input paths and options that differ) and delete, and stack outputs that change.
 * Pure: plans in, a PlanDiff out. Two things are NOT changes, because Pulumi keeps them in state:
 *  - random values the mocks draw afresh on every run (key material, random passwords). By default values that
 *    look like key material are masked, and callers can pass `noisy` paths measured by planning the same
 *    revision twice (see noisyPaths);
 *  - secrets: both sides print "[secret]", so they compare equal (a changed secret is invisible offline).
 */
export interface ResourceRef {
  type: string;
  name: string;
}

export interface ResourceUpdate extends ResourceRef {
  /** Changed input paths (`environment.NAMESPACES`, `bindings[JWT_PRIVATE_KEY].text`) and options (`opts.protect`). */
  keys: string[];
}

export interface PlanDiff {
  stack: string;
  create: ResourceRef[];
  update: ResourceUpdate[];
  delete: ResourceRef[];
  unchanged: number;
  outputs: { added: string[]; removed: string[]; changed: string[] };
}

export interface DiffOptions {
  /** Mask PEM blocks, SSH keys, key fingerprints and JWTs inside strings before comparing. @default true */
  maskKeyMaterial?: boolean;
  /** `<type>::<name>::<path>` or `outputs::<path>` entries to ignore (values that differ between identical runs). */
  noisy?: ReadonlySet<string>;
}

const KEY_MATERIAL: [RegExp, string][] = [
  [/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g, "[pem:$1]"],
  [/\bssh-(ed25519|rsa|ecdsa-[a-z0-9-]+) [A-Za-z0-9+/=]{40,}/g, "[ssh-key:$1]"],
  [/\bSHA256:[A-Za-z0-9+/]{43}\b/g, "[key-fingerprint]"],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, "[jwt]"],
];

export function maskKeyMaterial(value: string): string {
  return KEY_MATERIAL.reduce((s, [pattern, replacement]) => s.replace(pattern, replacement), value);
}

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Lists of `{name: ...}` objects (Worker bindings) are compared by name, so inserting one doesn't shift the rest. */
function byName(list: Json[]): Map<string, Json> | undefined {
  const names = list.map((v) => (isObject(v) && typeof v.name === "string" ? v.name : undefined));
  if (list.length === 0 || names.some((n) => n === undefined) || new Set(names).size !== names.length) return undefined;
  return new Map(list.map((v, i) => [names[i]!, v]));
}

/** Leaf paths where a and b differ (`""` when the top-level values differ in kind). */
export function changedPaths(a: Json, b: Json, mask: (s: string) => string, path = ""): string[] {
  if (typeof a === "string" && typeof b === "string") return mask(a) === mask(b) ? [] : [path];
  if (Array.isArray(a) && Array.isArray(b)) {
    const [na, nb] = [byName(a), byName(b)];
    if (na && nb) {
      const names = [...new Set([...na.keys(), ...nb.keys()])];
      return names.flatMap((n) => changedPaths(na.get(n), nb.get(n), mask, `${path}[${n}]`));
    }
    if (a.length !== b.length) return [path];
    return a.flatMap((v, i) => changedPaths(v, b[i], mask, `${path}[${i}]`));
  }
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => changedPaths(a[k], b[k], mask, path ? `${path}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
}

const keyOf = (r: ResourceRef) => `${r.type}::${r.name}`;
/** The `noisy` entry of a changed path inside output `name`. */
const outputKey = (name: string, path: string) => `outputs::${path ? `${name}.${path}` : name}`;
const ref = (r: PlannedResource): ResourceRef => ({ type: r.type, name: r.name });

/** Options a plan records; a change to them is an update too (protect is a state-only update in Pulumi). */
function optionPaths(a: PlannedResource, b: PlannedResource): string[] {
  const changed: string[] = [];
  if (a.protect !== b.protect) changed.push("opts.protect");
  if (a.retainOnDelete !== b.retainOnDelete) changed.push("opts.retainOnDelete");
  if (a.parent !== b.parent) changed.push("opts.parent");
  if (JSON.stringify([...a.dependsOn].sort()) !== JSON.stringify([...b.dependsOn].sort())) changed.push("opts.dependsOn");
  return changed;
}

export function diffPlans(base: Plan, head: Plan, options: DiffOptions = {}): PlanDiff {
  const mask = options.maskKeyMaterial === false ? (s: string) => s : maskKeyMaterial;
  const noisy = options.noisy ?? new Set<string>();
  const before = new Map(base.resources.map((r) => [keyOf(r), r]));
  const after = new Map(head.resources.map((r) => [keyOf(r), r]));
  const diff: PlanDiff = { stack: head.stack, create: [], update: [], delete: [], unchanged: 0, outputs: { added: [], removed: [], changed: [] } };

  for (const [key, r] of after) {
    const old = before.get(key);
    if (!old) {
      diff.create.push(ref(r));
      continue;
    }
    const inputs = changedPaths(old.inputs, r.inputs, mask).filter((p) => !noisy.has(`${key}::${p}`));
    const keys = [...inputs, ...optionPaths(old, r)];
    if (keys.length > 0) diff.update.push({ ...ref(r), keys });
    else diff.unchanged += 1;
  }
  for (const [key, r] of before) if (!after.has(key)) diff.delete.push(ref(r));

  for (const name of new Set([...Object.keys(base.outputs), ...Object.keys(head.outputs)])) {
    if (!(name in base.outputs)) diff.outputs.added.push(name);
    else if (!(name in head.outputs)) diff.outputs.removed.push(name);
    else if (changedPaths(base.outputs[name], head.outputs[name], mask).some((p) => !noisy.has(outputKey(name, p)))) {
      diff.outputs.changed.push(name);
    }
  }
  return diff;
}

/** Paths whose values differ between two plans of the SAME revision and config: random per run, not changes. */
export function noisyPaths(first: Plan, second: Plan): Set<string> {
  const noisy = new Set<string>();
  const others = new Map(second.resources.map((r) => [keyOf(r), r]));
  for (const r of first.resources) {
    const other = others.get(keyOf(r));
    if (other) for (const p of changedPaths(r.inputs, other.inputs, (s) => s)) noisy.add(`${keyOf(r)}::${p}`);
  }
  for (const name of Object.keys(first.outputs)) {
    for (const p of changedPaths(first.outputs[name], second.outputs[name], (s) => s)) noisy.add(outputKey(name, p));
  }
  return noisy;
}

export function hasChanges(d: PlanDiff): boolean {
  const o = d.outputs;
  return d.create.length + d.update.length + d.delete.length + o.added.length + o.removed.length + o.changed.length > 0;
}
