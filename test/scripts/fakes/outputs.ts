/**
 * Stack outputs as a deployed stack would print them (`pulumi stack output --json --show-secrets`), built from
 * a shipped stack file with the program's pure model, so fake labs follow the real topologies.
 */
import type { StackOutputs } from "../../../model/build/outputs";
import { planMesh } from "../../../model/build/plan";
import { planTraffic, trafficModel, workloads } from "../../../model/traffic/trafficPlan";
import type { MeshSpec } from "../../../model/types";
import { parse, stackRaw } from "../../helpers/configs";

/** The label (and SERVICE_VERSION) form of a locality. */
export const versionOf = (locality: string) => locality.replace(/\//g, ".");

/** A fake kubeconfig whose only secret is its token. */
export function fakeKubeconfig(cluster: string, port: number): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    `clusters: [{name: ${cluster}, cluster: {server: "https://127.0.0.1:${port}", certificate-authority-data: Zm9v}}]`,
    `users: [{name: ${cluster}, user: {token: secret-token-${cluster}}}]`,
    `contexts: [{name: ${cluster}, context: {cluster: ${cluster}, user: ${cluster}}}]`,
    `current-context: ${cluster}`,
  ].join("\n");
}

/** The spec of a shipped stack. */
export const specOf = (stack: string): MeshSpec => parse(stackRaw(stack), stack);

/** Outputs of a shipped stack, as the traffic layer is specified to export them. */
export function fakeOutputs(stack: string): StackOutputs {
  const spec = specOf(stack);
  const plan = planMesh(spec);
  const clusters: StackOutputs["clusters"] = {};
  spec.clusters.forEach((c, i) => {
    const gateway = plan.clusters.find((p) => p.name === c.name)?.eastWestGateway !== undefined;
    clusters[c.name] = {
      network: c.network,
      role: c.role,
      kubeconfig: fakeKubeconfig(c.name, c.apiServerPort ?? 6443 + i),
      apiServer: `https://172.30.0.${10 + i}:6443`,
      ...(gateway ? { eastWestGatewayAddress: `172.30.255.${200 + i}` } : {}),
    };
  });
  // The traffic outputs come from the program's own pure builders, so the fake lab reports what index.ts exports.
  const addressPlan = Object.fromEntries(spec.clusters.map((c) => [c.name, { ...(c.kindName ? { kindCluster: c.kindName } : {}), nodes: c.nodes.map((n) => n.nodeName), podSubnet: c.podSubnet }]));
  return { clusters, trafficPlan: planTraffic(spec, plan), workloads: workloads(spec, plan), trafficModel: trafficModel(spec, plan), addressPlan };
}
