import type { HostRule } from '../rule';
import { addressIn, inContainer, plainAddress, programOf } from '../facts';

export const cloudMetadataAccess: HostRule = {
  id: 'cloud-metadata-access',
  version: 2,
  title: 'Cloud instance metadata service reached from a container',
  description:
    'A process in a container connected to a cloud instance metadata service (169.254.169.254 on AWS, GCP, Azure ' +
    'and OpenStack, fd00:ec2::254 on AWS IPv6, the ECS task endpoint, EKS Pod Identity\'s 169.254.170.23 and ' +
    'fd00:ec2::23, Alibaba\'s 100.100.100.200, Azure\'s WireServer), however the address is written. The ' +
    'service hands out the node\'s cloud credentials to whoever asks: from a compromised pod it is ' +
    'the step from the cluster to the cloud account (Capital One, 2019). Known benign: cloud agents and controllers ' +
    'that use the node identity by design (CSI drivers, cluster autoscaler, AWS VPC CNI); on GKE with Workload ' +
    'Identity and with EKS Pod Identity every cloud SDK call of a pod goes there by design (the node\'s metadata ' +
    'server answers with the pod\'s own identity): except those namespaces or images. List them as ' +
    'exceptions, and block the rest with a NetworkPolicy or IMDSv2 hop limit 1. Triage: the process, what it ' +
    'requested next, and the cloud audit log (CloudTrail) for the node role\'s use from elsewhere.',
  severity: 'SEVERITY_MEDIUM',
  mitre: { id: 'T1552.005', name: 'Unsecured Credentials: Cloud Instance Metadata API', tactic: 'Credential Access' },
  sources: ['connect'],
  match(ev, ctx) {
    const dest = ev.connect?.destination;
    if (!inContainer(ev) || !dest) return null;
    const address = plainAddress(dest.address);
    if (!addressIn(address, ctx.lists.cloud_metadata_addresses)) return null;
    const p = programOf(ev);
    return {
      summary: `${p.exe || p.comm} (pid ${ev.process?.pid}) in container ${ev.container!.name || ev.container!.id.slice(0, 12)} connected to the cloud metadata service at ${address}:${dest.port}`,
      fields: { destination: `${address}:${dest.port}`, process: p.exe || p.comm, command_line: p.argv.join(' ') },
      key: `${p.exe || p.comm}>${address}`,
    };
  },
};
