import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30000,
    hookTimeout: 30000,
    // The JSON report is what .ci/run counts; the default reporter is what people read.
    reporters: ["default", "json"],
    // The program logs its predicted split and warnings on every evaluation (dozens per run): show a test's
    // console output only when that test fails, where it helps; failures themselves are always reported.
    silent: "passed-only",
    outputFile: { json: ".vitest-results.json" },
  },
});
