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

/** Two layers may fake the same resource type (e.g. a Command): every layer's fake applies, in order. */
function mergeStates(...layers: Record<string, StateFake>[]): Record<string, StateFake> {
  const merged: Record<string, StateFake> = {};
  for (const layer of layers) {
    for (const [type, fake] of Object.entries(layer)) {
      const before = merged[type];
      merged[type] = before ? (name, inputs) => ({ ...before(name, inputs), ...fake(name, inputs) }) : fake;
    }
  }
  return merged;
}

/** An invoke has one answer: two layers faking the same token is a mistake in the fakes. */
function mergeCalls(...layers: Record<string, CallFake>[]): Record<string, CallFake> {
  const merged: Record<string, CallFake> = {};
  for (const layer of layers) {
    for (const [token, fake] of Object.entries(layer)) {
      if (merged[token]) throw new Error(`two fakes for the invoke ${token}: keep one, in one layer's file`);
      merged[token] = fake;
    }
  }
  return merged;
}

const states = mergeStates(clusterStates, meshStates, trafficStates);
const calls = mergeCalls(clusterCalls, meshCalls, trafficCalls);

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
