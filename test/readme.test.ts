/**
 * The README is a contract: every command, option, output block and exit code it documents is run here.
 * Command lines are parsed by the command's own parser; the check, help, trafficPlan and error blocks are
 * compared with what the commands print; the npm scripts are started as a user starts them.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EventEmitter } from "node:events";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runBench } from "../scripts/bench";
import { runCheck } from "../scripts/check";
import { runDiagram } from "../scripts/diagram";
import { runDrill } from "../scripts/drill";
import { type CommandName, COMMANDS, HelpRequested, helpText, parseCommandLine, usageLine } from "../scripts/lib/args";
import type { ClusterClient } from "../scripts/lib/client";
import { UserError } from "../scripts/lib/errors";
import { runVerify } from "../scripts/verify";
import { checkStack } from "../model/stackCheck";
import { rawConfigOf, readStackFile } from "../scripts/lib/stackFile";
import { ROOT } from "./helpers/stacks";
import { recordingIo } from "./scripts/fakes/io";

const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
const TS_COMMANDS = Object.keys(COMMANDS) as CommandName[];

/** A client that fails the test if a command touches it (help and usage errors must not). */
const untouchable: ClusterClient = {
  stackOutputs: () => Promise.reject(new Error("the command read the stack")),
  cluster: () => {
    throw new Error("the command opened a cluster");
  },
  close: () => Promise.resolve(),
};
const clock = { now: () => 0, sleep: () => Promise.resolve() };

/** Runs a TS command in-process with argv; returns exit code and output. */
async function run(command: CommandName, argv: string[], projectDir = ROOT) {
  const io = recordingIo();
  const noBench = () => Promise.reject(new Error("the bench ran"));
  const code =
    command === "check"
      ? await runCheck(argv, io, { projectDir, homeDir: "/nonexistent-home" })
      : command === "diagram"
        ? await runDiagram(argv, io, projectDir)
        : command === "verify"
          ? await runVerify(argv, { client: untouchable, io })
          : command === "drill"
            ? await runDrill(argv, { client: untouchable, io, signals: new EventEmitter(), exit: () => {}, clock })
            : await runBench(argv, io, noBench);
  return { code, out: io.text(), err: io.errText() };
}

