#include "bpf_loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <vector>

#include "vigil.skel.h"

namespace vigil {
namespace {

constexpr const char* kBtfPath = "/sys/kernel/btf/vmlinux";
constexpr const char* kTracefs = "/sys/kernel/tracing";
constexpr const char* kDebugfsTracing = "/sys/kernel/debug/tracing";
constexpr int kCapPerfmon = 38;
constexpr int kCapBpf = 39;

// libbpf reports through one process-wide print hook. The last lines are
// kept so a load failure can quote the verifier instead of "EINVAL".
std::mutex g_log_mutex;
std::deque<std::string> g_log;
constexpr size_t kLogLines = 24;

int CaptureLibbpfLog(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  va_list copy;
  va_copy(copy, args);
  int len = vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  if (len <= 0) return 0;
  // The verifier log arrives as one message of many lines; its end says why.
  std::string text(static_cast<size_t>(len) + 1, '\0');
  vsnprintf(text.data(), text.size(), fmt, args);
  text.resize(static_cast<size_t>(len));
  std::lock_guard<std::mutex> lock(g_log_mutex);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    g_log.emplace_back(text.substr(start, end - start + 1));
    start = end + 1;
  }
  while (g_log.size() > kLogLines) g_log.pop_front();
  return 0;
}

std::string TakeLog() {
  std::lock_guard<std::mutex> lock(g_log_mutex);
  std::string out;
  for (const auto& l : g_log) out += l;
  g_log.clear();
  return out;
}

std::string Errno(int err) {
  if (err < 0) err = -err;
  return std::string(strerrorname_np(err) ? strerrorname_np(err) : "E?") + " (" + strerror(err) + ")";
}

std::string CheckKernel() {
  utsname u{};
  int major = 0, minor = 0;
  if (uname(&u) == 0 && sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
      (major < 5 || (major == 5 && minor < 8)))
    return std::string("kernel ") + u.release +
           " is too old: Vigil needs Linux >= 5.8 (BPF ring buffer, CAP_BPF)";
  return "";
}

bool HasEffectiveCap(int cap) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &header, data) != 0) return false;
  return (data[cap / 32].effective & (1u << (cap % 32))) != 0;
}

std::string CheckPrivileges() {
  if (geteuid() == 0 || (HasEffectiveCap(kCapBpf) && HasEffectiveCap(kCapPerfmon))) return "";
  return "insufficient privileges (euid " + std::to_string(geteuid()) +
         "): Vigil needs root or CAP_BPF+CAP_PERFMON; run it with sudo or grant the capabilities";
}

std::string CheckBtf() {
  if (access(kBtfPath, R_OK) == 0) return "";
  return std::string("kernel BTF not readable at ") + kBtfPath + ": " + Errno(errno) +
         "; Vigil needs a kernel built with CONFIG_DEBUG_INFO_BTF=y";
}

// Syscall tracepoints are attached by id, which libbpf reads from tracefs.
std::string EnsureTracefs() {
  std::string probe = std::string(kTracefs) + "/events/syscalls";
  if (access(probe.c_str(), F_OK) == 0) return "";
  if (access((std::string(kDebugfsTracing) + "/events/syscalls").c_str(), F_OK) == 0) return "";
  if (mount("tracefs", kTracefs, "tracefs", 0, nullptr) == 0 && access(probe.c_str(), F_OK) == 0)
    return "";
  return std::string("tracefs is not mounted at ") + kTracefs + " and mounting it failed: " +
         Errno(errno) + "; run: mount -t tracefs tracefs " + kTracefs;
}

// Which programs serve which event type.
std::vector<bpf_program*> ProgramsFor(vigil_bpf* skel, int type) {
  auto& p = skel->progs;
  switch (type) {
    case VIGIL_EVENT_EXEC: return {p.vigil_exec};
    case VIGIL_EVENT_FORK: return {p.vigil_fork};
    case VIGIL_EVENT_EXIT: return {p.vigil_exit};
    case VIGIL_EVENT_CONNECT: return {p.vigil_conn_in, p.vigil_conn_out};
    case VIGIL_EVENT_MOUNT:
      return {p.vigil_mount_in, p.vigil_mount_out, p.vigil_mvmnt_in,
              p.vigil_mvmnt_out, p.vigil_fsmnt_in, p.vigil_fsmnt_out};
  }
  return {};
}

}  // namespace

