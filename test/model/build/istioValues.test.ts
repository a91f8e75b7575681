import { describe, expect, it } from "vitest";
import {
  CHARTS,
  EASTWEST_GATEWAY,
  ISTIO_CHART_REPO,
  baseValues,
  cacertsData,
  crossNetworkGatewaySpec,
  gatewayValues,
  injectionPath,
  istioNamespaceMetadata,
  istiodGatewaySpec,
  istiodValues,
  istiodVirtualServiceSpec,
  loadBalancerAddress,
  requireBareIPv4,
  secretData,
} from "../../../model/build/istioValues";
import { planMesh } from "../../../model/build/plan";
import { parse, stackRaw } from "../../helpers/configs";
import { shippedStacks } from "../../helpers/stacks";

/** Every value path kindmesh sets in the istiod chart, with where release-1.31's values.yaml defines it. */
const ISTIOD_PATHS: Record<string, string> = {
  profile: "templates/zzz_profile.yaml (files/profile-<name>.yaml)",
  autoscaleEnabled: "values.yaml:4",
  "resources.requests.cpu": "values.yaml:21",
  "resources.requests.memory": "values.yaml:21",
  "istiodRemote.injectionPath": "values.yaml:196",
  // meshConfig is free-form: templates/configmap.yaml mergeOverwrites it over the chart's mesh (MeshConfig field names).
  "meshConfig.serviceSettings": "values.yaml:222",
  "global.proxy.resources.requests.cpu": "values.yaml:399",
  "global.proxy.resources.requests.memory": "values.yaml:399",
  "global.remotePilotAddress": "values.yaml:422",
  "global.externalIstiod": "values.yaml:435",
  "global.configCluster": "values.yaml:438",
  "global.meshID": "values.yaml:464",
  "global.multiCluster.clusterName": "values.yaml:501",
  "global.network": "values.yaml:505",
  // "Releases are published to docker hub under 'istio' project" (release-builder stamps docker.io/istio in).
  "global.hub": "values.yaml:258",
};

/** Top-level keys of the gateway chart's values.schema.json ($defs.values, additionalProperties: false). */
const GATEWAY_SCHEMA_KEYS = [
  "_internal_defaults_do_not_set", "additionalContainers", "affinity", "annotations", "autoscaling", "compatibilityVersion",
  "containerSecurityContext", "defaultRevision", "dnsConfig", "dnsPolicy", "enabled", "env", "envVarFrom", "global",
  "imagePullPolicy", "imagePullSecrets", "initContainers", "kind", "labels", "lifecycle", "minReadySeconds", "name",
  "networkGateway", "networkGatewayPorts", "nodeSelector", "pilot", "platform", "podAnnotations", "podDisruptionBudget",
  "priorityClassName", "profile", "rbac", "readinessProbe", "replicaCount", "resources", "revision", "runAsRoot",
  "securityContext", "service", "serviceAccount", "strategy", "terminationGracePeriodSeconds", "tolerations",
  "topologySpreadConstraints", "unprivilegedPort", "volumeMounts", "volumes",
];

// What istio/istio release-1.31 samples/multicluster/expose-services.yaml and expose-istiod.yaml configure
// (the istio.io multicluster install pages apply them), written out here as the expected specs.
const CROSS_NETWORK_GATEWAY = {
  selector: { istio: "eastwestgateway" },
  servers: [{ port: { number: 15443, name: "tls", protocol: "TLS" }, tls: { mode: "AUTO_PASSTHROUGH" }, hosts: ["*.local"] }],
};
// The samples write the protocol in lower case; Istio parses it case-insensitively (pkg/config/protocol).
const ISTIOD_GATEWAY = {
  selector: { istio: "eastwestgateway" },
  servers: [
    { port: { name: "tls-istiod", number: 15012, protocol: "tls" }, tls: { mode: "PASSTHROUGH" }, hosts: ["*"] },
    { port: { name: "tls-istiodwebhook", number: 15017, protocol: "tls" }, tls: { mode: "PASSTHROUGH" }, hosts: ["*"] },
  ],
};
// samples/multicluster/expose-istiod-rev.yaml.tmpl with {{.Revision}} = 1-31-1.
const ISTIOD_VS_REV = {
  hosts: ["*"],
  gateways: ["istiod-gateway"],
  tls: [
    {
      match: [{ port: 15012, sniHosts: ["istiod-1-31-1.istio-system.svc", "istiod-1-31-1.istio-system.svc.cluster.local"] }],
      route: [{ destination: { host: "istiod-1-31-1.istio-system.svc.cluster.local", port: { number: 15012 } } }],
    },
    {
      match: [{ port: 15017, sniHosts: ["istiod-1-31-1.istio-system.svc", "istiod-1-31-1.istio-system.svc.cluster.local"] }],
      route: [{ destination: { host: "istiod-1-31-1.istio-system.svc.cluster.local", port: { number: 443 } } }],
    },
  ],
};