const SHIPPED = ["dev", "flat", "hybrid-nodeport", "multinet", "primary-remote"];
const temps: string[] = [];
afterAll(() => temps.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A project directory with Pulumi.yaml and the shipped stack files, as a fresh clone has them. */
function shippedOnly(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kindmesh-shipped-"));
  temps.push(dir);
  for (const f of ["Pulumi.yaml", ...SHIPPED.map((s) => `Pulumi.${s}.yaml`)]) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  return dir;
}

/** The text of the fenced block that starts with `firstLine`. */
function block(firstLine: string): string {
  const start = README.indexOf(`\n${firstLine}\n`);
  expect(start, `README has a block starting with ${firstLine}`).toBeGreaterThan(0);
  const body = README.slice(start + 1);
  return body.slice(0, body.indexOf("```"));
}

/** Every `npm run <cmd> ...` the README shows, up to the end of its code span, line or comment. */
function documentedCommandLines(): { command: string; args: string[]; text: string }[] {
  const found: { command: string; args: string[]; text: string }[] = [];
  for (const m of README.matchAll(/npm run ([a-z:|]+)((?: --)?(?: [^`\n#]*)?)/g)) {
    const args = m[2].trim().replace(/^-- ?/, "");
    for (const command of m[1].split("|")) found.push({ command, args: args === "" ? [] : args.split(/\s+/), text: m[0] });
  }
  return found;
}

/** A documented command line with its placeholders filled in, as a user would type it. */
function concrete(args: string[]): string[] {
  const fill: Record<string, string> = { "<stack>": "dev", "<locality>": "east/zone1", N: "300", A: "0.001" };
  return args
    .map((a) => a.replace(/^\[|\]$/g, ""))
    .filter((a) => a !== "" && !a.startsWith(">") && a !== "flat.md" && a !== "...")
    .map((a) => fill[a] ?? a);
}

describe("README: the quick start", () => {
  const block = /## Quick start\n\n```sh\n([\s\S]*?)```/.exec(README)?.[1] ?? "";
  const commands = block.split("\n").filter((l) => l.trim() !== "").map((l) => l.replace(/\s+#.*$/, "").trim());

  it("has exactly two commands: set up and bring up the default stack, set up and pass the tests", () => {
    expect(commands).toEqual(["npm ci && npm run up -- dev", "npm ci && npm test"]);
  });

  it(".ci/run runs the quick start's test command to the letter", () => {
    const ci = fs.readFileSync(path.join(ROOT, ".ci/run"), "utf8");
    const run = ci.split("\n").filter((l) => !l.trim().startsWith("#")).map((l) => l.trim());
    expect(run).toContain(commands[1]);
  });
});

describe("README: the commands it documents", () => {
  it("every npm run <script> it names exists in package.json", () => {
    const named = [...new Set(documentedCommandLines().map((c) => c.command))];
    expect(named).toEqual(expect.arrayContaining(["check", "up", "preview", "destroy", "verify", "drill", "diagram", "bench"]));
    for (const script of named) expect(PACKAGE.scripts[script], `npm run ${script}`).toBeDefined();
  });

  it("every command line of check, diagram, verify, drill and bench is accepted by that command's parser", () => {
    // A bare `npm run check` in a sentence names the command; a command line has its arguments.
    const lines = documentedCommandLines().filter(
      (c) => (TS_COMMANDS as string[]).includes(c.command) && (c.args.length > 0 || !COMMANDS[c.command as CommandName].stack),
    );
    expect(lines.length).toBeGreaterThan(10);
    for (const { command, args, text } of lines) {
      try {
        parseCommandLine(concrete(args), command as CommandName);
      } catch (err) {
        if (err instanceof HelpRequested) continue;
        throw new Error(`README's "${text}" is rejected: ${(err as UserError).message}`);
      }
    }
  });

  it.each(["verify", "drill"] as const)("the usage line of %s is the command's own", (command) => {
    expect(README).toContain(`\n${usageLine(command).replace(/^usage: /, "")}\n`);
  });

  it("check: the help shown is the command's --help, and the flat output shown is what it prints", async () => {
    expect(block("$ npm run check -- --help")).toBe(`$ npm run check -- --help\n${helpText("check")}`);
    // As in a fresh clone: the shipped stack files only (a user's own file may collide with flat and warn).
    const flat = await run("check", ["flat"], shippedOnly());
    expect(flat.code).toBe(0);
    expect(block("$ npm run check -- flat")).toBe(`$ npm run check -- flat\n${flat.out}`);
  });

  it("check: the error example is what check prints for test/fixtures/readme/Pulumi.mine.yaml, and exit 1", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kindmesh-readme-"));
    try {
      fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
      fs.copyFileSync(path.join(ROOT, "test/fixtures/readme/Pulumi.mine.yaml"), path.join(dir, "Pulumi.mine.yaml"));
      const mine = await run("check", ["mine"], dir);
      expect(mine.code).toBe(1);
      expect(block(mine.out.split("\n")[0])).toBe(mine.out);
      // diagram refuses the same stack (exit 1) instead of drawing it.
      const diagram = await run("diagram", ["mine"], dir);
      expect(diagram.code).toBe(1);
      expect(diagram.err).toMatch(/^error: The stack configuration has 2 problems; nothing was deployed\. Fix them in Pulumi\.mine\.yaml:\n/);
      expect(README).toContain('"The stack configuration has\n2 problems; nothing was deployed. Fix them in Pulumi.mine.yaml:"');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the trafficPlan example is flat's real plan, diagnostics included", () => {
    const shown = parse(block("trafficPlan:")) as { trafficPlan: unknown };
    const checked = checkStack({ stack: "flat", raw: rawConfigOf(readStackFile("flat", ROOT)) });
    expect(checked.ok).toBe(true);
    expect(shown.trafficPlan).toEqual(checked.ok ? checked.trafficPlan : undefined);
  });

  it.each(TS_COMMANDS)("%s answers --help and -h with usage, options, exit codes and examples (exit 0), touching nothing", async (command) => {
    for (const flag of ["--help", "-h"]) {
      const r = await run(command, command === "bench" ? [flag] : ["dev", flag]);
      expect(r.code).toBe(0);
      expect(r.out).toBe(helpText(command));
      expect(r.out).toMatch(/^usage: npm run .*\n\n.+\n\noptions:\n[\s\S]+\n\nexit codes:\n {4}0 [\s\S]+\n\nexamples:\n {2}npm run /);
    }
  });

  it("every kind --name it shows is kind's name for a cluster, <stack>-<cluster> (dev-east), never the bare cluster name", () => {
    const names = [...README.matchAll(/kind [a-z ]+--name ([^\s`)]+)/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(2);
    for (const name of names) expect(name).toMatch(/^(<stack>-<cluster>|dev-east)$/);
  });

  it("verify's --help names every check the README's verify table lists (proxy versions included)", () => {
    const table = README.slice(README.indexOf("\n| check | what it runs | holds when |"));
    const rows = table.split("\n\n")[0].split("\n").slice(3).map((row) => row.split("|")[1].trim());
    expect(rows).toHaveLength(6);
    const summary = helpText("verify").split("\n")[2];
    for (const check of rows) expect(summary, check).toContain(check.split(" ").pop());
  });

  it.each(TS_COMMANDS)("%s rejects an unknown option with its usage (exit 2), touching nothing", async (command) => {
    const r = await run(command, command === "bench" ? ["--clusters", "4"] : ["dev", "--bogus"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`\n${usageLine(command)}\n`);
  });

  it.each(["verify", "drill", "diagram", "check"] as const)("%s: a stack without a file gets the list of those that exist (exit 2)", async (command) => {
    const r = await run(command, command === "drill" ? ["-s", "nope", "--fail", "east"] : ["--stack", "nope"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: no such stack file Pulumi\.nope\.yaml; these exist: [a-z-]+(, [a-z-]+)*\n/);
    const listed = /these exist: (.*)\n/.exec(r.err)![1].split(", ");
    expect(listed).toEqual(expect.arrayContaining(SHIPPED));
  });
});

describe("README: the npm scripts as a user starts them", () => {
  const tsx = path.join(ROOT, "node_modules/.bin/tsx");

  it.each(TS_COMMANDS)("npm run %s is `tsx scripts/<command>.ts`, and the file runs its command", (command) => {
    expect(PACKAGE.scripts[command]).toBe(`tsx scripts/${command}.ts`);
    const help = execFileSync(tsx, [`scripts/${command}.ts`, "--help"], { cwd: ROOT, encoding: "utf8" });
    expect(help).toBe(helpText(command));
  });

  it("npm run check -- flat exits 0 and -- --bogus exits 2, as a process", () => {
    const ok = spawnSync(tsx, ["scripts/check.ts", "flat"], { cwd: ROOT, encoding: "utf8" });
    expect([ok.status, ok.stdout]).toEqual([0, expect.stringMatching(/^Predicted split for helloworld:$/m)]);
    const bad = spawnSync(tsx, ["scripts/check.ts", "flat", "--bogus"], { cwd: ROOT, encoding: "utf8" });
    expect([bad.status, bad.stderr]).toEqual([2, expect.stringMatching(/^error: unknown option --bogus\n/)]);
  });
});
