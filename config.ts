/**
 * The only reader of Pulumi configuration: the three structured keys of contract §1, and the optional root CA
 * (`rootCaCert`, secret `rootCaKey`), as raw values for `parseConfig` to validate.
 */
import * as pulumi from "@pulumi/pulumi";
import type { RootCaInput } from "./model/rootCa";

export interface StackConfig {
  stack: string;
  raw: { topology?: unknown; traffic?: unknown; versions?: unknown; rootCa?: RootCaInput };
}

/**
 * Whether the CLI handed this key over as a secret. The SDK marks the function @internal but has no public
 * equivalent; @pulumi/pulumi is pinned exactly (3.248.0), and test/config.test.ts pins this behaviour.
 */
function isSecretKey(key: string): boolean {
  return (pulumi.runtime as unknown as { isConfigSecret(k: string): boolean }).isConfigSecret(key);
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
  // Optional: a root CA of the user's instead of a generated one. The key is read as text only to be checked
  // (parseConfig) and is wrapped as a secret before any resource sees it (index.ts).
  const cert = config.get("rootCaCert");
  const key = config.get("rootCaKey");
  const rootCa = cert === undefined && key === undefined ? undefined : { cert, key, keyIsSecret: isSecretKey("kindmesh:rootCaKey") };
  return {
    stack: pulumi.getStack(),
    raw: { topology: read("topology"), traffic: read("traffic"), versions: read("versions"), ...(rootCa ? { rootCa } : {}) },
  };
}
