/**
 * What a user can do about a failure to reach or use a server, chosen from the error's code or
 * HTTP status. Pure. Each hint names the variables to check by their prefix (SOURCE_, DEST_,
 * RESTORE_), since the same failure has the same causes whichever server it is.
 */

export interface HintedServer {
  /** Prefix of the variables that configure the server (SOURCE, DEST, RESTORE); none: "its URL". */
  envPrefix?: string;
  url: URL;
  username?: string;
  /** What the tool does there: read (source, a backup being restored) or write (destination, restore target). */
  access: "read" | "write";
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** For an error code of Node's network stack (ENOTFOUND, ECONNREFUSED, ...) or an HTTP status. */
export function hintFor(problem: { code?: string; status?: number }, server: HintedServer): string | undefined {
  const p = server.envPrefix;
  const urlVar = p ? `${p}_URL` : "its URL";
  const host = server.url.hostname;
  switch (problem.code) {
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return (
        `the host name "${host}" is not known on this network: check ${urlVar}; in Docker, use the server's ` +
        `service or container name, and the backup container must be on the server's network (INFLUXDB_NETWORK)`
      );
    case "ECONNREFUSED": {
      const port = server.url.port || (server.url.protocol === "https:" ? "443" : "80");
      const local = LOOPBACK.has(host)
        ? `; from a container, ${host} is the container itself: use the server's service name, or host.docker.internal for a server on the host`
        : "";
      return (
        `nothing listens on ${host}:${port}: check the port in ${urlVar}, that InfluxDB is running, and that ` +
        `it listens on that address (its bind-address)${local}`
      );
    }
  }
  if (problem.status === 401 || problem.status === 403) return credentialsHint(problem.status, server);
  if (problem.code && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(problem.code)) {
    return p
      ? `set ${p}_CA_FILE to the CA that signed it, or ${p}_TLS_VERIFY=false`
      : "trust the CA that signed it, or turn certificate verification off";
  }
  return undefined;
}

function credentialsHint(status: number, server: HintedServer): string {
  const p = server.envPrefix;
  const user = server.username;
  const userVar = p ? `${p}_USER` : "the user";
  const passwordVar = p ? `${p}_PASSWORD (or ${p}_PASSWORD_FILE)` : "its password";
  const grants =
    server.access === "read"
      ? "READ on the databases it copies (or admin)"
      : "WRITE on the databases it writes to, and admin (ALL PRIVILEGES) to create databases and retention policies";
  const who = user ? `${userVar} "${user}"` : userVar;
  if (status === 401 && !user) return `the server requires a user: set ${userVar} and ${passwordVar}`;
  const first = status === 401 ? `check ${who} and ${passwordVar}` : `${who} is not allowed to do this`;
  return `${first}; the user needs ${grants}`;
}
