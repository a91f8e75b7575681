/** Contract §2 entry point: `parseConfig` and the `MeshSpec` it returns (implementation in model/config/). */
export * from "./config/spec";