function leafPaths(value: unknown, prefix = ""): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}

/** Every chart's values for every cluster of a shipped stack, as the mesh layer computes them. */
function stackValues(stack: string) {
  const spec = parse(stackRaw(stack), stack);
  const plan = planMesh(spec);
  return Object.fromEntries(
    plan.clusters.map((c) => {
      const istiod = istiodValues({
        meshId: spec.meshId,
        cluster: c.name,
        network: c.network,
        role: c.role,
        controlsRemotes: plan.clusters.some((r) => r.role === "remote" && r.controlPlane === c.name),
        remotePilotAddress: c.role === "remote" ? `<east-west gateway address of ${c.controlPlane}>` : undefined,
        meshConfig: spec.traffic.meshConfig,
      });
      const gateway = c.eastWestGateway
        ? gatewayValues({
            network: c.network,
            exposure: c.eastWestGateway,
            externalIP: c.eastWestGateway === "NodePort" ? `<node address of ${c.name}>` : undefined,
            locality: c.eastWestGatewayLocality,
          })
        : undefined;
      return [c.name, { namespace: istioNamespaceMetadata(c), base: baseValues(c.role), istiod, ...(gateway ? { gateway } : {}) }];
    }),
  );
}

describe("chart values of every shipped stack", () => {
  it("covers the seven shipped stacks", () => {
    expect(shippedStacks()).toEqual(["cluster-local", "dev", "flat", "hybrid-nodeport", "multinet", "multizone-remote", "primary-remote"]);
  });

  it("snapshot", () => {
    expect(Object.fromEntries(shippedStacks().map((s) => [s, stackValues(s)]))).toMatchInlineSnapshot(`
      {
        "cluster-local": {
          "site-a": {
            "base": {},
            "istiod": {
              "autoscaleEnabled": false,
              "global": {
                "hub": "docker.io/istio",
                "meshID": "mesh1",
                "multiCluster": {
                  "clusterName": "site-a",
                },
                "network": "network1",
                "proxy": {
                  "resources": {
                    "requests": {
                      "cpu": "10m",
                      "memory": "40Mi",
                    },
                  },
                },
              },
              "meshConfig": {
                "serviceSettings": [
                  {
                    "hosts": [
                      "cache.sample.svc.cluster.local",
                    ],
                    "settings": {
                      "clusterLocal": true,
                    },
                  },
                ],
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "100Mi",
                },
              },
            },
            "namespace": {
              "labels": {
                "topology.istio.io/network": "network1",
              },
            },
          },
          "site-b": {
            "base": {},
            "istiod": {
              "autoscaleEnabled": false,
              "global": {
                "hub": "docker.io/istio",
                "meshID": "mesh1",
                "multiCluster": {
                  "clusterName": "site-b",
                },
                "network": "network1",
                "proxy": {
                  "resources": {
                    "requests": {
                      "cpu": "10m",
                      "memory": "40Mi",
                    },
                  },
                },
              },
              "meshConfig": {
                "serviceSettings": [
                  {
                    "hosts": [
                      "cache.sample.svc.cluster.local",
                    ],
                    "settings": {
                      "clusterLocal": true,
                    },
                  },
                ],
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "100Mi",
                },
              },
            },
            "namespace": {
              "labels": {
                "topology.istio.io/network": "network1",
              },
            },
          },
        },
        "dev": {
          "east": {
            "base": {},
            "gateway": {
              "autoscaling": {
                "enabled": false,
              },
              "name": "istio-eastwestgateway",
              "networkGateway": "network-east",
              "nodeSelector": {
                "topology.kubernetes.io/region": "east",
                "topology.kubernetes.io/zone": "zone1",
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "40Mi",
                },
              },
              "service": {
                "type": "LoadBalancer",
              },
              "tolerations": [
                {
                  "effect": "NoSchedule",
                  "key": "node-role.kubernetes.io/control-plane",
                  "operator": "Exists",
                },
              ],
            },
            "istiod": {
              "autoscaleEnabled": false,
              "global": {
                "hub": "docker.io/istio",
                "meshID": "mesh1",
                "multiCluster": {
                  "clusterName": "east",
                },
                "network": "network-east",
                "proxy": {
                  "resources": {
                    "requests": {
                      "cpu": "10m",
                      "memory": "40Mi",
                    },
                  },
                },
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "100Mi",
                },
              },
            },
            "namespace": {
              "labels": {
                "topology.istio.io/network": "network-east",
              },
            },
          },
          "west": {
            "base": {},
            "gateway": {
              "autoscaling": {
                "enabled": false,
              },
              "name": "istio-eastwestgateway",
              "networkGateway": "network-west",
              "nodeSelector": {
                "topology.kubernetes.io/region": "west",
                "topology.kubernetes.io/zone": "zone3",
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "40Mi",
                },
              },
              "service": {
                "type": "LoadBalancer",
              },
              "tolerations": [
                {
                  "effect": "NoSchedule",
                  "key": "node-role.kubernetes.io/control-plane",
                  "operator": "Exists",
                },
              ],
            },
            "istiod": {
              "autoscaleEnabled": false,
              "global": {
                "hub": "docker.io/istio",
                "meshID": "mesh1",
                "multiCluster": {
                  "clusterName": "west",
                },
                "network": "network-west",
                "proxy": {
                  "resources": {
                    "requests": {
                      "cpu": "10m",
                      "memory": "40Mi",
                    },
                  },
                },
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "100Mi",
                },
              },
            },
            "namespace": {
              "labels": {
                "topology.istio.io/network": "network-west",
              },
            },
          },
        },
        "flat": {
          "cluster1": {
            "base": {},
            "istiod": {
              "autoscaleEnabled": false,
              "global": {
                "hub": "docker.io/istio",
                "meshID": "mesh1",
                "multiCluster": {
                  "clusterName": "cluster1",
                },
                "network": "network1",
                "proxy": {
                  "resources": {
                    "requests": {
                      "cpu": "10m",
                      "memory": "40Mi",
                    },
                  },
                },
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "100Mi",
                },
              },
            },
            "namespace": {
              "labels": {
                "topology.istio.io/network": "network1",
              },
            },
          },
          "cluster2": {
            "base": {},
            "istiod": {
              "autoscaleEnabled": false,
              "global": {
                "hub": "docker.io/istio",
                "meshID": "mesh1",
                "multiCluster": {
                  "clusterName": "cluster2",
                },
                "network": "network1",
                "proxy": {
                  "resources": {
                    "requests": {
                      "cpu": "10m",
                      "memory": "40Mi",
                    },
                  },
                },
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "100Mi",
                },
              },
            },
            "namespace": {
              "labels": {
                "topology.istio.io/network": "network1",
              },
            },
          },
        },
        "hybrid-nodeport": {
          "north": {
            "base": {},
            "gateway": {
              "autoscaling": {
                "enabled": false,
              },
              "name": "istio-eastwestgateway",
              "networkGateway": "network-north",
              "nodeSelector": {
                "topology.kubernetes.io/region": "north",
                "topology.kubernetes.io/zone": "zone1",
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "40Mi",
                },
              },
              "service": {
                "externalIPs": [
                  "<node address of north>",
                ],
                "type": "NodePort",
              },
              "tolerations": [
                {
                  "effect": "NoSchedule",
                  "key": "node-role.kubernetes.io/control-plane",
                  "operator": "Exists",
                },
              ],
            },
            "istiod": {
              "autoscaleEnabled": false,
              "global": {
                "hub": "docker.io/istio",
                "meshID": "mesh1",
                "multiCluster": {
                  "clusterName": "north",
                },
                "network": "network-north",
                "proxy": {
                  "resources": {
                    "requests": {
                      "cpu": "10m",
                      "memory": "40Mi",
                    },
                  },
                },
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "100Mi",
                },
              },
            },
            "namespace": {
              "labels": {
                "topology.istio.io/network": "network-north",
              },
            },
          },
          "south": {
            "base": {},
            "gateway": {
              "autoscaling": {
                "enabled": false,
              },
              "name": "istio-eastwestgateway",
              "networkGateway": "network-south",
              "nodeSelector": {
                "topology.kubernetes.io/region": "south",
                "topology.kubernetes.io/zone": "zone1",
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "40Mi",
                },
              },
              "service": {
                "externalIPs": [
                  "<node address of south>",
                ],
                "type": "NodePort",
              },
              "tolerations": [
                {
                  "effect": "NoSchedule",
                  "key": "node-role.kubernetes.io/control-plane",
                  "operator": "Exists",
                },
              ],
            },
            "istiod": {
              "autoscaleEnabled": false,
              "global": {
                "hub": "docker.io/istio",
                "meshID": "mesh1",
                "multiCluster": {
                  "clusterName": "south",
                },
                "network": "network-south",
                "proxy": {
                  "resources": {
                    "requests": {
                      "cpu": "10m",
                      "memory": "40Mi",
                    },
                  },
                },
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "100Mi",
                },
              },
            },
            "namespace": {
              "labels": {
                "topology.istio.io/network": "network-south",
              },
            },
          },
        },
        "multinet": {
          "east": {
            "base": {},
            "gateway": {
              "autoscaling": {
                "enabled": false,
              },
              "name": "istio-eastwestgateway",
              "networkGateway": "network-east",
              "nodeSelector": {
                "topology.kubernetes.io/region": "east",
                "topology.kubernetes.io/zone": "zone1",
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "40Mi",
                },
              },
              "service": {
                "type": "LoadBalancer",
              },
              "tolerations": [
                {
                  "effect": "NoSchedule",
                  "key": "node-role.kubernetes.io/control-plane",
                  "operator": "Exists",
                },
              ],
            },
            "istiod": {
              "autoscaleEnabled": false,
              "global": {
                "hub": "docker.io/istio",
                "meshID": "mesh1",
                "multiCluster": {
                  "clusterName": "east",
                },
                "network": "network-east",
                "proxy": {
                  "resources": {
                    "requests": {
                      "cpu": "10m",
                      "memory": "40Mi",
                    },
                  },
                },
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "100Mi",
                },
              },
            },
            "namespace": {
              "labels": {
                "topology.istio.io/network": "network-east",
              },
            },
          },
          "west": {
            "base": {},
            "gateway": {
              "autoscaling": {
                "enabled": false,
              },
              "name": "istio-eastwestgateway",
              "networkGateway": "network-west",
              "nodeSelector": {
                "topology.kubernetes.io/region": "west",
                "topology.kubernetes.io/zone": "zone3",
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "40Mi",
                },
              },
              "service": {
                "type": "LoadBalancer",
              },
              "tolerations": [
                {
                  "effect": "NoSchedule",
                  "key": "node-role.kubernetes.io/control-plane",
                  "operator": "Exists",
                },
              ],
            },
            "istiod": {
              "autoscaleEnabled": false,
              "global": {
                "hub": "docker.io/istio",
                "meshID": "mesh1",
                "multiCluster": {
                  "clusterName": "west",
                },
                "network": "network-west",
                "proxy": {
                  "resources": {
                    "requests": {
                      "cpu": "10m",
                      "memory": "40Mi",
                    },
                  },
                },
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "100Mi",
                },
              },
            },
            "namespace": {
              "labels": {
                "topology.istio.io/network": "network-west",
              },
            },
          },
        },
        "multizone-remote": {
          "far": {
            "base": {},
            "gateway": {
              "autoscaling": {
                "enabled": false,
              },
              "name": "istio-eastwestgateway",
              "networkGateway": "network-far",
              "nodeSelector": {
                "topology.kubernetes.io/region": "far",
                "topology.kubernetes.io/zone": "zone1",
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "40Mi",
                },
              },
              "service": {
                "type": "LoadBalancer",
              },
              "tolerations": [
                {
                  "effect": "NoSchedule",
                  "key": "node-role.kubernetes.io/control-plane",
                  "operator": "Exists",
                },
              ],
            },
            "istiod": {
              "autoscaleEnabled": false,
              "global": {
                "hub": "docker.io/istio",
                "meshID": "mesh1",
                "multiCluster": {
                  "clusterName": "far",
                },
                "network": "network-far",
                "proxy": {
                  "resources": {
                    "requests": {
                      "cpu": "10m",
                      "memory": "40Mi",
                    },
                  },
                },
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "100Mi",
                },
              },
            },
            "namespace": {
              "labels": {
                "topology.istio.io/network": "network-far",
              },
            },
          },
          "near": {
            "base": {},
            "gateway": {
              "autoscaling": {
                "enabled": false,
              },
              "name": "istio-eastwestgateway",
              "networkGateway": "network-near",
              "nodeSelector": {
                "topology.kubernetes.io/region": "near",
                "topology.kubernetes.io/zone": "zone1",
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "40Mi",
                },
              },
              "service": {
                "type": "LoadBalancer",
              },
              "tolerations": [
                {
                  "effect": "NoSchedule",
                  "key": "node-role.kubernetes.io/control-plane",
                  "operator": "Exists",
                },
              ],
            },
            "istiod": {
              "autoscaleEnabled": false,
              "global": {
                "hub": "docker.io/istio",
                "meshID": "mesh1",
                "multiCluster": {
                  "clusterName": "near",
                },
                "network": "network-near",
                "proxy": {
                  "resources": {
                    "requests": {
                      "cpu": "10m",
                      "memory": "40Mi",
                    },
                  },
                },
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "100Mi",
                },
              },
            },
            "namespace": {
              "labels": {
                "topology.istio.io/network": "network-near",
              },
            },
          },
        },
        "primary-remote": {
          "main0": {
            "base": {},
            "gateway": {
              "autoscaling": {
                "enabled": false,
              },
              "name": "istio-eastwestgateway",
              "networkGateway": "network1",
              "nodeSelector": {
                "topology.kubernetes.io/region": "region1",
                "topology.kubernetes.io/zone": "zone1",
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "40Mi",
                },
              },
              "service": {
                "type": "LoadBalancer",
              },
              "tolerations": [
                {
                  "effect": "NoSchedule",
                  "key": "node-role.kubernetes.io/control-plane",
                  "operator": "Exists",
                },
              ],
            },
            "istiod": {
              "autoscaleEnabled": false,
              "global": {
                "externalIstiod": true,
                "hub": "docker.io/istio",
                "meshID": "mesh1",
                "multiCluster": {
                  "clusterName": "main0",
                },
                "network": "network1",
                "proxy": {
                  "resources": {
                    "requests": {
                      "cpu": "10m",
                      "memory": "40Mi",
                    },
                  },
                },
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "100Mi",
                },
              },
            },
            "namespace": {
              "labels": {
                "topology.istio.io/network": "network1",
              },
            },
          },
          "remote0": {
            "base": {
              "profile": "remote",
            },
            "istiod": {
              "global": {
                "configCluster": true,
                "hub": "docker.io/istio",
                "meshID": "mesh1",
                "multiCluster": {
                  "clusterName": "remote0",
                },
                "network": "network1",
                "remotePilotAddress": "<east-west gateway address of main0>",
              },
              "istiodRemote": {
                "injectionPath": "/inject/cluster/remote0/net/network1",
              },
              "profile": "remote",
            },
            "namespace": {
              "annotations": {
                "topology.istio.io/controlPlaneClusters": "main0",
              },
              "labels": {
                "topology.istio.io/network": "network1",
              },
            },
          },
        },
      }
    `);
  });

  it.each(shippedStacks())("%s: every istiod value path exists in the release-1.31 chart (unknown keys are silently ignored)", (stack) => {
    for (const [cluster, v] of Object.entries(stackValues(stack))) {
      for (const path of leafPaths(v.istiod)) expect(ISTIOD_PATHS, `${stack}/${cluster}: ${path}`).toHaveProperty([path]);
    }
  });

  it.each(shippedStacks())("%s: gateway values use only top-level keys the gateway chart's strict schema allows", (stack) => {
    for (const v of Object.values(stackValues(stack))) {
      if (v.gateway) for (const key of Object.keys(v.gateway)) expect(GATEWAY_SCHEMA_KEYS).toContain(key);
    }
  });

  it.each(shippedStacks())("%s: names and networks agree", (stack) => {
    for (const [cluster, v] of Object.entries(stackValues(stack))) {
      expect(v.istiod.global.multiCluster.clusterName).toBe(cluster);
      expect(v.namespace.labels["topology.istio.io/network"]).toBe(v.istiod.global.network);
      if (v.gateway) expect(v.gateway.networkGateway).toBe(v.istiod.global.network);
      if (v.istiod.istiodRemote) expect(v.istiod.istiodRemote.injectionPath).toBe(`/inject/cluster/${cluster}/net/${v.istiod.global.network}`);
    }
  });
});

