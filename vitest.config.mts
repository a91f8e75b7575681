import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30000,
    hookTimeout: 30000,
    // The JSON report is what .ci/run counts; the default reporter is what people read.
    reporters: ["default", "json"],
    outputFile: { json: ".vitest-results.json" },
  },
});
