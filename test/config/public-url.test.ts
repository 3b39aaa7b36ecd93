import { describe, expect, it } from "vitest";
import { normalizeOrigin, sqldPublicUrlProblem } from "../../infra/config/public-url";

describe("sqld.publicUrl", () => {
  it.each(["https://db.example.com", "https://db.example.com:8443/", "http://127.0.0.1:4100", "http://localhost:8080", "http://[::1]:9"])("accepts %s", (url) => {
    expect(sqldPublicUrlProblem(url)).toBeUndefined();
  });

  it.each([
    ["http://db.example.com", /https/],
    ["http://127.0.0.2:80", /https/],
    ["ftp://db.example.com", /https/],
    ["https://user:pw@db.example.com", /origin only/],
    ["https://db.example.com/?x=1", /origin only/],
    ["https://db.example.com/#x", /origin only/],
    ["//db.example.com", /not a URL/],
  ])("refuses %s", (url, why) => {
    expect(sqldPublicUrlProblem(url)).toMatch(why);
  });

  it("drops the trailing slash the clients would double", () => {
    expect(normalizeOrigin("https://db.example.com:8443/")).toBe("https://db.example.com:8443");
  });
});
