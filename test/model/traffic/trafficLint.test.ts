import { describe, expect, it } from "vitest";
import { expectProblem, parse, problemsOf, stackRaw } from "../../helpers/configs";

const LB = "traffic.policies[0].trafficPolicy.loadBalancer.localityLbSetting";

function multinet() {
  const raw = stackRaw("multinet");
  const setting = raw.traffic.policies[0].trafficPolicy.loadBalancer.localityLbSetting;
  return { raw, setting };
}

describe("the seeds' broken configurations", () => {
  it('a `to` key "us/west/zone3/*" when the region is "west": four segments, matches nothing, did-you-mean', () => {
    const { raw, setting } = multinet();
    setting.distribute[0].to = { "east/zone1/*": 10, "east/zone2/*": 10, "us/west/zone3/*": 80 };
    expectProblem(
      raw,
      `${LB}.distribute[0].to["us/west/zone3/*"]`,
      /has 4 segments; Istio reads it as region "us", zone "west", subzone "zone3"/,
      /Did you mean "west\/zone3\/\*"\?/,
    );
  });

  it("a four-segment key with no likely typo still says what a key may be and which localities exist", () => {
    const raw = stackRaw("flat");
    const setting = raw.traffic.policies[0].trafficPolicy.loadBalancer.localityLbSetting;
    setting.distribute[0].to = { "region1/zone1/*": 70, "region1/zone2/*": 20, "us/west/zone3/*": 10 };
    expectProblem(
      raw,
      `${LB}.distribute[0].to["us/west/zone3/*"]`,
      /has 4 segments/,
      /Write at most three: region\/zone\/subzone, or a prefix of one ending in "\*"/,
      /this topology has: region1\/zone1, region1\/zone2, region2\/zone3, region3\/zone4\./,
    );
  });

  it("a three-segment key that matches no locality loses its share", () => {
    const { raw, setting } = multinet();
    setting.distribute[0].to = { "east/zone1/*": 10, "east/zone2/*": 10, "west/zone4/*": 80 };
    expectProblem(raw, `${LB}.distribute[0].to["west/zone4/*"]`, /matches no locality of this topology/, /silently lost/, /Did you mean "west\/zone3\/\*"\?/);
  });

  it("distribute weights not summing to 100 (Istio's validation)", () => {
    const { raw, setting } = multinet();
    setting.distribute[0].to = { "east/zone1/*": 10, "east/zone2/*": 10, "west/zone3/*": 70 };
    expectProblem(raw, `${LB}.distribute[0].to`, /total locality weight 90 != 100/, /Istio rejects this DestinationRule/, /add up to exactly 100: change the weights/);
  });

  it("a weight out of range points at its key and says how to send a locality nothing", () => {
    const { raw, setting } = multinet();
    setting.distribute[0].to = { "east/zone1/*": 0, "east/zone2/*": 20, "west/zone3/*": 80 };
    expectProblem(raw, `${LB}.distribute[0].to["east/zone1/*"]`, /locality weight must be in range \[1, 100\]/, /leave its key out/);
  });

  it("a policy for a service whose own entry has a problem gets no follow-on error", () => {
    const raw = stackRaw("dev");
    raw.traffic.services[0].replicas = 0;
    expect(problemsOf(raw).map((p) => p.path)).toEqual(["traffic.services[0].replicas"]);
  });

  it("distribute together with failover", () => {
    const { raw, setting } = multinet();
    setting.failover = [{ from: "east", to: "west" }];
    expectProblem(raw, LB, /can not simultaneously specify 'distribute' and 'failover'/, /Use distribute for a fixed split, or failover \(with outlierDetection\)/);
  });

  it("failover without outlierDetection does nothing: an error, not Istio's mere warning", () => {
    const raw = stackRaw("dev");
    delete raw.traffic.policies[0].trafficPolicy.outlierDetection;
    expectProblem(raw, `${LB}.failover`, /failover without outlierDetection does nothing/, /Add trafficPolicy.outlierDetection/);
  });

  it("failoverPriority without outlierDetection too", () => {
    const raw = stackRaw("dev");
    const tp = raw.traffic.policies[0].trafficPolicy;
    delete tp.outlierDetection;
    tp.loadBalancer.localityLbSetting = { enabled: true, failoverPriority: ["topology.kubernetes.io/region"] };
    expectProblem(raw, `${LB}.failoverPriority`, /failoverPriority without outlierDetection does nothing/);
  });

  it("a failover region that does not exist, with a did-you-mean", () => {
    const raw = stackRaw("dev");
    raw.traffic.policies[0].trafficPolicy.loadBalancer.localityLbSetting.failover[0].to = "wset";
    expectProblem(raw, `${LB}.failover[0].to`, /"wset" is not a region of this topology \(east, west\)/, /Did you mean "west"\?/);
  });

  it("a from pattern that matches no locality", () => {
    const { raw, setting } = multinet();
    setting.distribute[0].from = "eats/zone1/*";
    const problems = problemsOf(raw).filter((p) => p.path === `${LB}.distribute[0].from`);
    expect(problems[0].message).toMatch(/"eats\/zone1\/\*" matches no locality/);
    expect(problems[0].message).toMatch(/Did you mean "east\/zone1\/\*"\?/);
  });
});

