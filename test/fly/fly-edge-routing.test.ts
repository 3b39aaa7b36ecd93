// The Fly edge double's machine choice (routing.ts), per Fly's "Dynamic request routing" docs.
import { describe, expect, it } from "vitest";
import { routeToMachine } from "../../local/doubles/fly-edge/routing";

const machines = [
  { id: "m-ams", region: "ams" },
  { id: "m-iad", region: "iad" },
  { id: "m-syd", region: "syd" },
];
const headers = (h: Record<string, string>) => (name: string) => h[name];

describe("routeToMachine", () => {
  it("sends a request to the client's nearest region", () => {
    expect(routeToMachine(machines, headers({}), "iad")?.id).toBe("m-iad");
  });
  it("honours fly-prefer-region, and falls back to the nearest when that region has no started machine", () => {
    expect(routeToMachine(machines, headers({ "fly-prefer-region": "ams" }), "iad")?.id).toBe("m-ams");
    expect(routeToMachine(machines, headers({ "fly-prefer-region": "fra" }), "syd")?.id).toBe("m-syd");
  });
  it("fly-force-instance-id picks that machine or none at all", () => {
    expect(routeToMachine(machines, headers({ "fly-force-instance-id": "m-syd", "fly-prefer-region": "ams" }), "iad")?.id).toBe("m-syd");
    expect(routeToMachine(machines, headers({ "fly-force-instance-id": "gone" }), "iad")).toBeUndefined();
  });
  it("with no machine in the nearest region, any started one; with none, nothing", () => {
    expect(routeToMachine(machines, headers({}), "gru")?.id).toBe("m-ams");
    expect(routeToMachine([], headers({}), "ams")).toBeUndefined();
  });
});
