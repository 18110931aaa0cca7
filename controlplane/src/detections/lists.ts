/**
 * The named lists rules read, with their built-in values. A rules file
 * extends a list by name (`lists: { web_servers: [myserver] }`), so a user
 * teaches every rule that reads it at once, without editing a rule.
 *
 * Program names are compared after the version suffix is stripped
 * (python3.11 → python, php-fpm8.2 → php-fpm), so lists name programs once.
 * An item written `"!name"` removes a built-in one (quoted: YAML reads a
 * bare `!` as a tag): `app_runtimes: ["!java"]`.
 */
export const BUILTIN_LISTS = {
  /** Processes that serve requests from the network: their children are what a web shell runs. */
  web_servers: [
    'nginx', 'httpd', 'apache', 'apache2', 'lighttpd', 'caddy', 'traefik', 'haproxy', 'envoy',
    'php-fpm', 'php-cgi', 'hhvm', 'tomcat', 'catalina', 'jetty',
    'gunicorn', 'uwsgi', 'uvicorn', 'hypercorn', 'daphne', 'waitress-serve', 'puma', 'unicorn',
    'passenger', 'w3wp', 'openresty', 'h2o', 'websocketd', 'fcgiwrap',
  ],
  /**
   * Runtimes that serve the web in containers (a Node.js, Java or PHP app)
   * but run every kind of tool on a host: servers inside containers only.
   */
  app_runtimes: ['node', 'nodejs', 'deno', 'bun', 'java', 'php', 'dotnet'],
  /**
   * Application runtimes in a container that run commands, not requests:
   * package scripts, PHP consoles, build tools, CI servers. Compared with the
   * script, jar, module or title they run, as whole names or package
   * prefixes (`org.gradle` covers the Gradle daemon).
   */
  command_runners: [
    'make', 'npm', 'npm-cli', 'npx', 'npx-cli', 'yarn', 'pnpm', 'corepack', 'composer', 'artisan', 'jenkins',
    'org.gradle', 'gradle', 'gradlew', 'org.codehaus.plexus.classworlds', 'mvn', 'sbt-launch',
  ],
  /** Interpreters that host web frameworks: a web server when what they run names one (python -m http.server, ruby puma, java with Tomcat). */
  web_server_interpreters: ['python', 'ruby', 'perl', 'java'],
  /**
   * What such an interpreter runs when it serves the web, as whole names:
   * a python -m module, a script, a title the server gives itself, a Java
   * main class, jar or -D property (a name also covers `name.anything`, its
   * submodules and packages). A second word is the subcommand that makes the
   * program a server (`flask run`, not `flask db upgrade`).
   */
  web_server_modules: [
    'gunicorn', 'uwsgi', 'uvicorn', 'hypercorn', 'daphne', 'waitress', 'http.server', 'SimpleHTTPServer', 'flask run',
    'puma', 'unicorn', 'thin', 'rackup', 'rails server', 'rails s', 'tornado', 'aiohttp', 'starman', 'plackup', 'hypnotoad',
    'org.apache.catalina', '-Dcatalina', 'org.eclipse.jetty', '-Djetty', 'jboss-modules', 'weblogic',
  ],
  shells: ['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh', 'pdksh', 'csh', 'tcsh', 'fish', 'yash', 'rbash', 'hush'],
  /** What an attacker runs first to learn where they are. */
  recon_tools: [
    'id', 'whoami', 'uname', 'hostname', 'ifconfig', 'ip', 'netstat', 'ss', 'ps', 'w', 'who', 'last', 'env', 'printenv',
    'getent', 'lscpu', 'lsblk', 'df', 'mount', 'arp', 'route', 'nproc', 'groups', 'capsh', 'getcap', 'find', 'locate',
    'nmap', 'masscan', 'zmap', 'linpeas.sh', 'linpeas', 'pspy', 'whereis', 'which', 'crontab', 'sudo', 'su',
  ],
  /** Reading these files (cat /etc/passwd) is recon too. */
  recon_files: ['/etc/passwd', '/etc/shadow', '/etc/group', '/etc/hosts', '/etc/resolv.conf', '/proc/self/environ', '/proc/1/environ', '/proc/version', '/proc/self/cgroup', '/proc/1/cgroup'],
  /** Tools that fetch files or move data over the network. */
  download_tools: ['curl', 'wget', 'fetch', 'aria2c', 'axel', 'tftp', 'ftp', 'lftp', 'scp', 'sftp', 'rsync', 'busybox-wget'],
  network_tools: ['nc', 'ncat', 'netcat', 'nc.traditional', 'nc.openbsd', 'socat', 'telnet', 'openssl', 'ssh', 'rlwrap', 'cryptcat', 'pwncat'],
  /** Interpreters whose one-liner flag (-c, -e, -r) runs code given on the command line. */
  script_interpreters: ['python', 'pypy', 'perl', 'ruby', 'php', 'node', 'nodejs', 'lua', 'luajit', 'tclsh', 'awk', 'gawk', 'mawk', 'nawk', 'jrunscript', 'jshell', 'deno', 'bun'],
  /** Known cryptocurrency miners. */
  miner_names: [
    'xmrig', 'xmrig-notls', 'xmrig-cuda', 'xmr-stak', 'xmr-stak-rx', 'minerd', 'cpuminer', 'cpuminer-multi', 'cpuminer-opt',
    'ccminer', 'ethminer', 't-rex', 'nbminer', 'lolminer', 'phoenixminer', 'nanominer', 'teamredminer', 'cgminer',
    'bfgminer', 'srbminer', 'srbminer-multi', 'gminer', 'wildrig', 'wildrig-multi', 'kawpowminer', 'nheqminer', 'xmr-node-proxy',
    'kdevtmpfsi', 'kinsing', 'sysrv', 'xmrminer',
  ],
  /** Ports mining pools listen on (stratum); a connection there from a container is worth a look. */
  mining_pool_ports: ['3333', '3334', '3357', '4444', '5555', '5556', '6666', '7777', '8888', '9999', '14433', '14444', '45560', '45700'],
  /** Package managers: installing software into a running container. */
  package_managers: ['apt', 'apt-get', 'aptitude', 'dpkg', 'yum', 'dnf', 'microdnf', 'tdnf', 'rpm', 'zypper', 'apk', 'opkg', 'pacman', 'pip', 'pipx', 'uv', 'poetry', 'pipenv', 'easy_install', 'npm', 'yarn', 'pnpm', 'gem', 'bundle', 'composer', 'cargo', 'go', 'conda', 'mamba', 'micromamba', 'emerge', 'nix-env', 'snap', 'flatpak'],
  /** Clients of Kubernetes or of a container runtime: in a container they reach for the cluster or the node. */
  k8s_clients: ['kubectl', 'oc', 'helm', 'crictl', 'ctr', 'docker', 'nerdctl', 'podman', 'kubeadm', 'kubelet', 'k9s', 'kubeletctl', 'peirates', 'kube-hunter'],
  /** Cloud agents that install an instance's SSH keys in users' authorized_keys. */
  ssh_key_managers: ['google_guest_agent', 'google_guest_agent_manager', 'google_accounts_daemon', 'cloud-init', 'waagent', 'vmaccess.py', 'ec2-instance-connect', 'eic_run_authorized_keys', 'oslogin_bin', 'amazon-ssm-agent'],
  /** What starts a container runtime, and so may be the parent of its re-execution from a sealed copy: the runtimes, their shims, the engines. */
  runtime_parents: ['runc', 'crun', 'youki', 'runsc', 'kata-runtime', 'containerd-shim', 'containerd-shim-runc-v1', 'containerd-shim-runc-v2', 'containerd-shim-runsc-v1', 'containerd-shim-kata-v2', 'conmon', 'containerd', 'dockerd', 'crio', 'podman', 'cri-dockerd', 'k3s', 'kubelet'],
  /** SSH servers. */
  ssh_servers: ['sshd', 'dropbear', 'dropbearmulti', 'tinysshd', 'lshd', 'openssh-server', 'sshd-session', 'mosh-server'],
  /** Tools that enter other namespaces or change root: the moves of a container escape. */
  escape_tools: ['nsenter', 'unshare', 'chroot', 'pivot_root', 'cdk', 'deepce', 'amicontained', 'botb', 'kdigger', 'ctrsploit', 'setns'],
  /** Cloud instance metadata services: credentials of the node's identity are one request away. */
  cloud_metadata_addresses: ['169.254.169.254', 'fd00:ec2::254', '169.254.170.2', '169.254.170.23', 'fd00:ec2::23', '100.100.100.200', '168.63.129.16', '169.254.169.123'],
  /** The API server's own addresses (IP:port), beyond the `kubernetes` Service address each container's environment names. */
  apiserver_endpoints: [],
  /** Images whose processes may talk to the API server beyond their entrypoint (operators, controllers, CI runners, GitOps agents that run helm and kustomize). */
  api_client_images: ['quay.io/argoproj/argocd:*', 'ghcr.io/fluxcd/*'],
  /** Images that legitimately install packages or build software at run time (CI runners, image builders). */
  build_images: ['gcr.io/kaniko-project/executor*', 'moby/buildkit*', 'docker:*-dind*', 'quay.io/buildah/*', 'jenkins/inbound-agent*', 'gitlab/gitlab-runner*'],
  /** Unix sockets of container runtimes, by name: whoever talks to one is root on the node. */
  runtime_socket_names: ['docker.sock', 'containerd.sock', 'containerd.sock.ttrpc', 'crio.sock', 'podman.sock', 'dockershim.sock', 'cri-dockerd.sock', 'k3s.sock', 'buildkitd.sock'],
  /** Images trusted to run privileged or with host mounts (CNI, CSI, monitoring agents). */
  trusted_images: [],
  /** Commands a web server runs by design through a shell (PHP mail(), Apache piped logs). */
  web_server_helpers: ['sendmail', 'rotatelogs', 'cronolog', 'logger', 'msmtp', 'ssmtp', 'postdrop', 'exim', 'exim4', 'qmail-inject'],
  /** Init processes and privilege droppers that images use as entrypoints in front of their real program. */
  init_wrappers: ['tini', 'tini-static', 'dumb-init', 'catatonit', 'docker-init', 'su-exec', 'gosu', 'setpriv', 'chpst', 's6-svscan', 's6-supervise', 'runsv', 'runsvdir', 'supervisord', 'pause', 'entrypoint', 'docker-entrypoint.sh', 'entrypoint.sh', 'start.sh', 'run.sh', 'init'],
  /** Container runtime processes: a process they start directly is the container's entrypoint or a runtime exec. */
  container_runtimes: ['runc', 'crun', 'youki', 'runsc', 'conmon', 'containerd-shim', 'containerd-shim-runc-v2', 'containerd-shim-runsc-v1', 'kata-runtime', 'docker-init'],
  /**
   * Capabilities that undo a container's isolation (ALL is how a pod spec asks for every one). Not the runtimes' default
   * set (CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID, SETPCAP,
   * SETFCAP, NET_BIND_SERVICE, NET_RAW, SYS_CHROOT, MKNOD, AUDIT_WRITE), which every container has.
   */
  dangerous_capabilities: ['ALL', 'SYS_ADMIN', 'SYS_MODULE', 'SYS_PTRACE', 'SYS_RAWIO', 'SYS_BOOT', 'SYS_TIME', 'BPF', 'PERFMON', 'NET_ADMIN', 'DAC_READ_SEARCH', 'MAC_ADMIN', 'MAC_OVERRIDE', 'SYSLOG', 'LINUX_IMMUTABLE', 'SYS_RESOURCE'],
  // Cluster rules (the Kubernetes audit log).
  /** Users the API server, controller manager and scheduler authenticate as. */
  control_plane_users: ['system:apiserver', 'system:kube-controller-manager', 'system:kube-scheduler'],
  /**
   * The kube-controller-manager's controllers, which run as these kube-system
   * service accounts under --use-service-account-credentials (kubeadm, EKS,
   * AKS and GKE all set it).
   */
  control_plane_service_accounts: [
    'attachdetach-controller', 'bootstrap-signer', 'certificate-controller', 'clusterrole-aggregation-controller', 'cronjob-controller',
    'daemon-set-controller', 'deployment-controller', 'disruption-controller', 'endpoint-controller', 'endpointslice-controller',
    'endpointslicemirroring-controller', 'ephemeral-volume-controller', 'expand-controller', 'generic-garbage-collector',
    'horizontal-pod-autoscaler', 'job-controller', 'legacy-service-account-token-cleaner', 'namespace-controller', 'node-controller',
    'persistent-volume-binder', 'pod-garbage-collector', 'pv-protection-controller', 'pvc-protection-controller', 'replicaset-controller',
    'replication-controller', 'resourcequota-controller', 'root-ca-cert-publisher', 'route-controller', 'service-account-controller',
    'service-controller', 'statefulset-controller', 'token-cleaner', 'ttl-after-finished-controller', 'ttl-controller',
    'validatingadmissionpolicy-status-controller',
  ],
  /**
   * Web consoles that control the cluster or what runs on it, by the names
   * their charts and manifests give Services, labels and selectors.
   */
  dashboard_names: [
    'kubernetes-dashboard',
    'headlamp',
    'skooner',
    'k8dash',
    'octant',
    'kubeview',
    'weave-scope',
    'weave-scope-app',
    'rancher',
    'portainer',
    'centraldashboard', // Kubeflow
    'kubeflow',
    'jupyter',
    'jupyterhub',
    'argocd-server',
    'argo-server', // Argo Workflows
    'argo-workflows-server',
    'grafana',
    'kibana',
    'kiali',
    'airflow-webserver',
    'ray-dashboard',
    'ray-head',
    'mlflow',
    'hubble-ui',
    'longhorn-frontend',
  ],
  /**
   * The platform's own roles and bindings: the defaults every cluster has,
   * and names under the prefixes the API server, kubeadm and EKS create.
   * A trailing * matches any rest.
   */
  system_rbac_names: ['cluster-admin', 'admin', 'edit', 'view', 'system:*', 'kubeadm:*', 'eks:*'],
  /**
   * ClusterRoles that amount to control of the cluster (or, bound in a
   * namespace, of the namespace). `system:controller:*` covers every
   * controller's role: a person bound to one acts as that controller.
   */
  high_privileged_roles: ['cluster-admin', 'admin', 'edit', 'system:node', 'system:kube-controller-manager', 'system:controller:*'],
  /** Where the platform's own kube-system images come from, as image-name prefixes (docker.io/ spelled out). */
  kube_system_registries: [
    'registry.k8s.io/',
    'k8s.gcr.io/',
    'gcr.io/gke-release/',
    'mcr.microsoft.com/',
    'public.ecr.aws/eks/',
    'public.ecr.aws/eks-distro/',
    'docker.io/rancher/',
    'quay.io/cilium/',
    'docker.io/calico/',
    'quay.io/calico/',
    'quay.io/tigera/',
    'ghcr.io/flannel-io/',
    'docker.io/flannel/',
  ],
  /** The same services by the names their charts give Services, labels, selectors and named ports. */
  sensitive_service_names: [
    'postgres', 'postgresql', 'mysql', 'mariadb', 'mssql', 'mongodb', 'mongo', 'redis', 'elasticsearch', 'opensearch', 'cassandra',
    'memcached', 'etcd', 'kafka', 'zookeeper', 'couchdb', 'influxdb', 'neo4j', 'cockroachdb', 'rabbitmq',
  ],
  /**
   * Images known to be malicious or to mine cryptocurrency. An entry with a
   * slash is an image name (`xmrig/xmrig` is `docker.io/xmrig/xmrig`); one
   * without is a part of a name (`xmrig` matches `someone/xmrig-proxy`).
   * These are the miners' own names; a feed of known-bad images extends them.
   */
  malicious_images: [
    'xmrig',
    'xmr-stak',
    'xmrig-proxy',
    'monero-miner',
    'cpuminer',
    'cpuminer-opt',
    'minerd',
    'cgminer',
    'bfgminer',
    'ccminer',
    'ethminer',
    'nbminer',
    'lolminer',
    'phoenixminer',
    'nanominer',
    'srbminer',
    'srbminer-multi',
    'teamredminer',
    'gminer',
    'nicehash',
    'xmrminer',
    'cryptonight',
  ],
  /** kube-system ConfigMaps that configure the cluster's DNS: CoreDNS's, AKS's custom one, and kube-dns's. */
  dns_configmaps: ['coredns', 'coredns-custom', 'kube-dns'],
  /**
   * Host trees whose mount hands a container the node: its configuration and
   * credentials, the kubelet's and etcd's state, container runtimes and their
   * sockets, devices, kernel interfaces, users' homes. A mount of any of their
   * parents (/, /var, /run) exposes them too.
   */
  sensitive_host_paths: [
    '/etc',
    '/root',
    '/home',
    '/boot',
    '/proc',
    '/sys',
    '/dev',
    '/var/lib/kubelet',
    '/var/lib/etcd',
    '/var/lib/docker',
    '/var/lib/containerd',
    '/var/lib/crio',
    '/run/containerd',
    '/run/crio',
    '/run/k3s',
    '/var/lib/rancher',
    '/var/lib/containers',
    '/run/containers',
    '/run/podman',
    '/run/docker.sock',
    '/run/cri-dockerd.sock',
    '/run/dbus',
    '/run/systemd',
    '/var/spool/cron',
    '/usr',
    '/opt/cni/bin',
  ],
} as const satisfies Record<string, readonly string[]>;

