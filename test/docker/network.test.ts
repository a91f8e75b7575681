/**
 * The stack's Docker network as components/dockerNetwork.ts describes it, made on a real engine: the engine
 * must keep every input as given (driver, subnet, gateway, ipRange, options), since the docker provider reads
 * them back after create and on refresh, and any input the engine reports differently would show as a change
 * (a replacement: every attribute of a network forces one) on the next `pulumi up`.
 */
import { afterAll, describe, expect, it } from "vitest";
import { docker, needEngine, programNetworkArgs, Scratch } from "./engine";

const scratch = new Scratch("net");
afterAll(() => scratch.cleanup());

describe("the stack's Docker network on a real engine", () => {
  it("reads back exactly as the program made it", async (ctx) => {
    needEngine(ctx);
    const spec = await scratch.network("stack");
    const args = await programNetworkArgs(spec);
    const options = Object.fromEntries(args.flatMap((a, i) => (args[i - 1] === "--opt" ? [a.split(/=(.*)/s, 2)] : [])));
    const inspected = JSON.parse(docker("network", "inspect", spec.name))[0] as {
      Driver: string;
      IPAM: { Config: { Subnet: string; Gateway: string; IPRange: string }[] };
      Options: Record<string, string>;
    };
    expect(inspected.Driver).toBe("bridge");
    expect(inspected.IPAM.Config).toEqual([{ Subnet: spec.subnet, Gateway: spec.gateway, IPRange: spec.ipRange }]);
    expect(inspected.Options).toEqual(options);
  });
});
