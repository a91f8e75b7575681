/** Fakes for the clusters layer's resources and invokes (see index.ts). */
import type { CallFake, StateFake } from "./index";

export const clusterStates: Record<string, StateFake> = {};

export const clusterCalls: Record<string, CallFake> = {};
