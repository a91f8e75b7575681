/** Fakes for the traffic layer's resources and invokes (see index.ts). */
import type { CallFake, StateFake } from "./index";

export const trafficStates: Record<string, StateFake> = {};

export const trafficCalls: Record<string, CallFake> = {};