BpfLoader::~BpfLoader() { Destroy(); }

std::string BpfLoader::Load(const LoaderOptions& options) {
  libbpf_set_print(CaptureLibbpfLog);
  for (auto check : {CheckKernel, CheckPrivileges, CheckBtf}) {
    std::string err = check();
    if (!err.empty()) return err;
  }
  bool needs_tracefs = options.type_mask & ((1u << VIGIL_EVENT_CONNECT) | (1u << VIGIL_EVENT_MOUNT));
  if (needs_tracefs) {
    std::string err = EnsureTracefs();
    if (!err.empty()) return err;
  }

  TakeLog();
  skel_ = vigil_bpf__open();
  if (!skel_) return "open BPF object: " + Errno(errno) + "\n" + TakeLog();
  if (skel_->rodata->vigil_schema_version != VIGIL_SCHEMA_VERSION)
    return "BPF object schema " + std::to_string(skel_->rodata->vigil_schema_version) +
           " does not match the addon's " + std::to_string(VIGIL_SCHEMA_VERSION) +
           ": the build is stale; run npm run build:native";
  skel_->rodata->vigil_self_tgid = options.self_tgid;
  // A quarter full: early enough that a burst never fills the ring while the
  // reader sleeps out its poll interval.
  skel_->rodata->vigil_wakeup_bytes = options.ring_bytes / 4;

  int err = bpf_map__set_max_entries(skel_->maps.vigil_events, options.ring_bytes);
  if (err) return "size ring buffer to " + std::to_string(options.ring_bytes) + " bytes: " + Errno(err);
  for (int type = VIGIL_EVENT_EXEC; type < VIGIL_EVENT_TYPE_MAX; type++) {
    bool on = options.type_mask & (1u << type);
    for (bpf_program* prog : ProgramsFor(skel_, type)) bpf_program__set_autoload(prog, on);
  }

  err = vigil_bpf__load(skel_);
  if (err) {
    std::string hint = (err == -EPERM || err == -EACCES)
                           ? "; need CAP_BPF+CAP_PERFMON or root (in a container: privileged)"
                           : "";
    return "load BPF programs: " + Errno(err) + hint + "\nlast libbpf/verifier lines:\n" + TakeLog();
  }
  err = vigil_bpf__attach(skel_);
  if (err) return "attach BPF programs: " + Errno(err) + "\n" + TakeLog();

  counters_fd_ = bpf_map__fd(skel_->maps.vigil_counters);
  ncpus_ = libbpf_num_possible_cpus();
  if (ncpus_ <= 0) return "count possible CPUs: " + Errno(ncpus_);
  return "";
}

std::string BpfLoader::OpenRing(int (*sample)(void* ctx, void* data, size_t size), void* ctx) {
  ring_ = ring_buffer__new(bpf_map__fd(skel_->maps.vigil_events), sample, ctx, nullptr);
  if (!ring_) return "open ring buffer reader: " + Errno(errno);
  return "";
}

void BpfLoader::Detach() {
  if (skel_) vigil_bpf__detach(skel_);
}

void BpfLoader::Destroy() {
  if (ring_) ring_buffer__free(ring_);
  ring_ = nullptr;
  if (skel_) vigil_bpf__destroy(skel_);
  skel_ = nullptr;
  counters_fd_ = -1;
}

bool BpfLoader::ReadCounters(CounterTable& out) const {
  if (counters_fd_ < 0) return false;
  std::vector<vigil_counters> per_cpu(ncpus_);
  for (uint32_t type = 0; type < VIGIL_EVENT_TYPE_MAX; type++) {
    if (bpf_map_lookup_elem(counters_fd_, &type, per_cpu.data()) != 0) return false;
    for (int c = 0; c < VIGIL_CNT_MAX; c++) {
      uint64_t sum = 0;
      for (const auto& cpu : per_cpu) sum += cpu.n[c];
      out[type][c] = sum;
    }
  }
  return true;
}

}  // namespace vigil
