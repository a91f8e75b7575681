/**
 * Stack files read as the Pulumi CLI reads them, for the commands that run without it (check, diagram) and
 * for the collision check: `Pulumi.yaml`'s project-level `config:` (declared defaults) overlaid by
 * `Pulumi.<stack>.yaml`'s `config:`, keys without a namespace taken as the project's. YAML mistakes (a tab, a
 * bad indent, a duplicate key) come back as {@link StackFileError} naming file, line, column and the parser's
 * words; config paths can be located back to their line for messages.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type Document, LineCounter, isMap, isScalar, parseDocument } from "yaml";
import type { RootCaInput } from "../../model/config/rootCa";
import { CONFIG_KEYS } from "../../model/config/spec";
import { type RawConfig, stackFileName } from "../../model/stackCheck";
import { EXIT, UserError } from "./errors";

export { stackFileName };

/** A value as the stack file holds it: plain, or encrypted (`{ secure: v1:... }`, set with `--secret`). */
export type ConfigValue = { secure: false; value: unknown } | { secure: true; ciphertext: string };

export interface StackFile {
  stack: string;
  /** The file name as the user knows it: `Pulumi.<stack>.yaml` with the real stack name. */
  file: string;
  /** `<project>:<key>` -> value: project defaults overlaid by the stack file. */
  config: Record<string, ConfigValue>;
  /** Line and column (1-based) of a config path such as `topology.clusters[1].nodes[0]`, or of its nearest parent. */
  locate(configPath: string): { line: number; col: number } | undefined;
}


/** A stack file that cannot be read, with every place that is wrong. */
export class StackFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: { line?: number; col?: number; message: string }[],
  ) {
    super(problems.map((p) => `${file}${p.line === undefined ? "" : `:${p.line}:${p.col}`}: ${p.message}`).join("\n"));
    this.name = "StackFileError";
  }
}

/** The project directory: where Pulumi.yaml is (the CLI runs the program there). */
export const PROJECT_DIR = path.resolve(__dirname, "../..");

/** The stacks that have a `Pulumi.<stack>.yaml` next to `Pulumi.yaml`. */
export function stackNames(projectDir: string): string[] {
  try {
    return fs
      .readdirSync(projectDir)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined)
      .sort();
  } catch {
    return [];
  }
}

interface Parsed {
  doc: Document;
  lines: LineCounter;
  data: unknown;
}

function parseYamlFile(file: string, text: string): Parsed {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new StackFileError(
      file,
      doc.errors.map((e) => ({
        line: e.linePos?.[0].line,
        col: e.linePos?.[0].col,
        // The parser's own words, without its " at line L, column C:" tail and code excerpt (we print the place).
        message: `${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")} (YAML ${e.code})`,
      })),
    );
  }
  return { doc, lines, data: doc.toJS() as unknown };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function qualify(key: string, project: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

function valueOf(raw: unknown): ConfigValue {
  if (isRecord(raw) && Object.keys(raw).length === 1 && typeof raw.secure === "string") return { secure: true, ciphertext: raw.secure };
  return { secure: false, value: raw };
}

/** `topology.clusters[1]["a/b"]` -> ["topology", "clusters", 1, "a/b"]. */
export function splitConfigPath(configPath: string): (string | number)[] {
  const parts: (string | number)[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (const m of configPath.matchAll(re)) parts.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (JSON.parse(m[3]) as string)));
  return parts;
}

/** Throws "no such stack file; these exist: …" as a usage error (exit 2) when the stack has no file. */
export function requireStackFile(stack: string, projectDir: string): void {
  const names = stackNames(projectDir);
  if (!names.includes(stack)) {
    throw new UserError(`no such stack file Pulumi.${stack}.yaml; these exist: ${names.join(", ") || "(none)"}`, EXIT.usage);
  }
}

