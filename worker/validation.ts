/**
 * Request body schemas. Strict objects: an unknown field is a caller mistake we report, not ignore.
 * zod/mini rather than classic zod: classic pulls every locale into the bundle (~450 KB of a Worker's budget).
 */
import * as z from "zod/mini";
import { en } from "zod/locales";
import { ACCESS_LEVELS, isValidTenant, TENANT_PATTERN, TOKEN_TTL_SECONDS } from "./claims";
import { HttpError } from "./http";

export const MAX_STATEMENTS = 20;
export const MAX_SQL_CHARS = 10_000;

// English messages only (zod/mini ships none by default, so issues would read "Invalid input").
z.config(en());

export const tokenRequestSchema = z.strictObject({
  access: z.enum(ACCESS_LEVELS),
  ttlSeconds: z._default(
    z.int().check(z.minimum(TOKEN_TTL_SECONDS.min), z.maximum(TOKEN_TTL_SECONDS.max)),
    TOKEN_TTL_SECONDS.default,
  ),
});
type TokenRequest = z.infer<typeof tokenRequestSchema>;

/** JSON has no integer/blob types; numbers are sent as integers when they are integral (see db.ts). */
const sqlValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const statementSchema = z.strictObject({
  sql: z.string().check(
    z.minLength(1, "sql must not be empty"),
    z.maxLength(MAX_SQL_CHARS, `a statement may have at most ${MAX_SQL_CHARS} characters`),
  ),
  args: z.optional(
    z.union([z.array(sqlValue).check(z.maxLength(1000)), z.record(z.string().check(z.minLength(1)), sqlValue)]),
  ),
});

export const queryRequestSchema = z.strictObject({
  statements: z
    .array(statementSchema)
    .check(
      z.minLength(1, "statements must not be empty"),
      z.maxLength(MAX_STATEMENTS, `at most ${MAX_STATEMENTS} statements per request`),
    ),
  mode: z._default(z.enum(["read", "write", "deferred"]), "deferred"),
});
export type QueryRequest = z.infer<typeof queryRequestSchema>;
export type SqlValue = z.infer<typeof sqlValue>;

/** Parses `body` with `schema`, turning zod issues into one readable 400 message. */
export function parseBody<T extends z.ZodMiniType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join(".") : "body";
    return `${path}: ${issue.message}`;
  });
  throw new HttpError(400, `invalid request body: ${problems.join("; ")}`);
}

export function requireValidTenant(tenant: string): string {
  if (!isValidTenant(tenant)) {
    throw new HttpError(400, `invalid tenant name ${JSON.stringify(tenant)}: must match ${TENANT_PATTERN.source}`);
  }
  return tenant;
}
