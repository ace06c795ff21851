#!/usr/bin/env python3
"""Architecture figures for issue 11 (read-only; prints, writes nothing).

  scripts/arch-metrics.py fns [N]      the N longest non-test functions in src/ (raw lines,
                                       signature to closing brace), and how many exceed 150
  scripts/arch-metrics.py cycles       import cycles between the files of each folder of src/
                                       (strongly connected components of `crate::` references)
  scripts/arch-metrics.py imports DIR  the file-level import graph of src/DIR
  scripts/arch-metrics.py modules      what each top-level module of src/ uses (tests left out)
  scripts/arch-metrics.py road         the road of one key press to the outbox (`p`, page
                                       someone: `p`, the summary and Enter, then `y`): each
                                       hop a function in a file, checked to call the next
                                       (the hop fails loudly when the code moved), and the
                                       number of files it crosses, in all and per key press

A function is `fn name` up to its matching closing brace; `#[cfg(test)]` items, `mod tests`
and demo data (src/demo.rs) are left out. References are `crate::a::b` paths and `use
crate::...` trees, resolved to a file (a/b.rs or a/b/mod.rs) when one exists.
"""
import os, re, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")

def rs_files():
    for d, _, fs in os.walk(ROOT):
        for f in fs:
            if f.endswith(".rs"):
                yield os.path.relpath(os.path.join(d, f), ROOT)

def strip(text):
    """Blanks comments and string/char literal contents, keeping line breaks."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2); j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif c == 'r' and re.match(r'r#*"', text[i:i+10]) and (i == 0 or not (text[i-1].isalnum() or text[i-1] == '_')):
            m = re.match(r'r(#*)"', text[i:]); hashes = m.group(1)
            end = text.find('"' + hashes, i + len(m.group(0)))
            end = n if end < 0 else end + 1 + len(hashes)
            out.append(re.sub(r"[^\n]", " ", text[i:end])); i = end
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == '\\' else 1
            out.append('"' + re.sub(r"[^\n]", " ", text[i+1:j]) + '"'); i = j + 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i+4]) or (c == "'" and re.match(r"'\\u\{[0-9a-fA-F]+\}'", text[i:i+12])):
            m = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", text[i:])
            out.append("' '" + " " * (len(m.group(0)) - 3)); i += len(m.group(0))
        else:
            out.append(c); i += 1
    return "".join(out)

def test_ranges(s):
    """(start, end) offsets of #[cfg(test)] items."""
    out = []
    for m in re.finditer(r"#\[cfg\(test\)\]", s):
        j = s.find("{", m.end()); semi = s.find(";", m.end())
        if j < 0 or (0 <= semi < j):
            continue
        out.append((m.start(), match_brace(s, j)))
    return out

def match_brace(s, j):
    depth = 0
    for k in range(j, len(s)):
        if s[k] == "{": depth += 1
        elif s[k] == "}":
            depth -= 1
            if depth == 0:
                return k
    return len(s) - 1

def functions():
    for f in rs_files():
        if f == "demo.rs":
            continue
        s = strip(open(os.path.join(ROOT, f), encoding="utf-8").read())
        tests = test_ranges(s)
        for m in re.finditer(r"\bfn\s+([A-Za-z_][A-Za-z0-9_]*)", s):
            if any(a <= m.start() <= b for a, b in tests):
                continue
            # The body: the first `{` at paren/bracket depth 0 before any `;`.
            k, depth = m.end(), 0
            while k < len(s):
                ch = s[k]
                if ch in "([<": depth += 1
                elif ch in ")]>" and depth > 0: depth -= 1
                elif ch == ";" and depth == 0: k = -1; break
                elif ch == "{" and depth == 0: break
                k += 1
            if k < 0 or k >= len(s):
                continue
            end = match_brace(s, k)
            # Start at the line of `fn` (attributes/doc comments not counted).
            a = s.count("\n", 0, m.start()) + 1
            b = s.count("\n", 0, end) + 1
            yield (b - a + 1, f"src/{f}:{a}", m.group(1))

def cmd_fns(n=15):
    fs = sorted(functions(), reverse=True)
    for length, where, name in fs[:n]:
        print(f"{length:5} {name:28} {where}")
    for t in (150, 100, 60):
        print(f"non-test functions over {t} lines: {sum(1 for x in fs if x[0] > t)}")

