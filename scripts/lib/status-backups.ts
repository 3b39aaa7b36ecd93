/**
 * The backups part of `npm run status` (pure, no I/O): upload progress from the primary's bottomless metrics and
 * the last upload from the bucket (scripts/lib/backup-age.ts reads it; sqld 0.24.32 exposes no upload time).
 */
import type { LastUpload } from "./backup-age";
import type { Sample } from "./prometheus-text";

/** sqld 0.24.32 names its bottomless databases (metric label `db_name`, S3 key prefix) `ns-<databaseId>:<tenant>`. */
export const backupDbName = (databaseId: string, tenant: string) => `ns-${databaseId}:${tenant}`;
/** …and the namespace list's `<databaseId>-metastore`. */
export const metaStoreDbName = (databaseId: string) => `${databaseId}-metastore`;

/** What the bucket says of one database: its newest upload, none (null), or why it could not be listed. */
export type UploadRead = LastUpload | null | { error: string };

export interface TenantBackup {
  /** `bottomless_local_last_frame_no`: the newest frame in the primary's WAL; null without the metric. */
  localFrame: number | null;
  /** `bottomless_s3_processing_frame_no`: the newest frame handed to the S3 upload; null without the metric. */
  uploadedFrame: number | null;
  /** Frames written but not yet handed to S3 (what a crash that also loses the volume would lose). */
  pendingFrames: number | null;
  /** Time of the newest object of the newest generation in the bucket; null when none or unread. */
  lastUploadAt: string | null;
  /** Seconds from `lastUploadAt` to the check. */
  lastUploadAgeSeconds: number | null;
  /** Why the bucket could not be listed. */
  uploadError?: string;
}

export interface BackupStatus {
  configured: boolean;
  bucket?: string;
  /** The bottomless database id: S3 keys `ns-<id>:<tenant>` and `<id>-metastore`. */
  databaseId?: string;
  /** The namespace list's backup (`--backup-meta-store`), like a tenant's. */
  metaStore?: TenantBackup | null;
  /** Seconds since the newest upload of any database of the stack (tenants and namespace list); null if none. */
  lastUploadAgeSeconds: number | null;
  note?: string;
}

/** What the collector read about backups: the plan's settings and, when configured, the bucket per database. */
export interface RawBackups {
  configured: boolean;
  bucket?: string;
  databaseId?: string;
  /** Per bottomless database name; absent when the bucket was not read (no credentials given). */
  uploads?: ReadonlyMap<string, UploadRead>;
}

const NO_BUCKET_NOTE = "the bucket was not listed (no backup credentials in the stack config): last upload times unknown";

const ageOf = (at: string, checkedAt: string) => Math.max(0, Math.round((Date.parse(checkedAt) - Date.parse(at)) / 1000));

/** A database's backup from the primary's metrics and the bucket; null when neither knows it. */
export function backupOf(samples: readonly Sample[], dbName: string, upload: UploadRead | undefined, checkedAt: string): TenantBackup | null {
  const gauge = (name: string) => samples.find((s) => s.name === name && s.labels.db_name === dbName)?.value ?? null;
  const localFrame = gauge("bottomless_local_last_frame_no");
  const uploadedFrame = gauge("bottomless_s3_processing_frame_no");
  const known = upload !== undefined && upload !== null && !("error" in upload) ? upload : null;
  if (localFrame === null && uploadedFrame === null && known === null && !(upload && "error" in upload)) return null;
  return {
    localFrame,
    uploadedFrame,
    pendingFrames: localFrame === null || uploadedFrame === null ? null : Math.max(0, localFrame - uploadedFrame),
    lastUploadAt: known?.at ?? null,
    lastUploadAgeSeconds: known ? ageOf(known.at, checkedAt) : null,
    ...(upload && "error" in upload && { uploadError: upload.error }),
  };
}

export function backupStatus(raw: RawBackups, primaryMetrics: readonly Sample[], tenantBackups: readonly (TenantBackup | null)[], checkedAt: string): BackupStatus {
  const { configured, bucket, databaseId } = raw;
  if (!configured || !databaseId) return { configured: false, lastUploadAgeSeconds: null };
  const metaName = metaStoreDbName(databaseId);
  const metaStore = backupOf(primaryMetrics, metaName, raw.uploads?.get(metaName), checkedAt);
  const ages = [metaStore, ...tenantBackups].map((b) => b?.lastUploadAgeSeconds).filter((a): a is number => typeof a === "number");
  return {
    configured,
    bucket,
    databaseId,
    metaStore,
    lastUploadAgeSeconds: ages.length === 0 ? null : Math.min(...ages),
    ...(raw.uploads === undefined && { note: NO_BUCKET_NOTE }),
  };
}

/**
 * Backups that stalled: frames waiting for S3 while the newest upload is older than `maxAgeSeconds` (an idle tenant
 * has an old last upload and nothing pending: not a fault), or a bucket that could not be listed.
 */
export function backupProblems(name: string, b: TenantBackup | null, maxAgeSeconds: number): string[] {
  if (b === null) return [];
  if (b.uploadError) return [`${name}: the backup bucket could not be listed: ${b.uploadError}`];
  if ((b.pendingFrames ?? 0) > 0 && b.lastUploadAgeSeconds !== null && b.lastUploadAgeSeconds > maxAgeSeconds) {
    return [`${name}: ${b.pendingFrames} frames wait for S3 and the last upload was ${b.lastUploadAgeSeconds} s ago (limit ${maxAgeSeconds} s): check the machine's log for bottomless errors (fly logs)`];
  }
  return [];
}
