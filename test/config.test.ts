import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../config";
import { cliConfig, rawConfig } from "./helpers/stacks";

describe("readStackConfig", () => {
  it("reads the three structured keys the way the CLI hands them over (JSON strings)", () => {
    pulumi.runtime.setAllConfig(cliConfig("flat"));
    const { raw } = readStackConfig();
    expect(raw).toEqual(rawConfig("flat"));
    expect((raw.topology as { clusters: unknown[] }).clusters).toHaveLength(2);
  });

  it("passes a non-JSON value through for parseConfig to reject with its path", () => {
    pulumi.runtime.setAllConfig({ "kindmesh:topology": "cluster1" });
    expect(readStackConfig().raw).toEqual({ topology: "cluster1", traffic: undefined, versions: undefined });
  });

  it("reads the optional root CA, and whether its key came as a secret", () => {
    pulumi.runtime.setAllConfig({ ...cliConfig("dev"), "kindmesh:rootCaCert": "CERT", "kindmesh:rootCaKey": "KEY" }, ["kindmesh:rootCaKey"]);
    expect(readStackConfig().raw.rootCa).toEqual({ cert: "CERT", key: "KEY", keyIsSecret: true });
    pulumi.runtime.setAllConfig({ ...cliConfig("dev"), "kindmesh:rootCaKey": "KEY" });
    expect(readStackConfig().raw.rootCa).toEqual({ cert: undefined, key: "KEY", keyIsSecret: false });
    pulumi.runtime.setAllConfig(cliConfig("dev"));
    expect(readStackConfig().raw.rootCa).toBeUndefined();
  });

  it("names the kindmesh keys it does not know, so a misspelt top-level key is not ignored", () => {
    pulumi.runtime.setAllConfig({ ...cliConfig("dev"), "kindmesh:trafic": "{}", "kubernetes:context": "x" });
    expect(readStackConfig().raw.unknownKeys).toEqual(["trafic"]);
  });

  it("the project's empty defaults for the root CA mean: not set", () => {
    expect(cliConfig("dev")["kindmesh:rootCaCert"]).toBe("");
    pulumi.runtime.setAllConfig(cliConfig("dev"));
    expect(readStackConfig().raw.rootCa).toBeUndefined();
  });
});
