import type { HostRule } from '../rule';
import { basename, commandLine, imageIn, inContainer, programOf } from '../facts';

/** Subcommands and flags that install or change software (a query like `dpkg -l` or `pip list` is not a finding). */
const INSTALLS = /^(install|add|upgrade|dist-upgrade|full-upgrade|update|localinstall|reinstall|groupinstall|i|ci|-i|--install|-U|--upgrade|-S|-Sy|-Syu|-Su|get|in|up)$/;

export const packageManagerInContainer: HostRule = {
  id: 'package-manager-in-container',
  version: 1,
  title: 'Package manager installing software in a running container',
  description:
    'A package manager (apt, yum, dnf, apk, pip, npm, gem...) installed or upgraded software inside a running ' +
    'container. Images are immutable by design: software arrives in a new image, not in a live container. An ' +
    'attacker installs tools this way (nmap, socat, a miner\'s libraries), and it is also how drift starts. Queries ' +
    '(dpkg -l, pip list) are not raised. Known benign: image builders and CI runners (kaniko, BuildKit, docker:dind, ' +
    'GitLab and Jenkins agents: the `build_images` list), entrypoints that install at start (add an exception, or ' +
    'better, move it into the image). Triage: what was installed, who ran it (ancestry), and whether the container ' +
    'is a build job.',
  severity: 'SEVERITY_MEDIUM',
  mitre: { id: 'T1105', name: 'Ingress Tool Transfer', tactic: 'Command and Control' },
  sources: ['exec'],
  match(ev, ctx) {
    if (!inContainer(ev)) return null;
    const p = programOf(ev);
    if (!p.in(ctx.lists.package_managers) || !p.argv.slice(1).some((a) => INSTALLS.test(a))) return null;
    if (imageIn(ev.container!.image, ctx.lists.build_images)) return null;
    return {
      summary: `${basename(p.exe)} changed the software of running container ${ev.container!.name || ev.container!.id.slice(0, 12)} (${ev.container!.image || 'unknown image'}): ${commandLine(ev)}`,
      fields: { package_manager: basename(p.exe), command_line: commandLine(ev) },
    };
  },
};