describe("istiod values", () => {
  const primary = { meshId: "mesh1", cluster: "east", network: "net-east", role: "primary" as const };

  it("primary: identity, modest requests, no HPA, and no remote-only keys", () => {
    const v = istiodValues({ ...primary, controlsRemotes: false });
    expect(v.global).toMatchObject({ meshID: "mesh1", multiCluster: { clusterName: "east" }, network: "net-east" });
    expect(v.global.proxy).toEqual({ resources: { requests: { cpu: "10m", memory: "40Mi" } } });
    expect(v.resources).toEqual({ requests: { cpu: "10m", memory: "100Mi" } });
    expect(v.autoscaleEnabled).toBe(false);
    expect(v).not.toHaveProperty("profile");
    expect(v).not.toHaveProperty("istiodRemote");
    expect(v).not.toHaveProperty("pilot");
    expect(v.global).not.toHaveProperty("externalIstiod");
    expect(v.global).not.toHaveProperty("remotePilotAddress");
    expect(v.global).not.toHaveProperty("configCluster");
  });

  it("a primary that controls remotes sets global.externalIstiod: true", () => {
    expect(istiodValues({ ...primary, controlsRemotes: true }).global.externalIstiod).toBe(true);
  });

  it("remote: profile remote, the primary's address as given, configCluster, injection path; no istiod resources", () => {
    const address = { an: "Output stands here" };
    const v = istiodValues({ meshId: "mesh1", cluster: "remote0", network: "network2", role: "remote", controlsRemotes: false, remotePilotAddress: address });
    expect(v).toEqual({
      profile: "remote",
      global: { hub: "docker.io/istio", meshID: "mesh1", multiCluster: { clusterName: "remote0" }, network: "network2", remotePilotAddress: address, configCluster: true },
      istiodRemote: { injectionPath: "/inject/cluster/remote0/net/network2" },
    });
    expect(v.global.remotePilotAddress).toBe(address);
  });

  it("meshConfig: a primary's istiod gets the stack's MeshConfig fields as the chart's top-level meshConfig value", () => {
    const meshConfig = { serviceSettings: [{ settings: { clusterLocal: true }, hosts: ["cache.sample.svc.cluster.local"] }] };
    expect(istiodValues({ ...primary, controlsRemotes: false, meshConfig }).meshConfig).toEqual(meshConfig);
    // No MeshConfig fields: no key at all, so the chart's own meshConfig default (enablePrometheusMerge) stays as it is.
    expect(istiodValues({ ...primary, controlsRemotes: false, meshConfig: {} })).not.toHaveProperty("meshConfig");
  });

  it("meshConfig: a remote runs no istiod, so its values never carry one (its primary's istiod applies the mesh settings)", () => {
    const v = istiodValues({ meshId: "m", cluster: "r", network: "n", role: "remote", controlsRemotes: false, remotePilotAddress: "172.27.255.192", meshConfig: { serviceSettings: [] } });
    expect(v).not.toHaveProperty("meshConfig");
  });

  it("a remote without its primary's address is an error, not a chart that silently renders no EndpointSlice", () => {
    expect(() => istiodValues({ meshId: "m", cluster: "r", network: "n", role: "remote", controlsRemotes: false })).toThrow(/remotePilotAddress/);
  });

  it("base: empty on a primary, the remote profile on a remote", () => {
    expect(baseValues("primary")).toEqual({});
    expect(baseValues("remote")).toEqual({ profile: "remote" });
  });

  it("injection path carries cluster and network", () => {
    expect(injectionPath("cluster2", "network2")).toBe("/inject/cluster/cluster2/net/network2");
  });

  it("charts: release and chart names as istio.io's Helm pages, from Istio's repository", () => {
    expect(CHARTS).toEqual({
      base: { release: "istio-base", chart: "base" },
      istiod: { release: "istiod", chart: "istiod" },
      gateway: { release: "istio-eastwestgateway", chart: "gateway" },
    });
    expect(ISTIO_CHART_REPO).toBe("https://istio-release.storage.googleapis.com/charts");
  });
});

