// TursoDatabases under Pulumi mocks: children, their options (seen by a stack transformation), outputs, secrets.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { TursoDatabases, type TursoDatabasesArgs } from "../../infra/turso/component";

interface Seen {
  type: string;
  name: string;
  parent?: string;
  props: Record<string, unknown>;
  opts: pulumi.CustomResourceOptions;
}

const JWT = "eyJhbGciOiJFZERTQSJ9.eyJhIjoicncifQ.c2lnbmF0dXJl";

function resolve<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((done) => output.apply(done));
}

// Internal SDK helper (exported at runtime, @internal in the typings): waits until the mock monitor saw every
// registration, so inputs are complete and no registration of one test leaks into the next.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

/** Inputs as the mock monitor received them, by resource name (names are unique per test, see `build`). */
const inputs = new Map<string, Record<string, unknown>>();

// Mocks are set once per file: re-setting them while registrations are in flight breaks those registrations.
// Command stdout is what the scripts print against the fake API.
pulumi.runtime.setMocks(
  {
    newResource(a) {
      inputs.set(a.name, a.inputs as Record<string, unknown>);
      let stdout = "";
      // By what the script does, not the name: a tenant may be called `token` (`db-database-token`).
      const create = String((a.inputs as { create?: unknown }).create ?? "");
      if (create.includes("auth/tokens")) stdout = JSON.stringify({ jwt: JWT, rotation: "k" });
      else if (/-database(-|$)/.test(a.name)) stdout = JSON.stringify({ hostname: "app-acme.turso.io", dbId: "db-1", url: "libsql://app-acme.turso.io" });
      return { id: `${a.name}-id`, state: { ...a.inputs, stdout, stderr: "" } };
    },
    call: (a) => a.inputs,
  },
  "libsql-stack",
  "test",
  false,
);

let builds = 0;

/** Builds the component (named db<N>) in a mocked stack and returns what the transformation and monitor saw. */
async function build(args: TursoDatabasesArgs) {
  const name = `db${++builds}`;
  const seen: Seen[] = [];
  const names = new WeakMap<object, string>();
  let component: TursoDatabases | undefined;
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((t) => {
      names.set(t.resource, t.name);
      seen.push({ type: t.type, name: t.name, parent: t.opts.parent && names.get(t.opts.parent), props: t.props, opts: t.opts });
      return undefined;
    });
    component = new TursoDatabases(name, args);
    return {};
  });
  await settings.waitForRPCs();
  // Lookups by the name the component would have as "db", so tests read naturally.
  const real = (short: string) => short.replace(/^db/, name);
  const short = (n: string | undefined) => n?.replace(name, "db");
  const byName = (n: string) => {
    const found = seen.find((s) => s.name === real(n));
    if (!found) throw new Error(`no resource ${n}`);
    return found;
  };
  const dependsOn = (n: string) => ([] as unknown[]).concat(byName(n).opts.dependsOn ?? []).map((r) => short(names.get(r as object)));
  const inputsOf = (n: string) => inputs.get(real(n));
  const children = seen.filter((s) => s.parent === name).map((c) => [short(c.name), c.type]);
  return { component: component!, byName, dependsOn, inputsOf, children };
}

// The pre-tenant single database: tenant `default`, named `turso.database` itself.
const args: TursoDatabasesArgs = { org: "acme", location: "aws-eu-west-1", databases: [{ tenant: "default", name: "app" }] };

