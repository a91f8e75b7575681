/**
 * Composition root: stack config -> checkStack (parse, lint, kubeconfigs, collisions) -> preflight -> clusters,
 * mesh and traffic layers -> outputs. An invalid configuration registers no resource and ends with the
 * problems, not a stack trace.
 */
import * as os from "node:os";
import * as pulumi from "@pulumi/pulumi";
import { buildClusterLayer, buildMeshLayer, buildRevisionRollouts, buildTrafficLayer, preflight } from "./components";
import { loadStack } from "./config";
import type { ClusterOutput } from "./model/build/outputs";
import { formatErrors } from "./model/stackCheck";
import { formatGatewayPlacement, formatServicePlan, trafficModel as modelOf, workloads as workloadsOf } from "./model/traffic/trafficPlan";

type Outputs<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/**
 * The program. Async because two answers must be in before the first resource: whether each kind cluster still
 * exists (it decides the kind Command's options: see components/preflight.ts) and whether an existing cluster's
 * nodes have the localities it declares. Pulumi runs an exported function and takes its result as the outputs.
 */
async function main() {
  // The same judgement as `npm run check`: every problem (config, kubeconfigs of existing clusters) before the
  // first resource. RunError ends the program with just its message, not our stack trace.
  const checked = loadStack();
  for (const w of checked.warnings) pulumi.log.warn(`${w.path}: ${w.message}`);
  if (!checked.ok) throw new pulumi.RunError(formatErrors(checked));
  const { spec, plan } = checked;
  const machine = await preflight(spec, os.homedir());

  const clusterLayer = buildClusterLayer(spec, plan, { presence: machine.presence });
  const mesh = buildMeshLayer(spec, plan, clusterLayer.clusters, {
    ...(spec.rootCa ? { rootCa: { certPem: spec.rootCa.certPem, keyPem: pulumi.secret(spec.rootCa.keyPem) } } : {}),
  });
  const traffic = buildTrafficLayer(spec, plan, clusterLayer.clusters, mesh.ready);
  // A changed versions.istio is a canary upgrade: the new revision beside the old, workloads restarted onto it,
  // the old revision deleted once this succeeded (model/build/revision.ts).
  const namespaces = Object.fromEntries(Object.entries(traffic.workloads).map(([name, w]) => [name, w.namespaces]));
  buildRevisionRollouts(spec, plan, clusterLayer.clusters, mesh.ready, namespaces);

  // The predicted split is plain data: a preview prints it, and a changed weight changes the output's diff.
  const predicted = checked.trafficPlan;
  for (const [service, servicePlan] of Object.entries(predicted)) pulumi.log.info(formatServicePlan(service, servicePlan));
  const gatewayPlacement = formatGatewayPlacement(plan);
  if (gatewayPlacement) pulumi.log.info(gatewayPlacement);

  /** contract §3: per cluster; the kubeconfig stays a secret inside the otherwise plain object. */
  const clusters: Record<string, Outputs<ClusterOutput>> = Object.fromEntries(
    clusterLayer.clusters.map((c) => [
      c.name,
      {
        network: c.spec.network,
        role: c.spec.role,
        kubeconfig: pulumi.secret(c.kubeconfig),
        apiServer: c.apiServer,
        ...(mesh.eastWestGatewayAddress[c.name] ? { eastWestGatewayAddress: mesh.eastWestGatewayAddress[c.name] } : {}),
      },
    ]),
  );
  return {
    clusters,
    trafficPlan: predicted,
    workloads: workloadsOf(spec, plan),
    trafficModel: modelOf(spec, plan),
    dockerNetwork: spec.dockerNetwork,
    addressPlan: Object.fromEntries(
      spec.clusters.map((c) => [
        c.name,
        {
          // What kind and Docker call it (`kind get clusters`, `docker ps`); Istio's name is the key.
          kindCluster: c.kindName,
          nodes: c.nodes.map((n) => n.nodeName),
          podSubnet: c.podSubnet,
          serviceSubnet: c.serviceSubnet,
          apiServerPort: c.apiServerPort,
          metallbPool: c.metallbPool ? `${c.metallbPool.first}-${c.metallbPool.last}` : undefined,
          // Who gives the east-west gateway its address (MetalLB on kind, the cloud's load balancer on an existing cluster).
          eastWestGatewayAddressFrom: plan.clusters.find((p) => p.name === c.name)?.gatewayAddressFrom,
        },
      ]),
    ),
  };
}

export = main;