def refs(f, s):
    """Module paths (lists of segments) that file f refers to."""
    mod = f[:-3].split("/")
    if mod[-1] in ("mod", "lib", "main"):
        mod = mod[:-1]
    base = mod
    out = []
    for m in re.finditer(r"\buse\s+([^;]+);", s):
        for p in expand(m.group(1).replace("\n", " ")):
            out.append(resolve(p, base))
    # Paths in code (`use` trees are expanded above: `crate::app::{a, b}` is a and b).
    code = re.sub(r"\buse\s+[^;]+;", "", s)
    for m in re.finditer(r"\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+)", code):
        out.append(resolve(m.group(1).split("::"), base))
    # Child modules used by a bare path (`header::render` in a mod.rs).
    kids = set(re.findall(r"\bmod\s+([A-Za-z_][A-Za-z0-9_]*)\s*;", s))
    for m in re.finditer(r"(?<![:\w])([A-Za-z_][A-Za-z0-9_]*)::", s):
        if m.group(1) in kids:
            out.append(resolve(["self", m.group(1)], base))
    for m in re.finditer(r"\buse\s+([A-Za-z_][A-Za-z0-9_]*)::", s):
        if m.group(1) in kids:
            out.append(resolve(["self", m.group(1)], base))
    return [p for p in out if p]

def expand(tree):
    tree = re.sub(r"\s+as\s+", "@", tree)
    tree = re.sub(r"\s+", "", tree)
    def go(prefix, t):
        t = t.strip(",")
        if not t:
            return []
        if "{" in t and (t.find("{") < t.find(",") if "," in t else True):
            head, rest = t.split("{", 1)
            depth, k = 1, 0
            while depth:
                if rest[k] == "{": depth += 1
                elif rest[k] == "}": depth -= 1
                k += 1
            inner, after = rest[:k-1], rest[k:]
            pre = prefix + [x for x in head.split("::") if x]
            res, depth, cur = [], 0, ""
            for ch in inner:
                if ch == "," and depth == 0:
                    res += go(pre, cur); cur = ""
                else:
                    depth += ch == "{"; depth -= ch == "}"; cur += ch
            res += go(pre, cur)
            return res + go(prefix, after)
        if "," in t:
            a, b = t.split(",", 1)
            return go(prefix, a) + go(prefix, b)
        return [prefix + [x for x in t.split("@")[0].split("::") if x]]
    return go([], tree)

def resolve(p, base):
    if not p:
        return None
    if p[0] == "crate":
        path = p[1:]
    elif p[0] == "super":
        path = base[:-1] + p[1:]
        while "super" in path:
            i = path.index("super"); path = path[:i-1] + path[i+1:]
    elif p[0] == "self":
        path = base + p[1:]
    else:
        return None
    # The longest prefix that is a file.
    for k in range(len(path), 0, -1):
        cand = "/".join(path[:k])
        for fn in (cand + ".rs", cand + "/mod.rs"):
            if os.path.exists(os.path.join(ROOT, fn)):
                return fn
    return None

def graph(folder=None):
    g = {}
    for f in rs_files():
        s = strip(open(os.path.join(ROOT, f), encoding="utf-8").read())
        for a, b in test_ranges(s)[::-1]:
            s = s[:a] + s[b+1:]
        deps = set(refs(f, s)) - {f}
        g[f] = deps
    return g

def sccs(g):
    index, low, stack, on, out, i = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)
    def visit(v):
        index[v] = low[v] = i[0]; i[0] += 1; stack.append(v); on.add(v)
        for w in g.get(v, ()):
            if w not in g: continue
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            out.append(comp)
    for v in sorted(g):
        if v not in index: visit(v)
    return out

def cmd_cycles():
    g = graph()
    folders = sorted({f.split("/")[0] for f in g if "/" in f})
    total = 0
    for d in folders:
        sub = {f: {x for x in deps if x.split("/")[0] == d and "/" in x} for f, deps in g.items() if f.split("/")[0] == d and "/" in f}
        for comp in sccs(sub):
            if len(comp) > 1:
                total += 1
                print(f"{d}/: cycle of {len(comp)} files: {' '.join(sorted(comp))}")
    # Between folders.
    fg = {}
    for f, deps in g.items():
        a = f.split("/")[0] if "/" in f else f
        fg.setdefault(a, set()).update(x.split("/")[0] if "/" in x else x for x in deps)
    for comp in sccs({k: v - {k} for k, v in fg.items()}):
        if len(comp) > 1:
            total += 1
            print(f"between folders: {' '.join(sorted(comp))}")
    print(f"cycles: {total}")

def cmd_modules():
    g = graph()
    top = lambda f: f.split("/")[0] if "/" in f else f[:-3]
    fg = {}
    for f, deps in g.items():
        fg.setdefault(top(f), set()).update(top(x) for x in deps)
    for a in sorted(fg):
        print(f"{a:9} -> {' '.join(sorted(fg[a] - {a})) or '(nothing)'}")

def cmd_imports(d):
    g = graph()
    for f in sorted(g):
        if f.startswith(d + "/"):
            print(f"{f}: {' '.join(sorted(x for x in g[f]))}")


