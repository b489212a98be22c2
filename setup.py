"""Build hook (metadata lives in pyproject.toml): compile the message catalogues into the package.

`pip install /path/to/ribambelle`, a wheel or an sdist then serve the English interface, with
no GNU gettext on the build machine or the server; compiled .mo files are not committed. The
compiler is ribambelle/core/catalogues.py, loaded by path because Django (and so the package)
is not importable while the package is being built."""

import importlib.util
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
LOCALE = Path("ribambelle") / "locale"


def _catalogues():
    spec = importlib.util.spec_from_file_location(
        "ribambelle_catalogues", ROOT / "ribambelle" / "core" / "catalogues.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


class BuildPyWithCatalogues(build_py):
    def run(self):
        super().run()
        # An editable install runs from the source tree: compile there (the .mo are ignored
        # by git); a wheel gets them in its build directory.
        target = ROOT / LOCALE if self.editable_mode else Path(self.build_lib) / LOCALE
        _catalogues().compile_tree(ROOT / LOCALE, target)


setup(cmdclass={"build_py": BuildPyWithCatalogues})
