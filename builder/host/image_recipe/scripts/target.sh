# Sourced by the build scripts: compile for $TARGET_ARCH (default: this machine). When it differs
# from the machine, cross-compile with the musl cross toolchain (install-toolchain.sh --cross).
machine=$(uname -m)
target=${TARGET_ARCH:-$machine}
export MUSL_TARGET="$target" CC=musl-cc
configure_host=""
configure_build=""
if [ "$target" != "$machine" ]; then
  configure_host="$target-linux-musl"
  # The build triplet must name musl too, or CPython picks a glibc extension suffix.
  configure_build="$machine-pc-linux-musl"
  export AR="$target-linux-gnu-ar" RANLIB="$target-linux-gnu-ranlib" \
    READELF="$target-linux-gnu-readelf" STRIP="$target-linux-gnu-strip"
fi
