from __future__ import annotations

import shlex
from dataclasses import replace
from pathlib import Path

import pytest

from builder.errors import InputError
from builder.inputs.recipes import Recipe, load_recipes, parse_recipe
from builder.plan.jobs import BuildJob
from builder.resolve.verify_with import verify_with_wheels
from builder.wheelbuild.cibuildwheel_options import cibuildwheel_env
from tests.unit.fakes import FakeIndex, sdist, wheel
from tests.unit.test_plan import C_EXT, PY311, plan_for, resolved


def test_good_recipe_reads_every_key(fixtures: Path) -> None:
    recipes = load_recipes(fixtures / "recipes" / "good")
    recipe = recipes["pyyaml"]
    assert recipe.imports == ("yaml", "yaml._yaml")
    assert recipe.system_packages == ("yaml-dev",)
    assert recipe.before_all == "echo before all"
    assert recipe.before_build == "echo before build"
    assert dict(recipe.environment) == {"CFLAGS": "-O2 -g0", "PIP_CONSTRAINT": "/tmp/c.txt"}
    assert recipe.build_from_source is True
    assert recipe.skip_reason(python="3.13", arch="aarch64") == "no 3.13 support upstream"
    assert recipe.skip_reason(python="3.13", arch="x86_64") is None


@pytest.mark.parametrize(
    ("directory", "expected"),
    [
        ("unknown-key", r"x\.toml: unknown key 'before_all'"),
        ("wrong-type", r"x\.toml: key 'build-from-source' must be true or false, not a string"),
        ("skip-no-reason", r"x\.toml: every \[\[skip\]\] needs a 'reason'"),
    ],
)
def test_bad_recipes_name_file_and_key(fixtures: Path, directory: str, expected: str) -> None:
    with pytest.raises(InputError, match=expected):
        load_recipes(fixtures / "recipes" / directory)


def test_invalid_toml_and_bad_module_names_are_input_errors(tmp_path: Path) -> None:
    broken = tmp_path / "a.toml"
    broken.write_text("import = [")
    with pytest.raises(InputError, match=r"a\.toml: not valid TOML"):
        parse_recipe(broken)
    bad_import = tmp_path / "b.toml"
    bad_import.write_text('import = ["not a module"]')
    with pytest.raises(InputError, match=r"b\.toml: key 'import': 'not a module'"):
        parse_recipe(bad_import)


def test_recipe_digest_changes_with_build_inputs_only(tmp_path: Path) -> None:
    path = tmp_path / "demo.toml"
    path.write_text('import = ["demo"]\nbefore-build = "true"\n')
    first = parse_recipe(path).digest()
    path.write_text('import = ["demo", "demo.x"]\nbefore-build = "true"\n')
    assert parse_recipe(path).digest() == first  # the test imports do not change the wheel
    path.write_text('import = ["demo"]\nbefore-build = "false"\n')
    assert parse_recipe(path).digest() != first


def test_skip_imports_names_modules_and_leaves_the_digest_alone(tmp_path: Path) -> None:
    path = tmp_path / "numpy.toml"
    path.write_text('before-build = "true"\n')
    first = parse_recipe(path).digest()
    path.write_text('before-build = "true"\nskip-imports = ["numpy.core._umath_tests"]\n')
    recipe = parse_recipe(path)
    assert recipe.skip_imports == ("numpy.core._umath_tests",) and recipe.digest() == first
    path.write_text('skip-imports = ["numpy core"]\n')
    with pytest.raises(InputError, match=r"numpy\.toml: key 'skip-imports': 'numpy core'"):
        parse_recipe(path)


def test_build_constraints_must_be_requirements(tmp_path: Path) -> None:
    good = tmp_path / "pyyaml.toml"
    good.write_text(
        'build-constraints = ["cython<3", "setuptools<70; python_version < \'3.12\'"]\n'
    )
    recipe = parse_recipe(good)
    assert recipe.build_constraints[0] == "cython<3"
    assert recipe.digest() != parse_recipe_text(tmp_path, "")
    bad = tmp_path / "bad.toml"
    bad.write_text('build-constraints = ["cython<<3"]\n')
    with pytest.raises(InputError, match=r"bad\.toml: key 'build-constraints': 'cython<<3'"):
        parse_recipe(bad)


def parse_recipe_text(tmp_path: Path, text: str) -> str:
    path = tmp_path / "pyyaml.toml"
    path.write_text(text)
    return parse_recipe(path).digest()


def test_a_recipe_without_constraints_keeps_its_digest() -> None:
    # The digest of an empty recipe, as it was before build-constraints existed: keys of
    # everything already built stay valid.
    assert Recipe(name="x").digest() == (
        "0602777d6ef1bb78ea84d3d772c9b9997cf79870e0bc8d24317b40e5ec29c281"
    )


