/**
 * One winston logger writing to the console and LOG_FILE, with the original service's level
 * names (DEBUG, INFO, WARNING, ERROR, CRITICAL). Known secrets are masked in every line as a
 * last line of defence; the code never logs them on purpose.
 */
import fs from "node:fs";
import path from "node:path";
import winston from "winston";
import type { LogLevel } from "../config";

export type Logger = winston.Logger;

const LEVELS: Record<LogLevel, number> = { critical: 0, error: 1, warning: 2, info: 3, debug: 4 };

export interface LoggerOptions {
  level: LogLevel;
  /** Path of the log file; created with its folder if missing. Undefined: console only. */
  file?: string;
  /** Strings that must never appear in a log line (passwords). */
  secrets?: string[];
  /** Where console lines go (tests capture them). */
  stream?: NodeJS.WritableStream;
}

function formatValue(v: unknown): string {
  if (typeof v === "string") return /[\s"=]/.test(v) || v === "" ? JSON.stringify(v) : v;
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Error) return JSON.stringify(v.message);
  return JSON.stringify(v);
}

export function createLogger(options: LoggerOptions): Logger {
  const secrets = (options.secrets ?? []).filter((s) => s.length > 0);
  const mask = (text: string): string => secrets.reduce((t, s) => t.split(s).join("***"), text);
  const line = winston.format.printf((info) => {
    const { level, message, timestamp, component, ...rest } = info as Record<string, unknown>;
    const extras = Object.entries(rest)
      .filter(([k]) => typeof k === "string" && !k.startsWith("Symbol("))
      .map(([k, v]) => `${k}=${formatValue(v)}`)
      .join(" ");
    const head = `${timestamp as string} ${String(level).toUpperCase().padEnd(8)}${component ? ` [${component as string}]` : ""}`;
    return mask(`${head} ${String(message)}${extras ? ` ${extras}` : ""}`);
  });
  const transports: winston.transport[] = [
    options.stream
      ? new winston.transports.Stream({ stream: options.stream })
      : new winston.transports.Console({ stderrLevels: [], consoleWarnLevels: [] }),
  ];
  if (options.file) {
    fs.mkdirSync(path.dirname(options.file), { recursive: true });
    fs.appendFileSync(options.file, "");
    transports.push(new winston.transports.File({ filename: options.file }));
  }
  return winston.createLogger({
    levels: LEVELS,
    level: options.level,
    format: winston.format.combine(winston.format.timestamp(), line),
    transports,
  });
}

/** Resolves when every transport has written what it was given. */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 2000);
    timer.unref();
    logger.on("finish", () => {
      clearTimeout(timer);
      resolve();
    });
    logger.end();
  });
}
