#!/usr/bin/python3
"""cmdargs_from_json.py - turns Redis 7.0 command JSON (src/commands/*.json) into
Vesper Command table entries, with Command.args in the grammar of src/core/cmdargs.h.

  tools/cmdargs_from_json.py [--args-only] [--proc NAME=cproc ...] FILE.json...

Prints one C initializer per command (containers get their subcommand arrays
first). With --args-only, prints "name<TAB>args-string" lines (as C string
literals), used by the round-trip check. The JSON is a description of behaviour
(names, arity, flags, docs); nothing here is Redis code."""
import json, re, sys, os

BARE = re.compile(r"^[A-Za-z0-9_\-]+$")
TYPES = {"string", "integer", "double", "key", "pattern", "unix-time", "pure-token"}


def canonical(args):
    """Redis's build lower-cases argument names and upper-cases tokens; so do we."""
    out = []
    for a in args:
        a = dict(a)
        a["name"] = a["name"].lower()
        if "token" in a:
            a["token"] = a["token"].upper()
        if "arguments" in a:
            a["arguments"] = canonical(a["arguments"])
        out.append(a)
    return out


def default_name(a):
    t = a["type"]
    if t == "pure-token":
        return a["token"].lower() if "token" in a else None
    if t in ("oneof", "block"):
        return "_".join(x["name"] for x in a["arguments"])
    return None


class Gen:
    def __init__(self):
        self.keys_seen = 0

    def attrs(self, a):
        out = []
        dn = default_name(a)
        if dn is not None and dn != a["name"]:
            out.append(a["name"])
        if "since" in a:
            out.append("@" + a["since"])
        if "deprecated_since" in a:
            out.append("!" + a["deprecated_since"])
        ksi = a.get("key_spec_index", -1)
        if a["type"] == "key":
            if ksi != self.keys_seen:
                out.append("#%d" % ksi)
            self.keys_seen += 1
        elif ksi != -1:
            out.append("#%d" % ksi)
        if a.get("multiple_token"):
            out.append("+")
        return "{" + " ".join(out) + "}" if out else ""

    @staticmethod
    def token(t):
        if BARE.match(t):
            return t
        assert "'" not in t
        return "'" + t + "'"

    def core(self, a):
        """Returns (text, kind): kind 'unit' (one item), 'seq' (a sequence that
        folds to the argument inside a group) or 'alts' (oneof alternatives)."""
        t = a["type"]
        tok = self.token(a["token"]) if "token" in a else None
        if t == "pure-token":
            if tok is None:
                return a["name"] + ":pure-token", "unit"
            return tok, "unit"
        if t in TYPES:
            s = a["name"] + ":" + t
            return (tok + " " + s, "seq") if tok else (s, "unit")
        if t == "oneof":
            alts = "|".join(self.alt(x) for x in a["arguments"])
            if tok:
                return tok + " (" + alts + ")", "seq"
            return alts, "alts"
        # block
        kids = a["arguments"]
        parts = [self.item(x) for x in kids]
        if not tok and kids[0]["type"] == "pure-token" and BARE.match(parts[0]):
            parts[0] = "(" + parts[0] + ")"   # keep a leading token a child of its own
        if len(kids) == 1:
            return "<" + " ".join(([tok] if tok else []) + parts) + ">", "unit"
        return " ".join(([tok] if tok else []) + parts), "seq"

    def item(self, a):
        text, kind = self.core(a)
        mult = "..." if a.get("multiple") else ""
        attrs = self.attrs(a)
        if a.get("optional"):
            return "[" + text + "]" + mult + attrs
        if kind == "unit":
            return text + mult + attrs
        return "(" + text + ")" + mult + attrs

    def alt(self, a):
        text, kind = self.core(a)
        if kind == "seq" and a["type"] in TYPES and not a.get("optional"):
            # "EX seconds:integer{@2.6.12}": suffixes may sit on the last unit
            return text + ("..." if a.get("multiple") else "") + self.attrs(a)
        return self.item(a)


def args_string(cmd):
    g = Gen()
    first = " ".join(g.item(a) for a in canonical(cmd.get("arguments", [])))
    extra = []
    for since, text in cmd.get("history", []) or []:
        extra.append("history %s %s" % (since, text))
    for tip in cmd.get("command_tips", []) or []:
        extra.append("tip " + tip.lower())
    for i, ks in enumerate(cmd.get("key_specs", []) or []):
        if "notes" in ks:
            extra.append("keynote %d %s" % (i, ks["notes"]))
    if not first and not extra:
        return None
    return "\n".join([first] + extra)


def c_str(s):
    if s is None:
        return "NULL"
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


FLAG_MAP = {"NOSCRIPT": "CMD_NOSCRIPT", "MOVABLE_KEYS": "CMD_MOVABLE_KEYS", "NO_AUTH": "CMD_NO_AUTH",
            "NO_MANDATORY_KEYS": "CMD_NO_MANDATORY_KEYS", "NO_ASYNC_LOADING": "CMD_NO_ASYNC_LOADING",
            "NO_MULTI": "CMD_NO_MULTI", "ALLOW_BUSY": "CMD_ALLOW_BUSY", "SKIP_MONITOR": "CMD_SKIP_MONITOR",
            "SKIP_SLOWLOG": "CMD_SKIP_SLOWLOG", "MAY_REPLICATE": "CMD_MAY_REPLICATE",
            "ONLY_SENTINEL": "CMD_ONLY_SENTINEL"}
