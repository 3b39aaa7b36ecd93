import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routeUrl, workersDevSubdomainScripts, workersDevUrl } from "../../infra/cloudflare/workers-dev";
import { startFakeWorkersSubdomainApi } from "../../local/doubles/fake-cloudflare-api/workers-subdomain";
import { runShell } from "../../local/run-process";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const TOKEN = "cf-token-for-tests";

const startFakeCloudflare = (subdomains: Record<string, string | null>) => startFakeWorkersSubdomainApi({ token: TOKEN, subdomains });

describe("workers.dev subdomain script (fake Cloudflare API)", () => {
  let api: Awaited<ReturnType<typeof startFakeCloudflare>>;
  const env = (token = TOKEN) => ({ PATH: process.env.PATH, CLOUDFLARE_API_URL: api.url, CLOUDFLARE_API_TOKEN: token });
  beforeAll(async () => {
    api = await startFakeCloudflare({ [ACCOUNT]: "acme", ["f".repeat(32)]: null });
  });
  afterAll(() => new Promise<void>((r) => api.server.close(() => r())));

  it("prints the account's subdomain, with the token only in a header read from stdin", async () => {
    const scripts = workersDevSubdomainScripts(ACCOUNT);
    const result = await runShell(scripts.create, env());
    expect(result.code, result.stderr).toBe(0);
    expect(workersDevUrl("gw", result.stdout)).toBe("https://gw.acme.workers.dev");
    expect(scripts.create).not.toContain(TOKEN);
  });

  it("fails with the fix when the account has no workers.dev subdomain", async () => {
    const result = await runShell(workersDevSubdomainScripts("f".repeat(32)).create, env());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("does not have a workers.dev subdomain");
    expect(result.stderr).toContain("libsql-stack:worker.customDomain");
  });

  it("fails, naming the permission, when the token is refused", async () => {
    const result = await runShell(workersDevSubdomainScripts(ACCOUNT).create, env("wrong"));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("HTTP 403 (the token needs Workers Scripts Read)");
    expect(result.stderr).not.toContain("wrong");
  });

  it("refuses a token with a line break before any request (it would add header lines of its own)", async () => {
    const before = api.paths.length;
    const result = await runShell(workersDevSubdomainScripts(ACCOUNT).create, env(`${TOKEN}\nX-Injected: 1`));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("CLOUDFLARE_API_TOKEN contains a line break");
    expect(result.stderr).not.toContain(TOKEN);
    expect(api.paths.length).toBe(before);
  });

  it("needs CLOUDFLARE_API_TOKEN and a valid account id", async () => {
    expect((await runShell(workersDevSubdomainScripts(ACCOUNT).create, { PATH: process.env.PATH, CLOUDFLARE_API_URL: api.url })).code).not.toBe(0);
    expect(() => workersDevSubdomainScripts("acme")).toThrow(/32-hex-digit/);
  });
});

describe("gateway URLs", () => {
  it.each([
    ["gw.acme.dev/*", "https://gw.acme.dev/"],
    ["acme.dev/db/*", "https://acme.dev/db/"],
    ["*.acme.dev/*", undefined],
  ])("route %s → %s", (pattern, url) => {
    expect(routeUrl(pattern)).toBe(url);
  });
});
