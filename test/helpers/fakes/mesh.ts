/** Fakes for the mesh layer's resources and invokes (see index.ts). */
import type { CallFake, StateFake } from "./index";

export const meshStates: Record<string, StateFake> = {};

export const meshCalls: Record<string, CallFake> = {};
