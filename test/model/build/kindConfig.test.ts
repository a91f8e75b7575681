import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { LOCALITY_LABELS, controlPlaneNode, kindConfig, kindConfigYaml, kindTriggers, localityLabels } from "../../../model/build/kindConfig";
import type { ClusterSpec, MeshSpec } from "../../../model/types";
import { DEFAULT_VERSIONS } from "../../../model/config/versions";
import { parse, stackRaw } from "../../helpers/configs";

const IMAGE = DEFAULT_VERSIONS.kindNodeImage;
const specOf = (stack: string): MeshSpec => parse(stackRaw(stack), stack);
const cluster = (stack: string, name: string): ClusterSpec => {
  const c = specOf(stack).clusters.find((x) => x.name === name);
  if (!c) throw new Error(`no cluster ${name} in ${stack}`);
  return c;
};
/** Moves a node to another locality, and the traffic section's references with it (they must name real nodes). */
function relocate(raw: ReturnType<typeof stackRaw>, cluster: number, node: number, locality: string): void {
  const old: string = raw.topology.clusters[cluster].nodes[node].locality;
  raw.topology.clusters[cluster].nodes[node].locality = locality;
  for (const s of raw.traffic.services) s.localities = s.localities.map((l: string) => (l === old ? locality : l));
  for (const c of raw.traffic.clients) if (c.locality === old) c.locality = locality;
}
const yamlOf = (stack: string, name: string) => kindConfigYaml(cluster(stack, name), specOf(stack).versions.kindNodeImage);

// The v1alpha4 fields kind's strict decoder accepts (kind pkg/apis/config/v1alpha4/types.go; unknown fields
// are an error there: encoding/load.go uses KnownFields(true)).
const CLUSTER_FIELDS = ["kind", "apiVersion", "name", "nodes", "networking", "featureGates", "runtimeConfig", "kubeadmConfigPatches", "kubeadmConfigPatchesJSON6902", "containerdConfigPatches", "containerdConfigPatchesJSON6902"];
const NETWORKING_FIELDS = ["ipFamily", "apiServerPort", "apiServerAddress", "podSubnet", "serviceSubnet", "disableDefaultCNI", "kubeProxyMode", "dnsSearch"];
const NODE_FIELDS = ["role", "image", "labels", "extraMounts", "extraPortMappings", "kubeadmConfigPatches", "kubeadmConfigPatchesJSON6902"];

describe("the kind config of each shipped stack (exact)", () => {
  it("dev/east: two nodes in two zones of region east", () => {
    expect(yamlOf("dev", "east")).toMatchInlineSnapshot(`
      "kind: Cluster
      apiVersion: kind.x-k8s.io/v1alpha4
      networking:
        apiServerAddress: 127.0.0.1
        apiServerPort: 31632
        podSubnet: 10.113.0.0/16
        serviceSubnet: 10.255.60.0/24
      nodes:
        - role: control-plane
          image: kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0
          labels:
            topology.kubernetes.io/region: east
            topology.kubernetes.io/zone: zone1
        - role: worker
          image: kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0
          labels:
            topology.kubernetes.io/region: east
            topology.kubernetes.io/zone: zone2
      "
    `);
  });

  it("dev/west", () => {
    expect(yamlOf("dev", "west")).toMatchInlineSnapshot(`
      "kind: Cluster
      apiVersion: kind.x-k8s.io/v1alpha4
      networking:
        apiServerAddress: 127.0.0.1
        apiServerPort: 31694
        podSubnet: 10.77.0.0/16
        serviceSubnet: 10.255.174.0/24
      nodes:
        - role: control-plane
          image: kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0
          labels:
            topology.kubernetes.io/region: west
            topology.kubernetes.io/zone: zone3
      "
    `);
  });

  it("flat/cluster2: a control plane and two workers in one zone, on the shared network's second subnets", () => {
    expect(yamlOf("flat", "cluster2")).toMatchInlineSnapshot(`
      "kind: Cluster
      apiVersion: kind.x-k8s.io/v1alpha4
      networking:
        apiServerAddress: 127.0.0.1
        apiServerPort: 31461
        podSubnet: 10.252.0.0/16
        serviceSubnet: 10.255.237.0/24
      nodes:
        - role: control-plane
          image: kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0
          labels:
            topology.kubernetes.io/region: region2
            topology.kubernetes.io/zone: zone3
        - role: worker
          image: kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0
          labels:
            topology.kubernetes.io/region: region3
            topology.kubernetes.io/zone: zone4
        - role: worker
          image: kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0
          labels:
            topology.kubernetes.io/region: region3
            topology.kubernetes.io/zone: zone4
      "
    `);
  });

  it("multinet/east", () => {
    expect(yamlOf("multinet", "east")).toMatchInlineSnapshot(`
      "kind: Cluster
      apiVersion: kind.x-k8s.io/v1alpha4
      networking:
        apiServerAddress: 127.0.0.1
        apiServerPort: 22932
        podSubnet: 10.113.0.0/16
        serviceSubnet: 10.255.60.0/24
      nodes:
        - role: control-plane
          image: kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0
          labels:
            topology.kubernetes.io/region: east
            topology.kubernetes.io/zone: zone1
        - role: worker
          image: kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0
          labels:
            topology.kubernetes.io/region: east
            topology.kubernetes.io/zone: zone2
      "
    `);
  });

  it("primary-remote/remote0", () => {
    expect(yamlOf("primary-remote", "remote0")).toMatchInlineSnapshot(`
      "kind: Cluster
      apiVersion: kind.x-k8s.io/v1alpha4
      networking:
        apiServerAddress: 127.0.0.1
        apiServerPort: 31445
        podSubnet: 10.30.0.0/16
        serviceSubnet: 10.255.217.0/24
      nodes:
        - role: control-plane
          image: kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0
          labels:
            topology.kubernetes.io/region: region2
            topology.kubernetes.io/zone: zone2
      "
    `);
  });

  it("hybrid-nodeport/north", () => {
    expect(yamlOf("hybrid-nodeport", "north")).toMatchInlineSnapshot(`
      "kind: Cluster
      apiVersion: kind.x-k8s.io/v1alpha4
      networking:
        apiServerAddress: 127.0.0.1
        apiServerPort: 31328
        podSubnet: 10.205.0.0/16
        serviceSubnet: 10.255.4.0/24
      nodes:
        - role: control-plane
          image: kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0
          labels:
            topology.kubernetes.io/region: north
            topology.kubernetes.io/zone: zone1
      "
    `);
  });
});

