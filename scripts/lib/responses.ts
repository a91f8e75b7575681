/**
 * The requests of a split measurement: the shell loop that runs inside the client pod (one `curl` process,
 * so one new connection, per request; one output line per request), the parsing of its lines, and the
 * bucketing of answers by the responding backend's locality.
 *
 * The backends are Istio's helloworld sample, whose /hello handler returns
 * `'Hello version: %s, instance: %s\n' % (SERVICE_VERSION, HOSTNAME)` (istio/istio
 * samples/helloworld/src/app.py); kindmesh sets SERVICE_VERSION to the backend's locality.
 */
import { FAILED } from "../../model/verify/verdict";

/** Every request line the loop prints starts with this, so stray output cannot be mistaken for an answer. */
export const REQUEST_MARK = "KMREQ";

/** One request's outcome. */
export interface ResponseRecord {
  /** curl's exit code (0 = an HTTP answer arrived). */
  rc: number;
  /** HTTP status; 0 when none arrived. */
  http: number;
  /** SERVICE_VERSION of the backend that answered. */
  version?: string;
  /** HOSTNAME (pod name) of the backend that answered. */
  instance?: string;
  /** Why the request counts as failed; undefined when it succeeded. */
  error?: string;
}

const URL_SHAPE = /^http:\/\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?:\d{1,5}\/[A-Za-z0-9/_-]*$/;

/**
 * The `sh -c` script that sends `n` requests, each by a fresh `curl` (a new connection), and prints one line
 * per request: `KMREQ <curl exit code> <body, newlines flattened> [http=<status>]`.
 */
export function requestLoopScript(url: string, n: number, timeoutSeconds = 5): string {
  if (!URL_SHAPE.test(url)) throw new Error(`refusing to build a request loop for ${JSON.stringify(url)}: not a plain http://<host>:<port>/<path> URL`);
  if (!Number.isInteger(n) || n < 1) throw new Error(`request count must be a positive integer, got ${n}`);
  return [
    `n=${n}; i=0`,
    `while [ "$i" -lt "$n" ]; do`,
    `  body=$(curl -sS --max-time ${timeoutSeconds} -w ' [http=%{http_code}]' '${url}' 2>&1); rc=$?`,
    `  printf '${REQUEST_MARK} %s %s\\n' "$rc" "$(printf '%s' "$body" | tr '\\r\\n' '  ')"`,
    `  i=$((i+1))`,
    `done`,
  ].join("\n");
}

const LINE = new RegExp(`^${REQUEST_MARK} (\\d+) (.*)$`);
const HELLO = /Hello version: (.*?), instance: (\S+)/;
const HTTP = /\[http=(\d{3})\]\s*$/;
const CURL_ERROR = /curl: \((\d+)\) ?([^[]*)/;

/** Human names of the curl exit codes a mesh produces. */
const CURL_CODES: Record<number, string> = {
  6: "could not resolve host",
  7: "connection refused",
  28: "timed out",
  35: "TLS handshake failed",
  52: "empty reply",
  56: "connection reset",
};

/** Parses the loop's output; lines without the mark (stray output) are ignored. */
export function parseResponses(text: string): ResponseRecord[] {
  const out: ResponseRecord[] = [];
  for (const raw of text.split("\n")) {
    const m = LINE.exec(raw.trimEnd());
    if (m) out.push(classify(Number(m[1]), m[2]));
  }
  return out;
}

function classify(rc: number, rest: string): ResponseRecord {
  const status = HTTP.exec(rest);
  if (!status) return { rc, http: 0, error: "incomplete answer line (no HTTP status)" };
  const http = Number(status[1]);
  const body = rest.replace(HTTP, "").trim();
  if (rc !== 0) {
    const e = CURL_ERROR.exec(body);
    return { rc, http, error: `curl exit ${rc} (${CURL_CODES[rc] ?? (e?.[2].trim() || "error")})` };
  }
  if (http !== 200) {
    // Envoy's own answers say why: "no healthy upstream", "upstream connect error or disconnect/reset ...".
    return { rc, http, error: `HTTP ${http}${body ? `: ${body.slice(0, 120)}` : ""}` };
  }
  const hello = HELLO.exec(body);
  if (!hello) return { rc, http, error: `unrecognised answer: ${body.slice(0, 60)}` };
  return { rc, http, version: hello[1], instance: hello[2] };
}

/** Maps a SERVICE_VERSION to a locality: the locality itself, or its `version` label form (`/` -> `.`). */
export function versionIndex(localities: string[]): Map<string, string> {
  const index = new Map<string, string>();
  for (const l of localities) {
    index.set(l, l);
    index.set(l.replace(/\//g, "."), l);
  }
  return index;
}

/** Responses counted per locality, with the failures by reason. */
export interface Buckets {
  /** Locality (or FAILED, or `unknown:<version>`) -> responses. */
  counts: Record<string, number>;
  failures: Record<string, number>;
  /** Locality -> distinct answering pods. */
  instances: Record<string, number>;
}

/**
 * Buckets responses by locality. Failed requests go to {@link FAILED}; an answer whose version is no known
 * locality goes to `unknown:<version>` (the judge then fails it as an unpredicted locality). `expected`
 * requests that printed no line at all (the exec ended early) count as failed too.
 */
export function bucketResponses(records: ResponseRecord[], index: Map<string, string>, expected = records.length): Buckets {
  const counts: Record<string, number> = {};
  const failures: Record<string, number> = {};
  const pods = new Map<string, Set<string>>();
  const add = (rec: Record<string, number>, key: string, n = 1) => (rec[key] = (rec[key] ?? 0) + n);
  for (const r of records) {
    if (r.error !== undefined || r.version === undefined) {
      add(counts, FAILED);
      add(failures, r.error ?? "no version in the answer");
      continue;
    }
    const locality = index.get(r.version) ?? `unknown:${r.version}`;
    add(counts, locality);
    if (r.instance) pods.set(locality, (pods.get(locality) ?? new Set()).add(r.instance));
  }
  const missing = expected - records.length;
  if (missing > 0) {
    add(counts, FAILED, missing);
    add(failures, "no answer line (the exec ended early)", missing);
  }
  return { counts, failures, instances: Object.fromEntries([...pods].map(([l, s]) => [l, s.size])) };
}

/** Below this shortfall a prediction's sum is 1: the trafficPlan output rounds each share to 6 decimals. */
const ROUNDING = 1e-5;

/**
 * The observed counts as `judgeSplit` takes them. A prediction that sums to less than 1 predicts failures,
 * so FAILED is always counted then (even 0); otherwise only when some request failed.
 */
export function observedForJudge(counts: Record<string, number>, predicted: Record<string, number>): Record<string, number> {
  const out = { ...counts };
  const sum = Object.values(predicted).reduce((s, p) => s + p, 0);
  if (sum < 1 - ROUNDING && out[FAILED] === undefined) out[FAILED] = 0;
  return out;
}
