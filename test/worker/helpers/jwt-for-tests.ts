/** Hand-made JWTs for testing the sqld double's rules, including tokens our own code would never mint. */
import { createPrivateKey, sign } from "node:crypto";

export function signTestJwt(
  claims: Record<string, unknown>,
  privateKeyPem: string,
  header: Record<string, unknown> = { alg: "EdDSA", typ: "JWT" },
): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const signingInput = `${encode(header)}.${encode(claims)}`;
  const signature = sign(null, Buffer.from(signingInput), createPrivateKey(privateKeyPem));
  return `${signingInput}.${signature.toString("base64url")}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export interface PipelineReply {
  status: number;
  body: unknown;
  text: string;
}

/** One Hrana v2 pipeline request: execute `sql`, then close the stream. */
export async function executeOnDouble(
  url: string,
  sql: string,
  options: { token?: string; namespace?: string; headers?: Record<string, string> } = {},
): Promise<PipelineReply> {
  const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.namespace !== undefined) headers["x-namespace"] = options.namespace;
  const response = await fetch(`${url}/v2/pipeline`, {
    method: "POST",
    headers,
    body: JSON.stringify({ requests: [{ type: "execute", stmt: { sql } }, { type: "close" }] }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // plain-text protocol errors stay as text
  }
  return { status: response.status, body, text };
}

/** The first pipeline result's type ("ok" or "error"), for a 200 reply. */
export function firstResultType(reply: PipelineReply): string | undefined {
  const results = (reply.body as { results?: { type: string }[] }).results;
  return results?.[0]?.type;
}
