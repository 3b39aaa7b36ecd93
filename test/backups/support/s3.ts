/**
 * An S3-compatible server from npm (s3rver) on 127.0.0.1 for bottomless backups, in this process, storing in a
 * temp dir. s3rver checks request signatures (AWS SigV4) against its one built-in key pair, so sqld must be
 * given exactly these credentials: a wrong secret is refused as it would be by S3.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";

/** s3rver's built-in account (node_modules/s3rver/lib/models/account.js, DUMMY_ACCOUNT). */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  /** Object writes (PUT/POST) the server has answered so far: what an S3 bill counts as class A requests. */
  writes(): number;
  /** Bytes the bucket's files take on disk (objects plus s3rver's small metadata files). */
  storedBytes(): number;
  close(): Promise<void>;
}

export async function startLocalS3(bucket = "sqld-backups"): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), "libsql-stack-s3-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  let writes = 0;
  server.httpServer.on("request", (req) => {
    if (req.method === "PUT" || req.method === "POST") writes++;
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    writes: () => writes,
    storedBytes: () => sizeOf(directory),
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

function sizeOf(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}
