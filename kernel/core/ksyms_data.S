/* kernel/core/ksyms_data.S — the symbol table blob for the second link
 * (KSYMS_BIN names the file tools/ksyms.py wrote; empty for the first link). */
    .section .ksyms, "a"
    .incbin KSYMS_BIN
