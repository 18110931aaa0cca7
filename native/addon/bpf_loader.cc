#include "bpf_loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
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
constexpr const char* kBpffs = "/sys/fs/bpf";
constexpr int kCapPerfmon = 38;
constexpr int kLoadAttempts = 5;
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

// The counters map pinned at `path`: bpffs mounted, the directory made, and
// a pin left by a build with another layout removed (libbpf would refuse to
// reuse it; its totals describe other records anyway).
std::string PrepareCountersPin(bpf_map* map, const std::string& path) {
  struct statfs fs;
  if (statfs(kBpffs, &fs) != 0 || fs.f_type != BPF_FS_MAGIC) {
    if (mount("bpf", kBpffs, "bpf", 0, nullptr) != 0)
      return std::string("bpffs is not mounted at ") + kBpffs + " and mounting it failed: " + Errno(errno) +
             "; run: mount -t bpf bpf " + kBpffs;
  }
  for (size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    std::string dir = path.substr(0, slash);
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return "make " + dir + ": " + Errno(errno);
  }
  int fd = bpf_obj_get(path.c_str());
  if (fd >= 0) {
    bpf_map_info info = {};
    uint32_t len = sizeof(info);
    bool same = bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.type == bpf_map__type(map) &&
                info.key_size == bpf_map__key_size(map) && info.value_size == bpf_map__value_size(map) &&
                info.max_entries == bpf_map__max_entries(map);
    close(fd);
    if (!same && unlink(path.c_str()) != 0) return "remove stale counters pin " + path + ": " + Errno(errno);
  }
  int err = bpf_map__set_pin_path(map, path.c_str());
  return err ? "pin counters at " + path + ": " + Errno(err) : "";
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
    case VIGIL_EVENT_FILE:
      return {p.vigil_open_out_open,     p.vigil_open_out_openat,     p.vigil_open_out_openat2,
              p.vigil_open_out_creat,    p.vigil_open_out_by_handle,  p.vigil_unlink_out,
              p.vigil_unlinkat_out,      p.vigil_truncate_out,        p.vigil_ftruncate_out,
              p.vigil_rename_out_rename, p.vigil_rename_out_renameat, p.vigil_rename_out_renameat2,
              p.vigil_link_out_link,     p.vigil_link_out_linkat,     p.vigil_link_out_symlink,
              p.vigil_link_out_symlinkat};
  }
  return {};
}

// Whether the syscall tracepoint a "tp/syscalls/<event>" program attaches
// to exists. Architectures without the legacy calls (arm64 has no open,
// creat, unlink, rename, link or symlink) have no such event.
bool SyscallEventExists(bpf_program* prog) {
  const char* sec = bpf_program__section_name(prog);
  const char* event = strrchr(sec, '/');
  if (!event) return true;
  for (const char* root : {kTracefs, kDebugfsTracing})
    if (access((std::string(root) + "/events/syscalls" + event).c_str(), F_OK) == 0) return true;
  return false;
}

std::string CheckFileHooks() {
  std::string missing = MissingForFileHooks();
  if (missing.empty()) return "";
  return "file events need " + missing + "; leave \"file\" out of the event types";
}

}  // namespace

// The file hooks read syscall arguments at exit from the task's saved user
// registers; the helper for that arrived in Linux 5.15.
std::string MissingForFileHooks() {
  if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_task_pt_regs, nullptr) == 1) return "";
  return "bpf_task_pt_regs (Linux >= 5.15), which this kernel lacks";
}

BpfLoader::~BpfLoader() { Destroy(); }

