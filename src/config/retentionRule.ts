/**
 * DEST_RETENTION: how long retention policies created on the destination keep data, when that
 * should differ from the source (a long-term archive of a short-lived primary). Pure.
 *   ""                       same duration as the source's policy
 *   "INF" or "400d"          every created policy
 *   "autogen:INF,rp_30d:400d" per policy; "*:<duration>" for the policies not named
 */
import { formatDuration, parseDuration } from "../influx/time";
import { parseItems } from "./listSyntax";

export interface RetentionRule {
  /** Duration for every policy not named; 0n is infinite. */
  all?: bigint;
  byPolicy: Map<string, bigint>;
}

/** InfluxDB refuses finite retention policies shorter than this. */
const MIN_DURATION_NS = 3_600_000_000_000n;

function parseRetentionDuration(text: string): bigint | string {
  if (/^inf$/i.test(text)) return 0n;
  const ns = parseDuration(text);
  if (ns === undefined || ns === 0n) return `"${text}" is not a duration such as INF, 400d or 52w`;
  if (ns < MIN_DURATION_NS) return `"${text}" is shorter than 1h, which InfluxDB refuses`;
  return ns;
}

export function parseRetentionRule(raw: string | undefined): { rule?: RetentionRule; error?: string } {
  if (raw === undefined) return {};
  const { items, error } = parseItems(raw);
  if (error) return { error };
  const rule: RetentionRule = { byPolicy: new Map() };
  for (const parts of items) {
    if (parts.length === 1 || (parts.length === 2 && parts[0] === "*")) {
      const d = parseRetentionDuration(parts[parts.length - 1] as string);
      if (typeof d === "string") return { error: d };
      if (rule.all !== undefined) return { error: "more than one duration for every policy" };
      rule.all = d;
    } else if (parts.length === 2) {
      const d = parseRetentionDuration(parts[1] as string);
      if (typeof d === "string") return { error: d };
      rule.byPolicy.set(parts[0] as string, d);
    } else {
      return { error: `"${parts.join(":")}" is not policy:duration` };
    }
  }
  return { rule };
}

/** The duration a created destination policy gets (0n infinite), or undefined for the source's own. */
export function destinationDuration(rule: RetentionRule | undefined, policy: string): bigint | undefined {
  return rule?.byPolicy.get(policy) ?? rule?.all;
}

/** True when `dest` keeps data for less time than `source` (0n is infinite). */
export function expiresEarlier(destNs: bigint, sourceNs: bigint): boolean {
  if (destNs === 0n) return false;
  return sourceNs === 0n || destNs < sourceNs;
}

export function describeRetention(ns: bigint): string {
  return ns === 0n ? "forever" : formatDuration(ns);
}

export function describeRule(rule: RetentionRule): string {
  const parts = [...rule.byPolicy].map(([p, d]) => `${p}: ${describeRetention(d)}`);
  if (rule.all !== undefined) parts.push(`others: ${describeRetention(rule.all)}`);
  return parts.join(", ");
}
