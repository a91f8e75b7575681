/**
 * The two extensions of a CA certificate that decide whether it can head Istio's plug-in CA chain
 * (root -> per-cluster intermediate in `cacerts` -> workload certificate), read from the DER: node:crypto's
 * X509Certificate exposes `ca` but neither the path length nor the key usage bits. Pure.
 */

/** basicConstraints pathLenConstraint (undefined: no limit) and keyUsage (undefined: extension absent). */
export interface CaExtensions {
  /** basicConstraints cA (false when the extension is absent). */
  ca: boolean;
  pathLen?: number;
  keyUsage?: { keyCertSign: boolean };
}

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

function tlv(der: Uint8Array, at: number): Tlv {
  const tag = der[at] ?? 0;
  let len = der[at + 1] ?? 0;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[start + i] ?? 0);
    start += n;
  }
  if (start + len > der.length) throw new Error("truncated DER");
  return { tag, start, end: start + len };
}

function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const t = tlv(der, at);
    out.push(t);
    at = t.end;
  }
  return out;
}

const hex = (der: Uint8Array, t: Tlv) => Buffer.from(der.subarray(t.start, t.end)).toString("hex");
const BASIC_CONSTRAINTS = "551d13"; // 2.5.29.19
const KEY_USAGE = "551d0f"; // 2.5.29.15

/** Reads basicConstraints and keyUsage from a certificate's DER (X509Certificate.raw). */
export function caExtensions(der: Uint8Array): CaExtensions {
  const cert = tlv(der, 0);
  const tbs = children(der, cert)[0];
  if (!tbs) return { ca: false };
  // Extensions are the [3] EXPLICIT field of TBSCertificate (RFC 5280 4.1).
  const wrapper = children(der, tbs).find((t) => t.tag === 0xa3);
  const list = wrapper ? children(der, wrapper)[0] : undefined;
  const out: CaExtensions = { ca: false };
  for (const ext of list ? children(der, list) : []) {
    const parts = children(der, ext);
    const oid = parts[0];
    const value = parts[parts.length - 1];
    if (!oid || !value || value.tag !== 0x04) continue;
    const inner = tlv(der, value.start);
    if (hex(der, oid) === BASIC_CONSTRAINTS) {
      const fields = children(der, inner);
      const flag = fields.find((t) => t.tag === 0x01);
      out.ca = flag !== undefined && (der[flag.start] ?? 0) !== 0;
      const integer = fields.find((t) => t.tag === 0x02);
      if (integer) out.pathLen = [...der.subarray(integer.start, integer.end)].reduce((n, b) => n * 256 + b, 0);
    } else if (hex(der, oid) === KEY_USAGE && inner.tag === 0x03) {
      // BIT STRING: one byte of unused-bit count, then bits from digitalSignature (0x80); keyCertSign is bit 5.
      const first = der[inner.start + 1] ?? 0;
      out.keyUsage = { keyCertSign: inner.end - inner.start > 1 && (first & 0x04) !== 0 };
    }
  }
  return out;
}
