/** Wiring: the InfluxDB clients of a configuration, with its timeouts, TLS settings and retry policy. */
import type { Config, ServerConfig } from "../config";
import { InfluxClient } from "../influx/client";
import type { Logger } from "../observability/logger";

export interface Servers {
  source: InfluxClient;
  destination: InfluxClient;
  close(): void;
}

export interface ClientSpec {
  /** Named in every message about this server: "source", "destination". */
  role: string;
  /** Prefix of the variables that configure it (SOURCE, DEST), for hints in error messages. */
  envPrefix: string;
  server: ServerConfig;
  /** Whether writes to it are gzip-compressed (when WRITE_GZIP is on). */
  writesTo: boolean;
}

/** One client, warning once when it does not verify its server's certificate. */
export function createClient(spec: ClientSpec, config: Config, logger: Logger): InfluxClient {
  const { role, envPrefix, server } = spec;
  const client = new InfluxClient({
    role,
    envPrefix,
    access: spec.writesTo ? "write" : "read",
    ...server,
    timeoutMs: config.timeoutMs,
    retry: { maxRetries: config.maxRetries, baseDelayMs: config.retryBaseDelayMs },
    onRetry: (message) => logger.warning(message),
    onQueryDone: (statement, ms) =>
      logger.debug(`${role} answered in ${Math.round(ms)} ms: ${statement.replace(/\s+/g, " ").slice(0, 300)}`),
    gzipWrites: spec.writesTo && config.writeGzip,
  });
  if (server.url.protocol === "https:" && !server.tlsVerify) {
    logger.warning(
      `TLS certificate verification is off for ${client.label}: anyone between us and it can read and change the data`,
    );
  }
  return client;
}

export function createServers(config: Config, logger: Logger): Servers {
  const source = createClient(
    { role: "source", envPrefix: "SOURCE", server: config.source, writesTo: false },
    config,
    logger,
  );
  const destination = createClient(
    { role: "destination", envPrefix: "DEST", server: config.destination, writesTo: true },
    config,
    logger,
  );
  return {
    source,
    destination,
    close() {
      source.close();
      destination.close();
    },
  };
}

/** The clients of a restore: the backup server (DEST_*) it reads, and the target it writes. */
export function createRestoreClients(
  config: Config,
  logger: Logger,
): { backup: InfluxClient; target: InfluxClient; close(): void } {
  const backup = createClient(
    { role: "backup", envPrefix: "DEST", server: config.destination, writesTo: false },
    config,
    logger,
  );
  const target = createClient(
    {
      role: "restore target",
      envPrefix: config.restoreTarget === config.source ? "SOURCE" : "RESTORE",
      server: config.restoreTarget,
      writesTo: true,
    },
    config,
    logger,
  );
  return {
    backup,
    target,
    close() {
      backup.close();
      target.close();
    },
  };
}
