/**
 * What the `mode-switch` Command (stacks/mode-switch.ts) hands its script (scripts/mode-switch.ts) in
 * MODE_SWITCH_PLAN: plain values only, the credentials travel as secret environment variables.
 */
import { z } from "zod";
import { DB_MODES } from "../worker/modes";

export const modeSwitchPlanSchema = z.strictObject({
  /** The side that serves after this run. */
  mode: z.enum(DB_MODES),
  /** The sqld app (its primary's admin API through `fly proxy`) and its public URL (Hrana, `/dump`). */
  sqld: z.strictObject({ app: z.string(), url: z.string() }),
  turso: z.strictObject({ org: z.string(), group: z.string() }),
  /** Every tenant and shared namespace with its Turso database's name. */
  tenants: z.array(z.strictObject({ tenant: z.string(), database: z.string() })),
  /** The self-hosted side keeps a migration ledger (the stack has migrations). */
  ledger: z.boolean(),
});

export type ModeSwitchPlan = z.infer<typeof modeSwitchPlanSchema>;
