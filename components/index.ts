/** The components by name, layer by layer (style.md habit 1). */
export { type ClusterHandle, inCluster } from "./types";
// Clusters layer
export { DockerNetwork, type DockerNetworkArgs } from "./dockerNetwork";
export { ImageCache, type ImageCacheArgs } from "./imageCache";
export { KindCluster, type KindClusterArgs } from "./kindCluster";
export { ExistingCluster, type ExistingClusterArgs, kubeconfigProblems } from "./existingCluster";
export { NodeLocality, type NodeLocalityArgs } from "./nodeLocality";
export { PodRoutes, type PodRoutesArgs } from "./podRoutes";
export { MetalLB, type MetalLBArgs } from "./metallb";
export { buildClusterLayer, type ClusterLayer, type ClusterLayerOptions } from "./clusterLayer";
export { preflight, type Preflight } from "./preflight";
// Mesh layer
export { MeshCA, type UserRootCa } from "./meshCA";
export { IstioControlPlane, type IstioControlPlaneArgs } from "./istioControlPlane";
export { EastWestGateway, type EastWestGatewayArgs } from "./eastWestGateway";
export { RemoteSecret, type RemoteSecretArgs } from "./remoteSecret";
export { buildMeshLayer, type MeshLayer, type MeshLayerOptions } from "./meshLayer";
// Traffic layer
export { Workloads, type WorkloadsArgs } from "./workloads";
export { TrafficPolicies, type TrafficPoliciesArgs } from "./trafficPolicies";
export { buildTrafficLayer, type TrafficLayer } from "./trafficLayer";
// Upgrades: restart onto the current Istio revision, after both layers
export { RevisionRollout, type RevisionRolloutArgs, buildRevisionRollouts } from "./revisionRollout";
