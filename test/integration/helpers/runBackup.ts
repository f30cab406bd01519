/** Runs the backup engine in-process against real servers, capturing its log lines. */
import { PassThrough } from "node:stream";
import { runBackup, type RunSummary } from "../../../src/backup/engine";
import { parseConfig } from "../../../src/config";
import { InfluxClient } from "../../../src/influx/client";
import { createLogger, flushLogger } from "../../../src/logger";

export interface BackupRun {
  summary: RunSummary;
  log: string;
}

export async function backup(env: Record<string, string>): Promise<BackupRun> {
  const config = parseConfig({ LOG_LEVEL: "DEBUG", ...env });
  const stream = new PassThrough();
  let log = "";
  stream.on("data", (d: Buffer) => (log += d.toString()));
  const logger = createLogger({
    level: config.logLevel,
    file: env.LOG_FILE,
    stream,
    secrets: [config.source.password, config.destination.password].filter((s): s is string => !!s),
  });
  const source = new InfluxClient({ role: "source", ...config.source, timeoutMs: config.timeoutMs });
  const destination = new InfluxClient({ role: "destination", ...config.destination, timeoutMs: config.timeoutMs });
  try {
    const summary = await runBackup({ config, source, destination, logger });
    await flushLogger(logger);
    return { summary, log };
  } finally {
    source.close();
    destination.close();
  }
}
