/**
 * The fake flyctl TEST DOUBLE's `fly proxy`, checked against what flyctl and Fly's 6PN DNS do (citations in
 * local/doubles/fake-fly/lib/proxy.js): names resolve to started machines only, `<app>.internal` can be any of them
 * (the double answers newest first), each connection is dialled anew, and targets stay on 127.0.0.1.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeFakeFlyEnv, runScript, runScriptOk, type FakeFlyEnv } from "../../local/doubles/fake-fly/harness";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { resolveHost } = require("../../local/doubles/fake-fly/lib/proxy.js") as { resolveHost(state: unknown, app: string, host: string): { id: string }[] };

const machine = (id: string, group: string, region: string, state = "started") => ({ id, group, region, state, private_ip: `fdaa::${id}` });
const STATE = {
  apps: {
    db: { machines: [machine("a1", "primary", "ams"), machine("b2", "replica", "iad"), machine("c3", "replica", "sin"), machine("d4", "replica", "syd", "stopped")] },
  },
};
const ids = (host: string) => resolveHost(STATE, "db", host).map((m) => m.id);

describe("fake fly proxy: 6PN name resolution", () => {
  it("<app>.internal is every started machine, newest first (a replica, not the primary)", () => {
    expect(ids("db.internal")).toEqual(["c3", "b2", "a1"]);
  });
  it("process group, region, machine id and IPv6 literal names", () => {
    expect(ids("primary.process.db.internal")).toEqual(["a1"]);
    expect(ids("replica.process.db.internal")).toEqual(["c3", "b2"]);
    expect(ids("iad.db.internal")).toEqual(["b2"]);
    expect(ids("b2.vm.db.internal")).toEqual(["b2"]);
    expect(ids("fdaa::a1")).toEqual(["a1"]);
  });
  it("stopped machines, other apps and unknown names do not resolve", () => {
    expect(ids("d4.vm.db.internal")).toEqual([]);
    expect(ids("syd.db.internal")).toEqual([]);
    expect(ids("primary.process.other.internal")).toEqual([]);
    expect(ids("db.fly.dev")).toEqual([]);
    expect(resolveHost(STATE, "nope", "nope.internal")).toEqual([]);
  });
});

describe("fake fly proxy: the CLI", () => {
  let fake: FakeFlyEnv;
  beforeEach(() => {
    fake = makeFakeFlyEnv();
    runScriptOk("fly apps create demo-app --org personal --json", { env: fake.env });
  });
  afterEach(() => fake.cleanup());

  it("refuses targets other than 127.0.0.1 and more than two positionals (exit 1, as flyctl for every error: internal/cli/cli.go Run)", () => {
    const bad = runScript("fly proxy 0:9090 -a demo-app", { env: { ...fake.env, FAKE_FLY_PROXY_TARGETS: '{"abc:9090":"10.0.0.1:9090"}' } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/127\.0\.0\.1/);
    expect(runScript("fly proxy 0:9090 a b -a demo-app", { env: { ...fake.env, FAKE_FLY_PROXY_TARGETS: "{}" } }).code).toBe(1);
  });

  it("does not bind the local port while the remote name does not resolve (flyctl waits for DNS)", async () => {
    const proxy = spawn("fly", ["proxy", "0:9090", "primary.process.demo-app.internal", "-a", "demo-app"], { env: { ...fake.env, FAKE_FLY_PROXY_TARGETS: "{}" } });
    let out = "";
    proxy.stdout.on("data", (d: Buffer) => (out += d));
    await new Promise((r) => setTimeout(r, 1000));
    expect(proxy.exitCode).toBeNull();
    expect(out).not.toMatch(/Proxying/);
    const exited = new Promise((resolve) => proxy.on("exit", resolve));
    proxy.kill("SIGTERM");
    await exited;
  });

  it("forwards each connection to the machine the name resolves to, and closes it when none accepts", async () => {
    const dir = fake.stateDir;
    runScriptOk(
      `printf 'app = "demo-app"\\nprimary_region = "ams"\\n[build]\\nimage = "x:1"\\n[processes]\\nweb = "serve"\\n' > ${dir}/fly.toml && fly deploy ${dir} -a demo-app -c ${dir}/fly.toml --yes`,
      { env: fake.env },
    );
    const id = fake.state().apps["demo-app"].machines[0].id as string;
    const upstream = net.createServer((socket) => socket.on("data", (data) => socket.end(`echo:${data}`)));
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const targets = { [`${id}:9090`]: `127.0.0.1:${(upstream.address() as net.AddressInfo).port}` };
    const talk = (port: number) =>
      new Promise<string>((resolve) => {
        const client = net.connect(port, "127.0.0.1", () => client.write("ping"));
        let data = "";
        client.on("data", (chunk) => (data += chunk));
        client.on("close", () => resolve(data));
        client.on("error", () => resolve(data));
      });
    for (const [remote, expected] of [["9090", "echo:ping"], ["8080", ""]] as const) {
      const proxy = spawn("fly", ["proxy", `0:${remote}`, "-a", "demo-app"], { env: { ...fake.env, FAKE_FLY_PROXY_TARGETS: JSON.stringify(targets) } });
      try {
        const port = await new Promise<number>((resolve, reject) => {
          let seen = "";
          proxy.stdout.on("data", (chunk) => {
            seen += chunk;
            const match = new RegExp(`Proxying localhost:(\\d+) to remote \\[demo-app\\.internal\\]:${remote}`).exec(seen);
            if (match) resolve(Number(match[1]));
          });
          proxy.on("exit", (code) => reject(new Error(`proxy exited early with ${code}`)));
        });
        expect(await talk(port)).toBe(expected);
      } finally {
        const exited = new Promise((resolve) => proxy.on("exit", resolve));
        proxy.kill("SIGTERM");
        await exited;
      }
    }
    upstream.close();
  });

  describe("a unix socket as the local end (proxy/connect.go NewServer: a non-numeric local part is a path)", () => {
    const deployed = () => {
      const dir = fake.stateDir;
      runScriptOk(
        `printf 'app = "demo-app"\\nprimary_region = "ams"\\n[build]\\nimage = "x:1"\\n[processes]\\nweb = "serve"\\n' > ${dir}/fly.toml && fly deploy ${dir} -a demo-app -c ${dir}/fly.toml --yes`,
        { env: fake.env },
      );
      return fake.state().apps["demo-app"].machines[0].id as string;
    };
    const startProxy = (sock: string, env: NodeJS.ProcessEnv) => {
      const proxy = spawn("fly", ["proxy", `${sock}:9090`, "-a", "demo-app"], { env });
      let out = "";
      let err = "";
      proxy.stdout.on("data", (d: Buffer) => (out += d));
      proxy.stderr.on("data", (d: Buffer) => (err += d));
      const exited = new Promise<number | null>((resolve) => proxy.on("exit", resolve));
      return { proxy, exited, out: () => out, err: () => err };
    };

    it("binds the path, forwards to the machine, and refuses a path that already exists (address already in use)", async () => {
      const id = deployed();
      const upstream = net.createServer((socket) => socket.on("data", (data) => socket.end(`echo:${data}`)));
      await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
      const env = { ...fake.env, FAKE_FLY_PROXY_TARGETS: JSON.stringify({ [`${id}:9090`]: `127.0.0.1:${(upstream.address() as net.AddressInfo).port}` }) };
      const dir = mkdtempSync(join(tmpdir(), "proxy-sock-"));
      const sock = join(dir, "admin.sock");
      const first = startProxy(sock, env);
      try {
        // Wait for the proxy's own announcement, not for the socket file: the path exists as soon as it binds, a
        // moment before its stdout line reaches us (on a busy machine, long enough to fail an assertion).
        const announced = `Proxying localhost:${sock} to remote [demo-app.internal]:9090`;
        for (let i = 0; i < 1200 && !first.out().includes(announced); i++) await new Promise((r) => setTimeout(r, 25));
        expect(first.out()).toContain(announced);
        expect(existsSync(sock)).toBe(true);
        const reply = await new Promise<string>((resolve) => {
          const client = net.connect(sock, () => client.write("ping"));
          let data = "";
          client.on("data", (chunk) => (data += chunk));
          client.on("close", () => resolve(data));
        });
        expect(reply).toBe("echo:ping");
        const second = startProxy(sock, env);
        expect(await second.exited).toBe(1);
        expect(second.err()).toMatch(/listen unix .*admin\.sock: .*EADDRINUSE/);
      } finally {
        first.proxy.kill("SIGTERM");
        await first.exited;
        upstream.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("FAKE_FLY_PROXY_START_DELAY_MS holds the bind back like flyctl's agent and tunnel start-up", async () => {
      const id = deployed();
      const env = { ...fake.env, FAKE_FLY_PROXY_TARGETS: JSON.stringify({ [`${id}:9090`]: "127.0.0.1:9" }), FAKE_FLY_PROXY_START_DELAY_MS: "1500" };
      const dir = mkdtempSync(join(tmpdir(), "proxy-sock-"));
      const sock = join(dir, "admin.sock");
      const p = startProxy(sock, env);
      try {
        await new Promise((r) => setTimeout(r, 700));
        expect(existsSync(sock)).toBe(false);
        for (let i = 0; i < 2400 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 25));
        expect(existsSync(sock)).toBe(true);
      } finally {
        p.proxy.kill("SIGTERM");
        await p.exited;
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
