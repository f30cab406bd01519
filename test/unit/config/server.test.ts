import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseServer, serverVariables } from "../../../src/config";
import { reader } from "../../../src/config/values";

/** The parsed server and the problems found, for variables under one prefix. */
function serverFrom(prefix: string, vars: Record<string, string>, required = true) {
  const env: Record<string, string> = {};
  for (const [suffix, value] of Object.entries(vars)) env[`${prefix}_${suffix}`] = value;
  const problems: string[] = [];
  const server = parseServer(prefix, reader(env), problems, { required, label: "test" });
  return { server, problems };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cfg-server-"));

describe.each(["SOURCE", "DEST", "RESTORE"])("parseServer with prefix %s", (P) => {
  it("requires the URL only when asked to, naming the server", () => {
    expect(serverFrom(P, {}).problems).toEqual([`${P}_URL is required: the test InfluxDB, e.g. http://influxdb:8086`]);
    expect(serverFrom(P, {}, false)).toEqual({ server: undefined, problems: [] });
  });

  it("takes credentials from the URL, strips them from it, and lets the variables win", () => {
    const fromUrl = serverFrom(P, { URL: "https://alice:s%40cret@db:8086" });
    expect(fromUrl.problems).toEqual([]);
    expect(fromUrl.server).toMatchObject({ username: "alice", password: "s@cret", tlsVerify: true });
    expect(fromUrl.server!.url.href).toBe("https://db:8086/");
    const overridden = serverFrom(P, { URL: "http://a:b@db:8086", USER: "u", PASSWORD: "p" }).server!;
    expect([overridden.username, overridden.password]).toEqual(["u", "p"]);
  });

  it("refuses a password given both directly and in a file", () => {
    const file = path.join(dir, `${P}-pw`);
    fs.writeFileSync(file, "from-file\r\n");
    const { server, problems } = serverFrom(P, {
      URL: "http://db:8086",
      USER: "u",
      PASSWORD: "p",
      PASSWORD_FILE: file,
    });
    expect(problems).toEqual([`${P}_PASSWORD and ${P}_PASSWORD_FILE are both set: use one`]);
    expect(server!.password).toBe("from-file");
  });

  it("refuses a password without a user, from the variable or from the URL", () => {
    const message = `${P}_PASSWORD is set but ${P}_USER is not: InfluxDB needs both`;
    expect(serverFrom(P, { URL: "http://db:8086", PASSWORD: "p" }).problems).toEqual([message]);
    expect(serverFrom(P, { URL: "http://:p@db:8086" }).problems).toEqual([message]);
  });

  it("names unreadable password files and CA files that are not PEM", () => {
    const notPem = path.join(dir, `${P}-ca.txt`);
    fs.writeFileSync(notPem, "hello\n");
    const { problems } = serverFrom(P, {
      URL: "https://db:8086",
      USER: "u",
      PASSWORD_FILE: "/nonexistent/pw",
      CA_FILE: notPem,
    });
    expect(problems).toEqual([
      `${P}_PASSWORD_FILE="/nonexistent/pw": cannot read it (ENOENT)`,
      `${P}_CA_FILE=${JSON.stringify(notPem)}: expected PEM certificates (-----BEGIN CERTIFICATE-----)`,
    ]);
  });

  it.each([
    ["true", true],
    ["1", true],
    ["YES", true],
    ["false", false],
    ["0", false],
    ["No", false],
  ])("reads TLS_VERIFY=%s as %s", (value, expected) => {
    const { server, problems } = serverFrom(P, { URL: "https://db:8086", TLS_VERIFY: value });
    expect(problems).toEqual([]);
    expect(server!.tlsVerify).toBe(expected);
  });

  it("refuses other TLS_VERIFY values", () => {
    expect(serverFrom(P, { URL: "https://db:8086", TLS_VERIFY: "maybe" }).problems).toEqual([
      `${P}_TLS_VERIFY="maybe": expected true or false`,
    ]);
  });

  it("refuses URLs that are not http(s), and never repeats a password from one it cannot parse", () => {
    expect(serverFrom(P, { URL: "ftp://db" }).problems).toEqual([
      `${P}_URL: expected an http:// or https:// URL, got ftp://`,
    ]);
    const { server, problems } = serverFrom(P, { URL: "http://user:topsecret@bad host:8086" });
    expect(server).toBeUndefined();
    expect(problems).toEqual([
      `${P}_URL="http://user:***@bad host:8086": not a valid URL; expected e.g. http://influxdb:8086`,
    ]);
  });
});

describe("server variables", () => {
  it("are the same six settings under each prefix", () => {
    expect(serverVariables("RESTORE")).toEqual([
      "RESTORE_URL",
      "RESTORE_USER",
      "RESTORE_PASSWORD",
      "RESTORE_PASSWORD_FILE",
      "RESTORE_CA_FILE",
      "RESTORE_TLS_VERIFY",
    ]);
  });
});
