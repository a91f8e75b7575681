/** Contract §2 entry point: the statistics behind the verify command (implementation in model/verify/). */
export * from "./verify/verdict";
