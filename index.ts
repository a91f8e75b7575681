/**
 * Composition root: stack config -> parseConfig -> planMesh -> clusters, mesh and traffic layers -> outputs.
 * An invalid configuration registers no resource and ends with the ConfigError message, not a stack trace.
 */
import * as os from "node:os";
import * as pulumi from "@pulumi/pulumi";
import { buildClusterLayer, buildMeshLayer, buildTrafficLayer, kubeconfigProblems } from "./components";
import { readStackConfig } from "./config";
import type { ClusterOutput } from "./model/build/outputs";
import { planMesh } from "./model/build/plan";
import { ConfigError, parseConfig, type MeshSpec } from "./model/config/spec";
import { formatServicePlan, planTraffic, trafficModel as modelOf, workloads as workloadsOf } from "./model/traffic/trafficPlan";

function load(): MeshSpec {
  const { stack, raw } = readStackConfig();
  try {
    return parseConfig(raw, { stack });
  } catch (err) {
    // RunError ends the program with just its message: the user sees the list of problems, not our code.
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}

const spec = load();
for (const w of spec.warnings) pulumi.log.warn(`${w.path}: ${w.message}`);
// Existing clusters' kubeconfigs are files: read them all before the first resource, and report every problem.
const unreadable = kubeconfigProblems(spec.clusters, os.homedir());
if (unreadable.length > 0) throw new pulumi.RunError(`Cannot reach the existing clusters; nothing was deployed:\n  - ${unreadable.join("\n  - ")}`);
const plan = planMesh(spec);

const clusterLayer = buildClusterLayer(spec, plan);
const mesh = buildMeshLayer(spec, plan, clusterLayer.clusters, {
  ...(spec.rootCa ? { rootCa: { certPem: spec.rootCa.certPem, keyPem: pulumi.secret(spec.rootCa.keyPem) } } : {}),
});
buildTrafficLayer(spec, plan, clusterLayer.clusters, mesh.ready);

// The predicted split is plain data: a preview prints it, and a changed weight changes the output's diff.
const predicted = planTraffic(spec, plan);
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
