/**
 * Reading an existing cluster's kubeconfig: `~` expansion, and from the file's text the chosen context, its
 * API server, and a kubeconfig reduced to that one context. Pure: the caller reads the file.
 */
import * as path from "node:path";
import { parse, stringify } from "yaml";

/** `~` and `~/...` relative to `home`; anything else (including `~user`) unchanged. */
export function expandHome(file: string, home: string): string {
  if (file === "~") return home;
  if (file.startsWith("~/")) return path.posix.join(home, file.slice(2));
  return file;
}

type Named = { name?: unknown; [key: string]: unknown };

export interface SelectedContext {
  /** The context used: the one asked for, else the file's current-context. */
  context: string;
  /** The API server of that context's cluster, as written. */
  server: string;
  /** A kubeconfig holding only that context, its cluster and its user, with relative file paths made absolute. */
  kubeconfig: string;
}

function entries(doc: Record<string, unknown>, key: string): Named[] {
  const list = doc[key];
  return Array.isArray(list) ? list.filter((x): x is Named => typeof x === "object" && x !== null) : [];
}

function section(entry: Named | undefined, key: string): Record<string, unknown> {
  const value = entry?.[key];
  return typeof value === "object" && value !== null ? { ...(value as Record<string, unknown>) } : {};
}

/** kubectl reads these relative to the kubeconfig file; the reduced copy no longer lives next to it. */
function absolutize(fields: Record<string, unknown>, keys: string[], dir: string): Record<string, unknown> {
  for (const key of keys) {
    const value = fields[key];
    if (typeof value === "string" && value !== "" && !path.posix.isAbsolute(value)) fields[key] = path.posix.join(dir, value);
  }
  return fields;
}

/**
 * The context `wanted` (default: current-context) of the kubeconfig `text` read from `file`. Throws an error
 * that names the file and says what is missing.
 */
export function selectContext(text: string, file: string, wanted?: string): SelectedContext {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new Error(`${file} is not a kubeconfig: ${(err as Error).message.split("\n")[0]}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new Error(`${file} is not a kubeconfig (no YAML mapping in it).`);
  const config = doc as Record<string, unknown>;
  const contexts = entries(config, "contexts");
  const current = typeof config["current-context"] === "string" ? (config["current-context"] as string) : undefined;
  const name = wanted ?? current;
  const names = contexts.map((c) => String(c.name));
  if (name === undefined || name === "") {
    throw new Error(`${file} has no current-context; set "context" to one of: ${names.join(", ") || "(none)"}.`);
  }
  const context = contexts.find((c) => c.name === name);
  if (!context) throw new Error(`${file} has no context "${name}"; it has: ${names.join(", ") || "(none)"}.`);
  const ctx = section(context, "context");
  const cluster = entries(config, "clusters").find((c) => c.name === ctx.cluster);
  const server = section(cluster, "cluster").server;
  if (!cluster || typeof server !== "string" || server === "") {
    throw new Error(`${file}: context "${name}" names cluster "${String(ctx.cluster)}", which has no server there.`);
  }
  const user = entries(config, "users").find((u) => u.name === ctx.user);
  const dir = path.posix.dirname(file);
  const reduced = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: cluster.name, cluster: absolutize(section(cluster, "cluster"), ["certificate-authority"], dir) }],
    contexts: [{ name, context: ctx }],
    users: user ? [{ name: user.name, user: absolutize(section(user, "user"), ["client-certificate", "client-key", "tokenFile"], dir) }] : [],
    "current-context": name,
  };
  return { context: name, server, kubeconfig: stringify(reduced, { lineWidth: 0 }) };
}

/** Whether an API server URL points at this machine only (unreachable from other clusters' istiod: istio#31081). */
export function isLoopbackServer(server: string): boolean {
  const host = /^[a-z]+:\/\/(\[[^\]]+\]|[^/:]+)/i.exec(server)?.[1] ?? "";
  return host.toLowerCase() === "localhost" || host === "[::1]" || /^127\./.test(host);
}
