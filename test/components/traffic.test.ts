import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { TrafficPolicies, destinationRuleSpec, virtualServiceSpec } from "../../components/trafficPolicies";
import type { ClusterHandle } from "../../components/types";
import { CONTROL_PLANE_TOLERATION, Workloads, localityAffinity, versionLabel } from "../../components/workloads";
import { destinationRuleSpecSchema, httpRouteSchema, validateAgainstSchema } from "../../model/traffic/openapi";
import { planMesh } from "../../model/build/plan";
import { byType, named, underMocks } from "../helpers/components";
import { parse, stackRaw } from "../helpers/configs";
import { shippedStacks } from "../helpers/stacks";

/** A cluster handle as the clusters layer hands it over, with a stand-in resource for the kind cluster. */
function handle(name: string, spec = parse(stackRaw("dev"), "dev").clusters[0]): ClusterHandle {
  const lifetime = new k8s.core.v1.Namespace(`${name}-lifetime`, { metadata: { name: "stand-in" } });
  return {
    name,
    spec,
    provider: new k8s.Provider(`${name}-provider`, { kubeconfig: pulumi.secret("apiVersion: v1") }),
    kubeconfig: pulumi.secret("apiVersion: v1"),
    apiServer: pulumi.output("https://172.30.0.2:6443"),
    lifetime,
    ready: [],
  };
}

function devWorkloads() {
  const spec = parse(stackRaw("dev"), "dev");
  const plan = planMesh(spec);
  return underMocks(() => {
    const east = handle("east");
    return new Workloads("east-workloads", {
      cluster: east,
      namespaces: plan.namespaces,
      revision: "1-31-1",
      services: spec.traffic.services,
      backends: plan.backends.filter((b) => b.cluster === "east"),
      clients: plan.clients.filter((c) => c.cluster === "east"),
    });
  });
}

describe("Workloads", () => {
  it("a helloworld Deployment per locality placed in the cluster, labelled and pinned to that locality", async () => {
    const run = await devWorkloads();
    const deployments = byType(run.resources, "kubernetes:apps/v1:Deployment").filter((d) => d.inputs.metadata.name.startsWith("helloworld"));
    expect(deployments.map((d) => d.inputs.metadata.name)).toEqual(["helloworld-east-zone1", "helloworld-east-zone2"]);
    const zone2 = deployments[1].inputs;
    expect(zone2.metadata).toEqual({ name: "helloworld-east-zone2", namespace: "sample", labels: { app: "helloworld", version: "east.zone2" } });
    expect(zone2.spec.selector.matchLabels).toEqual({ app: "helloworld", version: "east.zone2" });
    const pod = zone2.spec.template.spec;
    expect(pod.containers[0]).toMatchObject({
      image: "registry.istio.io/release/examples-helloworld-v1:1.0",
      env: [{ name: "SERVICE_VERSION", value: "east/zone2" }],
      ports: [{ containerPort: 5000 }],
    });
    expect(pod.tolerations).toEqual([{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }]);
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([
      { key: "topology.kubernetes.io/region", operator: "In", values: ["east"] },
      { key: "topology.kubernetes.io/zone", operator: "In", values: ["zone2"] },
      { key: "topology.istio.io/subzone", operator: "DoesNotExist" },
    ]);
  });

  it("the namespace is injected by the revision (istio.io/rev, not istio-injection); every service gets a Service even where it has no pods", async () => {
    const run = await devWorkloads();
    expect(named(run.resources, "kubernetes:core/v1:Namespace", "east-workloads-ns-sample").inputs.metadata).toEqual({
      name: "sample",
      labels: { "istio.io/rev": "1-31-1" },
    });
    const svc = named(run.resources, "kubernetes:core/v1:Service", "east-workloads-svc-sample-helloworld").inputs;
    expect(svc.spec).toEqual({ ports: [{ port: 5000, name: "http", targetPort: 5000 }], selector: { app: "helloworld" } });
  });

  it("the client: a curl pod with its own ServiceAccount and Service, pinned to its locality", async () => {
    const run = await devWorkloads();
    const deploy = named(run.resources, "kubernetes:apps/v1:Deployment", "east-workloads-client-sample-sleep-deploy").inputs;
    expect(deploy.spec.template.spec).toMatchObject({
      serviceAccountName: "sleep",
      containers: [{ name: "curl", image: "docker.io/curlimages/curl:8.16.0@sha256:463eaf6072688fe96ac64fa623fe73e1dbe25d8ad6c34404a669ad3ce1f104b6", command: ["/bin/sleep", "infinity"] }],
    });
    expect(deploy.spec.template.spec.affinity).toEqual(localityAffinity("east/zone1"));
    expect(deploy.spec.template.spec.tolerations).toEqual([CONTROL_PLANE_TOLERATION]);
    expect(deploy.spec.template.metadata.annotations["proxy.istio.io/config"]).toBe("proxyStatsMatcher:\n  inclusionPrefixes:\n  - cluster.outbound\n");
    expect(named(run.resources, "kubernetes:core/v1:Service", "east-workloads-client-sample-sleep-svc").inputs.spec.selector).toEqual({ app: "sleep" });
  });

  it("everything is created with the cluster's provider, inside the namespace, and deleted with the cluster", async () => {
    const run = await devWorkloads();
    const lifetime = named(run.resources, "kubernetes:core/v1:Namespace", "east-lifetime").urn;
    const ns = named(run.resources, "kubernetes:core/v1:Namespace", "east-workloads-ns-sample").urn;
    const objects = run.resources.filter((r) => r.type.startsWith("kubernetes:") && r.parent.includes("Workloads"));
    expect(objects.length).toBe(7); // namespace, service, 2 backends, client SA + Service + Deployment
    for (const o of objects) {
      expect(o.deletedWith).toBe(lifetime);
      expect(o.provider).toMatch(/east-provider/);
      if (o.urn !== ns) expect(o.dependencies).toContain(ns);
    }
  });

  it("a locality with a subzone selects it; version labels join the parts with dots", () => {
    expect(localityAffinity("r/z/s").nodeAffinity).toMatchObject({
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{}, {}, { key: "topology.istio.io/subzone", operator: "In", values: ["s"] }] }] },
    });
    expect(versionLabel("r/z/s")).toBe("r.z.s");
    expect(versionLabel("r/z")).toBe("r.z");
  });
});

