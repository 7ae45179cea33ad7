{
  "targets": [
    {
      "target_name": "ntk_native",
      "sources": ["native/ntk_native.cc", "native/kernels.cc", "native/act_kernels.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "<!(node -p \"'/usr/include/' + ({x64: 'x86_64', arm64: 'aarch64'}[process.arch] || process.arch) + '-linux-gnu/openblas-pthread'\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off"],
      "libraries": ["-lopenblas", "-llapacke"]
    }
  ]
}
