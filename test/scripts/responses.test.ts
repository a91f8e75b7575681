/**
 * The request loop's script, the parsing of its lines (helloworld answers, Envoy's 503s, curl errors, stray
 * output) and the bucketing by locality.
 */
import { describe, expect, it } from "vitest";
import { FAILED } from "../../model/verify/verdict";
import { bucketResponses, observedForJudge, parseResponses, requestLoopScript, versionIndex } from "../../scripts/lib/responses";

const index = versionIndex(["region1/zone1", "region1/zone2", "region3/zone4"]);

describe("requestLoopScript", () => {
  it("runs one curl process per request (a new connection each) with a 5 s limit, printing one marked line each", () => {
    const script = requestLoopScript("http://helloworld.sample:5000/hello", 50);
    expect(script.split("\n")).toEqual([
      "n=50; i=0",
      'while [ "$i" -lt "$n" ]; do',
      "  body=$(curl -sS --max-time 5 -w ' [http=%{http_code}]' 'http://helloworld.sample:5000/hello' 2>&1); rc=$?",
      `  printf 'KMREQ %s %s\\n' "$rc" "$(printf '%s' "$body" | tr '\\r\\n' '  ')"`,
      "  i=$((i+1))",
      "done",
    ]);
  });

  it("refuses anything that is not a plain service URL, and counts below 1", () => {
    expect(() => requestLoopScript("http://x:5000/hello'; rm -rf /; '", 5)).toThrow(/not a plain http/);
    expect(() => requestLoopScript("http://helloworld.sample:5000/hello", 0)).toThrow(/positive integer/);
  });
});

describe("parseResponses", () => {
  it("reads helloworld's answer: version (the locality) and instance (the pod)", () => {
    expect(parseResponses("KMREQ 0 Hello version: region1.zone1, instance: helloworld-region1-zone1-5b7c-x2  [http=200]\n")).toEqual([
      { rc: 0, http: 200, version: "region1.zone1", instance: "helloworld-region1-zone1-5b7c-x2" },
    ]);
    expect(parseResponses("KMREQ 0 Hello version: region3/zone4, instance: hw-1 [http=200]")[0].version).toBe("region3/zone4");
  });

  it("ignores stray lines and counts timeouts, refusals, 503s and garbage as failed, saying why", () => {
    const text = [
      "Defaulted container \"sleep\" out of: sleep, istio-proxy",
      "KMREQ 28 curl: (28) Operation timed out after 5001 milliseconds with 0 bytes received [http=000]",
      "KMREQ 7 curl: (7) Failed to connect to helloworld.sample port 5000 [http=000]",
      "KMREQ 0 no healthy upstream [http=503]",
      "KMREQ 0 upstream connect error or disconnect/reset before headers. reset reason: connection failure [http=503]",
      "KMREQ 0 <html>It works</html> [http=200]",
      "KMREQ 56 curl: (56) Recv failure: Connection reset by peer [http=000]",
      "KMREQ 0 Hello version: region1.zone2, instance: hw-2",
    ].join("\n");
    expect(parseResponses(text).map((r) => r.error ?? "ok")).toEqual([
      "curl exit 28 (timed out)",
      "curl exit 7 (connection refused)",
      "HTTP 503: no healthy upstream",
      "HTTP 503: upstream connect error or disconnect/reset before headers. reset reason: connection failure",
      "unrecognised answer: <html>It works</html>",
      "curl exit 56 (connection reset)",
      "incomplete answer line (no HTTP status)",
    ]);
  });
});

describe("bucketResponses", () => {
  const hello = (v: string, pod: string) => ({ rc: 0, http: 200, version: v, instance: pod });

  it("maps the label form (dots) and the locality form to the locality, and counts distinct pods", () => {
    const b = bucketResponses([hello("region1.zone1", "a"), hello("region1/zone1", "b"), hello("region1.zone1", "a"), hello("region3.zone4", "c")], index);
    expect(b).toEqual({ counts: { "region1/zone1": 3, "region3/zone4": 1 }, failures: {}, instances: { "region1/zone1": 2, "region3/zone4": 1 } });
  });

  it("puts an unknown version in its own bucket (the judge then fails it) and failures under FAILED with reasons", () => {
    const b = bucketResponses([hello("v1", "x"), { rc: 28, http: 0, error: "curl exit 28 (timed out)" }, hello("region1.zone2", "y")], index, 5);
    expect(b.counts).toEqual({ "unknown:v1": 1, [FAILED]: 3, "region1/zone2": 1 });
    expect(b.failures).toEqual({ "curl exit 28 (timed out)": 1, "no answer line (the exec ended early)": 2 });
  });

  it("counts FAILED (even 0) when the model predicts failures, else only when some failed", () => {
    expect(observedForJudge({ "a/b": 10 }, { "a/b": 0.5 })).toEqual({ "a/b": 10, [FAILED]: 0 });
    expect(observedForJudge({ "a/b": 10 }, { "a/b": 1 })).toEqual({ "a/b": 10 });
    expect(observedForJudge({ "a/b": 9, [FAILED]: 1 }, { "a/b": 1 })).toEqual({ "a/b": 9, [FAILED]: 1 });
  });
});
