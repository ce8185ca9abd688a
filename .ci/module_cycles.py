#!/usr/bin/env python3
"""Fails if two modules of a crate depend on each other, directly or through others.

Usage: module_cycles.py CRATE_SRC_DIR

A module is a file (`a.rs`, `a/mod.rs`, `a/b.rs`). Its dependencies are the modules named by the
`crate::…` and `super::…` paths in its code (comments and `#[cfg(test)]` items excluded), with the
crate root's `pub use` re-exports resolved to the modules they come from. A child module using its
parent is not a cycle (the parent declares the child).
"""
import os
import re
import sys


def modules(root):
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            if f.endswith(".rs"):
                path = os.path.join(d, f)
                name = os.path.relpath(path, root)[:-3]
                name = name[: -len("/mod")] if name.endswith("/mod") else name
                out[name] = path
    return out


def code(path):
    text = open(path, encoding="utf-8").read()
    text = re.split(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text)[0]
    text = "\n".join(l for l in text.split("\n") if not l.strip().startswith("//"))
    return expand_groups(text)


def expand_groups(text):
    """`crate::{a::X, b}` -> `crate::a::X crate::b` (innermost groups first)."""
    group = re.compile(r"\b((?:crate|super)(?:::\w+)*)::\{([^{}]*)\}")
    while True:
        new = group.sub(
            lambda m: " ".join(
                m.group(1) + "::" + item.strip().split(" as ")[0]
                for item in m.group(2).split(",")
                if item.strip() and item.strip() != "self"
            ),
            text,
        )
        if new == text:
            return text
        text = new


def reexports(root_code):
    """`pub use a::b::{X, Y};` / `pub use a::b;` at the crate root: name -> path segments."""
    out = {}
    for m in re.finditer(r"pub use ([\w:]+?)(?:::\{([^}]*)\})?;", root_code):
        base = m.group(1).split("::")
        names = [n.strip().split(" as ")[-1] for n in (m.group(2) or "").split(",") if n.strip()]
        if names:
            for n in names:
                out[n] = base + [n]
        else:
            out[base[-1]] = base
    return out


def resolve(segments, mods, aliases, depth=0):
    """The longest prefix of `segments` that is a module."""
    if depth < 4 and segments and segments[0] in aliases and segments[0] not in mods:
        return resolve(aliases[segments[0]] + segments[1:], mods, aliases, depth + 1)
    for n in range(len(segments), 0, -1):
        name = "/".join(segments[:n])
        if name in mods:
            return name
    return None


def main():
    root = sys.argv[1]
    mods = modules(root)
    aliases = reexports(code(mods["lib"]))
    deps = {m: set() for m in mods}
    for m, path in mods.items():
        text = code(path)
        for p in re.findall(r"\bcrate((?:::\w+)+)", text):
            t = resolve(p.split("::")[1:], mods, aliases)
            if t and t not in ("lib", m):
                deps[m].add(t)
        parent = m.rsplit("/", 1)[0] if "/" in m else "lib"
        for p in re.findall(r"\bsuper((?:::\w+)+)", text):
            base = [] if parent == "lib" else parent.split("/")
            t = resolve(base + p.split("::")[1:], mods, aliases)
            if t and t not in ("lib", m, parent):
                deps[m].add(t)
    def reaches(a, b):
        seen, todo = set(), [a]
        while todo:
            for n in deps.get(todo.pop(), ()):
                if n == b:
                    return True
                if n not in seen:
                    seen.add(n)
                    todo.append(n)
        return False
    cycles = sorted((a, b) for a in deps for b in deps[a] if reaches(b, a) and not b.startswith(a + "/"))
    for a, b in cycles:
        print(f"cycle: {a} -> {b} -> … -> {a}")
    print(f"{len(mods)} modules, {sum(len(v) for v in deps.values())} dependencies, {len(cycles)} in cycles")
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main())
