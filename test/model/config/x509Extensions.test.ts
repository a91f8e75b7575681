import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { caExtensions } from "../../../model/config/x509Extensions";

const der = (dir: string, f: string) => new X509Certificate(fs.readFileSync(path.resolve(__dirname, "../../fixtures", dir, f), "utf8")).raw;

describe("CA extensions read from the DER (fixtures made with openssl, see their READMEs)", () => {
  it("pathlen and keyCertSign as openssl wrote them", () => {
    expect(caExtensions(der("rootca", "root-cert.pem"))).toEqual({ ca: true, keyUsage: { keyCertSign: true } });
    expect(caExtensions(der("rootca", "pathlen0-cert.pem"))).toEqual({ ca: true, pathLen: 0, keyUsage: { keyCertSign: true } });
    expect(caExtensions(der("rootca", "pathlen1-cert.pem"))).toEqual({ ca: true, pathLen: 1, keyUsage: { keyCertSign: true } });
    expect(caExtensions(der("rootca", "nocertsign-cert.pem"))).toEqual({ ca: true, keyUsage: { keyCertSign: false } });
    expect(caExtensions(der("rootca", "leaf-cert.pem")).ca).toBe(false);
  });

  it("a truncated certificate is an error, not a guess", () => {
    expect(() => caExtensions(der("rootca", "root-cert.pem").subarray(0, 40))).toThrow(/truncated/);
  });
});
