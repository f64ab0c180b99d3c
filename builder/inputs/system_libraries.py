"""The native libraries a recipe can ask for (`system-libraries = ["libxml2", "libxslt"]`). Pure.

Each name is an Alpine package whose `-dev` package the pypa musllinux images install with apk.
On the local images, a library is either baked in (built from Debian's sources against musl under
/opt/syslibs by builder/host/image_recipe/scripts/build-syslibs.sh, where the builder's compiler,
pkg-config and PATH look), or built on demand: from Debian's sources too, in the builder image,
the first time a plan needs it, kept in the wheelhouse's cache and mounted only into the jobs
that name it (builder/wheelbuild/library_layers.py), so the catalogue grows without growing the
images. A build asks only for names in this catalogue, so a typo fails at load time, not after a
container started.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# How a library is built for another arch than this machine's (a cross job's):
# "machine": in this machine's builder image, cross-compiled by zig (configure runs natively);
# "arch-libs": the same, with the libraries the arch's image has baked (its static OpenSSL, which
#   curl, Cyrus SASL, OpenLDAP and MariaDB's client link) in place of this machine's own;
# "emulated": in the arch's image with its own compiler, all under emulation (krb5: zig's driver
#   hands links of its *.so-named PIC objects to the system's linker; HDF5 runs a program it
#   compiled to learn the machine's types).
CrossBuild = Literal["machine", "arch-libs", "emulated"]

LOCAL_PREFIX = "/opt/syslibs"  # where the local builder images install the baked ones
ON_DEMAND_ROOT = "/opt/wheelhouse-libs"  # where a job's container sees those built on demand


@dataclass(frozen=True)
class SystemLibrary:
    name: str  # Alpine's package name
    header: str  # a header every build of it ships, relative to the include directory
    debian_source: str  # the Debian source package the local images build it from
    sonames: tuple[str, ...]  # the stems of its shared objects ("libxml2": libxml2.so.2)
    pkg_config: str | None = None  # the pkg-config module whose Version is the release's
    debian_suite: str = "bookworm"
    # built the first time a plan needs it and mounted (False: baked into the local images)
    on_demand: bool = False
    # other on-demand libraries its build and its users need (mounted with it)
    requires: tuple[str, ...] = ()
    cross: CrossBuild = "machine"  # how a build for another arch runs (above)
    build_tools: tuple[Literal["cmake"], ...] = ()  # what its build needs the images lack

    @property
    def local_prefix(self) -> str:
        """Where a local builder container finds its headers and libraries."""
        return f"{ON_DEMAND_ROOT}/{self.name}" if self.on_demand else LOCAL_PREFIX

    @property
    def apk_package(self) -> str:
        return f"{self.name}-dev"

    def version_probe(self) -> str:
        """Shell that prints the release the local builder image carries ("" when it cannot
        tell): its pkg-config Version, or for FreeType (whose .pc has a libtool version) the
        header's macros."""
        if self.name == "freetype":
            header = f"{LOCAL_PREFIX}/include/freetype2/freetype/freetype.h"
            return (
                'awk \'/#define FREETYPE_(MAJOR|MINOR|PATCH) / {printf "%s%s", s, $3; s="."}\' '
                f"{header}"
            )
        if self.pkg_config is None:
            return "true"
        return f"sed -n 's/^Version: *//p' {LOCAL_PREFIX}/lib/pkgconfig/{self.pkg_config}.pc"