// Opens the BPF object, sizes and configures it, and loads it into the
// kernel; returns 0, or the error with its description in `err_text`.
int BpfLoader::OpenAndLoad(const LoaderOptions& options, std::string& err_text) {
  auto fail = [&err_text](int err, std::string text) {
    err_text = std::move(text);
    return err ? err : -EINVAL;
  };
  err_text.clear();
  TakeLog();
  skel_ = vigil_bpf__open();
  if (!skel_) return fail(-errno, "open BPF object: " + Errno(errno) + "\n" + TakeLog());
  if (skel_->rodata->vigil_schema_version != VIGIL_SCHEMA_VERSION)
    return fail(-EINVAL, "BPF object schema " + std::to_string(skel_->rodata->vigil_schema_version) +
                             " does not match the addon's " + std::to_string(VIGIL_SCHEMA_VERSION) +
                             ": the build is stale; run npm run build:native");
  skel_->rodata->vigil_self_tgid = options.self_tgid;
  // A quarter full: early enough that a burst never fills the ring while the
  // reader sleeps out its poll interval.
  skel_->rodata->vigil_wakeup_bytes = options.ring_bytes / 4;

  int err = bpf_map__set_max_entries(skel_->maps.vigil_events, options.ring_bytes);
  if (err) return fail(err, "size ring buffer to " + std::to_string(options.ring_bytes) + " bytes: " + Errno(err));
  for (int type = VIGIL_EVENT_EXEC; type < VIGIL_EVENT_TYPE_MAX; type++) {
    bool on = options.type_mask & (1u << type);
    for (bpf_program* prog : ProgramsFor(skel_, type))
      bpf_program__set_autoload(prog, on && (type != VIGIL_EVENT_FILE || SyscallEventExists(prog)));
  }

  if (!options.counters_pin.empty()) {
    std::string perr = PrepareCountersPin(skel_->maps.vigil_counters, options.counters_pin);
    if (!perr.empty()) return fail(-EINVAL, perr);
  }
  err = vigil_bpf__load(skel_);
  if (err) {
    std::string hint = (err == -EPERM || err == -EACCES)
                           ? "; need CAP_BPF+CAP_PERFMON or root (in a container: privileged)"
                           : "";
    return fail(err, "load BPF programs: " + Errno(err) + hint + "\nlast libbpf/verifier lines:\n" + TakeLog());
  }
  return 0;
}

std::string BpfLoader::Load(const LoaderOptions& options) {
  libbpf_set_print(CaptureLibbpfLog);
  for (auto check : {CheckKernel, CheckPrivileges, CheckBtf}) {
    std::string err = check();
    if (!err.empty()) return err;
  }
  bool needs_tracefs = options.type_mask &
                       ((1u << VIGIL_EVENT_CONNECT) | (1u << VIGIL_EVENT_MOUNT) | (1u << VIGIL_EVENT_FILE));
  if (needs_tracefs) {
    std::string err = EnsureTracefs();
    if (!err.empty()) return err;
  }
  bool files = options.type_mask & (1u << VIGIL_EVENT_FILE);
  if (files) {
    std::string err = CheckFileHooks();
    if (!err.empty()) return err;
  }

  // The verifier gives up with EAGAIN when a signal reaches the loading
  // thread (a profiler's SIGPROF, a terminal's SIGWINCH): try again, on a
  // fresh object, before calling it a failure.
  std::string err_text;
  for (int attempt = 0; attempt < kLoadAttempts; attempt++) {
    if (skel_) vigil_bpf__destroy(skel_);
    skel_ = nullptr;
    int err = OpenAndLoad(options, err_text);
    if (err != -EAGAIN) break;
  }
  if (!err_text.empty()) return err_text;
  if (files) {
    uint32_t gen = 0;
    std::string werr = WriteWatchTable(options.watch_table.data(), options.watch_table.size(), gen);
    if (!werr.empty()) return werr;
  }
  counters_fd_ = bpf_map__fd(skel_->maps.vigil_counters);
  ncpus_ = libbpf_num_possible_cpus();
  if (ncpus_ <= 0) return "count possible CPUs: " + Errno(ncpus_);
  // Nothing of this run is counted yet: the programs are not attached.
  if (!ReadCounters(baseline_)) return "read counters: " + Errno(errno);
  bpf_map_info info = {};
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(counters_fd_, &info, &len) != 0) return "identify counters map: " + Errno(errno);
  counters_map_id_ = info.id;

  int err = vigil_bpf__attach(skel_);
  if (err) return "attach BPF programs: " + Errno(err) + "\n" + TakeLog();
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
  watch_keys_.clear();
  if (ring_) ring_buffer__free(ring_);
  ring_ = nullptr;
  if (skel_) vigil_bpf__destroy(skel_);
  skel_ = nullptr;
  counters_fd_ = -1;
}

