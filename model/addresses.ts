/**
 * IPv4 arithmetic for the address plan: parsing CIDRs, overlap, allocating unique pod/service subnets, and
 * carving MetalLB pools out of the stack's Docker network. Pure; ipaddr.js does the parsing.
 */
import * as ipaddr from "ipaddr.js";
import type { AddressRange } from "./types";

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

/**
 * Candidate pod subnets in the order Istio's own multicluster CI uses them (10.10.0.0/16, 10.20.0.0/16, ...),
 * then every other 10.x.0.0/16.
 */
export function podSubnetCandidates(): Cidr[] {
  return subnetCandidates((x) => `10.${x}.0.0/16`);
}

/** Candidate service subnets: 10.255.10.0/24, 10.255.20.0/24, ..., then every other 10.255.x.0/24. */
export function serviceSubnetCandidates(): Cidr[] {
  return subnetCandidates((x) => `10.255.${x}.0/24`);
}

function subnetCandidates(format: (x: number) => string): Cidr[] {
  const tens = Array.from({ length: 25 }, (_, i) => (i + 1) * 10);
  const rest = Array.from({ length: 255 }, (_, i) => i + 1).filter((x) => !tens.includes(x));
  return [...tens, ...rest].map((x) => candidate(format(x)));
}

/** The first `count` candidates that overlap nothing in `taken` (nor each other). */
export function allocate(candidates: Cidr[], taken: Cidr[], count: number): Cidr[] {
  const chosen: Cidr[] = [];
  for (const c of candidates) {
    if (chosen.length === count) break;
    if (![...taken, ...chosen].some((t) => overlaps(t, c))) chosen.push(c);
  }
  if (chosen.length < count) throw new Error(`internal: ran out of subnet candidates (${count} needed)`);
  return chosen;
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

/** `count` disjoint pools from the top quarter of the subnet; the caller checks poolCapacity first. */
export function carvePools(subnet: Cidr, count: number): AddressRange[] {
  const region = poolRegion(subnet);
  return Array.from({ length: count }, (_, i) => {
    const first = region.first + i * POOL_SIZE;
    return { first: toAddress(first), last: toAddress(first + POOL_SIZE - 1), size: POOL_SIZE };
  });
}

/** The first host address: what Docker would pick as the bridge's gateway. */
export function firstHost(subnet: Cidr): string {
  return toAddress(subnet.base + 1);
}
