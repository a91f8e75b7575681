/**
 * The Mermaid diagram of every shipped stack, generated from its stack file: a snapshot of one, and targeted
 * assertions for all (every cluster, node locality, gateway, secret, route, backend and client appears).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { mermaidDiagram, mermaidId } from "../../../model/build/diagram";
import { planMesh } from "../../../model/build/plan";
import { isClusterLocal } from "../../../model/traffic/routing/match";
import { diagramFor, runDiagram } from "../../../scripts/diagram";
import { parse, stackRaw } from "../../helpers/configs";
import { shippedStacks } from "../../helpers/stacks";
import { recordingIo } from "../../scripts/fakes/io";

const diagramOf = (stack: string) => {
  const spec = parse(stackRaw(stack), stack);
  return { spec, plan: planMesh(spec), text: mermaidDiagram(spec, planMesh(spec)) };
};

describe("diagram", () => {
  it("ships at least the five documented stacks", () => {
    expect(shippedStacks()).toEqual(expect.arrayContaining(["cluster-local", "dev", "flat", "hybrid-nodeport", "multinet", "multizone-remote", "primary-remote"]));
  });

  it("cluster-local: sleep-a calls helloworld everywhere but cache only in site-a", () => {
    const lines = diagramOf("cluster-local").text.split("\n").filter((l) => l.startsWith("  site_a__client__sleep_a -.->"));
    expect(lines.filter((l) => l.includes('"cache"'))).toEqual(['  site_a__client__sleep_a -.->|"cache"| site_a__cache__europe_zone1']);
    expect(lines.filter((l) => l.includes('"helloworld"'))).toHaveLength(4);
  });

  it.each(shippedStacks())("%s: every cluster, node, backend, client, secret and route is drawn", (stack) => {
    const { spec, plan, text } = diagramOf(stack);
    expect(text.startsWith("flowchart LR\n")).toBe(true);
    const lines = text.split("\n");
    // Balanced subgraphs: one per network and one per cluster.
    const networks = new Set(spec.clusters.map((c) => c.network));
    expect(lines.filter((l) => /^\s*subgraph /.test(l))).toHaveLength(networks.size + spec.clusters.length);
    expect(lines.filter((l) => l.trim() === "end")).toHaveLength(networks.size + spec.clusters.length);
    for (const c of spec.clusters) {
      // Istio's cluster name, and the name kind and Docker know it by (<stack>-<cluster>).
      expect(text).toContain(`subgraph ${mermaidId("cluster", c.name)}["cluster ${c.name} (${c.role === "primary" ? "primary" : `remote of ${c.primary}`})<br/>kind cluster ${stack}-${c.name}"]`);
      for (const n of c.nodes) expect(n.nodeName.startsWith(`${stack}-${c.name}-`)).toBe(true);
      for (const n of c.nodes) expect(text).toContain(`${mermaidId(c.name, n.nodeName)}["${n.nodeName}<br/>${n.locality}"]`);
      expect(text.includes(mermaidId(c.name, "istiod"))).toBe(c.role === "primary");
    }
    for (const g of plan.clusters.filter((c) => c.eastWestGateway)) expect(text).toContain(`${mermaidId(g.name, "ewgw")}{{"east-west gateway<br/>`);
    for (const s of plan.remoteSecrets) expect(text).toContain(`${mermaidId(s.destination, "istiod")} -.->|"remote secret: reads ${s.source}"| ${mermaidId("cluster", s.source)}`);
    const routePairs = new Set(plan.routes.map((r) => [r.from, r.to].sort().join("|")));
    expect(lines.filter((l) => l.includes('<-->|"pod routes"|'))).toHaveLength(routePairs.size);
    for (const b of plan.backends) expect(text).toContain(`${mermaidId(b.cluster, b.service, b.locality)}(["${b.service}<br/>${b.locality} ×${b.replicas}"])`);
    for (const cl of plan.clients) {
      expect(text).toContain(`${mermaidId(cl.cluster, "client", cl.name)}(("${cl.name}<br/>${cl.locality}"))`);
      // Every backend it can call: a cluster-local service's only in its own cluster.
      const callable = plan.backends.filter((b) => b.cluster === cl.cluster || !isClusterLocal(`${b.service}.${b.namespace}.svc.cluster.local`, spec.traffic.meshConfig));
      expect(lines.filter((l) => l.startsWith(`  ${mermaidId(cl.cluster, "client", cl.name)} -.->`))).toHaveLength(callable.length);
    }
    // Mermaid ids stay plain; labels are quoted.
    for (const l of lines.filter((x) => x.includes("-->") || x.includes("-.->"))) expect(l).toMatch(/^ {2}\w+ (-\.->|<-->|-->)\|"[^"]+"\| \w+$/);
  });

  it("gateways say how they are exposed and which ports they serve", () => {
    expect(diagramOf("dev").text).toContain('east__ewgw{{"east-west gateway<br/>LoadBalancer (MetalLB)<br/>15443 mTLS<br/>pod in east/zone1"}}');
    expect(diagramOf("dev").text).toContain("east__dev_east_control_plane -.- east__ewgw");
    expect(diagramOf("hybrid-nodeport").text).toContain('north__ewgw{{"east-west gateway<br/>NodePort + externalIPs<br/>15443 mTLS<br/>pod in north/zone1"}}');
    expect(diagramOf("primary-remote").text).toContain('main0__ewgw{{"east-west gateway<br/>LoadBalancer (MetalLB)<br/>15012 istiod<br/>pod in region1/zone1"}}');
    expect(diagramOf("primary-remote").text).toContain('cluster__remote0 -->|"xDS via 15012"| main0__ewgw');
    expect(diagramOf("multinet").text).toContain('east__ewgw <-->|"mTLS 15443"| west__ewgw');
    expect(diagramOf("flat").text).not.toContain("ewgw");
  });

  it("an existing cluster's gateway gets its address from its own cloud, not MetalLB", () => {
    const raw = stackRaw("dev");
    raw.topology.clusters[1] = { name: "west", network: "network-west", kubeconfig: "/k/config", context: "gke_west", localities: ["west/zone3"] };
    const spec = parse(raw, "dev");
    const plan = planMesh(spec);
    expect(plan.clusters.map((c) => [c.name, c.gatewayAddressFrom, c.metallb])).toEqual([
      ["east", "metallb", true],
      ["west", "cloud-load-balancer", false],
    ]);
    const text = mermaidDiagram(spec, plan);
    expect(text).toContain(`west__ewgw{{"east-west gateway<br/>LoadBalancer (the cluster's own cloud)<br/>15443 mTLS"}}`);
    expect(text).toContain(`subgraph cluster__west["cluster west (primary)"]`);
  });

  it("flat, in full", () => {
    expect(diagramOf("flat").text).toMatchInlineSnapshot(`
      "flowchart LR
        subgraph net__network1["network network1"]
          subgraph cluster__cluster1["cluster cluster1 (primary)<br/>kind cluster flat-cluster1"]
            cluster1__flat_cluster1_control_plane["flat-cluster1-control-plane<br/>region1/zone1"]
            cluster1__flat_cluster1_worker["flat-cluster1-worker<br/>region1/zone2"]
            cluster1__istiod[["istiod"]]
            cluster1__helloworld__region1_zone1(["helloworld<br/>region1/zone1 ×1"])
            cluster1__flat_cluster1_control_plane --- cluster1__helloworld__region1_zone1
            cluster1__helloworld__region1_zone2(["helloworld<br/>region1/zone2 ×1"])
            cluster1__flat_cluster1_worker --- cluster1__helloworld__region1_zone2
            cluster1__client__sleep(("sleep<br/>region1/zone1"))
          end
          subgraph cluster__cluster2["cluster cluster2 (primary)<br/>kind cluster flat-cluster2"]
            cluster2__flat_cluster2_control_plane["flat-cluster2-control-plane<br/>region2/zone3"]
            cluster2__flat_cluster2_worker["flat-cluster2-worker<br/>region3/zone4"]
            cluster2__flat_cluster2_worker2["flat-cluster2-worker2<br/>region3/zone4"]
            cluster2__istiod[["istiod"]]
            cluster2__helloworld__region3_zone4(["helloworld<br/>region3/zone4 ×1"])
            cluster2__flat_cluster2_worker --- cluster2__helloworld__region3_zone4
            cluster2__flat_cluster2_worker2 --- cluster2__helloworld__region3_zone4
          end
        end
        cluster1__istiod -.->|"remote secret: reads cluster2"| cluster__cluster2
        cluster2__istiod -.->|"remote secret: reads cluster1"| cluster__cluster1
        cluster__cluster1 <-->|"pod routes"| cluster__cluster2
        cluster1__client__sleep -.->|"helloworld"| cluster1__helloworld__region1_zone1
        cluster1__client__sleep -.->|"helloworld"| cluster1__helloworld__region1_zone2
        cluster1__client__sleep -.->|"helloworld"| cluster2__helloworld__region3_zone4
      "
    `);
  });

  it("the command prints it from the stack file, fenced with --markdown; a bad stack is a message", async () => {
    expect(diagramFor("dev", true)).toMatch(/^#### `dev`\n\n```mermaid\nflowchart LR\n[\s\S]+\n```\n$/);
    const io = recordingIo();
    expect(await runDiagram(["flat"], io)).toBe(0);
    expect(io.text()).toBe(diagramOf("flat").text);
    const bad = recordingIo();
    expect(await runDiagram(["nope"], bad)).toBe(2);
    expect(bad.errText()).toMatch(/^error: no such stack file Pulumi\.nope\.yaml; these exist: (.*, )?dev, flat, .*primary-remote\n$/);
  });

  it.each(shippedStacks())("%s: the diagram in the docs is the generated one (it cannot drift)", (stack) => {
    // The README carries the diagrams; regenerate them when a stack file changes.
    const docs = ["README.md"].map((f) => path.resolve(__dirname, "../../..", f)).filter((f) => fs.existsSync(f));
    const texts = docs.map((f) => fs.readFileSync(f, "utf8"));
    expect(texts.some((t) => t.includes(diagramFor(stack, true))), `regenerate it: npm run diagram -- ${stack} --markdown`).toBe(true);
  });
});
