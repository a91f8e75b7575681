/**
 * A Mermaid flowchart of one stack, drawn from the validated spec and its plan (so it never drifts from the
 * stack file): networks contain clusters, clusters contain their nodes (with localities), istiod, the
 * east-west gateway, the demo backends and clients; edges show remote secrets, pod routes, gateway paths and
 * which backends each client can call (a cluster-local service only in the client's own cluster). Pure.
 */
import type { ClusterPlan, MeshPlan } from "./plan";
import { isClusterLocal } from "../traffic/routing/match";
import type { ClusterSpec, MeshSpec } from "../types";

/** A Mermaid id: letters, digits and underscores only. */
export function mermaidId(...parts: string[]): string {
  return parts.map((p) => p.replace(/[^A-Za-z0-9]/g, "_")).join("__");
}

/** A quoted Mermaid label; `"` would end it, so it becomes an entity. */
function label(text: string): string {
  return `"${text.replace(/"/g, "#quot;")}"`;
}

function gatewayText(c: ClusterPlan): string {
  const exposure = {
    "node-address": "NodePort + externalIPs",
    metallb: "LoadBalancer (MetalLB)",
    "cloud-load-balancer": "LoadBalancer (the cluster's own cloud)",
  }[c.gatewayAddressFrom ?? "metallb"];
  const ports = [c.crossNetworkGateway ? "15443 mTLS" : "", c.exposesIstiod ? "15012 istiod" : ""].filter((p) => p !== "");
  const pinned = c.eastWestGatewayLocality ? `<br/>pod in ${c.eastWestGatewayLocality}` : "";
  return `east-west gateway<br/>${exposure}<br/>${ports.join(", ")}${pinned}`;
}

/** The Mermaid source (a `flowchart LR`) for a stack. */
export function mermaidDiagram(spec: MeshSpec, plan: MeshPlan): string {
  const lines = ["flowchart LR"];
  const networks = [...new Set(spec.clusters.map((c) => c.network))];
  const multiNetwork = networks.length > 1;
  const planOf = (name: string) => plan.clusters.find((p) => p.name === name);
  for (const network of networks) {
    lines.push(`  subgraph ${mermaidId("net", network)}[${label(`network ${network}`)}]`);
    for (const c of spec.clusters.filter((x) => x.network === network)) lines.push(...clusterBlock(plan, c, planOf(c.name)));
    lines.push("  end");
  }
  lines.push(...edges(spec, plan, multiNetwork));
  return `${lines.join("\n")}\n`;
}

function clusterBlock(plan: MeshPlan, c: ClusterSpec, cp: ClusterPlan | undefined): string[] {
  const id = mermaidId("cluster", c.name);
  const role = c.role === "remote" ? `remote of ${c.primary ?? "?"}` : "primary";
  // Istio's name first; kind and Docker know a kind cluster as <stack>-<name> (what `kind get clusters` lists).
  const kind = c.kindName ? `<br/>kind cluster ${c.kindName}` : "";
  const out = [`    subgraph ${id}[${label(`cluster ${c.name} (${role})${kind}`)}]`];
  if (c.kind === "existing") out.push(`      ${mermaidId(c.name, "existing")}[${label(`existing cluster<br/>context ${c.context ?? "current"}`)}]`);
  for (const n of c.nodes) out.push(`      ${mermaidId(c.name, n.nodeName)}[${label(`${n.nodeName}<br/>${n.locality}`)}]`);
  if (c.role === "primary") out.push(`      ${mermaidId(c.name, "istiod")}[[${label("istiod")}]]`);
  if (cp?.eastWestGateway) {
    out.push(`      ${mermaidId(c.name, "ewgw")}{{${label(gatewayText(cp))}}}`);
    // The gateway's locality decides the second hop of cross-network requests: show where it is pinned.
    const at = c.nodes.filter((n) => n.locality === cp.eastWestGatewayLocality);
    for (const n of at) out.push(`      ${mermaidId(c.name, n.nodeName)} -.- ${mermaidId(c.name, "ewgw")}`);
  }
  for (const b of plan.backends.filter((x) => x.cluster === c.name)) {
    const backend = mermaidId(c.name, b.service, b.locality);
    out.push(`      ${backend}([${label(`${b.service}<br/>${b.locality} ×${b.replicas}`)}])`);
    for (const n of c.nodes.filter((x) => x.locality === b.locality)) out.push(`      ${mermaidId(c.name, n.nodeName)} --- ${backend}`);
  }
  for (const cl of plan.clients.filter((x) => x.cluster === c.name)) {
    out.push(`      ${mermaidId(c.name, "client", cl.name)}((${label(`${cl.name}<br/>${cl.locality}`)}))`);
  }
  out.push("    end");
  return out;
}

function edges(spec: MeshSpec, plan: MeshPlan, multiNetwork: boolean): string[] {
  const out: string[] = [];
  for (const s of plan.remoteSecrets) {
    out.push(`  ${mermaidId(s.destination, "istiod")} -.->|${label(`remote secret: reads ${s.source}`)}| ${mermaidId("cluster", s.source)}`);
  }
  const routed = new Set<string>();
  for (const r of plan.routes) {
    const key = [r.from, r.to].sort().join("\u0000");
    if (routed.has(key)) continue;
    routed.add(key);
    out.push(`  ${mermaidId("cluster", r.from)} <-->|${label("pod routes")}| ${mermaidId("cluster", r.to)}`);
  }
  const gateways = plan.clusters.filter((c) => c.eastWestGateway !== undefined);
  if (multiNetwork) {
    for (let i = 0; i < gateways.length; i++) {
      for (const b of gateways.slice(i + 1).filter((g) => g.network !== gateways[i].network)) {
        out.push(`  ${mermaidId(gateways[i].name, "ewgw")} <-->|${label("mTLS 15443")}| ${mermaidId(b.name, "ewgw")}`);
      }
    }
  }
  for (const remote of spec.clusters.filter((c) => c.role === "remote" && c.primary)) {
    const primary = plan.clusters.find((p) => p.name === remote.primary);
    if (primary?.eastWestGateway) out.push(`  ${mermaidId("cluster", remote.name)} -->|${label("xDS via 15012")}| ${mermaidId(primary.name, "ewgw")}`);
  }
  for (const cl of plan.clients) {
    for (const b of plan.backends) {
      // A cluster-local service (meshConfig.serviceSettings) is never called across clusters.
      if (b.cluster !== cl.cluster && isClusterLocal(`${b.service}.${b.namespace}.svc.cluster.local`, spec.traffic.meshConfig)) continue;
      out.push(`  ${mermaidId(cl.cluster, "client", cl.name)} -.->|${label(b.service)}| ${mermaidId(b.cluster, b.service, b.locality)}`);
    }
  }
  return out;
}
