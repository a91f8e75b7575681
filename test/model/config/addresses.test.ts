import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  nameHash,
  poolAt,
  slotsByName,
  overlaps,
  parseCidr,
  poolCapacity,
  prefixForPools,
  toAddress,
  toNumber,
  type Cidr,
} from "../../../model/config/addresses";
import { parseConfig } from "../../../model/config/spec";

const cidr = (text: string) => parseCidr(text) as Cidr;

describe("CIDR arithmetic", () => {
  it("parses and normalises", () => {
    expect(cidr("10.10.0.0/16")).toEqual({ base: toNumber("10.10.0.0"), prefix: 16, text: "10.10.0.0/16" });
    expect(parseCidr("10.10.1.0/16")).toEqual({ error: 'has host bits set; the network is "10.10.0.0/16"' });
    expect(parseCidr("10.10.0.0")).toEqual({ error: 'is not an IPv4 CIDR like "10.10.0.0/16"' });
    expect(parseCidr("fd00::/64")).toHaveProperty("error");
  });

  it("round-trips addresses", () => {
    expect(toAddress(toNumber("172.30.192.15"))).toBe("172.30.192.15");
    expect(toAddress(toNumber("255.255.255.255"))).toBe("255.255.255.255");
  });

  it("detects overlap at the edges", () => {
    expect(overlaps(cidr("10.0.0.0/24"), cidr("10.0.0.128/25"))).toBe(true);
    expect(overlaps(cidr("10.0.0.0/25"), cidr("10.0.0.128/25"))).toBe(false);
  });
});

describe("MetalLB pools", () => {
  it("come from the top quarter, away from node addresses and the broadcast address", () => {
    expect([poolAt(cidr("172.30.0.0/16"), 0), poolAt(cidr("172.30.0.0/16"), 1)]).toEqual([
      { first: "172.30.192.0", last: "172.30.192.15", size: 16 },
      { first: "172.30.192.16", last: "172.30.192.31", size: 16 },
    ]);
    expect(poolAt(cidr("10.0.0.0/24"), 2)).toEqual({ first: "10.0.0.224", last: "10.0.0.239", size: 16 });
  });

  it("capacity: a /24 holds 3, a /23 holds 7, a /26 none", () => {
    expect([poolCapacity(cidr("10.0.0.0/24")), poolCapacity(cidr("10.0.0.0/23")), poolCapacity(cidr("10.0.0.0/26"))]).toEqual([3, 7, 0]);
  });

  it("names the prefix a number of pools needs", () => {
    expect([prefixForPools(1), prefixForPools(3), prefixForPools(4), prefixForPools(16)]).toEqual([25, 24, 23, 21]);
    for (const n of [1, 2, 3, 4, 7, 8, 16, 40]) {
      expect(poolCapacity(cidr(`10.0.0.0/${prefixForPools(n)}`))).toBeGreaterThanOrEqual(n);
    }
  });
});

describe("slots by name", () => {
  it("a name keeps its slot when others are added, removed or reordered", () => {
    const before = slotsByName(["east", "west"], 254);
    const after = slotsByName(["north", "west", "east", "south"], 254);
    expect(after.get("east")).toBe(before.get("east"));
    expect(after.get("west")).toBe(before.get("west"));
    expect(slotsByName(["west"], 254).get("west")).toBe(before.get("west"));
  });

  it("collisions probe to the next free slot; unusable slots are skipped", () => {
    const slots = slotsByName(["a", "b", "c"], 4, (s) => s !== nameHash("a") % 4);
    expect(new Set(slots.values()).size).toBe(3);
    // "a" is placed first (alphabetical order); its own slot is unusable, so it takes the next one.
    expect(slots.get("a")).toBe((nameHash("a") + 1) % 4);
    expect([...slots.values()]).not.toContain(nameHash("a") % 4);
    expect(() => slotsByName(["a", "b"], 1)).toThrow(/no free slot for b/);
  });
});

describe("allocation (property)", () => {
  const topology = fc.record({
    networks: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 16 }),
    subnet: fc.constantFrom("172.30.0.0/16", "10.0.0.0/16", "10.10.0.0/20", "192.168.0.0/22"),
  });

  it("pod/service subnets never overlap each other or the Docker network; pools are disjoint and inside it", () => {
    fc.assert(
      fc.property(topology, ({ networks, subnet }) => {
        const clusters = networks.map((n, i) => ({
          name: `c${i}`,
          network: `net${n}`,
          nodes: [{ role: "control-plane", locality: `r${i}/z1` }],
        }));
        let spec;
        try {
          spec = parseConfig({ topology: { dockerNetwork: { subnet }, clusters } }, { stack: "prop" });
        } catch {
          // Only a subnet too small for the pools may be refused.
          return new Set(networks).size > 1 && poolCapacity(cidr(subnet)) < networks.length;
        }
        const docker = cidr(spec.dockerNetwork.subnet);
        const ranges = spec.clusters.flatMap((c) => [cidr(c.podSubnet!), cidr(c.serviceSubnet!)]);
        ranges.forEach((a, i) => {
          expect(overlaps(a, docker)).toBe(false);
          ranges.slice(i + 1).forEach((b) => expect(overlaps(a, b)).toBe(false));
        });
        const pools = spec.clusters.flatMap((c) => (c.metallbPool ? [c.metallbPool] : []));
        expect(pools.length).toBe(new Set(networks).size > 1 ? networks.length : 0);
        const top = docker.base + (2 ** (32 - docker.prefix) * 3) / 4;
        const end = docker.base + 2 ** (32 - docker.prefix) - 1;
        pools.forEach((p, i) => {
          expect(toNumber(p.first)).toBeGreaterThanOrEqual(top);
          expect(toNumber(p.last)).toBeLessThan(end);
          pools.slice(i + 1).forEach((q) => expect(toNumber(q.first) > toNumber(p.last) || toNumber(q.last) < toNumber(p.first)).toBe(true));
        });
        return true;
      }),
      { numRuns: 150 },
    );
  });
});
