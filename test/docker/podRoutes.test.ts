/**
 * The pod-route scripts of model/build/nodeScript.ts (what components/podRoutes.ts runs) against a real Docker
 * engine: `docker exec <node> ip route replace <pod CIDR> via <other node>` between containers on a network made
 * like the stack's, as the Command runs them (`/bin/sh -c`).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routesDeleteScript, routesScript, type LiveNode } from "../../model/build/nodeScript";
import type { DockerNetworkSpec } from "../../model/types";
import { addressOnNetwork, docker, engine, needEngine, Scratch, sh } from "./engine";

const scratch = new Scratch("routes");
let net: DockerNetworkSpec;
let from: string[];
let to: LiveNode[];

/** The routes of a container whose destination is one of these pod CIDRs. */
const podRoutesOf = (container: string, cidrs: string[]) =>
  docker("exec", container, "ip", "route", "show")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => cidrs.some((c) => l.startsWith(`${c} `)));

beforeAll(async () => {
  if (!engine().ok) return;
  net = await scratch.network("stack");
  // Cluster "a": two nodes that get the routes; cluster "b": two nodes, each owning a pod CIDR.
  from = [scratch.container("a-control-plane", net.name), scratch.container("a-worker", net.name)];
  const b = [scratch.container("b-control-plane", net.name), scratch.container("b-worker", net.name)];
  to = b.map((name, i) => ({ name, podCIDR: `10.244.${i}.0/24`, internalIP: addressOnNetwork(name, net.name) }));
});
afterAll(() => scratch.cleanup());

describe("pod routes between node containers (real Docker)", () => {
  it("every node of one cluster gets a route to every pod CIDR of the other, through the node that owns it", (ctx) => {
    needEngine(ctx);
    const r = sh(routesScript(from, to));
    expect(r.status, r.stderr).toBe(0);
    for (const node of from) {
      expect(podRoutesOf(node, to.map((t) => t.podCIDR)).sort()).toEqual(to.map((t) => `${t.podCIDR} via ${t.internalIP} dev eth0`).sort());
    }
  });

  it("running it again (every pulumi up) changes nothing and does not fail", (ctx) => {
    needEngine(ctx);
    const before = from.map((n) => podRoutesOf(n, to.map((t) => t.podCIDR)));
    const r = sh(routesScript(from, to));
    expect(r.status, r.stderr).toBe(0);
    expect(from.map((n) => podRoutesOf(n, to.map((t) => t.podCIDR)))).toEqual(before);
  });

  it("a node that came back with another address: the route moves to it (replace, not add)", (ctx) => {
    needEngine(ctx);
    const moved = [{ ...to[0], internalIP: to[1].internalIP }, to[1]];
    const r = sh(routesScript(from, moved));
    expect(r.status, r.stderr).toBe(0);
    expect(podRoutesOf(from[0], [to[0].podCIDR])).toEqual([`${to[0].podCIDR} via ${to[1].internalIP} dev eth0`]);
    expect(sh(routesScript(from, to)).status).toBe(0);
  });

  it("the delete script removes exactly those routes, and a second delete (routes already gone) does not fail", (ctx) => {
    needEngine(ctx);
    const routes = () => docker("exec", from[0], "ip", "route", "show").split("\n").map((l) => l.trim());
    const other = routes().filter((l) => !l.startsWith("10.244."));
    const r = sh(routesDeleteScript(from, to));
    expect(r.status, r.stderr).toBe(0);
    for (const node of from) expect(podRoutesOf(node, to.map((t) => t.podCIDR))).toEqual([]);
    expect(routes()).toEqual(other);
    expect(sh(routesDeleteScript(from, to)).status).toBe(0);
  });

  it("a node container that is gone fails the apply with Docker's words (the Command fails, pulumi up says why)", (ctx) => {
    needEngine(ctx);
    const r = sh(routesScript([`${scratch.prefix}-no-such-node`], to));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/No such container/i);
  });
});
