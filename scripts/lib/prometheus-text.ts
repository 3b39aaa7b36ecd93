/**
 * The few lines of Prometheus' text exposition format (version 0.0.4) that sqld's `GET /metrics` prints:
 * `name{label="value",...} number` or `name number`; `#` lines are comments. Enough for gauges and counters by label;
 * summaries come out as their separate `_sum` / `_count` / quantile series.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(LABEL)) labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    const value = Number(match[3]);
    if (!Number.isNaN(value)) samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

/** `name{namespace="…"}` values by namespace (e.g. sqld's `libsql_server_current_frame_no`). */
export function byNamespace(samples: readonly Sample[], name: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const s of samples) if (s.name === name && s.labels.namespace !== undefined) values.set(s.labels.namespace, s.value);
  return values;
}
