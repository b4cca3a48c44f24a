#!/usr/bin/python3
# Turns a .config into a C header where every bool symbol of Kconfig is
# defined as CFG_<NAME> 0 or 1, so code can say `if (CFG_X)` and -Wundef
# catches typos.  Usage: mkconfig.py KCONFIG DOTCONFIG OUT_HEADER
import os, sys
import kconfiglib

def main():
    kconfig, dotconfig, out = sys.argv[1:4]
    kconf = kconfiglib.Kconfig(kconfig, warn_to_stderr=False)
    kconf.load_config(dotconfig)
    lines = ["/* generated from %s by config/mkconfig.py: do not edit */" % dotconfig,
             "#ifndef MACHBOX_GENERATED_CONFIG_H",
             "#define MACHBOX_GENERATED_CONFIG_H"]
    for name in sorted(kconf.syms):
        sym = kconf.syms[name]
        if sym.type != kconfiglib.BOOL:
            continue
        lines.append("#define CFG_%s %d" % (name, 1 if sym.str_value == "y" else 0))
    lines.append("#endif")
    text = "\n".join(lines) + "\n"
    try:
        with open(out) as f:
            if f.read() == text:
                return  # keep the timestamp: nothing rebuilds
    except FileNotFoundError:
        pass
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, out)

main()
