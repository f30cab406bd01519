/** The shipped Grafana dashboard as the tests read it: its panels, their queries, and a check of each against a Prometheus. */
import fs from "node:fs";
import path from "node:path";
import { MONITORING_DIR, type RunningPrometheus } from "./prometheus";

export interface Target {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
export interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: Target[];
  panels?: Panel[];
}

export const dashboard = JSON.parse(fs.readFileSync(path.join(MONITORING_DIR, "grafana-dashboard.json"), "utf8")) as {
  schemaVersion: number;
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: unknown }[] };
};

/** Every panel but rows, including those inside collapsed rows. */
function allPanels(list: Panel[]): Panel[] {
  return list.flatMap((p) => (p.type === "row" ? allPanels(p.panels ?? []) : [p]));
}
export const panels = allPanels(dashboard.panels);
export const queries = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr ?? "" })));

/** A query as Grafana sends it: its variables replaced by what "All" and a 1s scrape give. */
export function asGrafanaSends(expr: string): string {
  return expr
    .replace(/\$__rate_interval/g, "1m")
    .replace(/\$\{?job\}?/g, ".*")
    .replace(/\$\{?database\}?/g, ".*");
}

/** The dashboard's queries that `prometheus` answers with an error or with no data, and its answer to each. */
export async function queriesWithoutData(
  prometheus: RunningPrometheus,
): Promise<{ panel: string; expr: string; answer: unknown }[]> {
  const failures: { panel: string; expr: string; answer: unknown }[] = [];
  for (const { panel, expr } of queries) {
    const answer = await prometheus.queryWithData(asGrafanaSends(expr));
    const rows = Array.isArray(answer.data?.result) ? answer.data.result.length : 0;
    if (answer.status !== "success" || rows === 0) failures.push({ panel, expr, answer });
  }
  return failures;
}
