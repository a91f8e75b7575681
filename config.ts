/**
 * The only reader of Pulumi configuration: the three structured keys of contract §1, and the optional root CA
 * (`rootCaCert`, secret `rootCaKey`), as raw values for `parseConfig` to validate.
 */
import * as os from "node:os";
import * as pulumi from "@pulumi/pulumi";
import type { RootCaInput } from "./model/config/rootCa";
import { CONFIG_KEYS } from "./model/config/spec";
import type { StackCheck } from "./model/stackCheck";
import { PROJECT_DIR, checkRawStack } from "./scripts/lib/loadStack";

export interface StackConfig {
  stack: string;
  raw: { topology?: unknown; traffic?: unknown; versions?: unknown; rootCa?: RootCaInput; unknownKeys?: string[] };
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
  // Pulumi.yaml declares both with the default "": empty means not set.
  const cert = config.get("rootCaCert") || undefined;
  const key = config.get("rootCaKey") || undefined;
  const rootCa = cert === undefined && key === undefined ? undefined : { cert, key, keyIsSecret: isSecretKey("kindmesh:rootCaKey") };
  // A misspelt top-level key (kindmesh:trafic) would otherwise be silently ignored: parseConfig names it.
  const unknownKeys = Object.keys(pulumi.runtime.allConfig())
    .filter((k) => k.startsWith("kindmesh:"))
    .map((k) => k.slice("kindmesh:".length))
    .filter((k) => !CONFIG_KEYS.includes(k));
  return {
    stack: pulumi.getStack(),
    raw: {
      topology: read("topology"),
      traffic: read("traffic"),
      versions: read("versions"),
      ...(rootCa ? { rootCa } : {}),
      ...(unknownKeys.length > 0 ? { unknownKeys } : {}),
    },
  };
}

/**
 * The stack as `up` deploys it, judged by the same checkStack as `npm run check`: parse, Istio's validation,
 * lint, root CA, existing clusters' kubeconfigs, collisions with the project's other stack files (next to
 * Pulumi.yaml, wherever the CLI was started).
 */
export function loadStack(): StackCheck {
  const { stack, raw } = readStackConfig();
  return checkRawStack(stack, raw, { projectDir: PROJECT_DIR, homeDir: os.homedir() });
}
