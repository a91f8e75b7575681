/**
 * The only reader of Pulumi configuration: the three structured keys of contract §1, as raw values for
 * `parseConfig` to validate.
 */
import * as pulumi from "@pulumi/pulumi";

export interface StackConfig {
  stack: string;
  raw: { topology?: unknown; traffic?: unknown; versions?: unknown };
}

export function readStackConfig(): StackConfig {
  const config = new pulumi.Config("kindmesh");
  const read = (key: string): unknown => {
    const text = config.get(key);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      // A plain string (e.g. `pulumi config set kindmesh:topology foo`): parseConfig reports it with its path.
      return text;
    }
  };
  return {
    stack: pulumi.getStack(),
    raw: { topology: read("topology"), traffic: read("traffic"), versions: read("versions") },
  };
}
