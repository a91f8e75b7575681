/**
 * A fake {@link DockerHost} over a {@link FakeClient}: a kind cluster's node containers are its nodes; pausing
 * them makes the fake lab's cluster unreachable and its backends silent; iptables rules inside them make its
 * API server drop the listed sources, as the kernel would (a delete of a rule that is not there fails). TCP reset
 * rules (--fail-cluster) are held per container as "<chain> <destination>", under the same delete rule.
 */
import type { DockerHost } from "../../../scripts/lib/docker";
import type { FakeClient } from "./lab";
import { specOf } from "./outputs";

export interface FakeDockerOptions {
  /** Called as a call starts (e.g. to send a signal mid-insert or mid-pause). */
  onCall?: (call: string) => void;
  /** Fail an `exec` (e.g. iptables -D, for a restore that cannot finish). */
  failExec?: (container: string, command: string[]) => boolean;
  failUnpause?: boolean;
  /** `docker pause` pauses the first container, then fails. */
  failPause?: boolean;
}

export class FakeDocker implements DockerHost {
  readonly calls: string[] = [];
  /** container -> the rules (source addresses) it holds. */
  readonly rules = new Map<string, string[]>();
  /** container -> the TCP reset rules ("<chain> <destination>") it holds. */
  readonly rejects = new Map<string, string[]>();

  constructor(
    private readonly lab: FakeClient,
    private readonly opts: FakeDockerOptions = {},
  ) {}

  private clusterOf(container: string): string {
    const c = specOf(this.lab.stack).clusters.find((x) => x.nodes.some((n) => n.nodeName === container));
    if (!c) throw new Error(`Error response from daemon: No such container: ${container}`);
    return c.name;
  }

  /** By kind's cluster label, as `docker ps --filter label=io.x-k8s.kind.cluster=<kind name>`. */
  async nodeContainers(kindName: string): Promise<string[]> {
    this.calls.push(`ps ${kindName}`);
    return (specOf(this.lab.stack).clusters.find((c) => c.kindName === kindName)?.nodes ?? []).map((n) => n.nodeName).sort();
  }

  async exec(container: string, command: string[]): Promise<string> {
    this.calls.push(`exec ${container} ${command.join(" ")}`);
    this.opts.onCall?.(this.calls[this.calls.length - 1]);
    await Promise.resolve();
    if (this.opts.failExec?.(container, command)) throw new Error(`docker exec ${container} ${command[0]} failed: permission denied`);
    if (command[0] !== "iptables") throw new Error(`fake docker: unexpected exec ${command.join(" ")}`);
    const [, op, chain, , , , source] = command;
    if (command.includes("REJECT")) return this.reject(container, command);
    if (chain !== "INPUT" || !command.includes("6443") || !command.includes("DROP")) throw new Error(`fake docker: unexpected rule ${command.join(" ")}`);
    const held = this.rules.get(container) ?? [];
    if (op === "-I") held.push(source);
    else {
      const at = held.indexOf(source);
      if (at < 0) throw new Error("iptables: Bad rule (does a matching rule exist in that chain?).");
      held.splice(at, 1);
    }
    this.rules.set(container, held);
    this.sync(this.clusterOf(container));
    return "";
  }

  private reject(container: string, command: string[]): string {
    const [, op, chain, , , , destination] = command;
    if (!["FORWARD", "OUTPUT"].includes(chain) || command.join(" ") !== `iptables ${op} ${chain} -p tcp -d ${destination} -m comment --comment kindmesh-drill-fail-cluster -j REJECT --reject-with tcp-reset`) {
      throw new Error(`fake docker: unexpected rule ${command.join(" ")}`);
    }
    this.clusterOf(container);
    const held = this.rejects.get(container) ?? [];
    const key = `${chain} ${destination}`;
    if (op === "-I") held.push(key);
    else {
      const at = held.indexOf(key);
      if (at < 0) throw new Error("iptables: Bad rule (does a matching rule exist in that chain?).");
      held.splice(at, 1);
    }
    this.rejects.set(container, held);
    return "";
  }

  /** The lab's view: a cluster drops a source while any of its node containers holds a rule for it. */
  private sync(cluster: string): void {
    const nodes = specOf(this.lab.stack).clusters.find((c) => c.name === cluster)?.nodes ?? [];
    const sources = new Set(nodes.flatMap((n) => this.rules.get(n.nodeName) ?? []));
    if (sources.size > 0) this.lab.droppedFrom.set(cluster, sources);
    else this.lab.droppedFrom.delete(cluster);
  }

  async pause(containers: string[]): Promise<void> {
    this.calls.push(`pause ${containers.join(" ")}`);
    this.opts.onCall?.(this.calls[this.calls.length - 1]);
    await Promise.resolve();
    if (this.opts.failPause) {
      this.lab.paused.add(this.clusterOf(containers[0]));
      throw new Error(`docker pause failed: Error response from daemon: cannot pause container ${containers[1]}`);
    }
    for (const c of containers) this.lab.paused.add(this.clusterOf(c));
  }

  async unpause(containers: string[]): Promise<void> {
    this.calls.push(`unpause ${containers.join(" ")}`);
    if (containers.some((c) => !this.lab.paused.has(this.clusterOf(c)))) throw new Error(`Error response from daemon: Container ${containers[0]} is not paused`);
    if (this.opts.failUnpause) throw new Error("docker unpause failed: Cannot connect to the Docker daemon");
    for (const c of containers) this.lab.paused.delete(this.clusterOf(c));
  }
}
