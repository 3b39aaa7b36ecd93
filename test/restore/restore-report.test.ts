/** What `npm run restore` prints after a restore: pure formatting of the report and the by-hand swap steps. */
import { describe, expect, it } from "vitest";
import { formatRestoreReport, swapSteps } from "../../scripts/lib/restore-report";
import type { RestoreReport } from "../../scripts/lib/restore-tenant";

const REPORT: RestoreReport = {
  tenant: "acme",
  into: "acme-restored-20261206030000",
  to: "2026-12-06T03:00:00.000Z",
  backupsUpTo: "2026-12-06T02:59:59Z",
  restored: [{ table: "orders", rows: 20 }],
  current: [{ table: "later", rows: 0 }, { table: "orders", rows: 25 }],
  seconds: 1.234,
};
const CONTEXT = { stack: "prod", app: "acme-sqld-prod", primaryMachineId: "e784079b", adminPort: 9090 };

describe("restore report", () => {
  it("shows each table's restored and current count, '-' where a table is missing on one side", () => {
    const text = formatRestoreReport(REPORT, CONTEXT);
    expect(text).toMatch(/^restored acme as it was at 2026-12-06T03:00:00.000Z into namespace acme-restored-20261206030000 \(1.2 s\); acme itself is unchanged$/m);
    expect(text).toMatch(/^ {2}later {2}\s+- {2}\s+0$/m);
    expect(text).toMatch(/^ {2}orders\s+20\s+25$/m);
    expect(text).toContain("npm run -s token -- --stack prod --tenant acme-restored-20261206030000 --access ro --tenant-keys per-tenant");
  });

  it("swap steps: suspend, keep today's data, the pinned proxy to the primary, the key in a file, DELETE keeping backups, fork back, pulumi up", () => {
    const steps = swapSteps(REPORT, CONTEXT);
    expect(steps[0]).toMatch(/tenantSettings\.acme\.suspended: writes/);
    expect(steps[1]).toMatch(/npm run restore -- --stack prod --tenant acme --to <now, ISO 8601 UTC> --into acme-before-restore-20261206030000/);
    expect(steps[2]).toMatch(/^fly proxy admin\.sock:9090 e784079b\.vm\.acme-sqld-prod\.internal -a acme-sqld-prod &/);
    expect(steps[3]).toMatch(/> admin\.h/);
    expect(steps[4]).toMatch(/-X DELETE .*'\{"keep_backup":true\}' .*http:\/\/sqld\/v1\/namespaces\/acme {4}#/);
    expect(steps[5]).toMatch(/-X POST .*http:\/\/sqld\/v1\/namespaces\/acme-restored-20261206030000\/fork\/acme {4}#/);
    expect(steps[6]).toMatch(/pulumi up --stack prod: it writes acme's jwt_key/);
    // The admin key itself never appears: it is read into a file by the operator's shell.
    expect(steps.join("\n")).not.toMatch(/Basic [^%]/);
  });
});
