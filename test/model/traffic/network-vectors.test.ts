// Runs test/fixtures/locality-vectors/vectors-network.json (kindmesh's own cross-network vectors, each citing its
// source) against predictTraffic. An `expected` key no check consumes fails the vector: nothing is skipped.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type TrafficScenario, predictTraffic } from "../../../model/traffic/locality";

interface Vector {
  id: string;
  kind: "transcribed" | "derived";
  source: Record<string, string>;
  input: TrafficScenario;
  expected: {
    assignment?: { locality: string; priority: number; weight: number | null; endpoints: number }[];
    hosts?: { locality: string; weight: number; count: number; share: number; gateway?: string }[];
    firstHop?: Record<string, number>;
    shares?: Record<string, number>;
    dropped?: { locality: string; priority: number; address: string; keptIn: string }[];
    diagnostics?: string[];
    noDiagnostics?: string[];
  };
}

const file = join(__dirname, "../..", "fixtures", "locality-vectors", "vectors-network.json");
const vectors = (JSON.parse(readFileSync(file, "utf8")) as { vectors: Vector[] }).vectors;
const CHECKED = ["assignment", "hosts", "firstHop", "shares", "dropped", "diagnostics", "noDiagnostics"];

function closeTo(actual: Record<string, number>, expected: Record<string, number>): void {
  const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
  for (const k of keys) expect(actual[k] ?? 0, `share of "${k}"`).toBeCloseTo(expected[k] ?? 0, 9);
}

describe("cross-network vectors (vectors-network.json)", () => {
  it("every vector cites a source and checks something", () => {
    expect(vectors.length).toBeGreaterThanOrEqual(10);
    for (const v of vectors) {
      expect(Object.keys(v.source).length, v.id).toBeGreaterThan(0);
      expect(Object.keys(v.expected).filter((k) => !CHECKED.includes(k)), v.id).toEqual([]);
      expect(Object.keys(v.expected).length, v.id).toBeGreaterThan(0);
    }
  });

  for (const v of vectors) {
    it(`${v.id} (${v.kind})`, () => {
      const p = predictTraffic(v.input);
      const e = v.expected;
      if (e.assignment) expect(p.assignment.map(({ locality, priority, weight, endpoints }) => ({ locality, priority, weight, endpoints }))).toEqual(e.assignment);
      if (e.hosts) {
        expect(p.hosts.length).toBe(e.hosts.length);
        e.hosts.forEach((h, i) => {
          const got = p.hosts[i];
          expect({ locality: got?.locality, weight: got?.weight, count: got?.count, gateway: got?.gateway?.address }, `host ${i}`).toEqual({ ...h, share: undefined, gateway: h.gateway });
          expect(got?.share ?? -1, `share of host ${i}`).toBeCloseTo(h.share, 9);
        });
      }
      if (e.firstHop) closeTo(p.firstHop, e.firstHop);
      if (e.shares) closeTo(p.shares, e.shares);
      if (e.dropped) expect(p.droppedGatewayCopies.map(({ locality, priority, address, keptIn }) => ({ locality, priority, address, keptIn }))).toEqual(e.dropped);
      const codes = p.diagnostics.map((d) => d.code);
      for (const c of e.diagnostics ?? []) expect(codes, `diagnostic ${c}`).toContain(c);
      for (const c of e.noDiagnostics ?? []) expect(codes, `no diagnostic ${c}`).not.toContain(c);
    });
  }
});
