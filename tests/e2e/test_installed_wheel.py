"""wheelhouse installed from its own wheel, outside any checkout, still finds what it needs at
run time: the local image recipe ships inside the package, with the same recipe hash, so
`wheelhouse images build` from the installed wheel finds the images built from the checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from builder.host.images import recipe_hash

ROOT = Path(__file__).resolve().parent.parent.parent


def test_the_installed_wheel_builds_images_from_its_own_recipe(
    tmp_path: Path, engine: None
) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("wheelhouse-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "builder/host/image_recipe/build-images.sh" in names
    assert "builder/host/image_recipe/scripts/musl-cc" in names
    # what the toolchains and the libraries built on demand run, and the shipped recipes
    for shipped in (
        "builder/host/library_recipe/build-library.sh",
        "builder/host/library_recipe/fetch-source.sh",
        "builder/host/private-apt.sh",
        "builder/host/openmp_recipe/build-openmp.sh",
        "builder/recipes/pynacl.toml",
    ):
        assert shipped in names, shipped

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    outside = tmp_path / "elsewhere"  # no checkout, no config: defaults only
    outside.mkdir()
    hashed = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "from builder.host.images import LOCAL_RECIPE_DIR, recipe_hash; "
            "print(LOCAL_RECIPE_DIR); print(recipe_hash())",
        ],
        cwd=outside,
        capture_output=True,
        text=True,
        check=True,
    )
    recipe_dir, digest = hashed.stdout.split()
    assert recipe_dir.startswith(str(venv)), recipe_dir
    assert digest == recipe_hash()
    images = subprocess.run(
        [str(venv / "bin" / "wheelhouse"), "images", "build", "--arch", "x86_64"],
        cwd=outside,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert images.returncode == 0, images.stderr
    assert "up to date" in images.stderr
