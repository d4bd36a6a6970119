#!/usr/bin/env python3
"""tests/bench/gen_big.py N OUT.c — write a C file with N distinct functions
(arithmetic, branches, loops and a switch each), all reachable through a
function table so the linker keeps them: a few MB of wasm code for the
load/validate/instantiate benchmark. main() returns at once unless given an
argument, so running the module measures start-up alone."""
import sys

n, out = int(sys.argv[1]), sys.argv[2]
with open(out, "w") as f:
    f.write("#include <stdio.h>\n#include <stdlib.h>\n\n")
    for i in range(n):
        a, b, c = i * 7 % 31 + 1, i * 13 % 29 + 2, i % 11 + 3
        f.write(f"""static long long f{i}(long long x, double y)
{{
    long long acc = x * {a} + {b};
    for (int k = 0; k < (int)(x & {c}); k++) {{
        acc ^= acc << {c % 5 + 1};
        acc += k * {b} - (acc >> 3);
        y = y * 1.{a} + (double)k / {c}.0;
    }}
    switch ((int)(acc & 7)) {{
    case 0: acc += {a * 3}; break;
    case 1: acc -= {b * 5}; y -= 0.5; break;
    case 2: acc *= {c}; break;
    case 3: acc = acc / {c} + (long long)y; break;
    case 4: y = y * y - {a}.25; break;
    case 5: acc ^= 0x{i:x}; break;
    default: acc = (acc << 1) | (acc >> 60);
    }}
    if (y > {b}.0 && acc % {a + 2} == 0)
        acc += (long long)(y * {c}.5);
    else if (acc < 0)
        acc = -acc + {i % 97};
    return acc + (long long)y;
}}

""")
    f.write("static long long (*const table[])(long long, double) = {\n")
    for i in range(n):
        f.write(f"    f{i},\n")
    f.write("};\n\n")
    f.write(f"""int main(int argc, char **argv)
{{
    if (argc < 2)
        return 0;
    long long sum = 0;
    for (int i = 0; i < {n}; i++)
        sum += table[(i * atoi(argv[1])) % {n}](i, 0.5);
    printf("%lld\\n", sum);
    return 0;
}}
""")
