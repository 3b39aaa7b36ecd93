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

/** A tenant token from the deployed gateway's token endpoint, as a phone app or service gets one. */
export async function gatewayToken(url: string, apiKey: string, tenant: string, access: "ro" | "rw"): Promise<string> {
  const response = await fetch(`${url}/v1/tenants/${tenant}/token`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ access, ttlSeconds: 300 }),
  });
  const body = (await response.json()) as { token?: string };
  if (response.status !== 200 || !body.token) throw new Error(`token for ${tenant}: ${response.status} ${JSON.stringify(body)}`);
  return body.token;
}
