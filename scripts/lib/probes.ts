/**
 * TCP reachability from inside a cluster: a script for an uninjected probe pod that tries a TCP connection to
 * each target with curl and prints whether the connection was made. "Made" is curl's `%{time_connect}` above
 * zero, so a TLS-only port (an east-west gateway's 15443) or a non-HTTP server still counts as reachable;
 * only refused or timed-out connections do not.
 */
import { randomBytes } from "node:crypto";
import { IMAGES } from "../../model/config/versions";

/** The probe image: the same curl image the demo client uses. */
export const PROBE_IMAGE = IMAGES.curl;
/** Probe pods run here; kindmesh never enables injection in `default`, and the pod opts out anyway. */
export const PROBE_NAMESPACE = "default";

const MARK = "KMCONN";
const TARGET = /^[A-Za-z0-9.-]+:\d{1,5}$/;

/** host:port to try. */
export interface ConnectTarget {
  host: string;
  port: number;
}

/** Whether one target accepted a TCP connection. */
export interface ConnectResult extends ConnectTarget {
  connected: boolean;
  /** curl's exit code (7 refused, 28 timed out; 52/56 after connecting are fine). */
  rc: number;
}

/** A unique, DNS-safe probe pod name. */
export function probeName(prefix = "kindmesh-probe"): string {
  return `${prefix}-${randomBytes(3).toString("hex")}`;
}

/** The probe script: one `KMCONN <host:port> <time_connect> <rc>` line per target. */
export function connectScript(targets: ConnectTarget[], timeoutSeconds = 3): string {
  const list = targets.map((t) => `${t.host}:${t.port}`);
  const bad = list.find((t) => !TARGET.test(t));
  if (bad) throw new Error(`refusing to probe ${JSON.stringify(bad)}: not host:port`);
  return [
    `for t in ${list.join(" ")}; do`,
    `  tc=$(curl -s -o /dev/null --connect-timeout ${timeoutSeconds} --max-time ${timeoutSeconds + 1} -w '%{time_connect}' "http://$t/" 2>/dev/null); rc=$?`,
    `  echo "${MARK} $t \${tc:-0} $rc"`,
    `done`,
  ].join("\n");
}

/** Parses the probe's output; a target with no line counts as not connected. */
export function parseConnectResults(text: string, targets: ConnectTarget[]): ConnectResult[] {
  const seen = new Map<string, { tc: number; rc: number }>();
  for (const line of text.split("\n")) {
    const m = new RegExp(`^${MARK} (\\S+) ([\\d.]+) (\\d+)$`).exec(line.trim());
    if (m) seen.set(m[1], { tc: Number(m[2]), rc: Number(m[3]) });
  }
  return targets.map((t) => {
    const r = seen.get(`${t.host}:${t.port}`);
    return { ...t, connected: r !== undefined && r.tc > 0, rc: r?.rc ?? -1 };
  });
}

/** The host and port of an address output (`1.2.3.4` or `1.2.3.4:31443`), with a default port. */
export function splitAddress(address: string, defaultPort: number): ConnectTarget {
  const m = /^(.*):(\d{1,5})$/.exec(address.trim());
  return m ? { host: m[1], port: Number(m[2]) } : { host: address.trim(), port: defaultPort };
}
