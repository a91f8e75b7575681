/**
 * Extracts the OpenAPI schema of the Istio DestinationRule `spec` (networking.istio.io, served version v1)
 * from Istio's generated CRD bundle and writes it as JSON.
 *
 *   git -C <istio checkout> show <tag>:manifests/charts/base/files/crd-all.gen.yaml > /tmp/crd-all.gen.yaml
 *   npx tsx scripts/extract-dr-schema.ts /tmp/crd-all.gen.yaml [model/schemas/destinationrule-v1-spec.json]
 *
 * See model/schemas/README.md for the source this project pins.
 */
import { readFileSync, writeFileSync } from "fs";
import { parseAllDocuments } from "yaml";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function get(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

function main(): void {
  const [input, output = "model/schemas/destinationrule-v1-spec.json", version = "v1"] = process.argv.slice(2);
  if (!input) {
    console.error("usage: tsx scripts/extract-dr-schema.ts <crd-all.gen.yaml> [output.json] [version]");
    process.exit(2);
  }
  const docs = parseAllDocuments(readFileSync(input, "utf8"));
  if (!Array.isArray(docs)) throw new Error(`${input}: not a YAML document stream`);
  const crd = docs
    .map((doc): unknown => doc.toJS({ maxAliasCount: -1 }))
    .find((doc) => get(doc, "kind") === "CustomResourceDefinition" && get(doc, "metadata", "name") === "destinationrules.networking.istio.io");
  if (crd === undefined) throw new Error(`${input}: no CustomResourceDefinition destinationrules.networking.istio.io`);
  const versions = get(crd, "spec", "versions");
  if (!Array.isArray(versions)) throw new Error("CRD has no spec.versions");
  const entry: unknown = versions.find((v: unknown) => get(v, "name") === version);
  if (entry === undefined) throw new Error(`CRD has no version ${version}`);
  const spec = get(entry, "schema", "openAPIV3Schema", "properties", "spec");
  if (!isRecord(spec)) throw new Error(`version ${version} has no schema.openAPIV3Schema.properties.spec`);
  writeFileSync(output, `${JSON.stringify(spec, null, 2)}\n`);
  console.log(`wrote ${output} (served=${String(get(entry, "served"))}, storage=${String(get(entry, "storage"))})`);
}

main();
