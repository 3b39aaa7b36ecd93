// s3rver 3.x ships no types; only what local/backups/s3.ts uses is declared.
declare module "s3rver" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory: string;
    resetOnClose?: boolean;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }

  class S3rver {
    constructor(options: S3rverOptions);
    /** Creates the buckets of `configureBuckets` directly in the store. */
    configureBuckets(): Promise<void>;
    /** Koa's request handler; the promise settles when the request's middleware (store writes included) is done. */
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  }
  export = S3rver;
}