describe("TrafficPolicies", () => {
  it.each(shippedStacks())("%s: the DestinationRule passes Istio's published schema", (stack) => {
    const spec = parse(stackRaw(stack), stack);
    for (const policy of spec.traffic.policies) {
      expect(validateAgainstSchema(destinationRuleSpec(policy, spec.traffic.services), destinationRuleSpecSchema, "spec")).toEqual([]);
    }
  });

  it("flat: networking.istio.io/v1 DestinationRule for the FQDN, trafficPolicy exactly as written", async () => {
    const spec = parse(stackRaw("flat"), "flat");
    const run = await underMocks(() => new TrafficPolicies("cluster1-policies", { cluster: handle("cluster1"), policies: spec.traffic.policies, services: spec.traffic.services }));
    const dr = named(run.resources, "kubernetes:networking.istio.io/v1:DestinationRule", "cluster1-policies-dr-helloworld");
    expect(dr.inputs).toMatchObject({ apiVersion: "networking.istio.io/v1", kind: "DestinationRule", metadata: { name: "helloworld", namespace: "sample" } });
    expect(dr.inputs.spec).toEqual({
      host: "helloworld.sample.svc.cluster.local",
      trafficPolicy: {
        loadBalancer: {
          localityLbSetting: {
            enabled: true,
            distribute: [{ from: "region1/zone1/*", to: { "region1/zone1/*": 70, "region1/zone2/*": 20, "region3/zone4/*": 10 } }],
          },
        },
        outlierDetection: { consecutive5xxErrors: 100, interval: "1s", baseEjectionTime: "1m" },
      },
    });
    expect(dr.deletedWith).toBe(named(run.resources, "kubernetes:core/v1:Namespace", "cluster1-lifetime").urn);
  });

  it("cluster-local: the DestinationRule carries the subsets as written; one VirtualService per route, after its DestinationRule", async () => {
    const spec = parse(stackRaw("cluster-local"), "cluster-local");
    const run = await underMocks(() => {
      const after = new k8s.core.v1.Namespace("istiod-stand-in", { metadata: { name: "stand-in" } });
      return new TrafficPolicies("site-a-policies", { cluster: handle("site-a"), policies: spec.traffic.policies, routes: spec.traffic.routes, services: spec.traffic.services, after: [after] });
    });
    const dr = named(run.resources, "kubernetes:networking.istio.io/v1:DestinationRule", "site-a-policies-dr-helloworld");
    expect(dr.inputs.spec.subsets).toEqual([
      { name: "site-a", labels: { "topology.istio.io/cluster": "site-a" } },
      { name: "site-b", labels: { "topology.istio.io/cluster": "site-b" } },
    ]);
    expect(named(run.resources, "kubernetes:networking.istio.io/v1:DestinationRule", "site-a-policies-dr-cache").inputs.spec).not.toHaveProperty("subsets");
    const vss = run.resources.filter((r) => r.type === "kubernetes:networking.istio.io/v1:VirtualService");
    expect(vss.map((v) => v.name)).toEqual(["site-a-policies-vs-helloworld"]);
    const vs = vss[0];
    expect(vs.inputs).toMatchObject({ apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "helloworld", namespace: "sample", labels: { "app.kubernetes.io/managed-by": "kindmesh" } } });
    expect(vs.inputs.spec).toEqual({ hosts: ["helloworld.sample.svc.cluster.local"], http: spec.traffic.routes[0].http });
    expect(vs.inputs.spec).not.toHaveProperty("gateways"); // default "mesh": the sidecars
    expect(vs.dependencies).toEqual(expect.arrayContaining([dr.urn, named(run.resources, "kubernetes:core/v1:Namespace", "istiod-stand-in").urn]));
    expect(vs.provider).toMatch(/site-a-provider/);
    expect(vs.deletedWith).toBe(named(run.resources, "kubernetes:core/v1:Namespace", "site-a-lifetime").urn);
  });

  it.each(shippedStacks())("%s: every VirtualService's http routes pass Istio's published schema", (stack) => {
    const spec = parse(stackRaw(stack), stack);
    for (const route of spec.traffic.routes) {
      for (const [i, http] of virtualServiceSpec(route, spec.traffic.services).http.entries()) expect(validateAgainstSchema(http, httpRouteSchema, `http[${i}]`)).toEqual([]);
    }
  });
});
