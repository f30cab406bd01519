/**
 * One InfluxDB server's settings, read from variables that share a prefix (SOURCE_, DEST_, ...):
 * the same names, checks and messages for every server.
 */
import fs from "node:fs";
import type { Get } from "./values";

export interface ServerConfig {
  /** URL without credentials. */
  url: URL;
  username?: string;
  password?: string;
  /** Extra trusted CA certificates (PEM) for https. */
  ca?: string;
  /** Verify the server's TLS certificate (default true). */
  tlsVerify: boolean;
}

/** What follows the prefix in each server variable: SOURCE_URL, DEST_CA_FILE, ... */
export const SERVER_SUFFIXES = ["URL", "USER", "PASSWORD", "PASSWORD_FILE", "CA_FILE", "TLS_VERIFY"] as const;

/** Every variable of the server with this prefix. */
export function serverVariables<P extends string>(prefix: P): `${P}_${(typeof SERVER_SUFFIXES)[number]}`[] {
  return SERVER_SUFFIXES.map((suffix) => `${prefix}_${suffix}` as const);
}

export interface ServerOptions {
  /** Said in the message when <P>_URL is missing: "the source InfluxDB". */
  label: string;
  /** False: no <P>_URL means "not given" (undefined), not a problem. */
  required: boolean;
}

/** The server configured by <prefix>_URL and friends; undefined when it is missing or unusable. */
export function parseServer(
  prefix: string,
  get: Get,
  problems: string[],
  options: ServerOptions,
): ServerConfig | undefined {
  const name = `${prefix}_URL`;
  const raw = get(name);
  if (raw === undefined) {
    if (options.required)
      problems.push(`${name} is required: the ${options.label} InfluxDB, e.g. http://influxdb:8086`);
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${name}=${JSON.stringify(redactUrlText(raw))}: not a valid URL; expected e.g. http://influxdb:8086`);
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    problems.push(`${name}: expected an http:// or https:// URL, got ${url.protocol}//`);
    return undefined;
  }
  // Credentials in the URL are accepted; the variables win when both are given.
  const urlUser = url.username ? decodeURIComponent(url.username) : undefined;
  const urlPassword = url.password ? decodeURIComponent(url.password) : undefined;
  url.username = "";
  url.password = "";
  const username = get(`${prefix}_USER`) ?? urlUser;
  let password = get(`${prefix}_PASSWORD`) ?? urlPassword;
  const passwordFile = get(`${prefix}_PASSWORD_FILE`);
  if (passwordFile !== undefined) {
    if (get(`${prefix}_PASSWORD`) !== undefined) {
      problems.push(`${prefix}_PASSWORD and ${prefix}_PASSWORD_FILE are both set: use one`);
    }
    password = readSecretFile(`${prefix}_PASSWORD_FILE`, passwordFile, problems);
  }
  if (password !== undefined && username === undefined) {
    problems.push(`${prefix}_PASSWORD is set but ${prefix}_USER is not: InfluxDB needs both`);
  }
  const caFile = get(`${prefix}_CA_FILE`);
  const ca = caFile === undefined ? undefined : readCaFile(`${prefix}_CA_FILE`, caFile, problems);
  const verifyRaw = (get(`${prefix}_TLS_VERIFY`) ?? "true").toLowerCase();
  if (!["true", "false", "1", "0", "yes", "no"].includes(verifyRaw)) {
    problems.push(`${prefix}_TLS_VERIFY=${JSON.stringify(verifyRaw)}: expected true or false`);
  }
  const tlsVerify = !["false", "0", "no"].includes(verifyRaw);
  return { url, username, password, ca, tlsVerify };
}

/** Docker secrets and the like: the file's content, without the trailing line break. */
function readSecretFile(name: string, file: string, problems: string[]): string | undefined {
  try {
    return fs.readFileSync(file, "utf8").replace(/\r?\n$/, "");
  } catch (err) {
    problems.push(`${name}=${JSON.stringify(file)}: cannot read it (${(err as NodeJS.ErrnoException).code ?? err})`);
    return undefined;
  }
}

function readCaFile(name: string, file: string, problems: string[]): string | undefined {
  const text = readSecretFile(name, file, problems);
  if (text !== undefined && !text.includes("-----BEGIN CERTIFICATE-----")) {
    problems.push(`${name}=${JSON.stringify(file)}: expected PEM certificates (-----BEGIN CERTIFICATE-----)`);
    return undefined;
  }
  return text;
}

/** A URL as text with any password replaced, for messages about unparsable values. */
export function redactUrlText(raw: string): string {
  // Up to the last @: a password may hold a / (which is also why the URL did not parse).
  return raw.replace(/\/\/([^/@:]*):.*@/, "//$1:***@");
}

/** The URL with InfluxDB's `p` (password) query parameter, if someone put it there, masked. */
function withoutPasswordParameter(url: URL): URL {
  if (!url.searchParams.has("p")) return url;
  const masked = new URL(url.href);
  masked.searchParams.set("p", "***");
  return masked;
}

/** What may be logged of a server: everything but its password. */
export function describeServer(s: ServerConfig): Record<string, unknown> {
  return {
    url: withoutPasswordParameter(s.url).href,
    user: s.username ?? "(none)",
    password: s.password ? "***" : "(none)",
    ...(s.ca ? { ca: "custom" } : {}),
    ...(s.tlsVerify ? {} : { tlsVerify: false }),
  };
}
