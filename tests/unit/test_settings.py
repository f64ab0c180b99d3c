from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from builder.errors import InputError
from builder.host.capacity import jobs_for
from builder.inputs.settings import load_settings, with_overrides
from builder.pipeline import archs_for_runner, crate_source


def test_defaults_without_a_config_file(tmp_path: Path) -> None:
    settings = load_settings(config=None, cwd=tmp_path, env={})
    assert settings.pythons == ("3.11", "3.13")
    assert settings.archs == ("x86_64", "aarch64")
    assert settings.runner_for("aarch64") == "local"
    assert settings.images == "auto"
    assert settings.wheelhouse == tmp_path / "wheelhouse"


def test_wheelhouse_toml_then_environment_then_flags(tmp_path: Path) -> None:
    (tmp_path / "wheelhouse.toml").write_text(
        'pythons = ["3.12"]\nimages = "local"\nwheelhouse = "out"\n'
        'index-url = "http://127.0.0.1:1/simple"\n[custom-images.x86_64]\nbuilder = "b"\n'
    )
    settings = load_settings(config=None, cwd=tmp_path, env={"WHEELHOUSE_ARCHS": "x86_64"})
    assert settings.pythons == ("3.12",)
    assert settings.images == "local"
    assert settings.wheelhouse == tmp_path / "out"
    assert settings.image_overrides["x86_64"].builder == "b"
    overridden = load_settings(config=None, cwd=tmp_path, env={"WHEELHOUSE_PYTHONS": "3.11,3.13"})
    assert overridden.pythons == ("3.11", "3.13")
    flagged = with_overrides(overridden, pythons=["3.12"], images="pypa")
    assert flagged.pythons == ("3.12",)
    assert flagged.images == "pypa"
    # --wheelhouse wh2: relative to where the command runs, made absolute (builds run elsewhere)
    relative = with_overrides(overridden, wheelhouse=Path("wh2"))
    assert relative.wheelhouse == Path.cwd() / "wh2"


def test_pyproject_tool_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.wheelhouse]\narchs = ["aarch64"]\n')
    assert load_settings(config=None, cwd=tmp_path, env={}).archs == ("aarch64",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('archs = ["arm64"]\n', r"unknown architecture 'arm64'"),
        ('pythons = ["3"]\n', r"Python version '3' is not of the form 3\.N"),
        ('images = "registry"\n', r"images = 'registry' is not one of auto, pypa, local"),
        ('debug-info = "split"\n', r"debug-info = 'split' is not one of strip, keep"),
        ('publish-logs = "all"\n', r"publish-logs = 'all' is not one of no, tail"),
        (
            'build-requirements = "pypi"\n',
            r"build-requirements = 'pypi' is not one of wheelhouse, upstream",
        ),
        ('pyhtons = ["3.11"]\n', r"wheelhouse\.toml: unknown key 'pyhtons'"),
        ("pythons = 3.11\n", r"key 'pythons' must be a list of strings"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "wheelhouse.toml").write_text(text)
    with pytest.raises(InputError, match=expected):
        load_settings(config=None, cwd=tmp_path, env={})


def test_unknown_environment_variable_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="WHEELHOUSE_PYTHON"):
        load_settings(config=None, cwd=tmp_path, env={"WHEELHOUSE_PYTHON": "3.11"})


def test_runners_put_an_arch_on_its_own_runner(tmp_path: Path) -> None:
    (tmp_path / "wheelhouse.toml").write_text('[runners]\naarch64 = "arm64"\n')
    settings = load_settings(config=None, cwd=tmp_path, env={})
    assert settings.runner_for("aarch64") == "arm64"
    assert settings.runner_for("x86_64") == "local"


def test_runners_name_known_archs_only(tmp_path: Path) -> None:
    (tmp_path / "wheelhouse.toml").write_text('[runners]\narm64 = "big"\n')
    with pytest.raises(InputError, match=r"\[runners\]: unknown architecture 'arm64'"):
        load_settings(config=None, cwd=tmp_path, env={})


def test_a_runner_builds_only_its_archs(tmp_path: Path) -> None:
    (tmp_path / "wheelhouse.toml").write_text('[runners]\naarch64 = "arm64"\n')
    settings = load_settings(config=None, cwd=tmp_path, env={})
    assert archs_for_runner(settings, None) == ("x86_64", "aarch64")
    assert archs_for_runner(settings, "arm64") == ("aarch64",)
    assert archs_for_runner(settings, "local") == ("x86_64",)
    with pytest.raises(InputError, match=r"--runner gpu: none of the selected archs runs there"):
        archs_for_runner(settings, "gpu")


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda p: p.mkdir(), "not a file"),
        (lambda p: p.write_bytes(b"pythons = ['3.11']\n# caf\xe9\n"), "not UTF-8 text"),
        (lambda p: p.write_text('musllinux = "musllinux_1_x"\n'), "is not a musllinux policy"),
    ],
)
def test_a_config_that_cannot_be_read_is_an_input_error(
    tmp_path: Path, write: Callable[[Path], object], message: str
) -> None:
    config = tmp_path / "wheelhouse.toml"
    write(config)
    with pytest.raises(InputError, match=message):
        load_settings(config=config, cwd=tmp_path, env={})


