// The Turso API test double itself: the scripts' tests are only as good as the double's fidelity to the notes.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeTursoApi, type FakeTursoApi } from "../../local/doubles/fake-turso-api";

const TOKEN = "platform-token-for-tests";
let api: FakeTursoApi;

beforeEach(async () => {
  api = await startFakeTursoApi({ token: TOKEN });
});
afterEach(async () => {
  await api.close();
});

async function call(method: string, path: string, body?: unknown, token = TOKEN, contentType: string | null = "application/json") {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(contentType === null ? {} : { "content-type": contentType }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

describe("fake Turso Platform API", () => {
  it("listens on 127.0.0.1 only", () => {
    expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("rejects a missing or wrong Bearer token with 401 and records the request", async () => {
    expect((await call("GET", "/v1/locations", undefined, "wrong")).status).toBe(401);
    const res = await fetch(`${api.url}/v1/locations`);
    expect(res.status).toBe(401);
    expect(api.requests.map((r) => r.path)).toEqual(["/v1/locations", "/v1/locations"]);
  });

  it("lists locations as {locations:{code:name}}", async () => {
    const { status, json } = await call("GET", "/v1/locations");
    expect(status).toBe(200);
    expect(json.locations["aws-eu-west-1"]).toBe("AWS EU West (Ireland)");
  });

  it("creates databases with the reference shape and answers 409 for an existing name", async () => {
    expect((await call("POST", "/v1/organizations/acme/groups", { name: "default", location: "aws-eu-west-1" })).status).toBe(200);
    const created = await call("POST", "/v1/organizations/acme/databases", { name: "app", group: "default" });
    expect(created.status).toBe(200);
    expect(Object.keys(created.json.database).sort()).toEqual(["DbId", "Hostname", "Name"]);
    expect(created.json.database.Hostname).toBe("app-acme.turso.io");
    const again = await call("POST", "/v1/organizations/acme/databases", { name: "app", group: "default" });
    expect(again).toEqual({ status: 409, json: { error: "database with name app already exists" } });
    const got = await call("GET", "/v1/organizations/acme/databases/app");
    expect(got.json.database).toMatchObject({ Name: "app", DbId: created.json.database.DbId, group: "default" });
  });

  // openapi.json createDatabase: 400 {"error":"group not found"} ("The group must already exist").
  it("answers 400 group not found for a database in a missing group", async () => {
    expect(await call("POST", "/v1/organizations/acme/databases", { name: "app", group: "nope" })).toEqual({ status: 400, json: { error: "group not found" } });
    expect(api.state.databases.size).toBe(0);
  });

  // openapi.json createGroup 409 example "group already exists"; getGroup 404 GroupNotFoundResponse.
  it("answers createGroup 409 and getGroup 404 with the OpenAPI messages", async () => {
    await call("POST", "/v1/organizations/acme/groups", { name: "g", location: "aws-eu-west-1" });
    expect(await call("POST", "/v1/organizations/acme/groups", { name: "g", location: "aws-us-east-1" })).toEqual({ status: 409, json: { error: "group already exists" } });
    expect(await call("GET", "/v1/organizations/acme/groups/none")).toEqual({ status: 404, json: { error: "group not found" } });
    expect((await call("GET", "/v1/organizations/acme/databases/none")).status).toBe(404);
  });

  // addLocationToGroup: deprecated for new accounts (turso-docs cli/group/locations/add.mdx); never moves the primary.
  it("refuses to add a location to a group and leaves the group unchanged", async () => {
    await call("POST", "/v1/organizations/acme/groups", { name: "g", location: "aws-eu-west-1" });
    const added = await call("POST", "/v1/organizations/acme/groups/g/locations/aws-us-east-1");
    expect(added.status).toBe(400);
    expect(added.json.error).toMatch(/no longer supports multi-region replication/);
    const got = await call("GET", "/v1/organizations/acme/groups/g");
    expect(got.json.group).toMatchObject({ primary: "aws-eu-west-1", locations: ["aws-eu-west-1"] });
  });

  it("refuses a body without Content-Type: application/json (415) and changes nothing", async () => {
    const res = await call("POST", "/v1/organizations/acme/groups", { name: "g", location: "aws-eu-west-1" }, TOKEN, "application/x-www-form-urlencoded");
    expect(res.status).toBe(415);
    expect((await call("POST", "/v1/organizations/acme/groups", { name: "g", location: "aws-eu-west-1" }, TOKEN, null)).status).toBe(415);
    expect(api.state.groups.size).toBe(0);
  });

  it("mints a fresh JWT-looking token on every call and counts them", async () => {
    await call("POST", "/v1/organizations/acme/groups", { name: "default", location: "aws-eu-west-1" });
    await call("POST", "/v1/organizations/acme/databases", { name: "app", group: "default" });
    const path = "/v1/organizations/acme/databases/app/auth/tokens?expiration=never&authorization=read-only";
    const a = await call("POST", path);
    const b = await call("POST", path);
    expect(a.json.jwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a.json.jwt).not.toBe(b.json.jwt);
    expect(api.state.tokensIssued).toBe(2);
    expect((await call("POST", path.replace("read-only", "admin"))).status).toBe(400);
  });

  it("injects one-shot failures without touching the state", async () => {
    api.failNext({ method: "POST", path: "/v1/organizations/acme/groups", status: 500, error: "internal error" });
    const failed = await call("POST", "/v1/organizations/acme/groups", { name: "default", location: "aws-eu-west-1" });
    expect(failed).toEqual({ status: 500, json: { error: "internal error" } });
    expect(api.state.groups.size).toBe(0);
    expect((await call("POST", "/v1/organizations/acme/groups", { name: "default", location: "aws-eu-west-1" })).status).toBe(200);
  });
});
