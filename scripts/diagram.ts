/**
 * `npm run diagram -- <stack> [--markdown]`: the Mermaid diagram of a stack, generated from its stack file
 * (e.g. Pulumi.dev.yaml) by the same checkStack the program and `npm run check` use, so it never drifts and
 * never draws a stack that `up` would reject. Needs no cluster, no Pulumi CLI and no deployment.
 */
import * as os from "node:os";
import { mermaidDiagram } from "../model/build/diagram";
import { formatErrors } from "../model/stackCheck";
import { parseDiagramArgs } from "./lib/args";
import { type Io, processIo } from "./lib/client";
import { runCommand, runMain } from "./lib/command";
import { EXIT, UserError } from "./lib/errors";
import { PROJECT_DIR, checkStackFile } from "./lib/loadStack";
import { StackFileError } from "./lib/stackFile";

/** The Mermaid source for a stack; with `markdown`, fenced and titled for a README. Warnings go to `warn`. */
export function diagramFor(stack: string, markdown: boolean, projectDir = PROJECT_DIR, warn: (text: string) => void = () => {}): string {
  let checked;
  try {
    checked = checkStackFile(stack, { projectDir, homeDir: os.homedir() });
  } catch (err) {
    if (err instanceof StackFileError) throw new UserError(err.message, EXIT.failed);
    throw err;
  }
  if (!checked.ok) throw new UserError(formatErrors(checked), EXIT.failed, `npm run check -- ${stack} shows where each one is`);
  if (checked.warnings.length > 0) warn(`${checked.file}: ${checked.warnings.length} warning(s); npm run check -- ${stack} lists them\n`);
  const mermaid = mermaidDiagram(checked.spec, checked.plan);
  return markdown ? `#### \`${stack}\`\n\n\`\`\`mermaid\n${mermaid}\`\`\`\n` : mermaid;
}

/** The diagram command; returns the exit code. */
export async function runDiagram(argv: string[], io: Io, projectDir = PROJECT_DIR): Promise<number> {
  return runCommand(io, argv, async () => {
    const args = parseDiagramArgs(argv);
    io.out(diagramFor(args.stack, args.markdown, projectDir, (t) => io.err(t)));
    return EXIT.ok;
  });
}

runMain(module, () => runDiagram(process.argv.slice(2), processIo()));
