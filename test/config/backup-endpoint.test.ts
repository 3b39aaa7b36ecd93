// backups.endpoint ends up in fly.toml [env]: what it accepts, and that a refusal never repeats a credential.
import { describe, expect, it } from "vitest";
import { backupEndpointProblem } from "../../infra/config/backup-endpoint";
import { parseStackConfig } from "../../infra/config/parse";

describe("backups.endpoint", () => {
  it.each([
    "https://fly.storage.tigris.dev", // examples/Pulumi.backups.yaml
    "https://s3.eu-central-1.amazonaws.com/",
    "https://minio.example.test:9000",
    "http://127.0.0.1:4568", // local/backups/s3.ts: the s3rver the e2e box and backup tests use
    "http://localhost:9000",
    "http://[::1]:9000",
  ])("accepts %s", (endpoint) => {
    expect(backupEndpointProblem(endpoint)).toBeUndefined();
  });

  it("a refused endpoint with credentials is never echoed, whatever else is wrong with it", () => {
    for (const endpoint of ["http://AKIAEXAMPLE:s3cr3t@s3.example.test", "https://AKIAEXAMPLE:s3cr3t@s3.example.test/?x=1"]) {
      const problem = backupEndpointProblem(endpoint);
      expect(problem).toMatch(/must not contain credentials/);
      expect(problem).not.toMatch(/AKIAEXAMPLE|s3cr3t/);
    }
  });

  it("a whole stack with an http endpoint is refused under the key, and accepted once it is https", () => {
    const raw = (endpoint: string) => ({
      mode: "self-hosted",
      fly: { org: "acme", app: "acme-sqld" },
      regions: [{ code: "ams", role: "primary", volumeSizeGb: 10 }],
      backups: { endpoint, bucket: "acme-backups" },
      backupAccessKeyId: "id",
      backupSecretAccessKey: "key",
    });
    const secretKeys = new Set(["backupAccessKeyId", "backupSecretAccessKey"]);
    const refused = parseStackConfig(raw("http://s3.example.test"), { stack: "dev", secretKeys });
    expect(refused.ok ? [] : refused.problems).toEqual([
      'libsql-stack:backups.endpoint "http://s3.example.test" must use https (plain http only on 127.0.0.1, localhost or [::1]): backups and signed S3 requests travel to it',
    ]);
    expect(parseStackConfig(raw("https://s3.example.test"), { stack: "dev", secretKeys })).toMatchObject({ ok: true });
  });
});
