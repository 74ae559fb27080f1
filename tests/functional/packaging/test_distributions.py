"""`python -m build` makes a wheel and an sdist that install and run.

Both are built from this tree (the wheel from the sdist, as `build` does, so the sdist is proven
complete), then each is installed into a fresh virtualenv of its own and run from a folder outside
the repository: `kubelab --version` prints the version declared once in kubelab/__init__.py, and
`kubelab lessons` lists the bundled course from inside the installed package. Offline: the build
backend and kubelab's dependencies come from this environment (a `.pth` line makes its
site-packages visible to the fresh virtualenv, after the virtualenv's own), nothing is
downloaded."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import kubelab

REPO = Path(__file__).resolve().parents[3]
TIMEOUT = 300


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=TIMEOUT, cwd=cwd,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, REPO)
    return out


def fresh_venv(directory: Path) -> Path:
    """A virtualenv whose own site-packages come first, this environment's after it."""
    run(sys.executable, "-m", "venv", directory)
    python = directory / "bin" / "python"
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
    Path(purelib.stdout.strip(), "_kubelab_test_deps.pth").write_text(
        sysconfig.get_path("purelib") + "\n"
    )
    return python


@pytest.mark.slow
@pytest.mark.parametrize("pattern", ["kubelab-*.whl", "kubelab-*.tar.gz"])
def test_a_distribution_installs_and_runs(dist: Path, tmp_path: Path, pattern: str) -> None:
    (archive,) = dist.glob(pattern)
    assert archive.name.startswith(f"kubelab-{kubelab.__version__}")
    python = fresh_venv(tmp_path / "venv")
    run(python, "-m", "pip", "install", "--no-deps", "--no-index", "--no-build-isolation",
        "--disable-pip-version-check", "-q", archive)  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = run(python, "-c", "import kubelab; print(kubelab.__file__)", cwd=elsewhere)
    assert where.stdout.strip().startswith(str(tmp_path / "venv")), where.stdout
    script = tmp_path / "venv" / "bin" / "kubelab"
    version = run(script, "--version", cwd=elsewhere)
    assert version.stdout.strip() == f"kubelab, version {kubelab.__version__}"
    lessons = run(script, "lessons", cwd=elsewhere)
    assert "clusterip-service" in lessons.stdout and "capstone" in lessons.stdout
    assert str(REPO) not in lessons.stdout + lessons.stderr


def test_the_version_is_declared_once() -> None:
    """pyproject.toml reads it from kubelab/__init__.py (hatch's version source)."""
    text = (REPO / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in text and "\nversion =" not in text
    assert '[tool.hatch.version]\npath = "kubelab/__init__.py"' in text
