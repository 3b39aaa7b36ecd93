import { quote } from "shell-quote";

/** One value as a single POSIX sh word: every interpolation goes through here, never through a template. */
export function shellWord(value: string | number): string {
  return quote([String(value)]);
}

/** Several values as sh words, e.g. a list of secret names. */
export function shellWords(values: readonly (string | number)[]): string {
  return quote(values.map(String));
}

/**
 * A complete script for `sh -c`. `set -eu` stops at the first failing command and at any unset variable,
 * so a half-run script never reports success to Pulumi.
 */
export function shellScript(lines: readonly string[]): string {
  return ["set -eu", ...lines, ""].join("\n");
}

/** `name=value` lines with quoted values; scripts then use "$name", which keeps the script body readable. */
export function shellAssignments(values: Readonly<Record<string, string | number>>): string[] {
  return Object.entries(values).map(([name, value]) => `${name}=${shellWord(value)}`);
}