describe("istio-system namespace", () => {
  it("primary: only the network label", () => {
    expect(istioNamespaceMetadata({ role: "primary", network: "n1", controlPlane: "c1" })).toEqual({ labels: { "topology.istio.io/network": "n1" } });
  });

  it("remote: the network label and the cluster whose istiod manages it", () => {
    expect(istioNamespaceMetadata({ role: "remote", network: "n1", controlPlane: "main0" })).toEqual({
      labels: { "topology.istio.io/network": "n1" },
      annotations: { "topology.istio.io/controlPlaneClusters": "main0" },
    });
  });
});

describe("gateway values", () => {
  it("LoadBalancer: named istio-eastwestgateway (labels istio=eastwestgateway), the network, no externalIPs", () => {
    expect(gatewayValues({ network: "net-west", exposure: "LoadBalancer" })).toEqual({
      name: EASTWEST_GATEWAY,
      networkGateway: "net-west",
      service: { type: "LoadBalancer" },
      resources: { requests: { cpu: "10m", memory: "40Mi" } },
      autoscaling: { enabled: false },
    });
  });

  it("NodePort: the node address as the Service's only externalIP", () => {
    expect(gatewayValues({ network: "n", exposure: "NodePort", externalIP: "172.26.0.2" }).service).toEqual({ type: "NodePort", externalIPs: ["172.26.0.2"] });
  });

  it("pins the gateway pod to its locality with the node topology labels (subzone only when there is one)", () => {
    expect(gatewayValues({ network: "n", exposure: "LoadBalancer", locality: "west/zone4" }).nodeSelector).toEqual({
      "topology.kubernetes.io/region": "west",
      "topology.kubernetes.io/zone": "zone4",
    });
    expect(gatewayValues({ network: "n", exposure: "LoadBalancer", locality: "r/z/s1" }).nodeSelector).toEqual({
      "topology.kubernetes.io/region": "r",
      "topology.kubernetes.io/zone": "z",
      "topology.istio.io/subzone": "s1",
    });
    expect(gatewayValues({ network: "n", exposure: "LoadBalancer", locality: "r/z" }).tolerations).toEqual([
      { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
    ]);
    expect(gatewayValues({ network: "n", exposure: "LoadBalancer" })).not.toHaveProperty("nodeSelector");
    expect(gatewayValues({ network: "n", exposure: "LoadBalancer" })).not.toHaveProperty("tolerations");
  });

  it("NodePort without a node address is an error", () => {
    expect(() => gatewayValues({ network: "n", exposure: "NodePort" })).toThrow(/externalIPs/);
  });

  it("the name the Gateways select on: name minus the istio- prefix (gateway _helpers.tpl)", () => {
    expect(EASTWEST_GATEWAY.replace(/^istio-/, "")).toBe(crossNetworkGatewaySpec().selector.istio);
  });
});

describe("multicluster Istio resources, exactly as samples/multicluster", () => {
  it("cross-network-gateway = expose-services.yaml", () => {
    expect(crossNetworkGatewaySpec()).toEqual(CROSS_NETWORK_GATEWAY);
  });

  it("istiod-gateway = expose-istiod.yaml; istiod-vs-<revision> = expose-istiod-rev.yaml.tmpl", () => {
    expect(istiodGatewaySpec()).toEqual(ISTIOD_GATEWAY);
    expect(istiodVirtualServiceSpec("1-31-1")).toEqual(ISTIOD_VS_REV);
  });

  it("returns fresh objects, so one cluster's resource cannot change another's", () => {
    const a = crossNetworkGatewaySpec();
    a.servers[0].hosts.push("x");
    expect(crossNetworkGatewaySpec().servers[0].hosts).toEqual(["*.local"]);
  });
});

describe("cacerts", () => {
  const pem = (n: string) => `-----BEGIN CERTIFICATE-----\n${n}\n-----END CERTIFICATE-----\n`;

  it("exactly the four keys istiod reads; cert-chain is the intermediate then the root", () => {
    const data = cacertsData({ caCert: pem("inter"), caKey: "KEY", rootCert: pem("root") });
    expect(Object.keys(data).sort()).toEqual(["ca-cert.pem", "ca-key.pem", "cert-chain.pem", "root-cert.pem"]);
    expect(data["ca-cert.pem"]).toBe(pem("inter"));
    expect(data["root-cert.pem"]).toBe(pem("root"));
    expect(data["cert-chain.pem"]).toBe(pem("inter") + pem("root"));
    expect(data["ca-key.pem"]).toBe("KEY\n");
  });

  it("never glues two PEM blocks onto one line", () => {
    const data = cacertsData({ caCert: pem("inter").trimEnd(), caKey: "K", rootCert: pem("root").trimEnd() });
    expect(data["cert-chain.pem"]).toContain("-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----");
  });

  it("secretData base64-encodes every value", () => {
    expect(secretData({ a: "hello", "b.pem": "x\n" })).toEqual({ a: "aGVsbG8=", "b.pem": "eAo=" });
  });
});

describe("gateway addresses", () => {
  it("a bare IPv4 passes; with a port, a hostname or nothing it is an error (istio#40691)", () => {
    expect(requireBareIPv4("172.30.255.200", "gw")).toBe("172.30.255.200");
    for (const bad of ["172.30.255.200:15012", "gw.example.com", "", "256.1.1.1", undefined]) {
      expect(() => requireBareIPv4(bad, "gw")).toThrow(/bare IPv4/);
    }
  });

  it("reads the LoadBalancer ingress IP", () => {
    expect(loadBalancerAddress({ loadBalancer: { ingress: [{ ip: "172.30.255.193" }] } }, "gw")).toBe("172.30.255.193");
    expect(loadBalancerAddress({ loadBalancer: { ingress: [{ hostname: "x" }, { ip: "10.0.0.9" }] } }, "gw")).toBe("10.0.0.9");
  });

  it("a pending LoadBalancer is an error that points at MetalLB", () => {
    expect(() => loadBalancerAddress({ loadBalancer: {} }, "east-west gateway of east")).toThrow(/east-west gateway of east.*<pending>.*MetalLB/);
    expect(() => loadBalancerAddress(undefined, "gw")).toThrow(/pending/);
    expect(() => loadBalancerAddress({ loadBalancer: { ingress: [{ hostname: "lb.example.com" }] } }, "gw")).toThrow(/pending/);
  });
});
