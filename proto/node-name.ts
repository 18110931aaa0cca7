/**
 * What a node name may be, checked wherever one is set (the sensor's and
 * `vigil up`'s flags, credentials) and again at the control plane's door:
 * a Kubernetes node name, which is an RFC 1123 DNS subdomain.
 */
import { InvalidArgumentError } from 'commander';

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Why `name` is not a node name, or undefined when it is one. */
export function nodeNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'a node name cannot be empty';
  if (name.length > 253) return `"${name.slice(0, 40)}…" is ${name.length} characters; a node name has at most 253`;
  if (name !== name.toLowerCase()) return `"${name}" has upper-case letters; node names are lower case (as Kubernetes names nodes)`;
  const bad = name.split('.').find((label) => !LABEL.test(label));
  if (bad !== undefined)
    return `"${name}" is not a node name: dot-separated labels of lower-case letters, digits and '-', each 1 to 63 characters, starting and ending with a letter or digit (RFC 1123)${bad === '' ? '; it has an empty label' : `; "${bad}" is not one`}`;
  return undefined;
}

/** The host's name as a node name: lower-cased, as kubelet does. */
export function defaultNodeName(hostname: string): string {
  return hostname.toLowerCase();
}

/** For command-line flags that take a node name: a usage error (exit status 2) naming the rule broken. */
export function parseNodeName(value: string): string {
  const problem = nodeNameProblem(value);
  if (problem) throw new InvalidArgumentError(problem);
  return value;
}
