/** Stack files read as the Pulumi CLI reads them, and YAML mistakes reported where they are. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StackFileError, rawConfigOf, readStackFile, splitConfigPath, stackNames } from "../../scripts/lib/stackFile";
import { ROOT, rawConfig } from "../helpers/stacks";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A project directory with the real Pulumi.yaml and the given stack files. */
export function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kindmesh-stackfile-"));
  dirs.push(dir);
  fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

function errorOf(fn: () => unknown): StackFileError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StackFileError);
    return err as StackFileError;
  }
  throw new Error("expected a StackFileError");
}

describe("reading a stack file", () => {
  it("gives parseConfig the same input for every shipped stack as the CLI loader of the tests", () => {
    for (const stack of ["dev", "flat", "hybrid-nodeport", "multinet", "primary-remote"]) {
      const raw = rawConfigOf(readStackFile(stack, ROOT));
      expect(raw).toEqual(rawConfig(stack));
    }
  });

  it("takes keys without a namespace as the project's, and project defaults as not set", () => {
    const dir = project({ "Pulumi.mine.yaml": "config:\n  topology:\n    clusters: []\n  kindmesh:trafic: {}\n" });
    const file = readStackFile("mine", dir);
    expect(file.file).toBe("Pulumi.mine.yaml");
    expect(file.config["kindmesh:rootCaCert"]).toEqual({ secure: false, value: "" });
    const raw = rawConfigOf(file);
    expect(raw.topology).toEqual({ clusters: [] });
    expect(raw.rootCa).toBeUndefined();
    expect(raw.unknownKeys).toEqual(["trafic"]);
  });

  it("notes an encrypted root CA key without reading it", () => {
    const dir = project({ "Pulumi.mine.yaml": 'config:\n  kindmesh:rootCaCert: "x"\n  kindmesh:rootCaKey:\n    secure: v1:abc:def\n' });
    expect(rawConfigOf(readStackFile("mine", dir)).rootCa).toEqual({ cert: "x", key: undefined, keyIsSecret: true, keyEncrypted: true });
  });

  it("reports a tab, a bad indent and a duplicate key with file, line, column and the parser's words", () => {
    const tab = errorOf(() => readStackFile("mine", project({ "Pulumi.mine.yaml": "config:\n\tkindmesh:topology: {}\n" })));
    expect(tab.message).toBe("Pulumi.mine.yaml:2:1: Tabs are not allowed as indentation (YAML TAB_AS_INDENT)");
    const indent = errorOf(() => readStackFile("mine", project({ "Pulumi.mine.yaml": "config:\n  kindmesh:topology:\n    meshId: a\n   clusters: []\n" })));
    expect(indent.message).toMatch(/^Pulumi\.mine\.yaml:4:1: All mapping items must start at the same column \(YAML BAD_INDENT\)/);
    const dup = errorOf(() => readStackFile("mine", project({ "Pulumi.mine.yaml": "config:\n  kindmesh:topology: {}\n  kindmesh:topology: {}\n" })));
    expect(dup.message).toBe("Pulumi.mine.yaml:3:3: Map keys must be unique (YAML DUPLICATE_KEY)");
    expect(dup.problems).toEqual([{ line: 3, col: 3, message: "Map keys must be unique (YAML DUPLICATE_KEY)" }]);
  });

  it("reports a config: that is not a mapping at its line", () => {
    const e = errorOf(() => readStackFile("mine", project({ "Pulumi.mine.yaml": "# mine\nconfig: [a]\n" })));
    expect(e.message).toBe("Pulumi.mine.yaml:2:1: `config:` must be a mapping of keys such as kindmesh:topology");
  });

  it("locates a config path at its key, or at the nearest parent that exists", () => {
    const text = [
      "config:",
      "  kindmesh:topology:",
      "    dockerNetwork:",
      "      subnet: 172.30.0.0/16",
      "    clusters:",
      "      - name: east",
      "        nodes: [{ role: control-plane, locality: east/zone1 }]",
      "      - name: west",
      "        nodes:",
      "          - role: control-plane",
      "            locality: west/zone3",
      "",
    ].join("\n");
    const file = readStackFile("mine", project({ "Pulumi.mine.yaml": text }));
    const lines = text.split("\n");
    const at = (p: string): string => {
      const pos = file.locate(p);
      return pos ? lines[pos.line - 1].slice(pos.col - 1) : "(none)";
    };
    expect(at("topology.clusters[1].nodes[0].locality")).toBe("locality: west/zone3");
    expect(at("topology.dockerNetwork.subnet")).toBe("subnet: 172.30.0.0/16");
    expect(at("topology.clusters[0].nodes[0].locality")).toBe("locality: east/zone1 }]");
    expect(at("topology.clusters[1].podSubnet")).toBe("name: west");
    expect(at("versions")).toBe("config:");
  });

  it("splits config paths as parseConfig writes them", () => {
    expect(splitConfigPath('traffic.policies[0].to["us/west/*"]')).toEqual(["traffic", "policies", 0, "to", "us/west/*"]);
  });

  it("lists the stack files", () => {
    expect(stackNames(project({ "Pulumi.b.yaml": "", "Pulumi.a.yaml": "", "other.yaml": "" }))).toEqual(["a", "b"]);
  });
});
