/**
 * Image globs as lists and exceptions write them. `*` spans `/` in a full
 * name (`registry.example.com/shop/*`). A Docker Hub image matches by either
 * of its names, however the runtime gave it: the full one
 * (docker.io/library/nginx:1.27, as containerd reports it) and the short one
 * people write (nginx:1.27, jenkins/inbound-agent:3206, as Docker reports
 * it); in a short name a `*` stops at `/`, so `nginx*` is not
 * nginxevil/miner, and `*` alone is any image by its full name.
 */
import picomatch from 'picomatch';
import { dockerHubNames } from '../audit/image-ref';

export function imageGlobs(patterns: readonly string[]): (image: string) => boolean {
  const full = picomatch([...patterns], { bash: true, dot: true });
  const short = picomatch([...patterns], { dot: true });
  return (image) => {
    const hub = dockerHubNames(image);
    if (!hub) return full(image);
    // As given too, when it was given with a registry (index.docker.io/...): a pattern may name that.
    return full(hub.full) || (image !== hub.short && full(image)) || short(hub.short);
  };
}
