/**
 * HTTPS against a real InfluxDB with TLS on and a certificate from a test CA made here with
 * openssl: trusted through SOURCE_CA_FILE, refused without it (with a message that says what
 * to set), and accepted with SOURCE_TLS_VERIFY=false plus a warning.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { InfluxClient } from "../../src/influx/client";
import { START } from "./helpers/dataset";
import { freshName, startInflux, type InfluxServer } from "./helpers/influxServer";
import { backup } from "./helpers/runBackup";

let plain: InfluxServer;
let secure: InfluxServer;
let dir: string;

function makeCertificates(host: string): void {
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  run(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=influxdb-backup test CA",
  );
  run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=influxdb");
  const san = /^\d+\.\d+\.\d+\.\d+$/.test(host) ? `IP:${host}` : `DNS:${host}`;
  fs.writeFileSync(path.join(dir, "ext.cnf"), `subjectAltName=${san},IP:127.0.0.1,DNS:localhost\n`);
  run(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "ext.cnf",
  );
  fs.chmodSync(path.join(dir, "server.key"), 0o644);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "influxdb-backup-tls-"));
  plain = await startInflux();
  makeCertificates(new URL(plain.url).hostname);
  secure = await startInflux({}, { tls: { cert: path.join(dir, "server.pem"), key: path.join(dir, "server.key") } });
  // Seed the TLS server through the product's client, which trusts the test CA.
  const client = new InfluxClient({
    role: "source",
    url: new URL(secure.url),
    timeoutMs: 5000,
    ca: fs.readFileSync(path.join(dir, "ca.pem"), "utf8"),
  });
  try {
    await client.query("CREATE DATABASE tlsdb");
    await client.write("tlsdb", "autogen", [`m,host=a v=1.5 ${START}`, `m,host=b v=2.5 ${START + 1n}`].join("\n"));
  } finally {
    client.close();
  }
});
afterAll(async () => {
  await Promise.all([plain?.stop(), secure?.stop()]);
});

function envFor(dst: string, extra: Record<string, string>): Record<string, string> {
  return {
    SOURCE_URL: secure.url,
    SOURCE_DBS: "tlsdb",
    DEST_URL: plain.url,
    DEST_DBS: dst,
    SOURCE_GROUP_BY: "raw",
    MAX_RETRIES: "0",
    ...extra,
  };
}

describe("HTTPS", () => {
  it("backs up from an https:// server whose CA is given in SOURCE_CA_FILE", async () => {
    const dst = freshName("tls_b");
    const { summary } = await backup(envFor(dst, { SOURCE_CA_FILE: path.join(dir, "ca.pem") }));
    expect(summary.failures).toEqual([]);
    const rows = await plain.query(`SELECT * FROM m GROUP BY *`, dst);
    expect(rows.results[0]!.series!.map((s) => [s.tags, s.values])).toEqual([
      [{ host: "a" }, [["2024-01-01T00:02:17.123456789Z", 1.5]]],
      [{ host: "b" }, [["2024-01-01T00:02:17.12345679Z", 2.5]]],
    ]);
  });

  it("refuses an unknown CA with a message that says what to set", async () => {
    const { summary } = await backup(envFor(freshName("tls_no"), {}));
    expect(summary.ok).toBe(false);
    expect(summary.failures[0]!.message).toMatch(
      /cannot verify the TLS certificate of source InfluxDB at https:.*set SOURCE_CA_FILE .* or SOURCE_TLS_VERIFY=false/,
    );
  });

  it("accepts any certificate with SOURCE_TLS_VERIFY=false, and warns once", async () => {
    const dst = freshName("tls_off");
    const { summary, log } = await backup(envFor(dst, { SOURCE_TLS_VERIFY: "false" }));
    expect(summary.failures).toEqual([]);
    expect(log.match(/TLS certificate verification is off for source InfluxDB/g)).toHaveLength(1);
    expect((await plain.query(`SELECT count(v) FROM m`, dst)).results[0]!.series![0]!.values![0]![1]).toBe(2);
  });
});
