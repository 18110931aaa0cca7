import type { HostRule } from '../rule';
import type { Lists } from '../lists';
import { Program, basename, commandLine, imageIn, inContainer, programOf, unwrapped } from '../facts';

/**
 * The subcommands that install or change software, per package manager, as
 * the words that must open its command (after options): `yarn global add`,
 * `uv pip install`. A query (`dpkg -l`, `pip list`, `npm run update`) does
 * not open with one.
 */
const INSTALLS: Record<string, readonly string[]> = {
  apt: ['install', 'reinstall', 'upgrade', 'dist-upgrade', 'full-upgrade', 'update', 'build-dep'],
  'apt-get': ['install', 'reinstall', 'upgrade', 'dist-upgrade', 'update', 'build-dep'],
  aptitude: ['install', 'reinstall', 'upgrade', 'safe-upgrade', 'full-upgrade', 'update'],
  yum: ['install', 'reinstall', 'update', 'upgrade', 'localinstall', 'groupinstall', 'group install', 'distro-sync'],
  dnf: ['install', 'reinstall', 'update', 'upgrade', 'localinstall', 'groupinstall', 'group install', 'distro-sync'],
  microdnf: ['install', 'reinstall', 'update', 'upgrade'],
  tdnf: ['install', 'reinstall', 'update', 'upgrade', 'distro-sync'],
  zypper: ['install', 'in', 'update', 'up', 'dist-upgrade', 'dup', 'patch'],
  apk: ['add', 'upgrade', 'update', 'fix'],
  opkg: ['install', 'upgrade', 'update'],
  pip: ['install'],
  pipx: ['install', 'inject', 'upgrade', 'reinstall'],
  uv: ['pip install', 'pip sync', 'tool install', 'add', 'sync'],
  poetry: ['add', 'install', 'update'],
  pipenv: ['install', 'sync', 'update'],
  easy_install: [''],
  npm: ['install', 'i', 'in', 'ins', 'inst', 'insta', 'instal', 'isnt', 'isnta', 'isntal', 'isntall', 'add', 'ci', 'update', 'up', 'upgrade', 'udpate'],
  yarn: ['add', 'install', 'upgrade', 'global add', 'global upgrade'],
  pnpm: ['add', 'install', 'i', 'update', 'up', 'upgrade'],
  gem: ['install', 'update'],
  bundle: ['install', 'update', 'add'],
  composer: ['require', 'install', 'update', 'global require'],
  cargo: ['install'],
  go: ['install', 'get'],
  conda: ['install', 'update', 'upgrade', 'create'],
  mamba: ['install', 'update', 'create'],
  micromamba: ['install', 'update', 'create'],
  snap: ['install', 'refresh'],
  flatpak: ['install', 'update'],
  emerge: [''],
};

/** Package managers whose mode is a flag: dpkg -i, rpm -ivh / -Uvh / -F (not -qi), pacman -S / -Syu / -U (not -Ss, -Si, -Q), nix-env -i. */
const INSTALL_FLAGS: Record<string, RegExp> = {
  dpkg: /^(-[EGBRO]*i[EGBRO]*|--install|--unpack)$/,
  rpm: /^(-[ivhUF]*[iUF][ivh]*|--install|--upgrade|--freshen|--reinstall)$/,
  pacman: /^(-S[yuwdvf]*|-U[a-z]*|--sync|--upgrade)$/,
  'nix-env': /^(-i[A-Za-z]*|--install|-u|--upgrade)$/,
};

/** Options (per manager) that take the next word as their value. */
const VALUE_OPTIONS = /^(-[otcrie]|--(option|target-release|config-file|installroot|releasever|setopt|enablerepo|disablerepo|repo|root|prefix|index-url|extra-index-url|python|target|project|directory|cwd|registry|cache|file|working-dir))$/;

/** The words after the options: where a subcommand stands. */
function operands(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h' || a === '--version') return [];
    if (a.startsWith('-')) {
      if (VALUE_OPTIONS.test(a)) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/** Whether argv (a package manager named `manager`) installs or changes software. */
function installs(manager: string, argv: readonly string[]): boolean {
  const flag = INSTALL_FLAGS[manager];
  if (flag) return argv.slice(1).some((a) => flag.test(a)) && !argv.includes('--help');
  const subcommands = INSTALLS[manager];
  if (!subcommands) return false;
  const words = operands(argv);
  return subcommands.some((s) => {
    const want = s === '' ? [] : s.split(' ');
    return (want.length > 0 || words.length > 0) && want.every((w, i) => words[i] === w);
  });
}

/** The manager a program is, by name, and `python -m pip` as pip. */
function managerOf(p: Program, managers: ReadonlySet<string>): { name: string; argv: readonly string[] } | undefined {
  const call = p.interpreterCall;
  if (call?.family === 'python' && call.module && managers.has(basename(call.module).replace(/\d+(\.\d+)*$/, ''))) return { name: call.module.replace(/\d+(\.\d+)*$/, ''), argv: [call.module, ...call.rest] };
  const name = p.names.find((n) => managers.has(n) && (INSTALLS[n] || INSTALL_FLAGS[n]));
  return name === undefined ? undefined : { name, argv: p.argv };
}

/** The package manager a program is, when it is installing or changing packages. */
function installingManager(p: Program, lists: Lists): { name: string; argv: readonly string[] } | undefined {
  const manager = managerOf(unwrapped(p), lists.package_managers);
  return manager && installs(manager.name, manager.argv) ? manager : undefined;
}

export const packageManagerInContainer: HostRule = {
  id: 'package-manager-in-container',
  version: 2,
  title: 'Package manager installing software in a running container',
  description:
    'A package manager (apt, yum, dnf, tdnf, apk, opkg, rpm, pip and python -m pip, uv, poetry, npm, composer, ' +
    'gem...) installed or upgraded software inside a running container, as its subcommand says (apt-get install, ' +
    'uv pip install, composer require) or its mode flag (rpm -ivh, pacman -Syu, dpkg -i). Images are immutable by ' +
    'design: software arrives in a new image, not in a live container. An attacker installs tools this way (nmap, ' +
    'socat, a miner\'s libraries), and it is also how drift starts. Queries and help (dpkg -l, pip list, npm run ' +
    'update, npm update --help) are not raised. Known benign: image builders and CI runners (kaniko, BuildKit, ' +
    'docker:dind, GitLab and Jenkins agents: the `build_images` list), entrypoints that install at start (add an ' +
    'exception, or better, move it into the image). Triage: what was installed, who ran it (ancestry), and ' +
    'whether the container is a build job.',
  severity: 'SEVERITY_MEDIUM',
  mitre: { id: 'T1105', name: 'Ingress Tool Transfer', tactic: 'Command and Control' },
  sources: ['exec'],
  match(ev, ctx) {
    if (!inContainer(ev) || imageIn(ev.container!.image, ctx.lists.build_images)) return null;
    const manager = programOf(ev).judged(installingManager, ctx.lists);
    if (!manager) return null;
    return {
      summary: `${manager.name} changed the software of running container ${ev.container!.name || ev.container!.id.slice(0, 12)} (${ev.container!.image || 'unknown image'}): ${commandLine(ev)}`,
      fields: { package_manager: manager.name, command_line: commandLine(ev) },
    };
  },
};
