"""The native libraries a recipe can ask for (`system-libraries = ["libxml2", "libxslt"]`). Pure.

Each name is an Alpine package whose `-dev` package the pypa musllinux images install with apk;
the local images carry all of them, built from Debian's sources against musl under
/opt/syslibs (builder/host/image_recipe/scripts/build-syslibs.sh), where the builder's compiler,
pkg-config and PATH look. A build asks only for names in this catalogue, so a typo fails at
load time, not after a container started.
"""

from __future__ import annotations

from dataclasses import dataclass

LOCAL_PREFIX = "/opt/syslibs"  # where the local builder images install them


@dataclass(frozen=True)
class SystemLibrary:
    name: str  # Alpine's package name
    header: str  # a header every build of it ships, relative to the include directory

    @property
    def apk_package(self) -> str:
        return f"{self.name}-dev"


CATALOGUE: dict[str, SystemLibrary] = {
    library.name: library
    for library in (
        SystemLibrary("zlib", "zlib.h"),
        SystemLibrary("libffi", "ffi.h"),
        SystemLibrary("openssl", "openssl/ssl.h"),
        SystemLibrary("bzip2", "bzlib.h"),
        SystemLibrary("xz", "lzma.h"),
        SystemLibrary("sqlite", "sqlite3.h"),
        SystemLibrary("zstd", "zstd.h"),
        SystemLibrary("yaml", "yaml.h"),
        SystemLibrary("libpng", "png.h"),
        SystemLibrary("libjpeg-turbo", "jpeglib.h"),
        SystemLibrary("freetype", "freetype2/ft2build.h"),
        SystemLibrary("libxml2", "libxml2/libxml/xmlversion.h"),
        SystemLibrary("libxslt", "libxslt/xslt.h"),
        SystemLibrary("libpq", "libpq-fe.h"),
    )
}

# Other spellings people use, mapped to the catalogue's names.
ALIASES = {
    "libz": "zlib",
    "ffi": "libffi",
    "libssl": "openssl",
    "ssl": "openssl",
    "libbz2": "bzip2",
    "lzma": "xz",
    "liblzma": "xz",
    "sqlite3": "sqlite",
    "libzstd": "zstd",
    "libyaml": "yaml",
    "png": "libpng",
    "jpeg": "libjpeg-turbo",
    "libjpeg": "libjpeg-turbo",
    "freetype2": "freetype",
    "xml2": "libxml2",
    "xslt": "libxslt",
    "postgresql": "libpq",
    "pq": "libpq",
}


def system_library(name: str) -> SystemLibrary | None:
    key = name.strip().lower()
    if key.endswith("-dev"):
        key = key[: -len("-dev")]
    return CATALOGUE.get(ALIASES.get(key, key))


def known_names() -> str:
    return ", ".join(CATALOGUE)