# The road of `p` (page someone) to the outbox: (key press, file, function, what its body
# must contain: the call to the next hop). Three presses: `p` opens the page overlay, Enter
# (after the summary) builds the message and asks, `y` queues it. Every function that runs
# on the way counts, lookups (the keymap) and small constructors (`Outcome::go`) too.
ROAD = [
    ("p",     "shell/event_loop.rs",  "looped",      "update(model, msg)"),
    ("p",     "app/update.rs",        "update",      "dispatch(m, msg)"),
    ("p",     "app/update.rs",        "dispatch",    "on_key(m, &k)"),
    ("p",     "app/update.rs",        "on_key",      "normal::key(m, k)"),
    ("p",     "app/normal.rs",        "key",         "m.keymap.action(key)"),
    ("p",     "app/keymap.rs",        "action",      "self.action_in(Scope::Global, key)"),
    ("p",     "app/normal.rs",        "act",         "Action::Page => page(m)"),
    ("p",     "app/normal.rs",        "page",        "Page"),
    ("Enter", "shell/event_loop.rs",  "looped",      "update(model, msg)"),
    ("Enter", "app/update.rs",        "on_key",      "o.key(&mut m.cx, k)"),
    ("Enter", "app/overlay/mod.rs",   "key",         "cx.keymap.action_in("),
    ("Enter", "app/keymap.rs",        "action_in",   "self.lookup.get("),
    ("Enter", "app/overlay/mod.rs",   "key",         "self.layer_mut().key(cx, action, k)"),
    ("Enter", "app/overlay/page.rs",  "key",         "setup::page_trigger("),
    ("Enter", "delivery/setup.rs",    "page_trigger", "OutboundMessage"),
    ("Enter", "app/overlay/page.rs",  "key",         "Outcome::go(Goto::ConfirmInstead("),
    ("Enter", "app/overlay/step.rs",  "go",          "Step::Go"),
    ("Enter", "app/overlay/mod.rs",   "settle",      "open(cx, to, self)"),
    ("Enter", "app/overlay/mod.rs",   "open",        "Goto::ConfirmInstead(intent) => ask(cx, intent)"),
    ("Enter", "app/overlay/mod.rs",   "ask",         "confirm::Confirm::ask(intent, cx, None)"),
    ("Enter", "app/overlay/confirm.rs", "ask",       "intent.ask(cx)"),
    ("Enter", "app/intent.rs",        "ask",         "Intent::Page {"),
    ("y",     "shell/event_loop.rs",  "looped",      "update(model, msg)"),
    ("y",     "app/update.rs",        "on_key",      "o.key(&mut m.cx, k)"),
    ("y",     "app/overlay/mod.rs",   "key",         "cx.keymap.action_in("),
    ("y",     "app/keymap.rs",        "action_in",   "self.lookup.get("),
    ("y",     "app/overlay/mod.rs",   "key",         "self.layer_mut().key(cx, action, k)"),
    ("y",     "app/overlay/confirm.rs", "key",       ".run(cx)"),
    ("y",     "app/intent.rs",        "run",         "Cmd::Outbox(OutboxCmd::Send"),
    ("y",     "shell/event_loop.rs",  "carry_out",   "executor.send(other)"),
    ("y",     "shell/effects.rs",     "execute",     "Cmd::Outbox(c) => Some(outbox(fx, c))"),
    ("y",     "shell/effects.rs",     "outbox",      "fx.outbox(c)"),
    ("y",     "shell/real.rs",        "outbox",      "self.courier.run(c)"),
    ("y",     "shell/real.rs",        "run",         "ob.queue(msg)"),
    ("y",     "delivery/outbox.rs",   "queue",       "self.queue_to("),
]

def bodies(f, name):
    """The raw texts of every `fn name` in src/f (comments and strings kept)."""
    raw = open(os.path.join(ROOT, f), encoding="utf-8").read()
    s = strip(raw)
    out = []
    for m in re.finditer(r"\bfn\s+" + re.escape(name) + r"\b", s):
        k = s.find("{", m.end())
        if k < 0:
            continue
        out.append(raw[m.start():match_brace(s, k) + 1])
    return out

def cmd_road():
    files, per_key, broken = [], {}, 0
    for key, f, name, call in ROAD:
        ok = any(call in b for b in bodies(f, name))
        broken += not ok
        print(f"{key:6} {f:26} {name:14} {'->' if ok else 'MISSING:'} {call}")
        if f not in files:
            files.append(f)
        per_key.setdefault(key, [])
        if f not in per_key[key]:
            per_key[key].append(f)
    for key, fs in per_key.items():
        print(f"files crossed by {key}: {len(fs)}")
    print(f"files crossed from `p` to the outbox: {len(files)}")
    if broken:
        print(f"{broken} hop(s) not found: the road moved, update ROAD")
        sys.exit(1)

if __name__ == "__main__":
    a = sys.argv[1:] or ["fns"]
    if a[0] == "fns": cmd_fns(int(a[1]) if len(a) > 1 else 15)
    elif a[0] == "cycles": cmd_cycles()
    elif a[0] == "imports": cmd_imports(a[1])
    elif a[0] == "road": cmd_road()
    elif a[0] == "modules": cmd_modules()
    else: print(__doc__)