describe("typos in a trafficPolicy (Istio's published schema)", () => {
  it("an unknown key deep inside", () => {
    const raw = stackRaw("dev");
    raw.traffic.policies[0].trafficPolicy.outlierDetection = { consecutive5xxError: 1, interval: "1s" };
    const problems = problemsOf(raw);
    const hit = problems.find((p) => p.path === "traffic.policies[0].trafficPolicy.outlierDetection.consecutive5xxError");
    expect(hit?.message).toMatch(/Did you mean "consecutive5xxErrors"\?/);
  });

  it("a misspelt trafficPolicy key", () => {
    const raw = stackRaw("dev");
    const tp = raw.traffic.policies[0].trafficPolicy;
    tp.outlierDetecton = tp.outlierDetection;
    delete tp.outlierDetection;
    const paths = problemsOf(raw).map((p) => p.path);
    expect(paths).toContain("traffic.policies[0].trafficPolicy.outlierDetecton");
  });

  it("a wrong enum value", () => {
    const raw = stackRaw("dev");
    raw.traffic.policies[0].trafficPolicy.loadBalancer.simple = "ROUNDROBIN";
    const hit = problemsOf(raw).find((p) => p.path === "traffic.policies[0].trafficPolicy.loadBalancer.simple");
    expect(hit?.message).toMatch(/ROUND_ROBIN/);
  });

  it("an invalid duration", () => {
    const raw = stackRaw("dev");
    raw.traffic.policies[0].trafficPolicy.outlierDetection.interval = "1d";
    expect(problemsOf(raw).map((p) => p.path)).toContain("traffic.policies[0].trafficPolicy.outlierDetection.interval");
  });
});

describe("warnings: the stack deploys, but traffic will not do what it seems to say", () => {
  it("a destination locality no `to` key covers gets 0%", () => {
    const { raw, setting } = multinet();
    setting.distribute[0].to = { "east/zone1/*": 20, "west/zone3/*": 80 };
    const warnings = parse(raw).warnings.filter((w) => w.path === `${LB}.distribute`);
    expect(warnings.map((w) => w.message)).toEqual([
      'from "east/zone1/*", no "to" key covers "east/zone2": it gets 0% of the traffic from "east/zone1" and is never a failover target.',
    ]);
  });

  it("a client locality no `from` covers gets plain round robin", () => {
    const { raw } = multinet();
    raw.traffic.clients.push({ name: "sleep2", locality: "west/zone3" });
    const warnings = parse(raw).warnings.filter((w) => w.path === `${LB}.distribute`);
    expect(warnings.map((w) => w.message)).toEqual([
      'no "from" covers the client in "west/zone3": its requests are spread by endpoint count over every locality, with no locality preference and no failover.',
    ]);
  });

  it("the multi-network gateway hazard (istio#56355): this stack's numbers, intended against predicted, and the remedy", () => {
    const { raw } = multinet();
    raw.traffic.clients.push({ name: "sleep2", locality: "west/zone3" });
    const hazard = parse(raw).warnings.filter((w) => /istio#56355/.test(w.message));
    expect(hazard.map((w) => w.path)).toEqual(["traffic.policies[0].trafficPolicy"]);
    const message = hazard[0].message;
    expect(message).toMatch(/^Clients in west\/zone3 reach cluster "east" through the one address of its east-west gateway/);
    expect(message).toContain("the one in east/zone1 — and ignores the copies in east/zone2 (weight 1, 1 endpoint)");
    expect(message).toContain("So the gateway gets 50% of these requests instead of the 66.7%");
    expect(message).toContain("would be east/zone1 33.3%, east/zone2 33.3%, west/zone3 33.3%");
    expect(message).toContain("after the gateway's own split is east/zone1 25%, east/zone2 25%, west/zone3 50%");
    expect(message).toMatch(/Remedy: run this service's backends in one locality of cluster "east", or give each of those localities its own cluster/);
    expect(message).toMatch(/\(gateway-duplicate-dropped\)$/);
  });

  it("no hazard warning where the dropped copy changes nothing (dev: the west client stays local, failover lands in the gateway's zone)", () => {
    const raw = stackRaw("dev");
    raw.traffic.clients[0].locality = "west/zone3";
    expect(parse(raw).warnings.filter((w) => /istio#56355/.test(w.message))).toEqual([]);
  });

  it("failoverPriority on region or zone never matches a remote network's endpoints", () => {
    const raw = stackRaw("dev");
    raw.traffic.policies[0].trafficPolicy.loadBalancer.localityLbSetting = { failoverPriority: ["topology.kubernetes.io/region", "topology.kubernetes.io/zone"] };
    const warnings = parse(raw).warnings.filter((w) => /gateway-failover-priority-unmatched/.test(w.message));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toMatch(/"topology.kubernetes.io\/region" and "topology.kubernetes.io\/zone".*"west" carry only the cluster and network labels/);
  });

  it("no client: nothing to predict", () => {
    const raw = stackRaw("dev");
    raw.traffic.clients = [];
    expect(parse(raw).warnings.map((w) => w.message).join("\n")).toMatch(/no client is configured/);
  });

  it("multizone-remote warns, by design, that its 50/25/25 comes out as 66.7/16.7/16.7 (istio#56355)", () => {
    const warnings = parse(stackRaw("multizone-remote"), "multizone-remote").warnings;
    expect(warnings.map((w) => w.message.match(/\((gateway-[a-z-]+)\)$/)?.[1])).toEqual(["gateway-duplicate-dropped"]);
    expect(warnings[0].message).toContain("after the gateway's own split is far/zone1 16.7%, far/zone2 16.7%, near/zone1 66.7%");
  });

  it("the shipped stacks raise no coverage warnings", () => {
    for (const stack of ["dev", "flat", "multinet", "hybrid-nodeport", "primary-remote"]) {
      expect(parse(stackRaw(stack), stack).warnings).toEqual([]);
    }
  });
});
