/**
 * A user's own stack file next to the shipped ones (a copy of dev, say) must not change or break `npm test`:
 * the suite checks the stacks it ships, by name; a user's stack is checked by the product when it runs.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stackRaw } from "./helpers/configs";
import { ROOT, SHIPPED, shippedStacks, stackFilesIn } from "./helpers/stacks";

/** A throw-away copy of the project's stack files, plus `extra` files; the repo itself is never written. */
function projectCopy(extra: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kindmesh-project-"));
  for (const f of fs.readdirSync(ROOT).filter((n) => /^Pulumi\..*yaml$/.test(n))) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  for (const [name, text] of Object.entries(extra)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe("the stacks the suite checks", () => {
  it("are the shipped ones, by name, each with its stack file", () => {
    expect(shippedStacks()).toEqual([...SHIPPED]);
    expect([...SHIPPED].sort()).toEqual([...SHIPPED]);
  });

  it("a Pulumi.mine.yaml (a copy of dev) in the project leaves the list the suite loops over unchanged", () => {
    // The user may well have a Pulumi.mine.yaml of their own in the project: the test must neither fail on it
    // nor write or remove one there, so it compares the repo's state before and after.
    const userFile = path.join(ROOT, "Pulumi.mine.yaml");
    const before = fs.existsSync(userFile) ? fs.readFileSync(userFile, "utf8") : undefined;
    const dir = projectCopy({ "Pulumi.mine.yaml": fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8") });
    try {
      expect(stackFilesIn(dir)).toContain("mine");
      expect(shippedStacks(dir)).toEqual([...SHIPPED]);
      // And the copy itself is a valid stack that shares no Docker or kind name with dev (so it would deploy).
      const mine = parse(stackRaw("dev"), "mine");
      expect(mine.dockerNetwork.name).toBe("kindmesh-mine");
      expect(mine.clusters.map((c) => c.kindName)).toEqual(["mine-east", "mine-west"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(fs.existsSync(userFile) ? fs.readFileSync(userFile, "utf8") : undefined).toBe(before);
  });

  it("a shipped stack whose file is gone is a clear failure, not a silently shorter suite", () => {
    const dir = projectCopy({});
    try {
      fs.rmSync(path.join(dir, "Pulumi.flat.yaml"));
      expect(() => shippedStacks(dir)).toThrow(/shipped stacks without a stack file in .*: flat/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("no test enumerates the project's stack files itself (only test/helpers/stacks.ts may list the directory)", () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (file.endsWith(".ts") && !file.endsWith(path.join("helpers", "stacks.ts")) && file !== __filename) {
          const text = fs.readFileSync(file, "utf8");
          if (/readdirSync\([^)]*ROOT|stackFilesIn\(/.test(text)) offenders.push(path.relative(ROOT, file));
        }
      }
    };
    walk(path.join(ROOT, "test"));
    expect(offenders).toEqual([]);
  });
});
