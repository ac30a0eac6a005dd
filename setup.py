"""Packaging beyond what pyproject.toml can say: the Alembic scripts ship inside the wheel.

The migrations live at the top-level ``alembic/`` (where new revisions are added);
the wheel carries them as ``app/migrations`` so ``taskrunner migrate`` works from
an installed package. Everything else is declared in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

setup(
    # Namespace-aware: some app folders (app/api/routes) have no __init__.py.
    packages=[*find_namespace_packages(include=["app", "app.*"], exclude=["*.__pycache__"]), "app.migrations"],
    package_dir={"app.migrations": "alembic"},
    package_data={
        "app.migrations": ["script.py.mako", "versions/*.py", "versions/sql/*.sql"],
        "app.web": ["templates/*.html", "static/*.css", "static/vendor/*/*", "static/vendor/*.md"],
        # Templates and static assets anywhere under app/ (dashboard pages, local API docs assets).
        "": ["*.html", "*.jinja", "*.j2", "*.css", "*.js", "*.map", "*.json", "*.svg", "*.png", "*.ico", "*.woff2"],
    },
)
