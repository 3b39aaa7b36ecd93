/**
 * Reading migration directories: ordered SQL files `NNNN_name.sql` (0001 first, no gaps, no duplicates, none
 * empty). Pure apart from reading files; returns every problem at once, each naming the file or directory.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { sqlStatements, transactionControl } from "./sql-text";

/** `0001_create_nodes.sql`: a 4-digit number, an underscore, a name. */
export const MIGRATION_FILE_PATTERN = /^(\d{4})_([A-Za-z0-9][A-Za-z0-9_-]*)\.sql$/;

export interface MigrationFile {
  /** The file's number (1 for 0001_...). */
  id: number;
  /** File name, e.g. `0001_create_nodes.sql`; recorded with the number so a rename is noticed. */
  name: string;
  /** sha256 (hex) of the file's bytes: an applied file whose bytes change is refused. */
  sha256: string;
  sql: string;
}

export type DirResult = { ok: true; files: MigrationFile[] } | { ok: false; problems: string[] };

export const sha256Hex = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");

export function dirExists(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function fileProblems(path: string, sql: string): string[] {
  const statements = sqlStatements(sql);
  if (statements.length === 0) return [`${path} is empty (no SQL statement); delete it or add the migration's statements`];
  return transactionControl(statements).map(
    (s) => `${path} line ${s.line}: ${s.keyword} is not allowed in a migration file; the migrator runs each file in its own transaction`,
  );
}

/**
 * Every `NNNN_name.sql` in `dir` (other files are ignored; a `.sql` with another name is a problem).
 * Messages name files under `shownAs` (the directory as the user wrote it). @default shownAs = dir
 */
export function readMigrationDir(dir: string, shownAs = dir): DirResult {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (error) {
    return { ok: false, problems: [`directory ${shownAs} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`] };
  }
  const problems: string[] = [];
  const byId = new Map<number, MigrationFile>();
  for (const name of entries.filter((e) => e.endsWith(".sql")).sort()) {
    const path = join(shownAs, name);
    const match = MIGRATION_FILE_PATTERN.exec(name);
    if (!match) {
      problems.push(`${path} is not named NNNN_name.sql (a 4-digit number, "_", letters/digits/-/_); rename it`);
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(dir, name));
    } catch (error) {
      problems.push(`${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      continue;
    }
    const sql = bytes.toString("utf8");
    problems.push(...fileProblems(path, sql));
    const id = Number(match[1]);
    const other = byId.get(id);
    if (other) {
      problems.push(`${path} has the same number as ${join(shownAs, other.name)}; give each migration its own number`);
      continue;
    }
    byId.set(id, { id, name, sha256: sha256Hex(bytes), sql });
  }
  const files = [...byId.values()].sort((a, b) => a.id - b.id);
  files.forEach((file, i) => {
    const previous = i === 0 ? 0 : files[i - 1]!.id;
    if (file.id !== previous + 1) {
      const missing = String(previous + 1).padStart(4, "0");
      const where = i === 0 ? "the first migration must be 0001" : `after ${files[i - 1]!.name}`;
      problems.push(`${join(shownAs, file.name)}: number ${missing} is missing (${where}); numbers must have no gaps`);
    }
  });
  return problems.length > 0 ? { ok: false, problems: [...new Set(problems)] } : { ok: true, files };
}
