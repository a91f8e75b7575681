/**
 * The locality istiod gives a client's sidecar, as verify can read it back: istiod does not use the Envoy node
 * locality the sidecar reports (empty on kind), it takes the pod's `topology.istio.io/locality` label, else the
 * pod's NODE labels (pilot/pkg/serviceregistry/kube/controller getPodLocality). Pure.
 */
import { formatLocality } from "../traffic/locality";

const REGION = "topology.kubernetes.io/region";
const ZONE = "topology.kubernetes.io/zone";
const SUBZONE = "topology.istio.io/subzone";
const POD_LOCALITY = "topology.istio.io/locality";

/** `region/zone[/subzone]`, or "" when neither the pod nor its node says where it is. */
export function clientLocality(podLabels: Record<string, string>, nodeLabels: Record<string, string>): string {
  // The pod label writes the locality with "." in place of "/" (label values cannot hold "/").
  const fromPod = podLabels[POD_LOCALITY];
  if (fromPod) return fromPod.replace(/\./g, "/");
  const region = nodeLabels[REGION] ?? "";
  const zone = nodeLabels[ZONE] ?? "";
  if (region === "" && zone === "") return "";
  return formatLocality({ region, zone, subzone: nodeLabels[SUBZONE] ?? "" });
}
