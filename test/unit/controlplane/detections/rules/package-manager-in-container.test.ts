import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { packageManagerInContainer } from '../../../../../controlplane/src/detections/rules/package-manager-in-container';
import { CONTAINER_ID, execInPod } from '../../../../helpers/synthetic-events';
import { ruleContext } from '../../../../helpers/rule-context';

const app = { containerId: CONTAINER_ID, namespace: 'shop', pod: 'web-1', podUid: 'u', image: 'registry.example.com/web:1' };
const kaniko = { ...app, image: 'gcr.io/kaniko-project/executor:v1.23.0' };

describe('rule package-manager-in-container', () => {
  test('should trigger: installs with each family of package managers, versioned names, busybox-style calls', () => {
    for (const argv of [['apt-get', 'install', '-y', 'nmap'], ['apt', 'update'], ['apk', 'add', 'socat'], ['yum', 'install', 'gcc'], ['dnf', 'install', 'x'], ['pip3', 'install', 'impacket'], ['npm', 'i', 'ws'], ['gem', 'install', 'pry'], ['dpkg', '-i', '/tmp/x.deb'], ['rpm', '-U', 'x.rpm'], ['pip3.11', 'install', 'requests']])
      assert.ok(packageManagerInContainer.match(execInPod(app, { filename: `/usr/bin/${argv[0]}`, argv }), ruleContext()), argv.join(' '));
  });

  test('should not trigger: queries, an image builder, the host', () => {
    for (const argv of [['dpkg', '-l'], ['pip', 'list'], ['apt-cache', 'policy', 'x'], ['npm', '--version'], ['rpm', '-qa']])
      assert.equal(packageManagerInContainer.match(execInPod(app, { filename: `/usr/bin/${argv[0]}`, argv }), ruleContext()), null, argv.join(' '));
    assert.equal(packageManagerInContainer.match(execInPod(kaniko, { filename: '/usr/bin/apt-get', argv: ['apt-get', 'install', '-y', 'curl'] }), ruleContext()), null);
  });
});

describe('rule package-manager-in-container: review finding 14', () => {
  const judge = (argv: string[]) => packageManagerInContainer.match(execInPod(app, { filename: `/usr/bin/${argv[0]}`, argv }), ruleContext());
  test('should trigger: python -m pip, rpm -ivh/-Uvh, uv, poetry, composer, opkg, tdnf, yarn global add, pacman -S', () => {
    for (const argv of [['python3', '-m', 'pip', 'install', 'requests'], ['rpm', '-ivh', 'x.rpm'], ['rpm', '-Uvh', 'x.rpm'], ['uv', 'pip', 'install', 'x'], ['poetry', 'add', 'x'], ['composer', 'require', 'x'], ['opkg', 'install', 'x'], ['tdnf', 'install', 'x'], ['yarn', 'global', 'add', 'x'], ['pacman', '-S', '--noconfirm', 'x'], ['apt-get', '-o', 'Dpkg::Options::=--force-confold', 'install', 'x']])
      assert.ok(judge(argv), argv.join(' '));
  });
  test('should not trigger: install-like words anywhere but the subcommand, help, queries by flag', () => {
    for (const argv of [['npm', 'run', 'update'], ['npm', 'update', '--help'], ['pip', 'show', '--upgrade'], ['rpm', '-qi', 'bash'], ['pacman', '-Ss', 'x'], ['pip', 'download', 'x'], ['go', 'build', './...'], ['apt', 'list', '--upgradable'], ['npm', 'exec', 'install']])
      assert.equal(judge(argv), null, argv.join(' '));
  });
});
