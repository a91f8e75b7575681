/** Revision names and the values a revision adds to each chart (istio/istio release-1.31 manifests/charts). */
import { describe, expect, it } from "vitest";
import {
  REVISION_LABEL,
  baseRevisionValues,
  gatewayRevisionValues,
  istioRevision,
  istiodReleaseName,
  istiodRevisionValues,
  istiodServiceName,
  namespaceRevisionLabels,
} from "../../../model/build/revision";

describe("istioRevision", () => {
  it("is the version with dashes, a DNS label the charts can suffix names with", () => {
    expect(istioRevision("1.31.1")).toBe("1-31-1");
    expect(istioRevision("1.31.0")).toBe("1-31-0");
    expect(istioRevision("1.32.0-beta.1")).toBe("1-32-0-beta-1");
    expect(istioRevision("1.31.1")).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });

  it("two versions never share a revision (so an upgrade always registers new releases)", () => {
    expect(istioRevision("1.31.1")).not.toBe(istioRevision("1.31.10"));
    expect(istioRevision("1.3.11")).not.toBe(istioRevision("1.31.1"));
  });

  it("a version that gives no name is an error", () => {
    expect(() => istioRevision("...")).toThrow(/no usable revision name/);
  });
});

describe("what a revision adds", () => {
  it("istiod: revision and no tags; release and Service istiod-<revision>", () => {
    expect(istiodRevisionValues("1-31-1")).toEqual({ revision: "1-31-1", revisionTags: [] });
    expect(istiodReleaseName("1-31-1")).toBe("istiod-1-31-1");
    expect(istiodServiceName("1-31-1")).toBe("istiod-1-31-1");
  });

  it("base: the default revision; gateway: its revision; namespaces: istio.io/rev", () => {
    expect(baseRevisionValues("1-31-1")).toEqual({ defaultRevision: "1-31-1" });
    expect(gatewayRevisionValues("1-31-1")).toEqual({ revision: "1-31-1" });
    expect(namespaceRevisionLabels("1-31-1")).toEqual({ "istio.io/rev": "1-31-1" });
    expect(REVISION_LABEL).toBe("istio.io/rev");
  });
});
