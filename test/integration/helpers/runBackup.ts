/**
 * Runs the backup engine in-process against real servers, capturing its log lines. The
 * configuration is parsed from the variables the test passes alone: never process.env, never a .env.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { CursorStore } from "../../../src/copy/cursors";
import { runBackup } from "../../../src/copy/engine";
import type { RunSummary } from "../../../src/observability/runSummary";
import { parseConfig } from "../../../src/config";
import { createRestoreClients, createServers } from "../../../src/commands/servers";
import { runRestore } from "../../../src/commands/restore";
import { createLogger, flushLogger } from "../../../src/observability/logger";
import { runVerify } from "../../../src/commands/verify";
import type { VerifyResult } from "../../../src/verify/verify";

export interface BackupRun {
  summary: RunSummary;
  log: string;
}

/** One state folder for the test process; cursor keys name the databases, so tests do not collide. */
const STATE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "influxdb-backup-state-"));

export async function backup(
  env: Record<string, string>,
  options: { signal?: AbortSignal; onLog?: (text: string) => void; now?: () => number } = {},
): Promise<BackupRun> {
  const { signal, onLog, now } = options;
  const config = parseConfig({ LOG_LEVEL: "DEBUG", STATE_DIR, ...env });
  const { store: cursors } = CursorStore.open(config.stateDir);
  cursors.load();
  const stream = new PassThrough();
  let log = "";
  stream.on("data", (d: Buffer) => {
    log += d.toString();
    onLog?.(d.toString());
  });
  const logger = createLogger({
    level: config.logLevel,
    file: env.LOG_FILE,
    stream,
    secrets: [config.source.password, config.destination.password].filter((s): s is string => !!s),
  });
  const servers = createServers(config, logger);
  const { source, destination } = servers;
  try {
    const summary = await runBackup({ config, source, destination, logger, cursors, signal, now });
    await flushLogger(logger);
    return { summary, log };
  } finally {
    servers.close();
  }
}

export interface VerifyRun {
  result: VerifyResult;
  log: string;
}

/** The configuration of a test run, its cursors, and a logger whose lines are collected. */
function prepare(env: Record<string, string>) {
  const config = parseConfig({ LOG_LEVEL: "DEBUG", STATE_DIR, ...env });
  const { store: cursors } = CursorStore.open(config.stateDir);
  cursors.load();
  const stream = new PassThrough();
  const collected = { log: "" };
  stream.on("data", (d: Buffer) => (collected.log += d.toString()));
  const logger = createLogger({ level: config.logLevel, stream });
  return { config, cursors, logger, collected };
}

/** Runs verification in-process (VERIFY_REPAIR in env decides whether it repairs). */
export async function verify(env: Record<string, string>): Promise<VerifyRun> {
  const { config, cursors, logger, collected } = prepare(env);
  const servers = createServers(config, logger);
  try {
    const result = await runVerify({ ...servers, config, logger, cursors, repair: config.verifyRepair });
    await flushLogger(logger);
    return { result, log: collected.log };
  } finally {
    servers.close();
  }
}

/** Runs a restore in-process: the backup (DEST_*) back to RESTORE_URL or the source. */
export async function restore(env: Record<string, string>): Promise<BackupRun> {
  const { config, cursors, logger, collected } = prepare(env);
  const clients = createRestoreClients(config, logger);
  try {
    const summary = await runRestore({ config, backup: clients.backup, target: clients.target, logger, cursors });
    await flushLogger(logger);
    return { summary, log: collected.log };
  } finally {
    clients.close();
  }
}