def test_system_libraries_take_alpine_names_and_common_spellings(tmp_path: Path) -> None:
    path = tmp_path / "pillow.toml"
    path.write_text('system-libraries = ["zlib", "jpeg", "libpng-dev", "FreeType2", "libz"]\n')
    recipe = parse_recipe(path)
    assert recipe.system_libraries == ("zlib", "libjpeg-turbo", "libpng", "freetype")
    path.write_text('system-libraries = ["zlib"]\n')
    assert parse_recipe(path).digest() != Recipe(name="pillow").digest()


def test_an_unknown_system_library_names_the_file_and_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "lxml.toml"
    path.write_text('system-libraries = ["libxml3"]\n')
    with pytest.raises(
        InputError, match=r"lxml\.toml: key 'system-libraries': no library 'libxml3'"
    ) as caught:
        parse_recipe(path)
    assert "libxml2" in (caught.value.hint or "")


def test_every_shipped_recipe_loads_wherever_wheelhouse_runs(tmp_path: Path) -> None:
    recipes = load_recipes(None)  # no directory of the user's: the shipped ones still apply
    assert recipes["lxml"].system_libraries == ("libxml2", "libxslt")
    assert recipes["psycopg2"].system_libraries == ("libpq",)
    assert recipes["pandas"].origin == "shipped pandas.toml"
    mine = tmp_path / "recipes"
    mine.mkdir()
    (mine / "lxml.toml").write_text('import = ["lxml.etree"]\n')  # replaces the shipped one
    (mine / "mypkg.toml").write_text('import = ["mypkg._speedups"]\n')  # adds to them
    merged = load_recipes(mine)
    assert merged["lxml"].system_libraries == () and merged["lxml"].origin == str(
        mine / "lxml.toml"
    )
    assert merged["mypkg"].imports == ("mypkg._speedups",)
    assert merged["pandas"].origin == "shipped pandas.toml"


def test_verify_with_takes_requirements_and_leaves_the_digest_alone(tmp_path: Path) -> None:
    path = tmp_path / "ruamel.yaml.clib.toml"
    path.write_text('verify-with = ["ruamel.yaml<0.19"]\n')
    recipe = parse_recipe(path)
    assert recipe.verify_with == ("ruamel.yaml<0.19",)
    assert recipe.digest() == replace(recipe, verify_with=()).digest()
    path.write_text('verify-with = ["ruamel yaml !!"]\n')
    with pytest.raises(InputError, match=r"ruamel.yaml.clib.toml: key 'verify-with'"):
        parse_recipe(path)


def test_verify_with_becomes_the_newest_upstream_wheel_each_target_installs() -> None:
    clib = resolved("ruamel-yaml-clib", [sdist("ruamel-yaml-clib", "0.2.7")], "0.2.7")
    index = FakeIndex(
        files={
            "ruamel-yaml": [
                wheel("ruamel.yaml-0.17.21-py3-none-any.whl"),
                wheel("ruamel.yaml-0.19.0-py3-none-any.whl"),
            ],
            "only-glibc": [wheel("only_glibc-1.0-cp311-cp311-manylinux_2_17_x86_64.whl")],
        },
        requirements={},
    )
    recipe = Recipe(name="ruamel-yaml-clib", verify_with=("ruamel.yaml<0.19",), path="r.toml")
    found = verify_with_wheels({PY311: [clib]}, {"ruamel-yaml-clib": recipe}, index)
    assert [w.filename for w in found[("ruamel-yaml-clib", PY311)]] == [
        "ruamel.yaml-0.17.21-py3-none-any.whl"
    ]
    glibc = replace(recipe, verify_with=("only-glibc",))
    with pytest.raises(InputError, match=r"r.toml: verify-with 'only-glibc': no upstream wheel"):
        verify_with_wheels({PY311: [clib]}, {"ruamel-yaml-clib": glibc}, index)
    plan = plan_for([clib], recipes={"ruamel-yaml-clib": recipe}, verify_with=found)
    (job,) = plan.jobs
    assert [w.filename for w in job.verify_with] == ["ruamel.yaml-0.17.21-py3-none-any.whl"]


def test_config_settings_reach_the_backend_and_the_key(tmp_path: Path) -> None:
    """apexpy's meson.build asks for fortran_std=legacy, which meson offers no LLVM flang:
    its recipe passes -Dfortran_std=none to meson-python, as pip's -C would."""
    path = tmp_path / "demo.toml"
    path.write_text('before-build = "true"\n')
    plain = parse_recipe(path)
    path.write_text(
        'before-build = "true"\n'
        'config-settings = { setup-args = "-Dfortran_std=none", "x y" = "a b" }\n'
    )
    recipe = parse_recipe(path)
    assert recipe.config_settings == (("setup-args", "-Dfortran_std=none"), ("x y", "a b"))
    assert recipe.digest() != plain.digest()
    (job,) = plan_for([C_EXT]).jobs
    assert isinstance(job, BuildJob)
    job = replace(job, recipe=recipe)
    assert shlex.split(cibuildwheel_env(job)["CIBW_CONFIG_SETTINGS"]) == [
        "setup-args=-Dfortran_std=none",
        "x y=a b",
    ]
    assert cibuildwheel_env(replace(job, recipe=plain))["CIBW_CONFIG_SETTINGS"] == ""