describe("kind config: targeted", () => {
  const stacks = ["cluster-local", "dev", "flat", "hybrid-nodeport", "multinet", "multizone-remote", "primary-remote"];
  const all = stacks.flatMap((s) => specOf(s).clusters.filter((c) => c.kind === "kind").map((c) => [s, c] as const));

  it.each(all)("%s/%o: only v1alpha4 fields, and the YAML kind reads is the object", (stack, c) => {
    const text = kindConfigYaml(c, specOf(stack).versions.kindNodeImage);
    const doc = parseYaml(text);
    expect(doc).toEqual(kindConfig(c, specOf(stack).versions.kindNodeImage));
    expect(CLUSTER_FIELDS).toEqual(expect.arrayContaining(Object.keys(doc)));
    expect(NETWORKING_FIELDS).toEqual(expect.arrayContaining(Object.keys(doc.networking)));
    for (const n of doc.nodes) expect(NODE_FIELDS).toEqual(expect.arrayContaining(Object.keys(n)));
    expect(doc).toMatchObject({ kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4" });
  });

  it.each(all)("%s/%o: subnets, API server port and address come from the plan", (stack, c) => {
    const cfg = kindConfig(c, IMAGE);
    expect(cfg.networking).toEqual({ apiServerAddress: "127.0.0.1", apiServerPort: c.apiServerPort, podSubnet: c.podSubnet, serviceSubnet: c.serviceSubnet });
  });

  it.each(all)("%s/%o: every node has the pinned image, its role, and exactly its locality labels", (_stack, c) => {
    const cfg = kindConfig(c, IMAGE);
    expect(cfg.nodes.map((n) => n.role)).toEqual(c.nodes.map((n) => n.role));
    cfg.nodes.forEach((n, i) => {
      expect(n.image).toBe("kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0");
      expect(n.labels).toEqual({ "topology.kubernetes.io/region": c.nodes[i].region, "topology.kubernetes.io/zone": c.nodes[i].zone });
      // kind#3536: a node-role label stops the kubelet.
      expect(Object.keys(n.labels).some((k) => k.startsWith("node-role.kubernetes.io/"))).toBe(false);
    });
  });

  it("flat: the two clusters on one network get disjoint pod and service subnets, and distinct API ports", () => {
    const [c1, c2] = ["cluster1", "cluster2"].map((n) => kindConfig(cluster("flat", n), IMAGE).networking);
    expect([c1.podSubnet, c2.podSubnet]).toEqual(["10.35.0.0/16", "10.252.0.0/16"]);
    expect([c1.serviceSubnet, c2.serviceSubnet]).toEqual(["10.255.52.0/24", "10.255.237.0/24"]);
    expect(c1.apiServerPort).not.toBe(c2.apiServerPort);
  });

  it("a stack's overridden node image reaches every node", () => {
    const raw = stackRaw("dev");
    raw.versions = { kindNodeImage: "kindest/node:v1.36.4@sha256:" + "a".repeat(64) };
    const spec = parse(raw, "dev");
    const cfg = kindConfig(spec.clusters[0], spec.versions.kindNodeImage);
    expect(new Set(cfg.nodes.map((n) => n.image))).toEqual(new Set([`kindest/node:v1.36.4@sha256:${"a".repeat(64)}`]));
  });

  it("a subzone becomes topology.istio.io/subzone; without one there is no such label (not an empty value)", () => {
    expect(localityLabels({ region: "r", zone: "z", subzone: "s" })).toEqual({
      "topology.kubernetes.io/region": "r",
      "topology.kubernetes.io/zone": "z",
      "topology.istio.io/subzone": "s",
    });
    expect(localityLabels({ region: "r", zone: "z", subzone: "" })).not.toHaveProperty(LOCALITY_LABELS.subzone);
    const raw = stackRaw("dev");
    relocate(raw, 0, 1, "east/zone2/rack7");
    const cfg = kindConfig(parse(raw, "dev").clusters[0], IMAGE);
    expect(cfg.nodes[1].labels["topology.istio.io/subzone"]).toBe("rack7");
    expect(cfg.nodes[0].labels).not.toHaveProperty("topology.istio.io/subzone");
  });

  it("label values that YAML could read as other types stay strings", () => {
    const raw = stackRaw("hybrid-nodeport");
    relocate(raw, 0, 0, "no/1/true");
    raw.traffic.policies[0].trafficPolicy.loadBalancer.localityLbSetting.failover = [{ from: "no", to: "south" }];
    const c = parse(raw, "hybrid-nodeport").clusters[0];
    expect(parseYaml(kindConfigYaml(c, IMAGE)).nodes[0].labels).toEqual({
      "topology.kubernetes.io/region": "no",
      "topology.kubernetes.io/zone": "1",
      "topology.istio.io/subzone": "true",
    });
  });

  it("refuses an existing cluster (there is nothing for kind to build)", () => {
    const c: ClusterSpec = { ...cluster("dev", "east"), kind: "existing", nodes: [] };
    expect(() => kindConfig(c, IMAGE)).toThrow(/not a planned kind cluster/);
  });

  it("the first control-plane node is where kubectl runs", () => {
    expect(controlPlaneNode(cluster("flat", "cluster2"))).toBe("flat-cluster2-control-plane");
  });
});

describe("triggers: what needs a new cluster", () => {
  const base = () => specOf("dev");
  const triggersOf = (spec: MeshSpec, i = 0) => kindTriggers(spec.clusters[i], spec.versions.kindNodeImage, spec.dockerNetwork);

  it("names image, subnets, port, node roles and the network", () => {
    const spec = base();
    const east = spec.clusters[0];
    expect(triggersOf(spec)).toEqual([
      `nodeImage=${IMAGE}`,
      `podSubnet=${east.podSubnet}`,
      `serviceSubnet=${east.serviceSubnet}`,
      `apiServerPort=${east.apiServerPort}`,
      "nodes=control-plane,worker",
      "dockerNetwork=kindmesh-dev 172.16.212.0/22",
    ]);
  });

  it("a locality change (region, zone or a new subzone) leaves them as they are", () => {
    const raw = stackRaw("dev");
    relocate(raw, 0, 1, "east/zone1/rack2");
    const moved = parse(raw, "dev");
    expect(triggersOf(moved)).toEqual(triggersOf(base()));
    expect(kindConfigYaml(moved.clusters[0], IMAGE)).not.toEqual(kindConfigYaml(base().clusters[0], IMAGE));
  });

  it("a new worker, another image, a subnet or the network change them", () => {
    const before = triggersOf(base());
    const worker = stackRaw("dev");
    worker.topology.clusters[0].nodes.push({ role: "worker", locality: "east/zone2" });
    expect(triggersOf(parse(worker, "dev"))).not.toEqual(before);
    const image = stackRaw("dev");
    image.versions = { kindNodeImage: "kindest/node:v1.36.4@sha256:" + "b".repeat(64) };
    expect(triggersOf(parse(image, "dev"))).not.toEqual(before);
    const subnet = stackRaw("dev");
    subnet.topology.clusters[0].podSubnet = "10.99.0.0/16";
    expect(triggersOf(parse(subnet, "dev"))).not.toEqual(before);
    const net = stackRaw("dev");
    net.topology.dockerNetwork = { name: "other" };
    expect(triggersOf(parse(net, "dev"))).not.toEqual(before);
  });
});