/** Reads and merges a stack's files; throws {@link StackFileError} for YAML or shape mistakes. */
export function readStackFile(stack: string, projectDir: string): StackFile {
  const file = stackFileName(stack);
  const projectText = fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8");
  const project = parseYamlFile("Pulumi.yaml", projectText);
  const projectData = isRecord(project.data) ? project.data : {};
  const projectName = typeof projectData.name === "string" ? projectData.name : "kindmesh";
  const config: Record<string, ConfigValue> = {};
  // Project-level declarations: `{ type, default, ... }` gives a default; a plain value (or `{ value }`) applies as is.
  for (const [key, decl] of Object.entries(isRecord(projectData.config) ? projectData.config : {})) {
    if (isRecord(decl) && ("default" in decl || "value" in decl)) config[qualify(key, projectName)] = valueOf(decl.value ?? decl.default);
    else if (!isRecord(decl)) config[qualify(key, projectName)] = valueOf(decl);
  }
  const full = path.join(projectDir, file);
  let text: string;
  try {
    text = fs.readFileSync(full, "utf8");
  } catch (err) {
    throw new StackFileError(file, [{ message: `cannot read it: ${(err as Error).message}` }]);
  }
  const parsed = parseYamlFile(file, text);
  const data = parsed.data ?? {};
  if (!isRecord(data)) throw new StackFileError(file, [{ line: 1, col: 1, message: "must be a YAML mapping with a `config:` key" }]);
  const stackConfig = data.config ?? {};
  if (!isRecord(stackConfig)) {
    const at = locateNode(parsed, ["config"]);
    throw new StackFileError(file, [{ ...at, message: "`config:` must be a mapping of keys such as kindmesh:topology" }]);
  }
  for (const [key, raw] of Object.entries(stackConfig)) config[qualify(key, projectName)] = valueOf(raw);
  const keyInFile = (first: string): string =>
    Object.keys(stackConfig).find((k) => k === `${projectName}:${first}` || k === first) ?? `${projectName}:${first}`;
  return {
    stack,
    file,
    config,
    locate: (configPath) => {
      const [first, ...rest] = splitConfigPath(configPath);
      return first === undefined ? undefined : locateNode(parsed, ["config", keyInFile(String(first)), ...rest]);
    },
  };
}

/** The deepest node on the path that exists, as a 1-based line and column. */
function locateNode(parsed: Parsed, keys: (string | number)[]): { line: number; col: number } | undefined {
  for (let n = keys.length; n > 0; n--) {
    const prefix = keys.slice(0, n);
    const parent = n > 1 ? parsed.doc.getIn(prefix.slice(0, -1), true) : parsed.doc.contents;
    // Point at the key of a mapping entry (where the user reads the name), else at the item itself.
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === prefix[n - 1]);
      const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
      if (range) return parsed.lines.linePos(range[0]);
    }
    const node = parsed.doc.getIn(prefix, true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return parsed.lines.linePos(node.range[0]);
  }
  return undefined;
}

/**
 * parseConfig's raw input from a merged stack file, the same way config.ts builds it from the CLI: objects
 * as written, the root CA's empty defaults as "not set", and every other `kindmesh:` key reported as unknown.
 * An encrypted rootCaKey cannot be read without the stack's passphrase: it is passed as `encrypted`.
 */
export function rawConfigOf(stackFile: StackFile, project = "kindmesh"): RawConfig {
  const plain = (key: string): unknown => {
    const v = stackFile.config[`${project}:${key}`];
    return v === undefined || v.secure ? undefined : v.value;
  };
  // config.ts gets every value as text and JSON-parses it (a plain string stays a string): do the same.
  const structured = (key: string): unknown => {
    const v = plain(key);
    if (typeof v !== "string") return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  };
  const text = (key: string): string | undefined => {
    const v = plain(key);
    return v === undefined || v === "" ? undefined : typeof v === "string" ? v : JSON.stringify(v);
  };
  const keyValue = stackFile.config[`${project}:rootCaKey`];
  const cert = text("rootCaCert");
  const keySecure = keyValue?.secure === true;
  const key = keySecure ? undefined : text("rootCaKey");
  const rootCa: RootCaInput | undefined =
    cert === undefined && key === undefined && !keySecure ? undefined : { cert, key, keyIsSecret: keySecure, ...(keySecure ? { keyEncrypted: true } : {}) };
  const unknownKeys = Object.keys(stackFile.config)
    .filter((k) => k.startsWith(`${project}:`))
    .map((k) => k.slice(project.length + 1))
    .filter((k) => !CONFIG_KEYS.includes(k));
  return {
    topology: structured("topology"),
    traffic: structured("traffic"),
    versions: structured("versions"),
    ...(rootCa ? { rootCa } : {}),
    ...(unknownKeys.length > 0 ? { unknownKeys } : {}),
  };
}
