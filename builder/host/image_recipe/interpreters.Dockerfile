# Compile musl CPython 3.11 and 3.13 twice: for the builder (/opt/python: static, with zlib,
# libffi, OpenSSL, bzip2, xz and SQLite linked in, as the pypa images' interpreters) and for the
# runtime (/opt/runtime/python: shared, configured as python:alpine's, against the shared libraries
# in /opt/runtime/lib, which the runtime image carries as python:alpine's does); and the shared
# native libraries that package builds link (/opt/syslibs, build-syslibs.sh). On this machine's
# architecture; everything comes from Debian packages and Debian's source tarballs.
#   --target interpreters-native   for this machine's architecture
#   --target interpreters-cross    cross-compiled for TARGET_ARCH (e.g. aarch64 on x86_64), with
#                                  this machine's interpreters as the build Pythons
# Both results are FROM scratch: only /opt/python, /opt/runtime and /opt/syslibs, exported into
# images.Dockerfile's context.
# The classic builder builds every stage before the target, so the native stages come first.
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

FROM toolchain AS deps
COPY sources/ /sources/
COPY scripts/target.sh scripts/build-deps.sh /usr/local/lib/wheelhouse/
RUN /usr/local/lib/wheelhouse/build-deps.sh /sources /opt/deps

FROM deps AS cp311
COPY scripts/build-cpython.sh /usr/local/lib/wheelhouse/
RUN /usr/local/lib/wheelhouse/build-cpython.sh /sources/python3.11_*.orig.tar.* cp311-cp311 /opt/deps

FROM deps AS cp313
COPY scripts/build-cpython.sh /usr/local/lib/wheelhouse/
RUN /usr/local/lib/wheelhouse/build-cpython.sh /sources/python3.13_*.orig.tar.* cp313-cp313 /opt/deps

FROM deps AS runtime-deps
COPY scripts/build-runtime-libs.sh /usr/local/lib/wheelhouse/
RUN /usr/local/lib/wheelhouse/build-runtime-libs.sh /sources /opt/deps /opt/runtime-deps base
RUN /usr/local/lib/wheelhouse/build-runtime-libs.sh /sources /opt/deps /opt/runtime-deps ncurses
RUN /usr/local/lib/wheelhouse/build-runtime-libs.sh /sources /opt/deps /opt/runtime-deps readline
RUN /usr/local/lib/wheelhouse/build-runtime-libs.sh /sources /opt/deps /opt/runtime-deps gdbm
RUN /usr/local/lib/wheelhouse/build-runtime-libs.sh /sources /opt/deps /opt/runtime-deps uuid
RUN /usr/local/lib/wheelhouse/build-runtime-libs.sh /sources /opt/deps /opt/runtime-deps check
COPY scripts/build-cpython.sh /usr/local/lib/wheelhouse/

FROM runtime-deps AS cp311-shared
RUN /usr/local/lib/wheelhouse/build-cpython.sh /sources/python3.11_*.orig.tar.* cp311-cp311 /opt/runtime-deps shared

FROM runtime-deps AS cp313-shared
RUN /usr/local/lib/wheelhouse/build-cpython.sh /sources/python3.13_*.orig.tar.* cp313-cp313 /opt/runtime-deps shared

