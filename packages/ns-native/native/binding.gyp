{
  "targets": [
    {
      "target_name": "iza_ns",
      "sources": [
        "src/addon.cc",
        "src/fs_ops.cc",
        "src/spawn.cc",
        "src/child_main.cc",
        "src/child_join.cc",
        "src/child_mounts.cc",
        "src/child_exec.cc",
        "src/child_hooks.cc",
        "src/waits.cc",
        "src/pty.cc",
        "src/send_fd.cc",
        "src/root_ops.cc",
        "src/seccomp.cc",
        "src/device_filter.cc"
      ],
      "libraries": ["-lseccomp"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "_GNU_SOURCE"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [["OS!='linux'", { "sources!": ["src/fs_ops.cc"] }]]
    }
  ]
}