export type ListName = keyof typeof BUILTIN_LISTS;

export const LIST_NAMES = Object.keys(BUILTIN_LISTS) as ListName[];

export function isListName(name: string): name is ListName {
  return Object.hasOwn(BUILTIN_LISTS, name);
}

/** The lists rules read: built-ins plus what a rules file added. */
export type Lists = { readonly [K in ListName]: ReadonlySet<string> };

export function resolveLists(added: Partial<Record<ListName, readonly string[]>> = {}): Lists {
  const out = {} as Record<ListName, ReadonlySet<string>>;
  for (const name of LIST_NAMES) {
    const items = new Set<string>(BUILTIN_LISTS[name]);
    for (const item of added[name] ?? []) {
      if (item.startsWith('!')) items.delete(item.slice(1));
      else items.add(item);
    }
    out[name] = items;
  }
  return out;
}

/**
 * The lists of the rules in force. Helpers deep in the cluster rules (what
 * a sensitive host path is, who the control plane is) read them here
 * rather than through every caller; the engine sets them with its rule set.
 */
let inForce: Lists = resolveLists();

export function setListsInForce(lists: Lists): void {
  inForce = lists;
}

export function listsInForce(): Lists {
  return inForce;
}

const arrays = new WeakMap<ReadonlySet<string>, readonly string[]>();

/** A list in force, as an array (made once per list). */
export function listItems(name: ListName): readonly string[] {
  const set = inForce[name];
  let items = arrays.get(set);
  if (!items) arrays.set(set, (items = [...set]));
  return items;
}