FROM deps AS syslibs
RUN apt-get update && apt-get install -y --no-install-recommends cmake && rm -rf /var/lib/apt/lists/*
COPY scripts/build-syslibs.sh /usr/local/lib/wheelhouse/
RUN /usr/local/lib/wheelhouse/build-syslibs.sh /sources /opt/deps /opt/syslibs base
RUN /usr/local/lib/wheelhouse/build-syslibs.sh /sources /opt/deps /opt/syslibs zstd
RUN /usr/local/lib/wheelhouse/build-syslibs.sh /sources /opt/deps /opt/syslibs yaml
RUN /usr/local/lib/wheelhouse/build-syslibs.sh /sources /opt/deps /opt/syslibs png
RUN /usr/local/lib/wheelhouse/build-syslibs.sh /sources /opt/deps /opt/syslibs jpeg
RUN /usr/local/lib/wheelhouse/build-syslibs.sh /sources /opt/deps /opt/syslibs freetype
RUN /usr/local/lib/wheelhouse/build-syslibs.sh /sources /opt/deps /opt/syslibs xml2
RUN /usr/local/lib/wheelhouse/build-syslibs.sh /sources /opt/deps /opt/syslibs xslt
RUN /usr/local/lib/wheelhouse/build-syslibs.sh /sources /opt/deps /opt/syslibs pq
RUN /usr/local/lib/wheelhouse/build-syslibs.sh /sources /opt/deps /opt/syslibs check

FROM scratch AS interpreters-native
COPY --from=cp311 /opt/python/cp311-cp311 /opt/python/cp311-cp311
COPY --from=cp313 /opt/python/cp313-cp313 /opt/python/cp313-cp313
COPY --from=cp311-shared /opt/python/cp311-cp311 /opt/runtime/python/cp311-cp311
COPY --from=cp313-shared /opt/python/cp313-cp313 /opt/runtime/python/cp313-cp313
COPY --from=runtime-deps /opt/runtime-deps/lib /opt/runtime/lib
COPY --from=syslibs /opt/syslibs /opt/syslibs

FROM toolchain AS cross-toolchain
ARG TARGET_ARCH=aarch64
RUN /usr/local/lib/wheelhouse/install-toolchain.sh --cross "$TARGET_ARCH"
ENV TARGET_ARCH=${TARGET_ARCH}
COPY sources/ /sources/
COPY scripts/target.sh scripts/build-deps.sh /usr/local/lib/wheelhouse/

FROM cross-toolchain AS cross-deps
RUN /usr/local/lib/wheelhouse/build-deps.sh /sources /opt/deps

FROM cross-deps AS cross-cp311
COPY --from=cp311 /opt/python/cp311-cp311 /opt/build-python/cp311-cp311
COPY scripts/build-cpython.sh /usr/local/lib/wheelhouse/
RUN BUILD_PYTHON=/opt/build-python/cp311-cp311/bin/python3.11 \
    /usr/local/lib/wheelhouse/build-cpython.sh /sources/python3.11_*.orig.tar.* cp311-cp311 /opt/deps

FROM cross-deps AS cross-cp313
COPY --from=cp313 /opt/python/cp313-cp313 /opt/build-python/cp313-cp313
COPY scripts/build-cpython.sh /usr/local/lib/wheelhouse/
RUN BUILD_PYTHON=/opt/build-python/cp313-cp313/bin/python3.13 \
    /usr/local/lib/wheelhouse/build-cpython.sh /sources/python3.13_*.orig.tar.* cp313-cp313 /opt/deps

FROM cross-deps AS cross-runtime-deps
COPY scripts/build-runtime-libs.sh /usr/local/lib/wheelhouse/
RUN /usr/local/lib/wheelhouse/build-runtime-libs.sh /sources /opt/deps /opt/runtime-deps base
RUN /usr/local/lib/wheelhouse/build-runtime-libs.sh /sources /opt/deps /opt/runtime-deps ncurses
RUN /usr/local/lib/wheelhouse/build-runtime-libs.sh /sources /opt/deps /opt/runtime-deps readline
RUN /usr/local/lib/wheelhouse/build-runtime-libs.sh /sources /opt/deps /opt/runtime-deps gdbm
RUN /usr/local/lib/wheelhouse/build-runtime-libs.sh /sources /opt/deps /opt/runtime-deps uuid
RUN /usr/local/lib/wheelhouse/build-runtime-libs.sh /sources /opt/deps /opt/runtime-deps check
COPY scripts/build-cpython.sh /usr/local/lib/wheelhouse/

FROM cross-runtime-deps AS cross-cp311-shared
COPY --from=cp311 /opt/python/cp311-cp311 /opt/build-python/cp311-cp311
RUN BUILD_PYTHON=/opt/build-python/cp311-cp311/bin/python3.11 \
    /usr/local/lib/wheelhouse/build-cpython.sh /sources/python3.11_*.orig.tar.* cp311-cp311 /opt/runtime-deps shared

FROM cross-runtime-deps AS cross-cp313-shared
COPY --from=cp313 /opt/python/cp313-cp313 /opt/build-python/cp313-cp313
RUN BUILD_PYTHON=/opt/build-python/cp313-cp313/bin/python3.13 \
    /usr/local/lib/wheelhouse/build-cpython.sh /sources/python3.13_*.orig.tar.* cp313-cp313 /opt/runtime-deps shared

FROM cross-deps AS cross-syslibs
RUN apt-get update && apt-get install -y --no-install-recommends cmake && rm -rf /var/lib/apt/lists/*
COPY scripts/build-syslibs.sh /usr/local/lib/wheelhouse/
RUN /usr/local/lib/wheelhouse/build-syslibs.sh /sources /opt/deps /opt/syslibs base
RUN /usr/local/lib/wheelhouse/build-syslibs.sh /sources /opt/deps /opt/syslibs zstd
RUN /usr/local/lib/wheelhouse/build-syslibs.sh /sources /opt/deps /opt/syslibs yaml
RUN /usr/local/lib/wheelhouse/build-syslibs.sh /sources /opt/deps /opt/syslibs png
RUN /usr/local/lib/wheelhouse/build-syslibs.sh /sources /opt/deps /opt/syslibs jpeg
RUN /usr/local/lib/wheelhouse/build-syslibs.sh /sources /opt/deps /opt/syslibs freetype
RUN /usr/local/lib/wheelhouse/build-syslibs.sh /sources /opt/deps /opt/syslibs xml2
RUN /usr/local/lib/wheelhouse/build-syslibs.sh /sources /opt/deps /opt/syslibs xslt
RUN /usr/local/lib/wheelhouse/build-syslibs.sh /sources /opt/deps /opt/syslibs pq
RUN /usr/local/lib/wheelhouse/build-syslibs.sh /sources /opt/deps /opt/syslibs check

FROM scratch AS interpreters-cross
COPY --from=cross-cp311 /opt/python/cp311-cp311 /opt/python/cp311-cp311
COPY --from=cross-cp313 /opt/python/cp313-cp313 /opt/python/cp313-cp313
COPY --from=cross-cp311-shared /opt/python/cp311-cp311 /opt/runtime/python/cp311-cp311
COPY --from=cross-cp313-shared /opt/python/cp313-cp313 /opt/runtime/python/cp313-cp313
COPY --from=cross-runtime-deps /opt/runtime-deps/lib /opt/runtime/lib
COPY --from=cross-syslibs /opt/syslibs /opt/syslibs
