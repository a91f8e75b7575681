/**
 * `pulumi up`/`preview` (index.ts under Pulumi's mocks, config as the CLI hands it over) and `npm run check`
 * (the stack file read by scripts/lib/stackFile.ts) judge a stack by the same function: same warnings, same
 * errors, same predicted split — for every shipped stack and for a broken one.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { formatErrors } from "../model/stackCheck";
import { formatServicePlan } from "../model/traffic/trafficPlan";
import { describe, expect, it, vi } from "vitest";
import { checkReport } from "../scripts/check";
import { stackRaw } from "./helpers/configs";
import { runProgram, runProgramExpectingError } from "./helpers/program";
import { ROOT } from "./helpers/stacks";

const SHIPPED = ["dev", "flat", "hybrid-nodeport", "multinet", "primary-remote"];

describe("the program and check agree", () => {
  it.each(SHIPPED)("%s: the preview's warnings, logged tables and trafficPlan output are check's", async (stack) => {
    const warn = vi.spyOn(pulumi.log, "warn").mockImplementation(async () => {});
    const info = vi.spyOn(pulumi.log, "info").mockImplementation(async () => {});
    try {
      const run = await runProgram(stack, { preview: true });
      const report = checkReport(stack, { projectDir: ROOT, homeDir: "/nonexistent-home" });
      expect(report.errors).toEqual([]);
      expect(run.outputs.trafficPlan).toEqual(report.trafficPlan);
      expect(warn.mock.calls.map((c) => String(c[0]))).toEqual(report.warnings.map((w) => `${w.path}: ${w.message}`));
      const tables = Object.entries(report.trafficPlan ?? {}).map(([service, plan]) => formatServicePlan(service, plan));
      expect(info.mock.calls.map((c) => String(c[0])).filter((t) => t.startsWith("Predicted split"))).toEqual(tables);
    } finally {
      warn.mockRestore();
      info.mockRestore();
    }
  });

  it("a broken stack: up stops with exactly the problems check lists", async () => {
    const raw = stackRaw("dev");
    raw.topology.clusters[1].role = "remote";
    raw.traffic.clients[0].locality = "east/zone9";
    raw.versions = { istio: "1.20.0" };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kindmesh-onepath-"));
    try {
      fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
      fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), stringify({ config: { "kindmesh:topology": raw.topology, "kindmesh:traffic": raw.traffic, "kindmesh:versions": raw.versions } }));
      const report = checkReport("dev", { projectDir: dir, homeDir: "/nonexistent-home" });
      expect(report.errors.map((e) => e.path)).toEqual(["topology.clusters[1].primary", "traffic.clients[0].locality", "versions.istio"]);
      const config = { "kindmesh:topology": raw.topology, "kindmesh:traffic": raw.traffic, "kindmesh:versions": raw.versions };
      const { error } = await runProgramExpectingError("dev", { config });
      expect(error.message).toBe(formatErrors({ errors: report.errors.map(({ path: p, message }) => ({ path: p, message })), file: "Pulumi.dev.yaml" }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
