/**
 * The part of Istio's MeshConfig (istio.mesh.v1alpha1) that kindmesh passes to every primary's istiod as the
 * istiod chart's `meshConfig` value (merged over the chart's mesh, templates/configmap.yaml, release-1.31).
 * Source: istio/api mesh/v1alpha1/config.proto at release-1.31, `MeshConfig.ServiceSettings`.
 *
 * Only fields the traffic plan models are listed: any other MeshConfig key is reported as unknown, because the plan
 * would silently ignore what it does. Add a field here only together with its effect in model/traffic/routing.ts.
 */
import { arrOf, bool, obj, str } from "../openapi/build";
import type { OpenApiSchema } from "../openapi/types";

// MeshConfig.ServiceSettings (with Settings): config.proto
const serviceSettings = obj({ hosts: arrOf(str()), settings: obj({ clusterLocal: bool() }) });

/** `kindmesh:traffic.meshConfig`. */
// MeshConfig: config.proto (the modelled subset)
export const meshConfig: OpenApiSchema = obj({ serviceSettings: arrOf(serviceSettings) });
