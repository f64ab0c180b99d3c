#!/bin/sh
# Make Debian's musl look like Alpine's to the tools that inspect it (auditwheel, packaging):
# - the link-time libc carries SONAME libc.musl-<arch>.so.1, so extensions record that name
#   (without it auditwheel grafts musl's libc into every wheel and calls it repaired);
# - /lib/libc.musl-<arch>.so.1 points at the loader, as on Alpine;
# - the loader's search path file is colon-separated (auditwheel splits on ':' only) and names
#   /opt/syslibs/lib, where the native libraries that package builds link live;
# - Linux kernel headers are visible to musl-gcc, which does not search /usr/include;
# - `-lcrypt` links, as with Alpine's musl-dev: musl's libc has crypt(), and an empty libcrypt.a
#   stands for the separate library glibc systems have (CPython's _crypt, many configure checks).
set -eu
arch=${1:?usage: musl-sysroot.sh ARCH}
triplet="$arch-linux-musl"
libdir="/usr/lib/$triplet"
incdir="/usr/include/$triplet"
# In Debian's musl the link-time libc.so *is* the dynamic loader: patching it in place breaks
# the loader (every program segfaults). Keep a pristine copy as the loader, patch only libc.so.
if [ -f "$libdir/libc.so" ] && [ ! -f "$libdir/libc.musl-$arch.so.1" ]; then
  cp -p "$libdir/libc.so" "$libdir/libc.musl-$arch.so.1"
  ln -sfn "$libdir/libc.musl-$arch.so.1" "/lib/ld-musl-$arch.so.1"
  patchelf --set-soname "libc.musl-$arch.so.1" "$libdir/libc.so"
fi
ln -sfn "ld-musl-$arch.so.1" "/lib/libc.musl-$arch.so.1"
[ -e "$libdir/libcrypt.a" ] || ar rc "$libdir/libcrypt.a"
printf '/lib:/usr/local/lib:%s:/opt/syslibs/lib\n' "$libdir" > "/etc/ld-musl-$arch.path"
if [ -d "$incdir" ]; then
  for h in linux asm-generic mtd scsi; do
    [ -e "/usr/include/$h" ] && ln -sfn "/usr/include/$h" "$incdir/$h"
  done
  [ -e "/usr/include/$arch-linux-gnu/asm" ] && ln -sfn "/usr/include/$arch-linux-gnu/asm" "$incdir/asm"
fi
true
