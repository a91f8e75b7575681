/**
 * The one recording mock: fakes the outputs a real provider would compute (per resource type, in fakes.ts),
 * throws on any invoke it does not know, and — by wrapping the mock monitor — records what MockResourceArgs
 * leaves out: parent, dependencies, deletedWith, deleteBeforeReplace, retainOnDelete, additionalSecretOutputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { fakeCall, fakeState } from "./fakes";

export interface Recorded {
  type: string;
  name: string;
  urn: string;
  custom: boolean;
  inputs: Record<string, any>;
  provider: string;
  parent: string;
  dependencies: string[];
  deletedWith: string;
  deleteBeforeReplace: boolean;
  /** Always recorded by the mock; optional so hand-built graphs (bench tests) need not say it. */
  retainOnDelete?: boolean;
  additionalSecretOutputs: string[];
  /** Property paths the engine keeps from the state instead of the new inputs. */
  ignoreChanges: string[];
  /** Per input property, the URNs of the resources its value came from (what the engine's replacement logic reads). */
  propertyDependencies: Record<string, string[]>;
}

export interface Invoked {
  token: string;
  inputs: Record<string, any>;
}

export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly resources: Recorded[] = [];
  readonly invokes: Invoked[] = [];
  private readonly meta = new Map<string, Omit<Recorded, "inputs" | "provider" | "custom">>();

  constructor(private readonly preview: boolean) {}

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } {
    const key = `${args.type}::${args.name}`;
    const meta = this.meta.get(key);
    this.resources.push({
      ...(meta ?? { type: args.type, name: args.name, urn: "", parent: "", dependencies: [], deletedWith: "", deleteBeforeReplace: false, retainOnDelete: false, additionalSecretOutputs: [], ignoreChanges: [], propertyDependencies: {} }),
      inputs: args.inputs,
      provider: args.provider ?? "",
      custom: args.custom ?? true,
    });
    const state = { ...args.inputs, ...(this.preview ? {} : fakeState(args.type, args.name, args.inputs)) };
    return { id: this.preview ? undefined : `${args.name}-id`, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
    this.invokes.push({ token: args.token, inputs: args.inputs });
    try {
      return fakeCall(args.token, args.inputs);
    } catch (err) {
      // The engine hands a failed invoke to the SDK as a gRPC error whose `details` is the provider's message
      // (runtime/invoke.js: new Error(err.details)); without it the message would be lost under mocks.
      throw Object.assign(err as Error, { details: (err as Error).message });
    }
  }

  /** Called once after setMocks: captures the request fields MockResourceArgs does not carry. */
  wrapMonitor(): void {
    const monitor = pulumi.runtime.getMonitor() as any;
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: any) => {
      const type: string = req.getType();
      const name: string = req.getName();
      const parent: string = req.getParent();
      const propertyDependencies: Record<string, string[]> = {};
      req.getPropertydependenciesMap().forEach((deps: any, key: string) => (propertyDependencies[key] = deps.getUrnsList()));
      this.meta.set(`${type}::${name}`, {
        type,
        name,
        urn: monitor.newUrn(parent, type, name),
        parent,
        dependencies: req.getDependenciesList(),
        deletedWith: req.getDeletedwith(),
        deleteBeforeReplace: req.getDeletebeforereplace(),
        retainOnDelete: req.getRetainondelete() ?? false,
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        ignoreChanges: req.getIgnorechangesList(),
        propertyDependencies,
      });
      return original(req, callback);
    };
  }
}
