#include "batch_to_js.h"

#include <cstddef>

namespace vigil {

Napi::Array CountersToJs(Napi::Env env, const CounterTable& table) {
  Napi::Array out = Napi::Array::New(env, VIGIL_EVENT_TYPE_MAX * VIGIL_CNT_MAX);
  for (uint32_t t = 0; t < VIGIL_EVENT_TYPE_MAX; t++)
    for (uint32_t c = 0; c < VIGIL_CNT_MAX; c++)
      out.Set(t * VIGIL_CNT_MAX + c, Napi::Number::New(env, static_cast<double>(table[t][c])));
  return out;
}

Napi::Object BatchToJs(Napi::Env env, Batch* batch) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("records", batch->records);
  out.Set("deltas", CountersToJs(env, batch->deltas));
  if (!batch->error.empty()) out.Set("error", batch->error);
  out.Set("data", Napi::Buffer<uint8_t>::New(
                      env, batch->data.data(), batch->data.size(),
                      [](Napi::Env, uint8_t*, Batch* owner) { delete owner; }, batch));
  return out;
}

#define VIGIL_FIELD(obj, type, field) obj.Set(#field, static_cast<double>(offsetof(type, field)))

Napi::Object LayoutToJs(Napi::Env env) {
  Napi::Object hdr = Napi::Object::New(env);
  hdr.Set("size", static_cast<double>(sizeof(vigil_hdr)));
  VIGIL_FIELD(hdr, vigil_hdr, type);
  VIGIL_FIELD(hdr, vigil_hdr, version);
  VIGIL_FIELD(hdr, vigil_hdr, size);
  VIGIL_FIELD(hdr, vigil_hdr, boot_ns);
  VIGIL_FIELD(hdr, vigil_hdr, pid);
  VIGIL_FIELD(hdr, vigil_hdr, tgid);
  VIGIL_FIELD(hdr, vigil_hdr, ppid);
  VIGIL_FIELD(hdr, vigil_hdr, uid);
  VIGIL_FIELD(hdr, vigil_hdr, gid);
  VIGIL_FIELD(hdr, vigil_hdr, mnt_ns);
  VIGIL_FIELD(hdr, vigil_hdr, pid_ns);
  VIGIL_FIELD(hdr, vigil_hdr, net_ns);
  VIGIL_FIELD(hdr, vigil_hdr, cgroup_id);
  VIGIL_FIELD(hdr, vigil_hdr, ns_pid);
  VIGIL_FIELD(hdr, vigil_hdr, comm);
  VIGIL_FIELD(hdr, vigil_hdr, cgroup_name);

  Napi::Object exec = Napi::Object::New(env);
  exec.Set("size", static_cast<double>(sizeof(vigil_exec)));
  VIGIL_FIELD(exec, vigil_exec, euid);
  VIGIL_FIELD(exec, vigil_exec, flags);
  VIGIL_FIELD(exec, vigil_exec, cap_effective);
  VIGIL_FIELD(exec, vigil_exec, has_tty);
  VIGIL_FIELD(exec, vigil_exec, args_len);
  VIGIL_FIELD(exec, vigil_exec, argc);
  VIGIL_FIELD(exec, vigil_exec, binary);
  VIGIL_FIELD(exec, vigil_exec, script);
  VIGIL_FIELD(exec, vigil_exec, parent_comm);
  VIGIL_FIELD(exec, vigil_exec, filename);
  VIGIL_FIELD(exec, vigil_exec, interp);
  VIGIL_FIELD(exec, vigil_exec, args);

  // Offsets inside each of exec's two vigil_exe_file slots.
  Napi::Object exe = Napi::Object::New(env);
  exe.Set("size", static_cast<double>(sizeof(vigil_exe_file)));
  VIGIL_FIELD(exe, vigil_exe_file, ino);
  VIGIL_FIELD(exe, vigil_exe_file, size);
  VIGIL_FIELD(exe, vigil_exe_file, dev);
  VIGIL_FIELD(exe, vigil_exe_file, nlink);
  VIGIL_FIELD(exe, vigil_exe_file, flags);
  VIGIL_FIELD(exe, vigil_exe_file, name);

  Napi::Object exe_flags = Napi::Object::New(env);
  exe_flags.Set("present", VIGIL_EXE_PRESENT);
  exe_flags.Set("overlay", VIGIL_EXE_OVERLAY);
  exe_flags.Set("upper", VIGIL_EXE_UPPER);
  exe_flags.Set("layerUnreadable", VIGIL_EXE_LAYER_UNREADABLE);
  exe_flags.Set("memfd", VIGIL_EXE_MEMFD);

  Napi::Object fork = Napi::Object::New(env);
  fork.Set("size", static_cast<double>(sizeof(vigil_fork)));
  VIGIL_FIELD(fork, vigil_fork, child_pid);
  VIGIL_FIELD(fork, vigil_fork, child_tgid);

  Napi::Object exit = Napi::Object::New(env);
  exit.Set("size", static_cast<double>(sizeof(vigil_exit)));
  VIGIL_FIELD(exit, vigil_exit, exit_code);

  Napi::Object connect = Napi::Object::New(env);
  connect.Set("size", static_cast<double>(sizeof(vigil_connect)));
  VIGIL_FIELD(connect, vigil_connect, result);
  VIGIL_FIELD(connect, vigil_connect, fd);
  VIGIL_FIELD(connect, vigil_connect, addr_len);
  VIGIL_FIELD(connect, vigil_connect, addr);

  Napi::Object mount = Napi::Object::New(env);
  mount.Set("size", static_cast<double>(sizeof(vigil_mount)));
  VIGIL_FIELD(mount, vigil_mount, result);
  VIGIL_FIELD(mount, vigil_mount, call);
  VIGIL_FIELD(mount, vigil_mount, flags);
  VIGIL_FIELD(mount, vigil_mount, fd);
  VIGIL_FIELD(mount, vigil_mount, source);
  VIGIL_FIELD(mount, vigil_mount, target);
  VIGIL_FIELD(mount, vigil_mount, fstype);

  Napi::Object file = Napi::Object::New(env);
  file.Set("size", static_cast<double>(sizeof(vigil_file)));
  VIGIL_FIELD(file, vigil_file, result);
  VIGIL_FIELD(file, vigil_file, call);
  VIGIL_FIELD(file, vigil_file, entry);
  VIGIL_FIELD(file, vigil_file, flags);
  VIGIL_FIELD(file, vigil_file, dirfd);
  VIGIL_FIELD(file, vigil_file, gen);
  VIGIL_FIELD(file, vigil_file, resolution);
  VIGIL_FIELD(file, vigil_file, access);
  VIGIL_FIELD(file, vigil_file, truncated);
  VIGIL_FIELD(file, vigil_file, path);
  VIGIL_FIELD(file, vigil_file, name);
  VIGIL_FIELD(file, vigil_file, other);

  // The watch table's key and value, which the TypeScript side compiles.
  Napi::Object watch_key = Napi::Object::New(env);
  watch_key.Set("size", static_cast<double>(sizeof(vigil_watch_key)));
  VIGIL_FIELD(watch_key, vigil_watch_key, prefixlen);
  VIGIL_FIELD(watch_key, vigil_watch_key, gen);
  VIGIL_FIELD(watch_key, vigil_watch_key, table);
  VIGIL_FIELD(watch_key, vigil_watch_key, path);
  Napi::Object watch_value = Napi::Object::New(env);
  watch_value.Set("size", static_cast<double>(sizeof(vigil_watch_value)));
  VIGIL_FIELD(watch_value, vigil_watch_value, entry);
  VIGIL_FIELD(watch_value, vigil_watch_value, kind);
  VIGIL_FIELD(watch_value, vigil_watch_value, tail);
  VIGIL_FIELD(watch_value, vigil_watch_value, head_len);
  VIGIL_FIELD(watch_value, vigil_watch_value, access);

  Napi::Object watch = Napi::Object::New(env);
  watch.Set("pathLen", VIGIL_WATCH_PATH_LEN);
  watch.Set("pairWords", VIGIL_WATCH_PAIR_WORDS);
  watch.Set("maxPatterns", VIGIL_WATCH_MAX_PATTERNS);
  watch.Set("noEntry", VIGIL_WATCH_NO_ENTRY);
  watch.Set("match", static_cast<int>(VIGIL_WATCH_MATCH));
  watch.Set("resolve", static_cast<int>(VIGIL_WATCH_RESOLVE));
  watch.Set("key", watch_key);
  watch.Set("value", watch_value);

  Napi::Object access = Napi::Object::New(env);
  access.Set("read", VIGIL_ACCESS_READ);
  access.Set("write", VIGIL_ACCESS_WRITE);
  access.Set("truncate", VIGIL_ACCESS_TRUNCATE);
  access.Set("delete", VIGIL_ACCESS_DELETE);
  access.Set("replace", VIGIL_ACCESS_REPLACE);
  access.Set("link", VIGIL_ACCESS_LINK);

  Napi::Object file_calls = Napi::Object::New(env);
  file_calls.Set("open", static_cast<int>(VIGIL_FILE_OPEN));
  file_calls.Set("openat", static_cast<int>(VIGIL_FILE_OPENAT));
  file_calls.Set("openat2", static_cast<int>(VIGIL_FILE_OPENAT2));
  file_calls.Set("creat", static_cast<int>(VIGIL_FILE_CREAT));
  file_calls.Set("open_by_handle_at", static_cast<int>(VIGIL_FILE_OPEN_BY_HANDLE_AT));
  file_calls.Set("unlink", static_cast<int>(VIGIL_FILE_UNLINK));
  file_calls.Set("unlinkat", static_cast<int>(VIGIL_FILE_UNLINKAT));
  file_calls.Set("truncate", static_cast<int>(VIGIL_FILE_TRUNCATE));
  file_calls.Set("ftruncate", static_cast<int>(VIGIL_FILE_FTRUNCATE));
  file_calls.Set("rename", static_cast<int>(VIGIL_FILE_RENAME));
  file_calls.Set("renameat", static_cast<int>(VIGIL_FILE_RENAMEAT));
  file_calls.Set("renameat2", static_cast<int>(VIGIL_FILE_RENAMEAT2));
  file_calls.Set("link", static_cast<int>(VIGIL_FILE_LINK));
  file_calls.Set("linkat", static_cast<int>(VIGIL_FILE_LINKAT));
  file_calls.Set("symlink", static_cast<int>(VIGIL_FILE_SYMLINK));
  file_calls.Set("symlinkat", static_cast<int>(VIGIL_FILE_SYMLINKAT));

  Napi::Object resolutions = Napi::Object::New(env);
  resolutions.Set("asGiven", static_cast<int>(VIGIL_RESOLVED_AS_GIVEN));
  resolutions.Set("file", static_cast<int>(VIGIL_RESOLVED_FILE));
  resolutions.Set("lexical", static_cast<int>(VIGIL_RESOLVED_LEXICAL));

  Napi::Object limits = Napi::Object::New(env);
  limits.Set("comm", VIGIL_COMM_LEN);
  limits.Set("cgroupName", VIGIL_CGROUP_NAME_LEN);
  limits.Set("filename", VIGIL_FILENAME_LEN);
  limits.Set("args", VIGIL_ARGS_LEN);
  limits.Set("path", VIGIL_PATH_LEN);
  limits.Set("fstype", VIGIL_FSTYPE_LEN);
  limits.Set("sockaddr", VIGIL_SOCKADDR_LEN);
  limits.Set("dname", VIGIL_DNAME_LEN);

  Napi::Object types = Napi::Object::New(env);
  types.Set("exec", static_cast<int>(VIGIL_EVENT_EXEC));
  types.Set("fork", static_cast<int>(VIGIL_EVENT_FORK));
  types.Set("exit", static_cast<int>(VIGIL_EVENT_EXIT));
  types.Set("connect", static_cast<int>(VIGIL_EVENT_CONNECT));
  types.Set("mount", static_cast<int>(VIGIL_EVENT_MOUNT));
  types.Set("file", static_cast<int>(VIGIL_EVENT_FILE));

  Napi::Object counter_ids = Napi::Object::New(env);
  counter_ids.Set("emitted", static_cast<int>(VIGIL_CNT_EMITTED));
  counter_ids.Set("ringbufFull", static_cast<int>(VIGIL_CNT_RINGBUF_FULL));
  counter_ids.Set("pendingFull", static_cast<int>(VIGIL_CNT_PENDING_FULL));
  counter_ids.Set("filtered", static_cast<int>(VIGIL_CNT_FILTERED));
  counter_ids.Set("unresolved", static_cast<int>(VIGIL_CNT_UNRESOLVED));

  Napi::Object mount_calls = Napi::Object::New(env);
  mount_calls.Set("mount", static_cast<int>(VIGIL_MOUNT_CALL_MOUNT));
  mount_calls.Set("moveMount", static_cast<int>(VIGIL_MOUNT_CALL_MOVE_MOUNT));
  mount_calls.Set("fsmount", static_cast<int>(VIGIL_MOUNT_CALL_FSMOUNT));

  Napi::Object layout = Napi::Object::New(env);
  layout.Set("eventTypes", types);
  layout.Set("counterIds", counter_ids);
  layout.Set("mountCalls", mount_calls);
  layout.Set("schemaVersion", VIGIL_SCHEMA_VERSION);
  layout.Set("counters", static_cast<int>(VIGIL_CNT_MAX));
  layout.Set("types", static_cast<int>(VIGIL_EVENT_TYPE_MAX));
  layout.Set("execArgsTruncated", VIGIL_EXEC_ARGS_TRUNCATED);
  layout.Set("execFilenameTruncated", VIGIL_EXEC_FILENAME_TRUNCATED);
  layout.Set("execInterpreted", VIGIL_EXEC_INTERPRETED);
  layout.Set("exeFlags", exe_flags);
  layout.Set("exe", exe);
  layout.Set("limits", limits);
  layout.Set("hdr", hdr);
  layout.Set("exec", exec);
  layout.Set("fork", fork);
  layout.Set("exit", exit);
  layout.Set("connect", connect);
  layout.Set("mount", mount);
  layout.Set("file", file);
  layout.Set("watch", watch);
  layout.Set("access", access);
  layout.Set("fileCalls", file_calls);
  layout.Set("resolutions", resolutions);
  return layout;
}

}  // namespace vigil