std::string BpfLoader::WriteWatchTable(const uint8_t* table, size_t bytes, uint32_t& gen) {
  constexpr size_t kPair = sizeof(vigil_watch_key) + sizeof(vigil_watch_value);
  constexpr size_t kPairs = sizeof(skel_->bss->vigil_watch_pairs[0]);
  if (!skel_ || !skel_->bss) return "write watch table: the sensor is not running";
  if (bytes < kPairs || (bytes - kPairs) % kPair != 0)
    return "write watch table: " + std::to_string(bytes) + " bytes is not a " + std::to_string(kPairs) +
           "-byte bitmap and whole " + std::to_string(kPair) +
           "-byte entries; the table was compiled against another layout";
  int fd = bpf_map__fd(skel_->maps.vigil_watch);
  uint32_t next = (skel_->bss->vigil_watch_gen + 1) & 0xff;
  // The hooks read only the current generation's bitmap: this one is idle.
  memcpy(skel_->bss->vigil_watch_pairs[next & 1], table, kPairs);
  std::vector<vigil_watch_key> keys;
  for (size_t off = kPairs; off < bytes; off += kPair) {
    vigil_watch_key key;
    vigil_watch_value value;
    memcpy(&key, table + off, sizeof(key));
    memcpy(&value, table + off + sizeof(key), sizeof(value));
    key.gen = static_cast<uint8_t>(next);
    if (bpf_map_update_elem(fd, &key, &value, BPF_ANY) != 0) {
      int e = errno;
      for (const auto& k : keys) bpf_map_delete_elem(fd, &k);
      return "write watch table: insert entry " + std::to_string((off - kPairs) / kPair) + ": " + Errno(e) +
             (e == ENOSPC || e == E2BIG ? "; the table holds at most " +
                                              std::to_string(VIGIL_WATCH_MAX_PATTERNS) + " patterns"
                                        : "");
    }
    keys.push_back(key);
  }
  // The hooks read the generation once per call: from here on they see only
  // the new entries, complete.
  __atomic_store_n(&skel_->bss->vigil_watch_gen, next, __ATOMIC_RELEASE);
  for (const auto& k : watch_keys_) bpf_map_delete_elem(fd, &k);
  watch_keys_ = std::move(keys);
  gen = next;
  return "";
}

bool BpfLoader::ReadCounters(CounterTable& out) const {
  if (counters_fd_ < 0) return false;
  // Every type on every CPU in one system call (arrays have batch lookups
  // since 5.6, before the ring buffer's 5.8): this runs on each flush,
  // most of them on an idle node, where a lookup per type was most of the
  // drain thread's system calls.
  std::vector<vigil_counters> values(size_t(ncpus_) * VIGIL_EVENT_TYPE_MAX);
  uint32_t keys[VIGIL_EVENT_TYPE_MAX];
  uint32_t count = VIGIL_EVENT_TYPE_MAX, next = 0;
  // ENOENT: the batch reached the map's end, as it does here, having read every entry.
  if (bpf_map_lookup_batch(counters_fd_, nullptr, &next, keys, values.data(), &count, nullptr) != 0 && errno != ENOENT) return false;
  if (count != VIGIL_EVENT_TYPE_MAX) return false;
  for (uint32_t i = 0; i < count; i++) {
    if (keys[i] >= VIGIL_EVENT_TYPE_MAX) return false;
    const vigil_counters* per_cpu = &values[size_t(i) * ncpus_];
    for (int c = 0; c < VIGIL_CNT_MAX; c++) {
      uint64_t sum = 0;
      for (int cpu = 0; cpu < ncpus_; cpu++) sum += per_cpu[cpu].n[c];
      out[keys[i]][c] = sum;
    }
  }
  return true;
}

}  // namespace vigil
