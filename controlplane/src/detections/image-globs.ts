/**
 * Image globs as lists and exceptions write them. `*` spans `/` in a full
 * name (`registry.example.com/shop/*`). A Docker Hub image, which the
 * runtime reports in full (docker.io/library/nginx:1.27), also matches the
 * short name people write (nginx:1.27, jenkins/inbound-agent:3206); there a
 * `*` stops at `/`, so `nginx*` is not docker.io/nginxevil/miner.
 */
import picomatch from 'picomatch';
import { dockerHubShortName } from '../audit/image-ref';

export function imageGlobs(patterns: readonly string[]): (image: string) => boolean {
  const full = picomatch([...patterns], { bash: true, dot: true });
  const short = picomatch([...patterns], { dot: true });
  return (image) => {
    if (full(image)) return true;
    const name = dockerHubShortName(image);
    return name !== undefined && short(name);
  };
}
