/** The gateway Worker's fixed settings, in a module of their own so the config schema can use them without esbuild. */

/** The gateway's entry module, relative to the project dir. */
export const WORKER_ENTRY = "worker/index.ts";
/** Flags the Worker is deployed with, and tested with in workerd. */
export const WORKER_COMPATIBILITY_FLAGS = ["nodejs_compat"];
/** Default `worker.compatibilityDate` (config) and the date the tests run the Worker with. */
export const WORKER_COMPATIBILITY_DATE = "2025-09-01";
