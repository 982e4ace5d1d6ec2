# The build that ships: prebuildify drives node-gyp with this file, and node-gyp-build falls back to
# it when no prebuilt binary matches. Source lists must match CMakeLists.txt (scripts/check-sources.mjs).
# BearSSL and liburing are linked statically from the archives vendor/deps.mjs locates.
{
  "targets": [
    {
      "target_name": "tickwire",
      "sources": [
        "native/src/cpu.c",
        "native/src/status.c",
        "native/src/hash/br_hash.c",
        "native/src/hash/encode.c",
        "native/src/hash/hmac.c",
        "native/src/hash/sha256.c",
        "native/src/hash/sha256_ni.c",
        "native/src/hash/sha256_portable.c",
        "native/src/http/upgrade.c",
        "native/src/io/io.c",
        "native/src/io/poll.c",
        "native/src/io/uring.c",
        "native/src/orders/decimal.c",
        "native/src/orders/template.c",
        "native/src/tls/anchors.c",
        "native/src/tls/client.c",
        "native/src/tls/gcm_vaes.c",
        "native/src/tls/x509_pin.c",
        "native/src/ws/client.c",
        "native/src/ws/frame.c",
        "native/src/ws/mask.c",
        "native/src/ws/mask_avx2.c",
        "native/src/ws/mask_avx512.c",
        "native/src/ws/mask_scalar.c",
        "native/src/ws/parse.c",
        "native/src/ws/utf8.c",
        "native/addon/addon.cc",
        "native/addon/args.cc",
        "native/addon/engine.cc",
        "native/addon/frame.cc",
        "native/addon/hash.cc",
        "native/addon/mask.cc",
        "native/addon/order.cc",
        "native/addon/probe.cc",
        "native/addon/tls.cc"
      ],
      "include_dirs": [
        "native/include",
        "native/src",
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node vendor/deps.mjs include)"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "<!@(node vendor/deps.mjs versions)"
      ],
      "libraries": [
        "<!@(node vendor/deps.mjs libs)",
        "-Wl,--exclude-libs,ALL"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags": ["-O3", "-fvisibility=hidden", "-Wall", "-Wextra", "-Werror"],
      "cflags_c": ["-std=c11"],
      "cflags_cc": ["-std=c++17", "-Wno-unused-parameter"]
    }
  ]
}
