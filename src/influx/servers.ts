/** The two InfluxDB clients of a configuration, with its timeouts, TLS settings and retry policy. */
import type { Config, ServerConfig } from "../config";
import type { Logger } from "../logger";
import { InfluxClient } from "./client";

export interface Servers {
  source: InfluxClient;
  destination: InfluxClient;
  close(): void;
}

/** A client for one server of the configuration: its timeouts, TLS settings and retry policy. */
export function createClient(config: Config, role: string, server: ServerConfig, logger: Logger): InfluxClient {
  const client = new InfluxClient({
    role,
    ...server,
    timeoutMs: config.timeoutMs,
    retry: { maxRetries: config.maxRetries, baseDelayMs: config.retryBaseDelayMs },
    onRetry: (message) => logger.warning(message),
    gzipWrites: role !== "source" && config.writeGzip,
  });
  if (server.url.protocol === "https:" && !server.tlsVerify) {
    logger.warning(
      `TLS certificate verification is off for ${client.label}: anyone between us and it can read and change the data`,
    );
  }
  return client;
}

export function createServers(config: Config, logger: Logger): Servers {
  const source = createClient(config, "source", config.source, logger);
  const destination = createClient(config, "destination", config.destination, logger);
  return {
    source,
    destination,
    close() {
      source.close();
      destination.close();
    },
  };
}
