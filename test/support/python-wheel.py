"""Describes a wheel of the jsii Python bindings as JSON, for test/python-package.test.ts.

Usage: python3 python-wheel.py WHEEL MODULE

Prints the wheel's files, the classes of MODULE/__init__.py (parsed, not
imported: the jsii runtime is not installed here) with their bases, enum
members, constructor parameters and public methods, and the embedded npm tarball's members
with the SHA-256 of each file.
"""

import ast
import hashlib
import io
import json
import sys
import tarfile
import zipfile


def parameters(function: ast.FunctionDef) -> dict:
    args = function.args
    keyword_defaults = {a.arg: d is not None for a, d in zip(args.kwonlyargs, args.kw_defaults)}
    return {
        "positional": [a.arg for a in args.posonlyargs + args.args],
        "keywordRequired": [name for name, has_default in keyword_defaults.items() if not has_default],
        "keywordOptional": [name for name, has_default in keyword_defaults.items() if has_default],
    }


def describe_class(node: ast.ClassDef) -> dict:
    init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
    return {
        "bases": [ast.unparse(b) for b in node.bases],
        "enumMembers": [
            t.id for n in node.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)
        ],
        "init": parameters(init) if init else None,
        "methods": [n.name for n in node.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")],
    }


def main(wheel_path: str, module: str) -> None:
    with zipfile.ZipFile(wheel_path) as wheel:
        files = wheel.namelist()
        tree = ast.parse(wheel.read(f"{module}/__init__.py"))
        classes = {n.name: describe_class(n) for n in tree.body if isinstance(n, ast.ClassDef)}
        tarballs = [f for f in files if f.startswith(f"{module}/_jsii/") and f.endswith(".tgz")]
        members = {}
        for name in tarballs:
            with tarfile.open(fileobj=io.BytesIO(wheel.read(name)), mode="r:gz") as tarball:
                for member in tarball.getmembers():
                    if member.isfile():
                        members[member.name] = hashlib.sha256(tarball.extractfile(member).read()).hexdigest()
    json.dump({"files": files, "classes": classes, "tarballs": tarballs, "tarballMembers": members}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
