/**
 * Composition root: stack config -> parseConfig -> planMesh -> clusters, mesh and traffic layers -> outputs.
 * An invalid configuration registers no resource and ends with the ConfigError message, not a stack trace.
 */
import * as pulumi from "@pulumi/pulumi";
import { buildClusterLayer, buildMeshLayer, buildTrafficLayer } from "./components";
import { loadStack } from "./config";
import type { ClusterOutput } from "./model/build/outputs";
import { formatErrors } from "./model/stackCheck";
import { formatServicePlan, trafficModel as modelOf, workloads as workloadsOf } from "./model/traffic/trafficPlan";

// The same judgement as `npm run check`: every problem (config, kubeconfigs of existing clusters) before the
// first resource. RunError ends the program with just its message, not our stack trace.
const checked = loadStack();
for (const w of checked.warnings) pulumi.log.warn(`${w.path}: ${w.message}`);
if (!checked.ok) throw new pulumi.RunError(formatErrors(checked));
const { spec, plan } = checked;

const clusterLayer = buildClusterLayer(spec, plan);
const mesh = buildMeshLayer(spec, plan, clusterLayer.clusters, {
  ...(spec.rootCa ? { rootCa: { certPem: spec.rootCa.certPem, keyPem: pulumi.secret(spec.rootCa.keyPem) } } : {}),
});
buildTrafficLayer(spec, plan, clusterLayer.clusters, mesh.ready);

// The predicted split is plain data: a preview prints it, and a changed weight changes the output's diff.
const predicted = checked.trafficPlan;
for (const [service, servicePlan] of Object.entries(predicted)) pulumi.log.info(formatServicePlan(service, servicePlan));

type Outputs<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/** contract §3: per cluster; the kubeconfig stays a secret inside the otherwise plain object. */
export const clusters: Record<string, Outputs<ClusterOutput>> = Object.fromEntries(
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
export const trafficPlan = predicted;
export const workloads = workloadsOf(spec, plan);
export const trafficModel = modelOf(spec, plan);
export const dockerNetwork = spec.dockerNetwork;
export const addressPlan = Object.fromEntries(
  spec.clusters.map((c) => [
    c.name,
    {
      podSubnet: c.podSubnet,
      serviceSubnet: c.serviceSubnet,
      apiServerPort: c.apiServerPort,
      metallbPool: c.metallbPool ? `${c.metallbPool.first}-${c.metallbPool.last}` : undefined,
    },
  ]),
);
