/**
 * TEST DOUBLE of pulumi-command v1.2.1 (local.Command), not the real provider: the inputs of `command:local:Command`
 * and their Check.
 *
 * Upstream: provider/pkg/provider/local/command.go `CommandInputs` = common/inputs.go `ResourceInputs` (triggers,
 * create, update, delete) + local/base.go `BaseInputs` (stdin, logging, interpreter, dir, environment, assetPaths,
 * archivePaths, addPreviousOutputInEnv); schema.json `resources["command:local:Command"].inputProperties`.
 * Check is pulumi-go-provider v1.3.0 infer/resource.go `derivedResourceController.Check` → `decodeCheckingMapErrors`,
 * which decodes with mapper IgnoreUnrecognized=false (infer/internal/ende/ende.go `Decode`), so an unknown property
 * name or a wrongly typed value is a check failure (mapper/errors.go NewUnrecognizedError, NewWrongTypeError).
 * No defaults are declared (no SetDefault in the Annotate methods), so valid inputs come back unchanged.
 */
import { containsUnknown, isSecret, isUnknown, reveal } from "../wire";
import type { WireValue } from "./wire-values";

type Shape = "string" | "boolean" | "stringArray" | "stringMap" | "anyArray";

/** The Go struct type the mapper names in its messages (reflect.Type of CommandInputs). */
const GO_TYPE = "local.CommandInputs";

export const INPUT_SHAPES: Readonly<Record<string, Shape>> = {
  triggers: "anyArray",
  create: "string",
  update: "string",
  delete: "string",
  stdin: "string",
  logging: "string", // `type Logging string`: the mapper does not check the enum values (local/logging.go)
  interpreter: "stringArray",
  dir: "string",
  environment: "stringMap",
  assetPaths: "stringArray",
  archivePaths: "stringArray",
  addPreviousOutputInEnv: "boolean",
};

/** Inputs v1.2.1 has but this double does not implement (globbing files into assets): refused, never ignored. */
const NOT_IMPLEMENTED = new Set(["assetPaths", "archivePaths"]);

export interface CheckFailure {
  property: string;
  reason: string;
}

/** Go type names in mapper messages (mapper_decode.go compares reflect types of the decoded JSON). */
function goTypeOf(value: WireValue): string {
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return "float64";
  if (Array.isArray(value)) return "[]interface {}";
  return "map[string]interface {}";
}

function wrongType(field: string, expect: string, value: WireValue): CheckFailure {
  return { property: field, reason: `Field '${field}' on '${GO_TYPE}' must be a '${expect}'; got '${goTypeOf(value)}' instead` };
}

function checkShape(field: string, shape: Shape, raw: WireValue): CheckFailure[] {
  // Unknown (preview) values decode to zero values without error (ende.go `walk` strips computed before mapping).
  if (isUnknown(raw) || (isSecret(raw) && isUnknown(raw.value))) return [];
  const value = isSecret(raw) ? raw.value : raw;
  switch (shape) {
    case "string":
      return typeof value === "string" ? [] : [wrongType(field, "string", value)];
    case "boolean":
      return typeof value === "boolean" ? [] : [wrongType(field, "bool", value)];
    case "anyArray":
      return Array.isArray(value) ? [] : [wrongType(field, "[]interface {}", value)];
    case "stringArray":
      if (!Array.isArray(value)) return [wrongType(field, "[]string", value)];
      return value.flatMap((el, i) => (containsUnknown(el) || typeof reveal(el) === "string" ? [] : [wrongType(`${field}[${i}]`, "string", reveal(el))]));
    case "stringMap":
      if (typeof value !== "object" || value === null || Array.isArray(value)) return [wrongType(field, "map[string]string", value)];
      return Object.entries(value).flatMap(([k, el]) =>
        containsUnknown(el) || typeof reveal(el) === "string" ? [] : [wrongType(`${field}.${k}`, "string", reveal(el))],
      );
  }
}

/** Check failures for `news`; an empty list means the engine may go on with `news` as the checked inputs. */
export function checkCommandInputs(news: Record<string, WireValue>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  for (const [name, value] of Object.entries(news)) {
    const shape = INPUT_SHAPES[name];
    if (shape === undefined) {
      failures.push({ property: name, reason: `Unrecognized field '${name}' on '${GO_TYPE}'` });
      continue;
    }
    if (value === null || value === undefined) continue; // optional pointer fields: null decodes to nil
    if (NOT_IMPLEMENTED.has(name)) {
      failures.push({ property: name, reason: `'${name}' is supported by pulumi-command v1.2.1 but not by this TEST DOUBLE` });
      continue;
    }
    failures.push(...checkShape(name, shape, value));
  }
  return failures;
}

/** The input properties of a stored state (outputs embed CommandInputs, local/command.go `CommandOutputs`). */
export function inputsOf(state: Record<string, WireValue>): Record<string, WireValue> {
  return Object.fromEntries(Object.entries(state).filter(([k]) => k in INPUT_SHAPES));
}
