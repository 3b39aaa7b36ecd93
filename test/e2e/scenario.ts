/** What `npm run e2e` runs: named scenarios with their dependencies, sharing state through `Shared`. */
import type { LocalS3 } from "../../local/backups/s3";
import type { LocalCloud } from "../support/e2e/local-cloud";

export interface Shared {
  /** The dev stack brought up by scenario a and used by b, c and f. */
  dev?: LocalCloud;
  /** The prod-like stack of scenario d (3 regions, protected) and its S3 bucket, used by c and f2. */
  prod?: { cloud: LocalCloud; s3: LocalS3 };
  /** Things to close when the run ends, whatever happened. */
  closers: (() => Promise<void>)[];
}

export interface Scenario {
  /** The letter and a short name, e.g. "a dev from empty". */
  id: string;
  /** Scenario ids that must have passed first (their state is reused). */
  needs?: string[];
  /** Throws on a failed expectation; returns one line of facts for the report (timings, counts). */
  run(shared: Shared): Promise<string>;
}