CATALOGUE: dict[str, SystemLibrary] = {
    library.name: library
    for library in (
        SystemLibrary("zlib", "zlib.h", "zlib", ("libz",), "zlib"),
        SystemLibrary("libffi", "ffi.h", "libffi", ("libffi",), "libffi"),
        SystemLibrary(
            "openssl", "openssl/ssl.h", "openssl", ("libssl", "libcrypto"), "openssl", "trixie"
        ),
        SystemLibrary("bzip2", "bzlib.h", "bzip2", ("libbz2",)),
        SystemLibrary("xz", "lzma.h", "xz-utils", ("liblzma",), "liblzma"),
        SystemLibrary("sqlite", "sqlite3.h", "sqlite3", ("libsqlite3",), "sqlite3"),
        SystemLibrary("zstd", "zstd.h", "libzstd", ("libzstd",), "libzstd"),
        SystemLibrary("yaml", "yaml.h", "libyaml", ("libyaml",)),
        SystemLibrary("libpng", "png.h", "libpng1.6", ("libpng16", "libpng"), "libpng16"),
        SystemLibrary(
            "libjpeg-turbo", "jpeglib.h", "libjpeg-turbo", ("libjpeg", "libturbojpeg"), "libjpeg"
        ),
        SystemLibrary("freetype", "freetype2/ft2build.h", "freetype", ("libfreetype",)),
        SystemLibrary(
            "libxml2", "libxml2/libxml/xmlversion.h", "libxml2", ("libxml2",), "libxml-2.0"
        ),
        SystemLibrary("libxslt", "libxslt/xslt.h", "libxslt", ("libxslt", "libexslt"), "libxslt"),
        SystemLibrary("libpq", "libpq-fe.h", "postgresql-15", ("libpq",), "libpq"),
        # built on demand (builder/host/library_recipe/build-library.sh says how)
        SystemLibrary(
            "libsodium", "sodium.h", "libsodium", ("libsodium",), "libsodium", on_demand=True
        ),
        SystemLibrary("lzo", "lzo/lzoconf.h", "lzo2", ("liblzo2",), "lzo2", on_demand=True),
        SystemLibrary("attr", "attr/libattr.h", "attr", ("libattr",), "libattr", on_demand=True),
        SystemLibrary(
            "acl", "sys/acl.h", "acl", ("libacl",), "libacl", on_demand=True, requires=("attr",)
        ),
        SystemLibrary(
            "alsa-lib", "alsa/asoundlib.h", "alsa-lib", ("libasound",), "alsa", on_demand=True
        ),
        SystemLibrary(
            "krb5",
            "gssapi/gssapi_krb5.h",
            "krb5",
            ("libkrb5", "libk5crypto", "libgssapi_krb5", "libkrb5support", "libcom_err"),
            "krb5",
            on_demand=True,
            cross="emulated",
        ),
        SystemLibrary(
            "portaudio",
            "portaudio.h",
            "portaudio19",
            ("libportaudio",),
            "portaudio-2.0",
            on_demand=True,
            requires=("alsa-lib",),
        ),
        SystemLibrary(
            "fftw",
            "fftw3.h",
            "fftw3",
            tuple(
                f"libfftw3{precision}{threads}"
                for precision in ("", "f", "l")
                for threads in ("", "_threads")
            ),
            "fftw3",
            on_demand=True,
        ),
        # TLS from the images' static OpenSSL, as libpq has it, kept inside the library (a user
        # that calls OpenSSL itself, as pycurl does, links its own copy of what it calls)
        SystemLibrary(
            "curl",
            "curl/curl.h",
            "curl",
            ("libcurl",),
            "libcurl",
            on_demand=True,
            cross="arch-libs",
        ),
        SystemLibrary(
            "cyrus-sasl",
            "sasl/sasl.h",
            "cyrus-sasl2",
            ("libsasl2",),
            "libsasl2",
            on_demand=True,
            cross="arch-libs",
        ),
        SystemLibrary(
            "openldap",
            "ldap.h",
            "openldap",
            ("libldap", "liblber"),
            "ldap",
            on_demand=True,
            requires=("cyrus-sasl",),
            cross="arch-libs",
        ),
        SystemLibrary(
            "mariadb-connector-c",
            "mysql/mysql.h",
            "mariadb",
            ("libmariadb",),
            "libmariadb",
            on_demand=True,
            cross="arch-libs",
            build_tools=("cmake",),
        ),
        SystemLibrary(
            "hdf5",
            "hdf5.h",
            "hdf5",
            ("libhdf5", "libhdf5_hl"),
            "hdf5",
            on_demand=True,
            cross="emulated",
        ),
        SystemLibrary(
            "netcdf",
            "netcdf.h",
            "netcdf",
            ("libnetcdf",),
            "netcdf",
            "trixie",  # 4.9.3: netCDF4 1.7 calls nc_rc_get, new in 4.9.1 (bookworm has 4.9.0)
            on_demand=True,
            requires=("hdf5", "curl"),
            cross="emulated",
        ),
    )
}


def library_of(soname_stem: str) -> SystemLibrary | None:
    """The catalogue's library that ships a shared object of this stem ("libxml2")."""
    for library in CATALOGUE.values():
        if soname_stem in library.sonames:
            return library
    return None


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
    "sodium": "libsodium",
    "libcurl": "curl",
    "sasl": "cyrus-sasl",
    "libsasl2": "cyrus-sasl",
    "ldap": "openldap",
    "libldap": "openldap",
    "mariadb": "mariadb-connector-c",
    "libmariadb": "mariadb-connector-c",
    "mysqlclient": "mariadb-connector-c",
}


def system_library(name: str) -> SystemLibrary | None:
    key = name.strip().lower()
    if key.endswith("-dev"):
        key = key[: -len("-dev")]
    return CATALOGUE.get(ALIASES.get(key, key))


def known_names() -> str:
    return ", ".join(CATALOGUE)


def with_requirements(names: tuple[str, ...] | list[str]) -> list[str]:
    """`names` and the libraries they require, each after what it requires, once."""
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        library = CATALOGUE.get(name)
        for required in library.requires if library is not None else ():
            visit(required)
        ordered.append(name)

    for name in names:
        visit(name)
    return ordered


def on_demand(names: tuple[str, ...] | list[str]) -> list[SystemLibrary]:
    """The catalogue's libraries among `names`, with those they require, that the local images
    build on demand: each after what it requires (the order they are built in)."""
    return [
        CATALOGUE[n] for n in with_requirements(names) if n in CATALOGUE and CATALOGUE[n].on_demand
    ]
