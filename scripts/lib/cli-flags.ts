/** What every CLI under scripts/ shares for its arguments: strict flags, and the usage error (exit 2). */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A mistake in how the command was called or configured: the CLI prints it and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The CLIs' flag values: strings and booleans by flag name. */
export type CliFlags = Record<string, string | boolean | undefined>;

/** Strict flags, no positionals (node:util parseArgs); an unknown or malformed flag is a UsageError naming it. */
export function parseCliFlags(argv: string[], options: NonNullable<ParseArgsConfig["options"]>): CliFlags {
  try {
    return parseArgs({ args: argv, strict: true, allowPositionals: false, options }).values as CliFlags;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