describe("TursoDatabases", () => {
  it("registers four Command children under the component", async () => {
    const { byName, children } = await build(args);
    expect(byName("db").type).toBe("libsql-stack:turso:Database");
    expect(children).toEqual([
      ["db-group", "command:local:Command"],
      ["db-database", "command:local:Command"],
      ["db-token", "command:local:Command"],
      ["db-read-token", "command:local:Command"],
    ]);
  });

  it("protects the database by default (protect + retainOnDelete) and orders group → database → token", async () => {
    const { byName, dependsOn } = await build(args);
    expect(byName("db-database").opts).toMatchObject({ protect: true, retainOnDelete: true });
    expect(byName("db-group").opts.protect).toBeFalsy();
    expect(dependsOn("db-database")).toEqual(["db-group"]);
    expect(dependsOn("db-token")).toEqual(["db-database"]);
  });

  it("follows protect: false, and allowDeletion lifts protect (the delete script then asks for consent)", async () => {
    const lifted = await build({ ...args, protect: true, allowDeletion: true });
    expect(lifted.byName("db-database").opts).toMatchObject({ protect: false, retainOnDelete: false });
    expect(lifted.byName("db-database").props.delete).toContain("LIBSQL_STACK_DELETE_DATA");
    const { byName } = await build({ ...args, protect: false, allowDeletion: true });
    expect(byName("db-database").opts).toMatchObject({ protect: false, retainOnDelete: false });
    expect(byName("db-database").props.delete).toContain("turso_request DELETE /v1/organizations/acme/databases/app");
  });

  it("keeps the token out of logs and state in clear, re-minted only by tokenRotation", async () => {
    const { byName, inputsOf } = await build({ ...args, tokenRotation: "2025-06" });
    const token = byName("db-token");
    expect(token.opts.additionalSecretOutputs).toEqual(["stdout"]);
    expect(inputsOf("db-token")).toMatchObject({ logging: "none", triggers: ["acme", "app", "2025-06"], addPreviousOutputInEnv: true });
    expect(inputsOf("db-token")!.update).toContain("PULUMI_COMMAND_STDOUT");
    expect(inputsOf("db-database")).toMatchObject({ logging: "stdoutAndStderr", addPreviousOutputInEnv: false });
  });

  // pulumi-command v1.2.1: only a `triggers` change replaces (provider/pkg/provider/common/inputs.go), so the
  // identity must be there for a renamed org/group/database to be a replace that `protect` can refuse.
  it("puts org, group and database into the triggers, so renaming any of them is a replace", async () => {
    const { inputsOf } = await build({ ...args, group: "g1" });
    expect(inputsOf("db-group")!.triggers).toEqual(["acme", "g1"]);
    expect(inputsOf("db-database")!.triggers).toEqual(["acme", "g1", "app"]);
    expect(inputsOf("db-token")!.triggers).toEqual(["acme", "app", "1"]);
  });

  it("outputs url and hostname from the database stdout, and the token as a secret", async () => {
    const { component } = await build(args);
    const db = component.databases.default!;
    expect(await resolve(db.url)).toBe("libsql://app-acme.turso.io");
    expect(await resolve(db.hostname)).toBe("app-acme.turso.io");
    expect(await resolve(db.dbId)).toBe("db-1");
    expect(await pulumi.isSecret(db.token)).toBe(true);
    expect(await resolve(db.token)).toBe(JWT);
    expect(await pulumi.isSecret(db.readToken)).toBe(true);
    expect(await pulumi.isSecret(db.url)).toBe(false);
  });

  it("uses the ambient TURSO_API_TOKEN unless apiToken is given, then passes it as a secret environment variable", async () => {
    const ambient = await build(args);
    for (const name of ["db-group", "db-database", "db-token"]) expect(ambient.byName(name).props.environment).toBeUndefined();
    const given = await build({ ...args, apiToken: "tp_from_config" });
    const env = given.byName("db-token").props.environment as Record<string, pulumi.Output<string>>;
    expect(await pulumi.isSecret(env.TURSO_API_TOKEN!)).toBe(true);
    expect(await resolve(env.TURSO_API_TOKEN!)).toBe("tp_from_config");
    for (const name of ["db-group", "db-database", "db-token"]) {
      expect(JSON.stringify(given.byName(name).props.create)).not.toContain("tp_from_config");
    }
  });

  it("rejects invalid arguments, naming the field, before registering anything", async () => {
    const before = inputs.size;
    expect(() => new TursoDatabases("bad", { ...args, databases: [{ tenant: "acme", name: "My DB" }] })).toThrow(/^turso database "My DB" is invalid/);
    expect(() => new TursoDatabases("bad", { ...args, tokenExpiration: "soon" })).toThrow(/^turso expiration "soon" is invalid/);
    expect(() => new TursoDatabases("bad", { ...args, databases: [] })).toThrow(/at least one database/);
    expect(() => new TursoDatabases("bad", { ...args, databases: [{ tenant: "a", name: "x-a" }, { tenant: "a", name: "x-b" }] })).toThrow(/each tenant may appear once/);
    await settings.waitForRPCs();
    expect(inputs.size).toBe(before);
  });

  it("one database and two tokens per tenant, one group; `default` keeps the pre-tenant names, others are suffixed", async () => {
    const { children, inputsOf, dependsOn, component } = await build({
      ...args,
      databases: [{ tenant: "default", name: "app" }, { tenant: "acme", name: "app-acme" }, { tenant: "token", name: "app-token" }],
    });
    expect(children.map(([n]) => n)).toEqual([
      "db-group",
      "db-database", "db-token", "db-read-token",
      "db-database-acme", "db-token-acme", "db-read-token-acme",
      "db-database-token", "db-token-token", "db-read-token-token",
    ]);
    expect(inputsOf("db-database-acme")!.triggers).toEqual(["acme", "default", "app-acme"]);
    expect(inputsOf("db-database-acme")!.create).toContain('"name":"app-acme"');
    expect(inputsOf("db-token-acme")!.create).toMatch(/databases\/app-acme\/auth\/tokens.*authorization.*=full-access/);
    expect(inputsOf("db-read-token-acme")!.create).toMatch(/databases\/app-acme\/auth\/tokens.*authorization.*=read-only/);
    expect(dependsOn("db-database-acme")).toEqual(["db-group"]);
    expect(dependsOn("db-read-token-acme")).toEqual(["db-database-acme"]);
    expect(Object.keys(component.databases)).toEqual(["default", "acme", "token"]);
  });
});
