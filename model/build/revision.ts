/**
 * Istio revisions: every istiod is installed as a revision named after its version (`1.31.1` -> `1-31-1`), so
 * a changed `kindmesh:versions.istio` is a canary upgrade (istio.io "Upgrade with Helm", canary steps): the new
 * revision's istiod beside the old one, namespaces relabelled, proxies restarted onto it, the old one removed.
 *
 * How the program knows the old revision: it does not need to. Every per-revision object (the istiod release,
 * the istiod VirtualService of the east-west gateway) is a Pulumi resource whose name carries the revision. A
 * version change registers the new ones; the old ones are simply no longer registered, and Pulumi deletes such
 * resources only after the program has finished, i.e. after every registered step, the rollout included, has
 * succeeded (pulumi/pulumi docs/architecture/deployment-execution: deletes of unregistered resources are
 * generated once the program exits). A failed rollout stops the update before any delete: the old revision
 * stays and serves. Nothing extra is kept in the stack file or read from state, so contract §1 is untouched
 * and the next `up` registers exactly what is deployed: a no-op.
 *
 * Values checked against istio/istio release-1.31 manifests/charts: base `defaultRevision` (the default
 * validator `istiod-default-validator` calls Service `istiod-<defaultRevision>`), istiod `revision` (every
 * object name gets `-<revision>`; the injector selects namespaces labelled `istio.io/rev=<revision>`),
 * `revisionTags` left empty (each tag is a cluster-wide webhook `istio-revision-tag-<tag>`: two revisions'
 * releases would both own it, which Helm refuses), gateway `revision` (pod label `istio.io/rev`, so a changed
 * revision rolls the gateway onto the new istiod).
 */

/** Label on namespaces (and pods) that selects the revision whose injector serves them. */
export const REVISION_LABEL = "istio.io/rev";

/** The revision of an Istio version: dots (and anything else a DNS label cannot hold) become dashes. */
export function istioRevision(version: string): string {
  const rev = version
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/^-+|-+$/g, "");
  if (rev === "" || rev.length > 40) throw new Error(`Istio version ${JSON.stringify(version)} gives no usable revision name`);
  return rev;
}

/** The Helm release name of a revision's istiod (istio.io's canary steps install `istiod-<revision>`). */
export const istiodReleaseName = (revision: string) => `istiod-${revision}`;

/** The revision's istiod Service in `istio-system` (service.yaml: `istiod-<revision>`). */
export const istiodServiceName = (revision: string) => `istiod-${revision}`;

/** The values a revision adds to the `istiod` chart. */
export function istiodRevisionValues(revision: string): { revision: string; revisionTags: string[] } {
  return { revision, revisionTags: [] };
}

/** The values a revision adds to the `base` chart: validation of unlabelled config goes to this revision. */
export function baseRevisionValues(revision: string): { defaultRevision: string } {
  return { defaultRevision: revision };
}

/** The value a revision adds to the `gateway` chart. */
export function gatewayRevisionValues(revision: string): { revision: string } {
  return { revision };
}

/** Labels of a namespace whose pods are injected by `revision` (replaces `istio-injection=enabled`). */
export function namespaceRevisionLabels(revision: string): Record<string, string> {
  return { [REVISION_LABEL]: revision };
}
