"""The pages for people as HTML: the project list (with a filter box) and one page per project
(its grid of versions x CPython x arch, and how each wheel was made). Pure, self-contained: one
small inline style and script each, no external assets (they work air-gapped), laid out for a
phone as well as a desk. Links are relative, so the same files serve from `wheelhouse serve`
and from a static tree: `/-/index.html` and `/-/<project>.html`, with the simple index at
`../simple/`."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from index.people.model import ProjectView, WheelView

PREFIX = "-"  # the pages' directory: no project name can take it
INDEX_PAGE = "index.html"

STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:0 1rem 3rem;color:#1d232a}
h1{font-size:1.5rem;margin:1.2rem 0 .6rem}h2{font-size:1.15rem;margin:1.6rem 0 .5rem}
a{color:#0b5cad}code,pre{font:13px/1.4 ui-monospace,monospace}
pre{background:#f3f5f7;padding:.6rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
input{font:inherit;padding:.45rem .6rem;width:100%;max-width:28rem;box-sizing:border-box}
ul.projects{list-style:none;padding:0}ul.projects li{padding:.45rem 0;border-bottom:1px solid #e3e6e9}
.muted{color:#5c6670}.scroll{overflow-x:auto}
table{border-collapse:collapse}th,td{padding:.3rem .55rem;border:1px solid #dde1e5;text-align:left;vertical-align:top}
.built{background:#dff3e4}.mirrored{background:#e3eefb}.published{background:#eef0f2}
.yanked{background:#fbe9d0}.failed{background:#f9dada}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem .8rem;margin:.4rem 0}
dt{color:#5c6670}dd{margin:0;word-break:break-all}
"""

FILTER_SCRIPT = """
const box=document.getElementById('filter'),items=[...document.querySelectorAll('#projects li')];
function narrow(){const q=box.value.trim().toLowerCase();let shown=0;
for(const li of items){li.hidden=q!==''&&!li.dataset.name.includes(q);if(!li.hidden)shown++}
document.getElementById('shown').textContent=shown}
box.addEventListener('input',narrow);
const asked=new URLSearchParams(location.search).get('q');if(asked)box.value=asked;narrow();
"""

INSTALL_SCRIPT = """
for(const el of document.querySelectorAll('[data-index]'))
el.textContent=el.textContent.replace(el.dataset.index,new URL(el.dataset.index,location.href).href);
"""


def page(title: str, body: str, script: str = "") -> str:
    tail = f"<script>{script}</script>\n" if script else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n"
        f"<body>\n{body}\n{tail}</body></html>\n"
    )


def render_project_list(views: Sequence[ProjectView]) -> str:
    items = "\n".join(
        f'<li data-name="{escape(view.name)}"><a href="{escape(view.name)}.html">'
        f"{escape(view.name)}</a> {escape(view.newest)} "
        f'<span class="muted">{_summary(view)}</span></li>'
        for view in views
    )
    body = (
        "<h1>wheelhouse</h1>\n"
        f'<p class="muted"><span id="shown">{len(views)}</span> of {len(views)} projects · '
        '<a href="../simple/">simple index</a></p>\n'
        '<label for="filter" class="muted">Filter</label><br>'
        '<input id="filter" type="search" placeholder="project name" autocomplete="off">\n'
        f'<ul class="projects" id="projects">\n{items}\n</ul>'
    )
    return page("wheelhouse: projects", body, FILTER_SCRIPT)


def _summary(view: ProjectView) -> str:
    pythons = sorted({w.python for w in view.wheels})
    archs = sorted({w.arch for w in view.wheels})
    failed = f" · {len(view.failures)} failed last run" if view.failures else ""
    return escape(
        f"{len(view.wheels)} wheels · {', '.join(pythons) or '-'} · {', '.join(archs) or '-'}"
        + failed
    )


def render_project(view: ProjectView) -> str:
    newest = view.newest
    install = (
        f'<pre data-index="../simple/">pip install --extra-index-url ../simple/ '
        f"--only-binary :all: {escape(view.name)}=={escape(newest)}</pre>"
    )
    body = (
        f'<p><a href="{INDEX_PAGE}">all projects</a></p>\n<h1>{escape(view.name)}</h1>\n'
        f"{install}\n<h2>Wheels by version, CPython and arch</h2>\n"
        f'<div class="scroll">{_grid(view)}</div>\n'
        + "".join(_version_section(view, version) for version in view.versions)
        + _failures(view)
    )
    return page(f"{view.name}: wheelhouse", body, INSTALL_SCRIPT)


def _grid(view: ProjectView) -> str:
    head = "".join(f"<th>{escape(python)}<br>{escape(arch)}</th>" for python, arch in view.columns)
    rows = []
    for version in view.versions:
        cells = []
        for column in view.columns:
            statuses = view.cell(version, column)
            status = statuses[0] if statuses else ""
            cells.append(f'<td class="{status}">{escape(", ".join(statuses)) or "-"}</td>')
        rows.append(
            f'<tr><th><a href="#v{escape(version)}">{escape(version)}</a></th>{"".join(cells)}</tr>'
        )
    return (
        f'<table id="grid"><thead><tr><th>version</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _version_section(view: ProjectView, version: str) -> str:
    wheels = [w for w in view.wheels if str(w.file.version) == version]
    if not wheels:
        return ""
    return f'<h2 id="v{escape(version)}">{escape(version)}</h2>\n' + "".join(
        _wheel(w) for w in wheels
    )


def _wheel(wheel: WheelView) -> str:
    item = wheel.file
    facts = [
        ("status", wheel.status + (f" ({item.yanked})" if item.yanked else "")),
        ("CPython, arch", f"{wheel.python}, {wheel.arch}"),
        ("size", _size(item.size)),
        ("uploaded", item.upload_time.strftime("%Y-%m-%d %H:%M UTC")),
        ("sha256", item.sha256),
        *wheel.how,
    ]
    if wheel.duration_s:
        facts.append(("duration", f"{wheel.duration_s:.0f} s"))
    libraries = ", ".join(f"{name} {version}".strip() for name, version in wheel.libraries)
    facts.append(("bundled libraries", libraries or "none"))
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    log = _log(wheel.log_tail)
    return (
        f'<h3><a href="../files/{escape(item.filename)}">{escape(item.filename)}</a></h3>'
        f"<dl>{rows}</dl>{log}\n"
    )


def _failures(view: ProjectView) -> str:
    if not view.failures:
        return ""
    items = "".join(
        f"<h3>{escape(f.version)} · CPython {escape(f.python)} · {escape(f.arch)}</h3>"
        f'<p>{escape(f.reason) or "failed"} <span class="muted">(run finished '
        f"{escape(f.finished)})</span></p>{_log(f.log_tail)}"
        for f in view.failures
    )
    return f'<h2 id="failed">Failed in the last run</h2>\n{items}'


def _log(tail: str | None) -> str:
    if tail is None:
        return ""
    return f"<details><summary>build log (tail)</summary><pre>{escape(tail)}</pre></details>"


def _size(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.1f} KB"
    return f"{size / 1_000_000:.1f} MB"


def people_pages(views: Sequence[ProjectView]) -> dict[str, str]:
    """Every page, by its name under the pages' directory."""
    return {INDEX_PAGE: render_project_list(views)} | {
        f"{view.name}.html": render_project(view) for view in views
    }
