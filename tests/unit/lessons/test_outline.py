"""The course outline the lesson list shows while the course loads: the same lessons, titles and
steps as the loaded course, and files the loader would refuse are left out, not crashed on."""

from __future__ import annotations

from pathlib import Path

from kubelab.lessons.loader import load_course
from kubelab.lessons.outline import outline_of, read_outline

REPO = Path(__file__).resolve().parents[3]


def test_the_bundled_outline_is_the_loaded_courses() -> None:
    assert read_outline() == outline_of(load_course())
    assert read_outline(REPO) == outline_of(load_course(REPO))


def test_files_that_are_not_lessons_are_left_out(tmp_path: Path) -> None:
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    (lessons / "01-ok.yaml").write_text(
        "id: ok\ntitle: Fine\nsteps:\n  - {id: a, title: A}\n  - not a step\nrequires: [x, 3]\n"
    )
    (lessons / "02-list.yaml").write_text("- just\n- a list\n")
    (lessons / "03-broken.yaml").write_text("id: [unclosed\n")
    (lessons / "04-no-id.yaml").write_text("title: no id\n")
    (lessons / "05-big.yaml").write_text("id: big\n" + "#" * 1_000_001)
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + n)}: &{chr(98 + n)} [*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}]\n"
        for n in range(20)
    )
    (lessons / "06-aliases.yaml").write_text(f"id: aliases\n{bomb}steps: [*u]\n")
    outline = read_outline(tmp_path)
    assert [lesson.id for lesson in outline.lessons] == ["ok", "aliases"]
    ok = outline.lessons[0]
    assert ok.title == "Fine" and ok.steps == (("a", "A"),) and ok.requires == ("x",)
    assert outline.lessons[1].steps == ()  # a shared list of lists, never walked
