import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { bridgeMtuCommand, networkOptions } from "../model/build/dockerProbes";
import type { DockerNetworkSpec } from "../model/types";

export interface DockerNetworkArgs {
  /**
   * The stack's network as planned: its name (default `kindmesh-<stack>`), IPv4 subnet and gateway. Node
   * containers and MetalLB pools take their addresses from this subnet.
   */
  spec: DockerNetworkSpec;
}

/**
 * The Docker network every kind cluster of the stack joins, created before any cluster so that every address
 * plan (subnets, MetalLB pools) is fixed before the first node starts. It is shaped like the network kind
 * creates (kind pkg/cluster/internal/providers/docker/network.go): a bridge, IP masquerade (the driver's
 * default, so not written: an option the provider reads back differently would replace the network on every
 * update), and the MTU of Docker's default bridge, read on every deployment (behind a VPN or on a cloud VM it is
 * below 1500, and a larger one drops big packets). kind is pointed at it with KIND_EXPERIMENTAL_DOCKER_NETWORK
 * and reuses it as is. Clusters depend on its ID (their replacement trigger), so a changed network replaces
 * them first, and destroy removes it after them (`kind delete cluster` never removes a network, kind#3940).
 */
export class DockerNetwork extends pulumi.ComponentResource {
  readonly network: docker.Network;
  /** The plan it was made from (plain data, known at preview). */
  readonly spec: DockerNetworkSpec;

  constructor(name: string, args: DockerNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kindmesh:clusters:DockerNetwork", name, {}, opts);
    const child = { parent: this };
    this.spec = args.spec;
    const mtu = command.local.runOutput({ command: bridgeMtuCommand(), logging: "stderr" }, child);
    this.network = new docker.Network(
      name,
      {
        name: args.spec.name,
        driver: "bridge",
        // ipRange keeps node containers in the lower half, so they never take a MetalLB pool's address.
        ipamConfigs: [{ subnet: args.spec.subnet, gateway: args.spec.gateway, ipRange: args.spec.ipRange }],
        options: mtu.apply((r) => networkOptions(r.stdout)),
      },
      // Every attribute forces replacement, and two networks cannot hold one subnet: the old one goes first.
      { ...child, deleteBeforeReplace: true },
    );
    this.registerOutputs({ name: this.network.name });
  }
}
