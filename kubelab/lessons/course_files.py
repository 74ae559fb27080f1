"""Where a course's files are: the bundled course, a course folder, its lesson files in order.

Kept apart from the loader (which brings in the lesson models) so the TUI can list a course's
lessons before the models are imported.
"""

from __future__ import annotations

from pathlib import Path

from kubelab.lessons.problems import CourseNotFound

LESSON_SUFFIXES = (".yaml", ".yml")


def bundled_course_root() -> Path:
    """The bundled course: `kubelab/_course` in a wheel, the repository in a checkout."""
    package = Path(__file__).resolve().parent.parent
    shipped = package / "_course"
    if (shipped / "lessons").is_dir():
        return shipped
    return package.parent


def course_root_for(folder: Path) -> Path:
    """The course root for `--lessons DIR`: DIR itself when it holds `lessons/`, or the parent of a
    folder named `lessons`. `CourseNotFound` otherwise."""
    if (folder / "lessons").is_dir():
        return folder
    if folder.name == "lessons" and folder.is_dir():
        return folder.parent
    raise CourseNotFound(
        f"{folder}: not a course folder (expected a 'lessons/' folder in it, beside 'manifests/')"
    )


def lesson_files(root: Path) -> list[Path]:
    """The lesson files of a course in course order (sorted file names). `CourseNotFound` when
    the `lessons/` folder cannot be read."""
    folder = root / "lessons"
    try:
        entries = list(folder.iterdir())
    except OSError as exc:
        raise CourseNotFound(f"{folder}: cannot read ({exc.strerror or exc})") from None
    return sorted(
        (p for p in entries if p.suffix in LESSON_SUFFIXES and p.is_file()),
        key=lambda p: p.name,
    )
