/**
 * An S3-compatible server from npm (s3rver) on 127.0.0.1 for bottomless backups, in this process, storing in a
 * temp dir. s3rver knows one built-in access key id and refuses any other (InvalidAccessKeyId), but it does NOT
 * verify SigV4 signatures (s3rver 3.7.1 lib/middleware/authentication.js: "Signature version 4 calculation is
 * unimplemented"): a wrong secret with the right key id is accepted here, unlike on S3. Tests of a wrong secret
 * therefore prove nothing on s3rver; use a wrong key id.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import S3rver from "s3rver";

/** s3rver's built-in account (node_modules/s3rver/lib/models/account.js, DUMMY_ACCOUNT). */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  /** Where s3rver keeps the bucket's objects as files (`<directory>/<bucket>/<key>._S3rver_object`): to inspect what was uploaded. */
  directory: string;
  /** Object writes (PUT/POST) the server has answered so far: what an S3 bill counts as class A requests. */
  writes(): number;
  /** Bytes the bucket's files take on disk (objects plus s3rver's small metadata files). */
  storedBytes(): number;
  close(): Promise<void>;
}

export async function startLocalS3(bucket = "sqld-backups"): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), "libsql-stack-s3-"));
  const s3rver = new S3rver({ silent: true, directory, configureBuckets: [{ name: bucket }] });
  await s3rver.configureBuckets();
  // Our own server around s3rver's handler, so close() can wait for handlers still writing files after their
  // client went away (a killed sqld): removing the directory under them would crash the test process.
  const handle = s3rver.callback();
  const inFlight = new Set<Promise<void>>();
  let writes = 0;
  const server = createServer((req, res) => {
    if (req.method === "PUT" || req.method === "POST") writes++;
    const handled = Promise.resolve(handle(req, res)).finally(() => inFlight.delete(handled));
    inFlight.add(handled);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    directory,
    writes: () => writes,
    storedBytes: () => sizeOf(directory),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      // A handler whose client was killed mid-upload may never settle (seen under a loaded CI run): wait a
      // while, and if some still hold the directory, remove it when the test process exits instead.
      const deadline = Date.now() + 10_000;
      while (inFlight.size > 0 && Date.now() < deadline) {
        await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, 250))]);
      }
      if (inFlight.size === 0) rmSync(directory, { recursive: true, force: true });
      else process.once("exit", () => rmSync(directory, { recursive: true, force: true }));
    },
  };
}

function sizeOf(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}
