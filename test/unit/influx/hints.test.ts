import { ConnectionError, errorMessage, briefMessage } from "../../../src/errors";
import { hintFor, type HintedServer } from "../../../src/influx/hints";
import { withRetry } from "../../../src/influx/retry";

const server = (url: string, more: Partial<HintedServer> = {}): HintedServer => ({
  envPrefix: "SOURCE",
  url: new URL(url),
  access: "read",
  ...more,
});

describe("hintFor", () => {
  it("says a host name that does not resolve is not known on this network, and what to check in Docker", () => {
    const hint = hintFor({ code: "ENOTFOUND" }, server("http://influxdb-old:8086"));
    expect(hint).toBe(
      "the host name \"influxdb-old\" is not known on this network: check SOURCE_URL; in Docker, use the server's service or container name, and the backup container must be on the server's network (INFLUXDB_NETWORK)",
    );
  });

  it("says nothing listens on a refused port, and that localhost in a container is the container itself", () => {
    expect(hintFor({ code: "ECONNREFUSED" }, server("http://db.example:8087", { envPrefix: "DEST" }))).toBe(
      "nothing listens on db.example:8087: check the port in DEST_URL, that InfluxDB is running, and that it listens on that address (its bind-address)",
    );
    const local = hintFor({ code: "ECONNREFUSED" }, server("http://localhost:8086"));
    expect(local).toMatch(
      /localhost is the container itself: use the server's service name, or host\.docker\.internal/,
    );
    expect(hintFor({ code: "ECONNREFUSED" }, server("https://127.0.0.1"))).toMatch(
      /^nothing listens on 127\.0\.0\.1:443/,
    );
  });

  it("names the user and password variables on 401, and the grants the job needs", () => {
    expect(hintFor({ status: 401 }, server("http://a:8086", { username: "backup" }))).toBe(
      'check SOURCE_USER "backup" and SOURCE_PASSWORD (or SOURCE_PASSWORD_FILE); the user needs READ on the databases it copies (or admin)',
    );
    expect(hintFor({ status: 401 }, server("http://a:8086"))).toBe(
      "the server requires a user: set SOURCE_USER and SOURCE_PASSWORD (or SOURCE_PASSWORD_FILE)",
    );
    expect(
      hintFor({ status: 403 }, server("http://a:8086", { envPrefix: "RESTORE", username: "w", access: "write" })),
    ).toBe(
      'RESTORE_USER "w" is not allowed to do this; the user needs WRITE on the databases it writes to, and admin (ALL PRIVILEGES) to create databases and retention policies',
    );
  });

  it("tells how to trust a certificate, and has nothing to say about other failures", () => {
    expect(hintFor({ code: "SELF_SIGNED_CERT_IN_CHAIN" }, server("https://a"))).toBe(
      "set SOURCE_CA_FILE to the CA that signed it, or SOURCE_TLS_VERIFY=false",
    );
    expect(hintFor({ code: "ECONNRESET" }, server("http://a"))).toBeUndefined();
    expect(hintFor({ status: 500 }, server("http://a"))).toBeUndefined();
  });
});

describe("an error's hint", () => {
  it("is part of the failure's message but not of each retry line", async () => {
    const err = new ConnectionError("cannot reach source InfluxDB at http://x:8086: ENOTFOUND", "ENOTFOUND", {
      hint: "the host name ...",
    });
    expect(errorMessage(err)).toBe("cannot reach source InfluxDB at http://x:8086: ENOTFOUND — the host name ...");
    expect(briefMessage(err)).toBe("cannot reach source InfluxDB at http://x:8086: ENOTFOUND");
    const retries: string[] = [];
    await expect(
      withRetry(() => Promise.reject(err), {
        policy: { maxRetries: 2, baseDelayMs: 1 },
        onRetry: ({ error }) => retries.push(error),
      }),
    ).rejects.toBe(err);
    expect(retries).toEqual([briefMessage(err), briefMessage(err)]);
  });
});
