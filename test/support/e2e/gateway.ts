/** Calls the deployed gateway Worker the way a product team's service would (README "The edge gateway"). */

export interface GatewayAnswer {
  status: number;
  body: { results?: { columns: string[]; rows: unknown[][] }[]; error?: string; code?: string };
}

export async function gatewayQuery(
  url: string,
  apiKey: string,
  tenant: string,
  statements: { sql: string; args?: unknown[] }[],
  mode: "read" | "write" = "write",
): Promise<GatewayAnswer> {
  const response = await fetch(`${url}/v1/tenants/${tenant}/query`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ statements, mode }),
  });
  return { status: response.status, body: (await response.json()) as GatewayAnswer["body"] };
}

/** The deployed gateway's token endpoint, whatever it answers (status and JSON body). */
export async function gatewayTokenReply(url: string, apiKey: string, tenant: string, access: "ro" | "rw"): Promise<{ status: number; body: { token?: string; url?: string; code?: string } }> {
  const response = await fetch(`${url}/v1/tenants/${tenant}/token`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ access, ttlSeconds: 300 }),
  });
  return { status: response.status, body: (await response.json()) as { token?: string; url?: string; code?: string } };
}

/** The deployed gateway's token endpoint answer (`{token, expiresAt, url}`), as a phone app or service gets it. */
export async function gatewayTokenAnswer(url: string, apiKey: string, tenant: string, access: "ro" | "rw"): Promise<{ token: string; url: string }> {
  const { status, body } = await gatewayTokenReply(url, apiKey, tenant, access);
  if (status !== 200 || !body.token || !body.url) throw new Error(`token for ${tenant}: ${status} ${JSON.stringify(body)}`);
  return { token: body.token, url: body.url };
}

/** A tenant token from the deployed gateway's token endpoint. */
export async function gatewayToken(url: string, apiKey: string, tenant: string, access: "ro" | "rw"): Promise<string> {
  return (await gatewayTokenAnswer(url, apiKey, tenant, access)).token;
}
