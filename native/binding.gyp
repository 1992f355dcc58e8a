{
  "targets": [
    {
      "target_name": "virgl_native",
      "conditions": [
        ["OS=='linux'", {
          "sources": ["src/addon.cc", "src/util.cc", "src/shm.cc", "src/fdpass.cc", "src/eventfd.cc"],
          "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
          "cflags_cc": ["-std=gnu++17", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fvisibility=hidden"]
        }, {
          "type": "none"
        }]
      ]
    }
  ]
}
