/** Contract §2 entry point: the locality load-balancing model (implementation in model/traffic/locality/). */
export * from "./traffic/locality";