KS_FLAGS = ["RO", "RW", "OW", "RM", "ACCESS", "UPDATE", "INSERT", "DELETE", "NOT_KEY", "INCOMPLETE", "VARIABLE_FLAGS"]


def flags_expr(names, prefix, mapping=None):
    out = []
    for n in names:
        if mapping and n in mapping:
            out.append(mapping[n])
        elif n == "TOUCHES_ARBITRARY_KEYS":
            continue
        else:
            out.append(prefix + n)
    return "|".join(out) if out else "0"


def keyspec_c(ks):
    fl = flags_expr(ks["flags"], "KS_")
    bs, fk = ks["begin_search"], ks["find_keys"]
    parts = [".flags = %s" % fl]
    if "index" in bs:
        parts.append(".bs_index = %d" % bs["index"]["pos"])
    elif "keyword" in bs:
        parts.append('.bs_keyword = %s, .bs_startfrom = %d' % (c_str(bs["keyword"]["keyword"]), bs["keyword"]["startfrom"]))
    if "range" in fk:
        r = fk["range"]
        parts.append(".fk_type = 0, .fk_lastkey = %d, .fk_step = %d, .fk_limit = %d" % (r["lastkey"], r["step"], r["limit"]))
    elif "keynum" in fk:
        k = fk["keynum"]
        parts.append(".fk_type = 1, .fk_keynumidx = %d, .fk_firstkey = %d, .fk_keystep = %d" % (k["keynumidx"], k["firstkey"], k["step"]))
    else:
        parts.append(".fk_type = 2")
    return "{" + ", ".join(parts) + "}"


def entry_c(name, cmd, procs, subs_var=None, indent="    "):
    f = []
    f.append(".name = %s" % c_str(name.lower()))
    f.append(".proc = %s" % procs.get(name.lower(), procs.get(cmd.get("function", ""), "NULL")))
    f.append(".arity = %d" % cmd["arity"])
    f.append(".flags = %s" % flags_expr(cmd.get("command_flags", []), "CMD_", FLAG_MAP))
    f.append(".acl = %s" % flags_expr(cmd.get("acl_categories", []), "ACL_"))
    f.append(".group = %s" % c_str(cmd["group"]))
    f.append(".summary = %s" % c_str(cmd.get("summary")))
    f.append(".since = %s" % c_str(cmd.get("since")))
    if cmd.get("complexity"):
        f.append(".complexity = %s" % c_str(cmd["complexity"]))
    a = args_string(cmd)
    if a is not None:
        parts = a.split("\n")
        lits = [c_str(x + "\n") for x in parts[:-1]] + [c_str(parts[-1])]
        f.append(".args = " + ("\n" + indent + "         ").join(lits))
    ks = cmd.get("key_specs") or []
    if ks:
        f.append(".keyspecs = {%s}" % ", ".join(keyspec_c(k) for k in ks))
        f.append(".nkeyspecs = %d" % len(ks))
    if subs_var:
        f.append(".subcommands = %s" % subs_var)
    if cmd.get("doc_flags"):
        f.append(".doc_flags = %s" % c_str(" ".join(x.lower() for x in cmd["doc_flags"])))
    if cmd.get("deprecated_since"):
        f.append(".deprecated_since = %s" % c_str(cmd["deprecated_since"]))
    if cmd.get("replaced_by"):
        f.append(".replaced_by = %s" % c_str(cmd["replaced_by"]))
    lines, cur = [], ""
    for field in f:
        if cur and (len(cur) + len(field) + 2 > 100 or "\n" in field):
            lines.append(cur + ",")
            cur = ""
        cur = cur + ", " + field if cur else field
    lines.append(cur)
    return indent + "{" + ("\n" + indent + " ").join(lines) + "}"


def main():
    argv = sys.argv[1:]
    args_only = False
    procs = {}
    files = []
    while argv:
        a = argv.pop(0)
        if a == "--args-only":
            args_only = True
        elif a == "--proc":
            k, v = argv.pop(0).split("=", 1)
            procs[k] = v
        else:
            files.append(a)
    cmds = {}
    for path in files:
        for name, cmd in json.load(open(path)).items():
            cmds[(cmd.get("container", ""), name)] = cmd
    if args_only:
        for (cont, name), cmd in sorted(cmds.items()):
            full = (cont + "|" + name if cont else name).lower()
            print(full + "\t" + c_str(args_string(cmd)))
        return
    tops = {name for (cont, name) in cmds if not cont}
    for cont in sorted({ct for (ct, n) in cmds if ct and ct not in tops}):
        print("static Command %s_subcommands[] = {" % cont.lower().replace("-", "_"))
        for (ct, n), c in sorted(cmds.items()):
            if ct == cont:
                print(entry_c(n, c, procs) + ",")
        print("    {0}};\n")
    for (cont, name), cmd in sorted(cmds.items()):
        if cont:
            continue
        subs = sorted((n, c) for (ct, n), c in cmds.items() if ct == name)
        var = None
        if subs:
            var = name.lower().replace("-", "_") + "_subcommands"
            print("static Command %s[] = {" % var)
            for n, c in subs:
                print(entry_c(n, c, procs) + ",")
            print("    {0}};\n")
        print(entry_c(name, cmd, procs, var) + ",")


if __name__ == "__main__":
    main()
