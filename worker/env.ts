/** The Worker's bindings, and their validation into a config the routes can trust. */
import { HttpError } from "./http";

export type DbMode = "self-hosted" | "managed";

/** The only tenant accepted in managed mode: a Turso database has no namespaces, so there is one tenant. */
export const MANAGED_TENANT = "default";

/** Bindings as Cloudflare passes them (plain_text / secret_text are strings; absent when not configured). */
export interface Env {
  /** Database URL: sqld (`https://…`/`http://…`) or Turso (`libsql://…`). plain_text. */
  DB_URL?: string;
  /** "self-hosted" (sqld with namespaces, the default) or "managed" (Turso). plain_text. */
  DB_MODE?: string;
  /** PKCS#8 PEM Ed25519 private key used to sign tenant tokens. secret_text; self-hosted mode only. */
  JWT_PRIVATE_KEY?: string;
  /** Key callers must present as `Authorization: Bearer …`. secret_text. */
  GATEWAY_API_KEY?: string;
  /** The Turso database token. secret_text; managed mode only. */
  DB_TOKEN?: string;
}

export type GatewayConfig =
  | { mode: "self-hosted"; dbUrl: string; apiKey: string; jwtPrivateKeyPem: string }
  | { mode: "managed"; dbUrl: string; apiKey: string; dbToken: string };

/** A deployment mistake, not the caller's: reported as 500 with a message naming the binding. */
function misconfigured(problem: string): HttpError {
  return new HttpError(500, `gateway misconfigured: ${problem}`);
}

function required(env: Env, name: keyof Env): string {
  const value = env[name];
  if (typeof value !== "string" || value.trim() === "") throw misconfigured(`binding ${name} is not set`);
  return value;
}

export function loadConfig(env: Env): GatewayConfig {
  const mode = env.DB_MODE ?? "self-hosted";
  const dbUrl = required(env, "DB_URL");
  if (!/^(https?|libsql):\/\//.test(dbUrl)) {
    throw misconfigured("DB_URL must start with https://, http:// or libsql://");
  }
  const apiKey = required(env, "GATEWAY_API_KEY");
  if (mode === "self-hosted") {
    return { mode, dbUrl, apiKey, jwtPrivateKeyPem: required(env, "JWT_PRIVATE_KEY") };
  }
  if (mode === "managed") {
    return { mode, dbUrl, apiKey, dbToken: required(env, "DB_TOKEN") };
  }
  throw misconfigured(`DB_MODE must be "self-hosted" or "managed", got ${JSON.stringify(mode)}`);
}
