/**
 * IPv4 arithmetic for the address plan: parsing CIDRs, overlap, allocating unique pod/service subnets, and
 * carving MetalLB pools out of the stack's Docker network. Pure; ipaddr.js does the parsing.
 */
import * as ipaddr from "ipaddr.js";
import type { AddressRange } from "../types";

export interface Cidr {
  /** The network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
  text: string;
}

export function toNumber(address: string): number {
  return ipaddr.IPv4.parse(address).toByteArray().reduce((acc, byte) => acc * 256 + byte, 0);
}

export function toAddress(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

/**
 * Parses an IPv4 CIDR. Returns a reason instead when it is not one, or when host bits are set (the user
 * probably meant the network that contains it).
 */
export function parseCidr(text: string): Cidr | { error: string } {
  if (!ipaddr.IPv4.isValidCIDR(text)) {
    return { error: `is not an IPv4 CIDR like "10.10.0.0/16"` };
  }
  const [address, prefix] = ipaddr.IPv4.parseCIDR(text);
  const network = ipaddr.IPv4.networkAddressFromCIDR(text).toString();
  if (network !== address.toString()) {
    return { error: `has host bits set; the network is "${network}/${prefix}"` };
  }
  return { base: toNumber(network), prefix, text: `${network}/${prefix}` };
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + cidrSize(b) && b.base < a.base + cidrSize(a);
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.base >= outer.base && inner.base + cidrSize(inner) <= outer.base + cidrSize(outer);
}

function candidate(text: string): Cidr {
  const parsed = parseCidr(text);
  if ("error" in parsed) throw new Error(`internal: bad candidate ${text}`);
  return parsed;
}

/** FNV-1a: a stable number for a name, the same on every machine and run. */
export function nameHash(text: string): number {
  let hash = 2166136261;
  for (const ch of text) hash = Math.imul(hash ^ ch.charCodeAt(0), 16777619) >>> 0;
  return hash;
}

/**
 * Gives each name a slot in [0, slots): the one its hash points at, or the next free one. A cluster's addresses
 * then depend on its name, not on its position in the stack file, so adding, removing or reordering clusters
 * leaves the others' subnets, pools and ports (and so their kind clusters) alone, barring a hash collision.
 * Names are placed in alphabetical order so the result does not depend on the file's order either.
 */
export function slotsByName(names: string[], slots: number, usable: (slot: number) => boolean = () => true): Map<string, number> {
  const used = new Set<number>();
  const result = new Map<string, number>();
  for (const name of [...names].sort()) {
    for (let i = 0; i < slots; i++) {
      const slot = (nameHash(name) + i) % slots;
      if (used.has(slot) || !usable(slot)) continue;
      used.add(slot);
      result.set(name, slot);
      break;
    }
    if (!result.has(name)) throw new Error(`internal: no free slot for ${name} among ${slots}`);
  }
  return result;
}

/** Candidate pod subnets: 10.1.0.0/16 ... 10.254.0.0/16 (Istio's CI uses 10.10.0.0/16, 10.20.0.0/16, ...). */
export function podSubnetCandidates(): Cidr[] {
  return Array.from({ length: 254 }, (_, i) => candidate(`10.${i + 1}.0.0/16`));
}

/** Candidate service subnets: 10.255.0.0/24 ... 10.255.255.0/24 (Istio's CI: 10.255.10.0/24, ...). */
export function serviceSubnetCandidates(): Cidr[] {
  return Array.from({ length: 256 }, (_, i) => candidate(`10.255.${i}.0/24`));
}

/** A subnet per name from the candidates, overlapping nothing in `taken` (user subnets, the Docker network). */
export function allocateByName(names: string[], candidates: Cidr[], taken: Cidr[]): Map<string, Cidr> {
  const slots = slotsByName(names, candidates.length, (i) => !taken.some((t) => overlaps(t, candidates[i])));
  return new Map([...slots].map(([name, i]) => [name, candidates[i]]));
}

/** MetalLB addresses per cluster: the east-west gateway needs one; the rest leave room for the user's own. */
export const POOL_SIZE = 16;

/** The host part below the top quarter is left to Docker, which hands node containers addresses from the bottom. */
export function poolRegion(subnet: Cidr): { first: number; last: number } {
  const size = cidrSize(subnet);
  return { first: subnet.base + (size * 3) / 4, last: subnet.base + size - 2 };
}

/** How many pools of POOL_SIZE fit in the subnet's top quarter (broadcast excluded). */
export function poolCapacity(subnet: Cidr): number {
  if (subnet.prefix > 30) return 0;
  const region = poolRegion(subnet);
  return Math.max(0, Math.floor((region.last - region.first + 1) / POOL_SIZE));
}

/** The largest prefix length whose top quarter holds `pools` pools, e.g. 3 pools -> /24, 4 -> /23. */
export function prefixForPools(pools: number): number {
  const needed = 4 * (pools * POOL_SIZE + 1);
  return 32 - Math.ceil(Math.log2(needed));
}

/** Pool number `slot` of the subnet's top quarter; the caller keeps slot < poolCapacity. */
export function poolAt(subnet: Cidr, slot: number): AddressRange {
  const first = poolRegion(subnet).first + slot * POOL_SIZE;
  return { first: toAddress(first), last: toAddress(first + POOL_SIZE - 1), size: POOL_SIZE };
}

/** The lower half of the subnet: node containers' addresses, apart from the MetalLB pools in the top quarter. */
export function nodeRange(subnet: Cidr): string {
  return `${toAddress(subnet.base)}/${Math.min(subnet.prefix + 1, 32)}`;
}

/** The first host address: what Docker would pick as the bridge's gateway. */
export function firstHost(subnet: Cidr): string {
  return toAddress(subnet.base + 1);
}
