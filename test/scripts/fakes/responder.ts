/**
 * Backends that answer like Istio's helloworld (`Hello version: <SERVICE_VERSION>, instance: <HOSTNAME>`), in
 * the request loop's line format, with a deterministic split: each request goes to the locality furthest
 * behind its share, so every prefix of the run matches the shares as closely as whole requests allow.
 */
import { REQUEST_MARK } from "../../../scripts/lib/responses";
import { versionOf } from "./outputs";

/** A pseudo-locality in a shares map: requests that Envoy answers with 503. */
export const NO_UPSTREAM = "(no healthy upstream)";

export class Responder {
  private readonly state = new Map<string, { key: string; counts: Map<string, number>; total: number }>();

  /** `n` answer lines for one client; `shares` may sum to less than 1 (the rest fails with 503). */
  lines(client: string, shares: Record<string, number>, n: number): string {
    const sum = Object.values(shares).reduce((a, b) => a + b, 0);
    const full: Record<string, number> = { ...shares, ...(sum < 1 - 1e-9 ? { [NO_UPSTREAM]: 1 - sum } : {}) };
    const key = JSON.stringify(full);
    let s = this.state.get(client);
    if (!s || s.key !== key) s = { key, counts: new Map(), total: 0 };
    this.state.set(client, s);
    const out: string[] = ["stray output the parser must ignore"];
    for (let i = 0; i < n; i++) {
      let best = "";
      let gap = -Infinity;
      for (const [l, p] of Object.entries(full)) {
        const g = p * (s.total + 1) - (s.counts.get(l) ?? 0);
        if (p > 0 && g > gap) [best, gap] = [l, g];
      }
      s.counts.set(best, (s.counts.get(best) ?? 0) + 1);
      s.total += 1;
      out.push(best === NO_UPSTREAM ? `${REQUEST_MARK} 0 no healthy upstream [http=503]` : `${REQUEST_MARK} 0 Hello version: ${versionOf(best)}, instance: helloworld-${versionOf(best)}-7d9f-${(s.counts.get(best) ?? 0) % 2}  [http=200]`);
    }
    return `${out.join("\n")}\n`;
  }
}
