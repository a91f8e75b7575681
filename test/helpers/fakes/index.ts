/**
 * What the providers would compute, for the recording mock: outputs that are not inputs (per resource type)
 * and the answers of the invokes the program makes. Each layer keeps its fakes in its own file; an invoke
 * that none of them knows throws, so a new invoke cannot pass untested.
 */
import { clusterCalls, clusterStates } from "./clusters";
import { meshCalls, meshStates } from "./mesh";
import { trafficCalls, trafficStates } from "./traffic";

export type StateFake = (name: string, inputs: Record<string, any>) => Record<string, any>;
export type CallFake = (inputs: Record<string, any>) => Record<string, any>;

const states: Record<string, StateFake> = { ...clusterStates, ...meshStates, ...trafficStates };
const calls: Record<string, CallFake> = { ...clusterCalls, ...meshCalls, ...trafficCalls };

/** Extra state (beyond the inputs) a real provider would return for a resource of this type. */
export function fakeState(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  return states[type]?.(name, inputs) ?? {};
}

export function fakeCall(token: string, inputs: Record<string, any>): Record<string, any> {
  const fake = calls[token];
  if (!fake) {
    throw new Error(`unexpected invoke ${token} (${JSON.stringify(inputs).slice(0, 200)}): add a fake for it in test/helpers/fakes/`);
  }
  return fake(inputs);
}
