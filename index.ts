/**
 * Composition root: stack config -> parseConfig -> planMesh -> components -> outputs.
 * An invalid configuration registers no resource and ends with the ConfigError message, not a stack trace.
 */
import * as pulumi from "@pulumi/pulumi";
import { readStackConfig } from "./config";
import { planMesh } from "./model/plan";
import { ConfigError, parseConfig, type MeshSpec } from "./model/spec";

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
const plan = planMesh(spec);

export const meshId = spec.meshId;
export const dockerNetwork = spec.dockerNetwork;
export const addressPlan = Object.fromEntries(
  spec.clusters.map((c) => [
    c.name,
    {
      kind: c.kind,
      role: c.role,
      network: c.network,
      podSubnet: c.podSubnet,
      serviceSubnet: c.serviceSubnet,
      apiServerPort: c.apiServerPort,
      metallbPool: c.metallbPool ? `${c.metallbPool.first}-${c.metallbPool.last}` : undefined,
      nodes: c.nodes.map((n) => ({ name: n.nodeName, role: n.role, locality: n.locality })),
    },
  ]),
);
export const meshPlan = plan;
export const versions = spec.versions;
