/**
 * When a tenant's backup last reached the bucket, read from the bucket itself: sqld 0.24.32 exposes no upload time.
 * Bottomless (libsql-server v0.24.32, bottomless/src/replicator.rs) writes each database under
 * `<db_name>-<generation>/`, where the generation is a UUID v7 of a timestamp counted BACKWARDS
 * (`generation_from_timestamp`: "allows us to list newest generations first"), so the first key listed under
 * `<db_name>-` belongs to the newest generation; its objects (`.meta`, `.dep`, `db.gz`/`db.zstd`, and frame batches
 * `<first>-<last>-<unix seconds>.<compression>`, backup.rs) carry S3's LastModified. The newest of those is the
 * last upload. Requests are ListObjectsV2 (1000 keys a page), path-style, signed with SigV4 (aws4fetch).
 */
import { AwsClient } from "aws4fetch";

export interface BucketAccess {
  /** The S3 endpoint sqld uses (LIBSQL_BOTTOMLESS_ENDPOINT). */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface LastUpload {
  /** ISO time of the newest object of the newest generation. */
  at: string;
  generation: string;
  /** Objects in that generation (frame batches, snapshot, metadata). */
  objects: number;
}

interface ListedObject {
  key: string;
  lastModified: string;
}

const decodeXml = (text: string) =>
  text.replace(/&(lt|gt|quot|apos|amp);/g, (_, name: string) => ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" })[name]!);

function tagText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return match ? decodeXml(match[1]!) : undefined;
}

/** One ListObjectsV2 page: its objects, its common prefixes (with a delimiter), and the next page's token. */
async function listPage(client: AwsClient, access: BucketAccess, query: { prefix: string; delimiter?: string; token?: string }): Promise<{ objects: ListedObject[]; prefixes: string[]; next?: string }> {
  const url = new URL(`${access.endpoint.replace(/\/+$/, "")}/${encodeURIComponent(access.bucket)}`);
  url.searchParams.set("list-type", "2");
  url.searchParams.set("prefix", query.prefix);
  if (query.delimiter) url.searchParams.set("delimiter", query.delimiter);
  if (query.token) url.searchParams.set("continuation-token", query.token);
  const response = await client.fetch(url.toString(), { method: "GET", signal: AbortSignal.timeout(30_000) });
  const xml = await response.text();
  if (!response.ok) throw new Error(`listing s3://${access.bucket}/${query.prefix}: HTTP ${response.status} ${tagText(xml, "Code") ?? ""} ${tagText(xml, "Message") ?? ""}`.trim());
  const objects = [...xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)].map(([, body]) => ({ key: tagText(body!, "Key") ?? "", lastModified: tagText(body!, "LastModified") ?? "" }));
  const prefixes = [...xml.matchAll(/<CommonPrefixes>([\s\S]*?)<\/CommonPrefixes>/g)].map(([, body]) => tagText(body!, "Prefix") ?? "");
  const truncated = tagText(xml, "IsTruncated") === "true";
  return { objects, prefixes, next: truncated ? tagText(xml, "NextContinuationToken") : undefined };
}

const GENERATION = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/$/;

/**
 * The newest generation of `dbName`: the first `<dbName>-<uuid>/` prefix in key order. Another database whose name
 * extends this one (`acme-eu` for `acme`) lists under the same prefix; its generations do not match `<uuid>/`.
 */
async function newestGeneration(client: AwsClient, access: BucketAccess, dbName: string): Promise<string | undefined> {
  let token: string | undefined;
  do {
    const page = await listPage(client, access, { prefix: `${dbName}-`, delimiter: "/", token });
    const found = page.prefixes.map((p) => p.slice(dbName.length + 1)).find((rest) => GENERATION.test(rest));
    if (found) return found.slice(0, -1);
    token = page.next;
  } while (token);
  return undefined;
}

/** The newest generation's last upload for `dbName` (e.g. `ns-<databaseId>:<tenant>`), or null when it has none. */
export async function lastUploadOf(access: BucketAccess, dbName: string): Promise<LastUpload | null> {
  const client = new AwsClient({ accessKeyId: access.accessKeyId, secretAccessKey: access.secretAccessKey, region: access.region, service: "s3" });
  const generation = await newestGeneration(client, access, dbName);
  if (generation === undefined) return null;
  let newest = "";
  let objects = 0;
  let token: string | undefined;
  do {
    const page = await listPage(client, access, { prefix: `${dbName}-${generation}/`, token });
    for (const o of page.objects) if (o.lastModified > newest) newest = o.lastModified;
    objects += page.objects.length;
    token = page.next;
  } while (token);
  return objects === 0 ? null : { at: new Date(newest).toISOString(), generation, objects };
}
