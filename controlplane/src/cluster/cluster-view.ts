/**
 * The cluster view's nodes: one subscription per node control plane that
 * discovery names, started when it appears and stopped when it goes (its
 * cursor stays in the store, so it resumes where it was if it comes back).
 * Answers which node control plane holds the events of a node name.
 */
import type { ClusterNodeStatus } from '../../../proto/generated/vigil/v1/ClusterNodeStatus';
import type { NodeDiscovery } from './discovery';
import type { NodeEndpoint } from './endpoint-slices';
import type { NodeAlertsFanIn } from './fan-in';
import type { NodeLink } from './node-link';
import { NodeSubscription } from './node-subscription';

export interface ClusterViewOptions {
  discovery: NodeDiscovery;
  link: NodeLink;
}

export class ClusterView {
  private readonly nodes = new Map<string, NodeSubscription>();

  constructor(
    private readonly o: ClusterViewOptions,
    private readonly fanIn: NodeAlertsFanIn,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    this.log(`cluster view: following ${this.o.discovery.description}`);
    this.o.discovery.start((found) => this.follow(found));
  }

  private follow(found: NodeEndpoint[]): void {
    const wanted = new Set(found.map((n) => n.address));
    for (const [address, sub] of this.nodes) {
      if (wanted.has(address)) continue;
      this.log(`node ${address} is no longer listed: no longer followed`);
      sub.stop();
      this.nodes.delete(address);
    }
    for (const n of found) {
      if (this.nodes.has(n.address)) continue;
      const sub = new NodeSubscription(n.address, this.o.link, this.fanIn, this.log, n.nodeName);
      this.nodes.set(n.address, sub);
      sub.start();
    }
  }

  status(): ClusterNodeStatus[] {
    return [...this.nodes.values()].map((s) => s.status());
  }

  /**
   * The node control plane holding the events of node `name`; when none is
   * known to, asks every node again (a node whose sensor connected since it
   * was last asked). Undefined when none does.
   */
  async holderOf(name: string): Promise<NodeSubscription | undefined> {
    const known = () => [...this.nodes.values()].find((s) => s.nodeNames().includes(name));
    const found = known();
    if (found) return found;
    await Promise.allSettled([...this.nodes.values()].map((s) => s.refresh()));
    return known();
  }

  stop(): void {
    this.o.discovery.stop();
    for (const sub of this.nodes.values()) sub.stop();
    this.nodes.clear();
  }
}
