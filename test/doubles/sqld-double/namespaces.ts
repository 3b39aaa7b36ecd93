/**
 * TEST DOUBLE of sqld's namespace store: one SQLite file per namespace (real SQLite via the `libsql` npm
 * package) in a temp directory, plus namespace resolution from request headers as sqld does it.
 */
import * as fs from "node:fs";
import { isIP } from "node:net";
import * as path from "node:path";
import Database from "libsql";
import type { KeyObject } from "node:crypto";

export type Connection = Database.Database;

export interface NamespaceStats {
  rowsRead: number;
  rowsWritten: number;
  queryCount: number;
}

interface NamespaceEntry {
  file: string;
  /** A namespace's own key (admin `jwt_key`) replaces the global key for that namespace. */
  jwtKeys?: KeyObject[];
  stats: NamespaceStats;
  connections: Set<Connection>;
}

export class NamespaceError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "NamespaceError";
  }
}

export const doesntExist = (ns: string) => new NamespaceError(404, `Namespace \`${ns}\` doesn't exist`);

export class NamespaceStore {
  private readonly entries = new Map<string, NamespaceEntry>();

  constructor(private readonly dir: string) {}

  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  create(name: string, jwtKeys?: KeyObject[]): void {
    if (this.entries.has(name)) throw new NamespaceError(400, `Namespace \`${name}\` already exists`);
    // Hex file names: sqld only requires names to be non-empty, so they may hold any character.
    const file = path.join(this.dir, `${Buffer.from(name).toString("hex")}.db`);
    const db = new Database(file);
    db.pragma("journal_mode = WAL"); // persistent; lets streams read while another holds a write transaction
    db.close();
    this.entries.set(name, { file, jwtKeys, stats: { rowsRead: 0, rowsWritten: 0, queryCount: 0 }, connections: new Set() });
  }

  delete(name: string): void {
    const entry = this.entries.get(name);
    if (!entry) throw doesntExist(name);
    this.entries.delete(name);
    for (const connection of entry.connections) connection.close();
    for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(entry.file + suffix, { force: true });
  }

  jwtKeysOf(name: string): KeyObject[] | undefined {
    return this.entries.get(name)?.jwtKeys;
  }

  stats(name: string): NamespaceStats {
    const entry = this.entries.get(name);
    if (!entry) throw doesntExist(name);
    return entry.stats;
  }

  storageBytes(name: string): number {
    const entry = this.entries.get(name);
    if (!entry) throw doesntExist(name);
    return ["", "-wal"].reduce((sum, suffix) => {
      const file = entry.file + suffix;
      return sum + (fs.existsSync(file) ? fs.statSync(file).size : 0);
    }, 0);
  }

  /** A fresh connection per Hrana stream, so each stream has its own transaction state, as in sqld. */
  open(name: string): Connection {
    const entry = this.entries.get(name);
    if (!entry) throw doesntExist(name);
    const connection = new Database(entry.file, { timeout: 0 }); // never block the event loop on a lock
    connection.defaultSafeIntegers(true); // integers as bigint, so Hrana integers stay exact
    entry.connections.add(connection);
    return connection;
  }

  release(name: string, connection: Connection): void {
    this.entries.get(name)?.connections.delete(connection);
    if (connection.open) connection.close();
  }

  closeAll(): void {
    for (const name of [...this.entries.keys()]) {
      const entry = this.entries.get(name);
      for (const connection of entry?.connections ?? []) if (connection.open) connection.close();
    }
    this.entries.clear();
  }
}

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * sqld's order: `x-namespace-bin` (base64, no padding), `x-namespace`, first label of Host, `default`.
 * Host is skipped when it is an IP literal or `localhost`, which have no meaningful first label.
 */
export function namespaceFromHeaders(headers: Headers, disableDefaultNamespace: boolean): string {
  const invalid = new NamespaceError(400, "Invalid namespace");
  const binary = header(headers, "x-namespace-bin");
  if (binary !== undefined) {
    if (!/^[A-Za-z0-9+/]+$/.test(binary)) throw invalid;
    const name = Buffer.from(binary, "base64").toString("utf8");
    if (name === "" || name.includes("\uFFFD")) throw invalid;
    return name;
  }
  const plain = header(headers, "x-namespace");
  if (plain !== undefined) {
    if (plain === "") throw invalid;
    return plain;
  }
  const host = header(headers, "host");
  if (host) {
    const hostname = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.replace(/:\d+$/, "");
    const firstLabel = hostname.split(".")[0] ?? "";
    if (isIP(hostname) === 0 && hostname !== "localhost" && hostname.includes(".") && firstLabel !== "") {
      return firstLabel;
    }
  }
  if (disableDefaultNamespace) throw invalid;
  return "default";
}
