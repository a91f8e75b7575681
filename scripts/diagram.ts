/**
 * `npm run diagram -- <stack> [--markdown]`: the Mermaid diagram of a stack, generated from its stack file
 * (Pulumi.<stack>.yaml) by the same parseConfig and planMesh the program uses, so it never drifts. Needs no
 * cluster, no Pulumi CLI and no deployment.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { mermaidDiagram } from "../model/build/diagram";
import { planMesh } from "../model/build/plan";
import { ConfigError, parseConfig } from "../model/config/spec";
import { parseDiagramArgs } from "./lib/args";
import { type Io, processIo } from "./lib/client";
import { runCommand, runMain } from "./lib/command";
import { EXIT, UserError } from "./lib/errors";
import { stackFiles } from "./lib/pulumiCli";

const PROJECT_DIR = path.resolve(__dirname, "..");

/** The `config:` of a stack file as parseConfig takes it. */
export function readStackFile(stack: string, projectDir = PROJECT_DIR): { topology?: unknown; traffic?: unknown; versions?: unknown } {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    throw new UserError(`no stack file Pulumi.${stack}.yaml; the stacks are: ${stackFiles(projectDir).join(", ") || "(none)"}`, EXIT.usage);
  }
  const doc = parseYaml(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const config = doc?.config ?? {};
  return { topology: config["kindmesh:topology"], traffic: config["kindmesh:traffic"], versions: config["kindmesh:versions"] };
}

/** The Mermaid source for a stack; with `markdown`, fenced and titled for a README. */
export function diagramFor(stack: string, markdown: boolean, projectDir = PROJECT_DIR): string {
  let spec;
  try {
    spec = parseConfig(readStackFile(stack, projectDir), { stack });
  } catch (err) {
    if (err instanceof ConfigError) throw new UserError(err.message, EXIT.environment);
    throw err;
  }
  const mermaid = mermaidDiagram(spec, planMesh(spec));
  return markdown ? `#### \`${stack}\`\n\n\`\`\`mermaid\n${mermaid}\`\`\`\n` : mermaid;
}

/** The diagram command; returns the exit code. */
export async function runDiagram(argv: string[], io: Io, projectDir = PROJECT_DIR): Promise<number> {
  return runCommand(io, argv, async () => {
    const args = parseDiagramArgs(argv);
    io.out(diagramFor(args.stack, args.markdown, projectDir));
    return EXIT.ok;
  });
}

runMain(module, () => runDiagram(process.argv.slice(2), processIo()));