def test_a_pyproject_whose_tool_is_not_a_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('tool = "x"\n')
    with pytest.raises(InputError, match="'tool' must be a table"):
        load_settings(config=None, cwd=tmp_path, env={})


def test_debug_info_is_stripped_unless_the_config_the_environment_or_a_flag_keeps_it(
    tmp_path: Path,
) -> None:
    assert load_settings(config=None, cwd=tmp_path, env={}).debug_info == "strip"
    env = {"WHEELHOUSE_DEBUG_INFO": "keep"}
    assert load_settings(config=None, cwd=tmp_path, env=env).debug_info == "keep"
    (tmp_path / "wheelhouse.toml").write_text('debug-info = "keep"\n')
    from_file = load_settings(config=None, cwd=tmp_path, env={})
    assert from_file.debug_info == "keep"
    assert with_overrides(from_file, debug_info="strip").debug_info == "strip"
    with pytest.raises(InputError, match="the command line: debug-info = 'none'"):
        with_overrides(from_file, debug_info="none")


def test_cargo_registry_or_cargo_vendor_replaces_crates_io(tmp_path: Path) -> None:
    (tmp_path / "wheelhouse.toml").write_text('cargo-vendor = "vendor/crates"\n')
    settings = load_settings(config=None, cwd=tmp_path, env={})
    assert settings.cargo_vendor == tmp_path / "vendor" / "crates"  # beside the config file
    assert settings.cargo_registry is None
    with pytest.raises(InputError, match="no such directory"):
        crate_source(settings)
    (tmp_path / "vendor" / "crates").mkdir(parents=True)
    assert crate_source(settings).describe() == "vendored directory"
    mirror = "sparse+https://crates.example/index/"
    both = {"WHEELHOUSE_CARGO_REGISTRY": mirror}
    with pytest.raises(InputError, match="cargo-registry and cargo-vendor both replace"):
        load_settings(config=None, cwd=tmp_path, env=both)
    (tmp_path / "wheelhouse.toml").write_text(f'cargo-registry = "{mirror}"\n')
    registry = crate_source(load_settings(config=None, cwd=tmp_path, env={}))
    assert registry.describe() == f"registry {mirror}"
    assert f'registry = "{mirror}"' in registry.cargo_config()
    (tmp_path / "wheelhouse.toml").write_text('cargo-registry = "crates.example"\n')
    with pytest.raises(InputError, match="is not a registry URL"):
        load_settings(config=None, cwd=tmp_path, env={})
    (tmp_path / "wheelhouse.toml").unlink()
    assert crate_source(load_settings(config=None, cwd=tmp_path, env={})).describe() == "crates.io"


def test_jobs_is_a_positive_number_or_auto(tmp_path: Path) -> None:
    assert load_settings(config=None, cwd=tmp_path, env={}).jobs == "auto"
    assert load_settings(config=None, cwd=tmp_path, env={"WHEELHOUSE_JOBS": "3"}).jobs == "3"
    for bad in ("0", "-1", "two"):
        with pytest.raises(InputError, match="is neither a positive number nor auto"):
            load_settings(config=None, cwd=tmp_path, env={"WHEELHOUSE_JOBS": bad})
    gib = 1024**3
    assert jobs_for("auto", cores=2, memory=24 * gib) == 2
    assert jobs_for("auto", cores=16, memory=8 * gib) == 2  # one per 3 GiB at most
    assert jobs_for("auto", cores=4, memory=2 * gib) == 1
    assert jobs_for("5", cores=2, memory=gib) == 5  # as given


def test_a_shared_zig_cache_is_a_path_from_the_config_or_the_environment(tmp_path: Path) -> None:
    assert load_settings(config=None, cwd=tmp_path, env={}).zig_cache is None
    (tmp_path / "wheelhouse.toml").write_text('zig-cache = "../shared/zig"\n')
    assert load_settings(config=None, cwd=tmp_path, env={}).zig_cache == tmp_path / "../shared/zig"
    env = {"WHEELHOUSE_ZIG_CACHE": "/var/cache/zig"}
    assert load_settings(config=None, cwd=tmp_path, env=env).zig_cache == Path("/var/cache/zig")
