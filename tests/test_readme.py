"""The README's two commands come first, and CI runs the second one exactly."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    lines = (ROOT / "README.md").read_text().splitlines()
    commands, inside = [], False
    for line in lines:
        if line.startswith("```"):
            inside = not inside
            continue
        if inside and line.strip():
            commands.append(line.strip())
    return commands


def test_readme_starts_with_install_run_and_test_commands():
    first, second = readme_commands()[:2]
    assert "flask --app quizapp setup" in first and "flask --app quizapp run" in first
    assert "pip install -e '.[test]'" in second and "npm ci" in second
    assert second.endswith("pytest")


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert readme_commands()[1] in [line.strip() for line in ci]
