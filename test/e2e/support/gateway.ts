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
