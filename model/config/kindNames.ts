/**
 * The names kind and Docker see for a stack's kind clusters: `<stack>-<cluster>` and its node containers. Checked,
 * never truncated: a name kind or a hostname would refuse is an error naming the config path and the name.
 */
import { Problems, childPath } from "./problems";
import type { NodeSpec } from "../types";

/**
 * A node container's hostname is its name (kind: `<kind cluster>-control-plane2`), and a hostname holds at most
 * 63 characters (RFC 1123 label; kind's create.go warns from 50-character cluster names for the same reason).
 */
const MAX_NODE_NAME = 63;
/** kind's cluster names (kind pkg/internal/apis/config/validate.go), kept to what is also a hostname. */
const KIND_NAME = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;

/** The name kind and Docker see for a cluster of this stack: unique per stack, Istio keeps the stack file's. */
export function kindClusterName(stack: string, cluster: string): string {
  return `${stack}-${cluster}`;
}

/** The longest node name must fit a hostname: say which name, how long, and how short the cluster name must be. */
export function checkNodeNames(p: Problems, path: string, stack: string, name: string, nodes: NodeSpec[]): void {
  const longest = nodes.reduce<string>((a, n) => (n.nodeName.length > a.length ? n.nodeName : a), "");
  if (longest.length <= MAX_NODE_NAME) return;
  const room = Math.max(0, name.length - (longest.length - MAX_NODE_NAME));
  p.error(
    childPath(path, "name"),
    `the node container "${longest}" (stack "${stack}", cluster "${name}") has ${longest.length} characters; a container hostname holds at most ${MAX_NODE_NAME}, and kindmesh never truncates names. Shorten the cluster name to at most ${room} characters, or use a shorter stack name.`,
  );
}


/**
 * The stack name is part of every kind cluster's name: kind must accept it there. A stack never created is only
 * its file, so the fix is renaming the file (`pulumi stack rename` fails for a stack that does not exist yet).
 */
export function checkStackName(p: Problems, stack: string, kindClusters: string[]): void {
  if (kindClusters.length === 0 || KIND_NAME.test(stack)) return;
  const example = kindClusterName(stack, kindClusters[0]);
  const fixed = stack.toLowerCase().replace(/[^a-z0-9.-]+/g, "-").replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "") || "lab";
  p.error(
    "topology.clusters",
    `the stack name "${stack}" is part of every kind cluster's name (e.g. "${example}"), and kind accepts only lowercase letters, digits, "-" and "." there. Use a stack named like "${fixed}": rename Pulumi.${stack}.yaml to Pulumi.${fixed}.yaml (or \`pulumi stack rename ${fixed}\` once the stack exists).`,
  );
}
