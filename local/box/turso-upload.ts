/**
 * `POST https://<database hostname>/v1/upload` of the box's Turso databases (TEST DOUBLE of Turso's upload;
 * upstream: tursodatabase/turso-docs api-reference/databases/upload.mdx, cloud/migrate-to-turso.mdx). Each
 * database is a real sqld (./turso.ts); an accepted file becomes that sqld's namespace data, so what was uploaded
 * is what clients then read, through the real server.
 *
 * Documented: a database token (`Authorization: Bearer`, 401 otherwise), `Content-Length` required, the body is
 * the raw SQLite file, which must be journal_mode WAL, page_size 4096, auto_vacuum 0, encoding UTF-8 (400 "Invalid
 * database file (wrong format, settings, or corruption)"); only for a database created with
 * `seed.type = "database_upload"`. Strict where upload.mdx is silent (a real Turso may be laxer):
 *  - the token must be full-access (`a: "rw"`) for THIS database (`id` = DbId) and unexpired → else 401;
 *  - a missing or non-numeric Content-Length, a body shorter or longer than it → 400;
 *  - a database not created for upload, or already uploaded → 400 (one upload per database);
 *  - encryption headers (`x-turso-encryption-*`) → 400: the box has no encrypted databases;
 *  - reserved bytes per page must be 0 (upload.mdx: non-zero only for encrypted files); `PRAGMA quick_check` must
 *    answer ok ("corruption").
 * sqld 0.24.32's on-disk layout (observed): <db-path>/dbs/<namespace>/{data, data-wal, data-shm, wallog,
 * .sentinel, stats.json, to_compact/, tmp/}. The file is placed as `data` with sqld stopped and the WAL, shm and
 * replication log (wallog) removed, so sqld starts on the uploaded pages alone.
 */
import { createPublicKey, verify as verifySignature } from "node:crypto";
import { closeSync, createWriteStream, openSync, readSync, renameSync, rmSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createClient } from "@libsql/client";

export interface UploadTarget {
  dbId: string;
  /** sqld's data dir root (`--db-path`). */
  dbPath: string;
  /** Public key of the token signer, raw Ed25519 unpadded base64url (what sqld gets as SQLD_AUTH_JWT_KEY). */
  jwtKey: string;
  /** Created with seed.type database_upload and not uploaded yet. */
  awaitingUpload(): boolean;
  /** Stops sqld, runs `place`, starts sqld again. */
  restartWith(place: () => void): Promise<void>;
  markUploaded(): void;
}

/** Databases with an upload in flight: a second concurrent upload is refused (400), not interleaved. */
const inFlight = new Set<string>();

const fail = (res: ServerResponse, status: number, error: string) => void res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error }));

/** Whether `authorization` is a full-access, unexpired database token of `dbId` signed by `jwtKey`. */
export function isUploadToken(authorization: string | undefined, dbId: string, jwtKey: string, nowSeconds = Date.now() / 1000): boolean {
  const match = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(authorization ?? "");
  if (!match) return false;
  const [, header, payload, signature] = match;
  const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: jwtKey }, format: "jwk" });
  if (!verifySignature(null, Buffer.from(`${header}.${payload}`), key, Buffer.from(signature!, "base64url"))) return false;
  try {
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")) as { id?: unknown; a?: unknown; exp?: unknown };
    // sqld's leeway is 60 s (jsonwebtoken default); the upload gets none: strict.
    return claims.id === dbId && claims.a === "rw" && (claims.exp === undefined || (typeof claims.exp === "number" && claims.exp > nowSeconds));
  } catch {
    return false;
  }
}

/**
 * Why a SQLite file cannot be uploaded, or undefined when it can. Reads the 100-byte header (sqlite.org/fileformat2:
 * magic, page size at 16, write/read versions 18/19 = 2 for WAL, reserved bytes at 20, auto-vacuum root at 52,
 * text encoding at 56 = 1 for UTF-8), then asks SQLite (`quick_check`) about corruption.
 */
export async function uploadFileProblem(path: string): Promise<string | undefined> {
  const header = Buffer.alloc(100);
  const fd = openSync(path, "r");
  const read = readSync(fd, header, 0, 100, 0);
  closeSync(fd);
  if (read < 100 || header.subarray(0, 16).toString("latin1") !== "SQLite format 3\0") return "not a SQLite database file";
  const pageSize = header.readUInt16BE(16) === 1 ? 65536 : header.readUInt16BE(16);
  if (pageSize !== 4096) return `page_size is ${pageSize}, must be 4096`;
  if (header[18] !== 2 || header[19] !== 2) return "journal_mode must be WAL";
  if (header[20] !== 0) return `reserved bytes per page is ${header[20]}, must be 0 (unencrypted upload)`;
  if (header.readUInt32BE(52) !== 0) return "auto_vacuum must be 0";
  if (header.readUInt32BE(56) !== 1) return "encoding must be UTF-8";
  const db = createClient({ url: `file:${path}` });
  try {
    const check = (await db.execute("PRAGMA quick_check")).rows.map((r) => String(r[0]));
    if (check.length !== 1 || check[0] !== "ok") return `corrupt: ${check.slice(0, 3).join("; ")}`;
  } catch (e) {
    return `corrupt: ${(e as Error).message}`;
  } finally {
    db.close();
  }
  return undefined;
}

/** Answers one upload request on a database's TLS front. */
export async function handleUpload(req: IncomingMessage, res: ServerResponse, target: UploadTarget): Promise<void> {
  if (!isUploadToken(req.headers.authorization, target.dbId, target.jwtKey)) return fail(res, 401, "invalid or missing authorization token");
  if (req.headers["x-turso-encryption-key"] !== undefined || req.headers["x-turso-encryption-cipher"] !== undefined) return fail(res, 400, "encrypted uploads are not supported by this double");
  const length = req.headers["content-length"];
  if (length === undefined || !/^[0-9]+$/.test(length)) return fail(res, 400, "Content-Length is required");
  if (!target.awaitingUpload() || inFlight.has(target.dbId)) return fail(res, 400, "this database was not created with seed.type database_upload, or was already uploaded");
  inFlight.add(target.dbId);
  const dir = join(target.dbPath, "dbs", target.dbId);
  const incoming = join(target.dbPath, `upload-${target.dbId}.db`);
  let received = 0;
  req.on("data", (chunk: Buffer) => (received += chunk.length));
  try {
    await pipeline(req, createWriteStream(incoming));
    if (received !== Number(length)) return fail(res, 400, `body is ${received} bytes, Content-Length said ${length}`);
    const problem = await uploadFileProblem(incoming);
    if (problem) return fail(res, 400, `Invalid database file: ${problem}`);
    await target.restartWith(() => {
      for (const f of ["data-wal", "data-shm", "wallog", "data"]) rmSync(join(dir, f), { force: true });
      rmSync(join(dir, "to_compact"), { recursive: true, force: true });
      renameSync(incoming, join(dir, "data"));
    });
    target.markUploaded();
    res.writeHead(200).end();
  } finally {
    inFlight.delete(target.dbId);
    rmSync(incoming, { force: true });
  }
}
