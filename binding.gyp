{
  "targets": [
    {
      "target_name": "vigil",
      "sources": [
        "native/addon/addon.cc",
        "native/addon/batch.cc",
        "native/addon/batch_to_js.cc",
        "native/addon/bpf_loader.cc",
        "native/addon/drain_thread.cc",
        "native/addon/sensor_wrap.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/include",
        "native/out"
      ],
      "defines": ["NAPI_DISABLE_CPP_EXCEPTIONS", "NAPI_VERSION=8"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-missing-field-initializers"],
      "libraries": ["-lbpf", "-lelf", "-lz"],
      "actions": [
        {
          "action_name": "bpf_skeleton",
          "message": "Compiling BPF programs and their libbpf skeleton",
          "inputs": [
            "<!@(ls native/bpf/*.c native/bpf/*.h native/bpf/hooks/*.c native/bpf/helpers/*.h native/bpf/helpers/*.c native/include/*.h native/Makefile)"
          ],
          "outputs": ["native/out/vigil.skel.h"],
          "action": ["make", "-s", "-C", "native"]
        }
      ]
    }
  ]
}
