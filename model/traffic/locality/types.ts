/** Pod or workload labels. */
export type Labels = Record<string, string>;

/** Istio's `LocalityLoadBalancerSetting` (istio/api `networking/v1alpha3/destination_rule.proto`), field for field. */
export interface LocalityLbSetting {
  /** Unset counts as enabled; `false` turns locality load balancing off at this level. @default true */
  enabled?: boolean;
  /** Per client locality (`from`), the share of traffic for each destination pattern (`to`, percent). */
  distribute?: { from: string; to: Record<string, number> }[];
  /** Region-to-region failover order; only applied with outlier detection (or a forced failover). */
  failover?: { from: string; to: string }[];
  /** Label keys (optionally `key=value`) that rank endpoints by how many leading labels match the client. */
  failoverPriority?: string[];
}

/** Istio 1.31's `ZoneAwareLoadBalancerSetting`, only as far as the priority rewrite needs it. */
export interface ZoneAwareLbSetting {
  /** `false` emits `routing_enabled: 0%` and leaves priorities alone. @default true */
  enabled?: boolean;
  failover?: { from: string; to: string }[];
  failoverPriority?: string[];
}

/** A locality split into its three parts; missing parts are empty strings. */
export interface Locality {
  region: string;
  zone: string;
  subzone: string;
}

/** A finding about a configuration, written for the platform engineer who owns it. */
export interface Diagnostic {
  code: string;
  message: string;
}

/** A group of endpoints as istiod writes it into a `LocalityLbEndpoints` (one per locality and priority). */
export interface AssignmentEntry {
  locality: string;
  priority: number;
  /** `load_balancing_weight`; null = unset. */
  weight: number | null;
  /** Number of hosts (`lb_endpoints`); 0 = removed. */
  endpoints: number;
}
