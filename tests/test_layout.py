"""The package's layout is its data flow: imports only point down the layers, and the README's
"How the code is laid out" lists every module where it is."""

import ast
import re
from pathlib import Path

from secmodel.paths import PACKAGE_DIR, REPO_ROOT

# Lowest first; a module may import from its own layer and those before it.
LAYERS = [
    (
        "secmodel.paths",
        "secmodel.errors",
        "secmodel.output",
        "secmodel.formatting",
        "secmodel.limits",
    ),
    ("secmodel.inputs",),
    ("secmodel.model",),
    ("secmodel.analysis",),
    ("secmodel.present",),
    ("secmodel.report",),
    ("secmodel.cli", "secmodel.__main__", "secmodel"),
]


def layer_of(module: str) -> int:
    """The layer of a module: the longest matching prefix."""
    best, depth = None, -1
    for n, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > depth:
                best, depth = n, len(prefix)
    assert best is not None, module
    return best


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every secmodel module the file imports, at any depth of the code."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("secmodel")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "secmodel":  # from secmodel import inputs: the subpackages
                found += [(node.lineno, f"secmodel.{a.name}") for a in node.names]
            elif node.module.startswith("secmodel"):
                found.append((node.lineno, node.module))
    return found


def test_imports_point_down_the_layers():
    upward = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        own = module_name(path)
        for line, target in imported(path):
            if layer_of(target) > layer_of(own):
                upward.append(f"{path.relative_to(REPO_ROOT)}:{line}: {own} imports {target}")
    assert not upward, "\n".join(upward)


def test_the_layer_test_sees_an_upward_import(tmp_path):
    path = PACKAGE_DIR / "model" / "engine.py"
    assert layer_of("secmodel.report.board") > layer_of(module_name(path))
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from secmodel.report import board\n")
    assert imported(probe) == [(2, "secmodel.report")]


def readme_layout() -> dict[str, set[str]]:
    """Folder -> the module names the README's layout table gives it."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## How the code is laid out", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"\| `(secmodel/[a-z_]*/?)` \| (.*) \|$", line)
        if match:
            rows[match[1]] = set(re.findall(r"`([a-z_]+)`", match[2]))
    return rows


def test_readme_layout_matches_the_tree():
    rows = readme_layout()
    folders = {f"secmodel/{p.name}/" for p in PACKAGE_DIR.iterdir() if (p / "__init__.py").exists()}
    assert set(rows) == folders | {"secmodel/"}
    for folder, names in rows.items():
        modules = {p.stem for p in (REPO_ROOT / folder).glob("*.py") if p.stem != "__init__"}
        if folder == "secmodel/":
            modules -= {"__main__"}
        assert names == modules, folder
