/*
 * runtime/host/kpio_wasm.c — the hosted kpio-wasm command:
 *
 *   kpio-wasm run [--dir HOST[::GUEST]] [--env K[=V]] [--fuel N] [--interp]
 *                 [--tcplisten HOST:PORT] [--net none|loopback|all] MODULE.wasm [ARGS...]
 *   kpio-wasm validate FILE
 *   kpio-wasm inspect FILE
 *
 * `run` gives the module WASI Preview 1 over the Linux backend and behaves
 * as wasmtime does: the exit status is the module's proc_exit code (0 when
 * _start returns), a trap prints a message on stderr and exits 134, a bad
 * module or command line prints an error and exits 1 (2 for usage).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "kpio_host.h"
#include "kpio_linux.h"
#include "kpio_wasm.h"
#include "wasi.h"
#include "wasi_posix.h"

#define EXIT_TRAP 134           /* 128 + SIGABRT, as wasmtime exits on a trap */

static void usage(void)
{
    fprintf(stderr,
            "usage: kpio-wasm run [--dir HOST[::GUEST]] [--env K[=V]] [--fuel N] [--interp]\n"
            "                     [--tcplisten HOST:PORT] [--net none|loopback|all]\n"
            "                     MODULE.wasm [ARGS...]\n"
            "       kpio-wasm validate FILE\n"
            "       kpio-wasm inspect FILE\n");
}

uint8_t *cli_read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "kpio-wasm: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    /* a regular file's size up front: one read into one buffer (large
     * modules would otherwise be copied at each doubling) */
    struct stat st;
    size_t cap = 1 << 16, len = 0;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        cap = (size_t)st.st_size + 1;
    uint8_t *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap)
            break;
        uint8_t *grown = realloc(buf, cap * 2);
        if (!grown) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = grown;
        cap *= 2;
    }
    bool bad = ferror(f) || !buf;
    fclose(f);
    if (bad) {
        fprintf(stderr, "kpio-wasm: cannot read %s\n", path);
        free(buf);
        return NULL;
    }
    *size = len;
    return buf;
}

static int cmd_validate(const char *path)
{
    size_t size;
    uint8_t *bytes = cli_read_file(path, &size);
    if (!bytes)
        return 1;
    wasm_error err;
    wasm_result r = wasm_module_validate(bytes, size, &err);
    free(bytes);
    if (r != WASM_OK) {
        fprintf(stderr, "kpio-wasm: %s: %s\n", path, err.message);
        return 1;
    }
    printf("%s: valid\n", path);
    return 0;
}

/* Open a TCP listener on HOST:PORT (an IPv4 address). -1 on failure. */
static int tcp_listen(const char *spec)
{
    char host[64];
    const char *colon = strrchr(spec, ':');
    if (!colon || (size_t)(colon - spec) >= sizeof(host))
        return -1;
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = 0;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1)) };
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
        return -1;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 16) < 0) {
        if (s >= 0)
            close(s);
        return -1;
    }
    return s;
}

typedef struct run_options {
    wasi_ctx *wasi;
    wasm_limits limits;
    const char *module_path;
    const char *net;            /* the kpio API's network permission */
    kpio_process *proc;         /* this module in the kpio process table */
} run_options;

/* Parse `run`'s options into o (setting up the WASI context as we go).
 * Returns the index of MODULE in argv, or -1 after printing an error. */
static int parse_run_options(int argc, char **argv, run_options *o)
{
    int i = 2;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
        const char *opt = argv[i];
        if (!strcmp(opt, "--")) {
            i++;
            break;
        }
        if (!strcmp(opt, "--interp")) {
            wasm_runtime_set_engine(WASM_ENGINE_INTERP);    /* else the JIT where available */
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "kpio-wasm: %s needs a value\n", opt);
            return -1;
        }
        const char *val = argv[++i];
        if (!strcmp(opt, "--dir")) {
            char host[4096];
            const char *sep = strstr(val, "::");
            const char *guest = sep ? sep + 2 : val;
            size_t hl = sep ? (size_t)(sep - val) : strlen(val);
            if (hl == 0 || hl >= sizeof(host) || !*guest) {
                fprintf(stderr, "kpio-wasm: bad --dir %s\n", val);
                return -1;
            }
            memcpy(host, val, hl);
            host[hl] = 0;
            int fd = open(host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (fd < 0) {
                fprintf(stderr, "kpio-wasm: cannot open directory %s: %s\n", host, strerror(errno));
                return -1;
            }
            if (wasi_ctx_preopen_dir(o->wasi, fd, guest) < 0)
                return -1;
        } else if (!strcmp(opt, "--env")) {
            int r;
            if (strchr(val, '=')) {
                r = wasi_ctx_add_env(o->wasi, val);
            } else {                    /* --env K: pass the host's value on */
                const char *v = getenv(val);
                if (!v)
                    continue;
                char *kv = malloc(strlen(val) + strlen(v) + 2);
                if (!kv)
                    return -1;
                sprintf(kv, "%s=%s", val, v);
                r = wasi_ctx_add_env(o->wasi, kv);
                free(kv);
            }
            if (r < 0)
                return -1;
        } else if (!strcmp(opt, "--fuel")) {
            char *end;
            o->limits.fuel = strtoull(val, &end, 10);
            if (*end || o->limits.fuel == 0) {
                fprintf(stderr, "kpio-wasm: bad --fuel %s\n", val);
                return -1;
            }
        } else if (!strcmp(opt, "--net")) {
            if (strcmp(val, "none") && strcmp(val, "loopback") && strcmp(val, "all")) {
                fprintf(stderr, "kpio-wasm: bad --net %s (none, loopback or all)\n", val);
                return -1;
            }
            o->net = val;
        } else if (!strcmp(opt, "--tcplisten")) {
            int s = tcp_listen(val);
            if (s < 0) {
                fprintf(stderr, "kpio-wasm: cannot listen on %s: %s\n", val, strerror(errno));
                return -1;
            }
            if (wasi_ctx_preopen_socket(o->wasi, s) < 0)
                return -1;
        } else {
            fprintf(stderr, "kpio-wasm: unknown option %s\n", opt);
            usage();
            return -1;
        }
    }
    if (i >= argc) {
        usage();
        return -1;
    }
    return i;
}

/* Instantiate and run _start; returns the process exit status. */
static int run_module(run_options *o, wasm_module *m)
{
    wasm_error err;
    wasm_linker *l = wasm_linker_new();
    if (!l || wasi_link(l, o->wasi) != WASM_OK || kpio_link(l, o->proc) != WASM_OK) {
        fprintf(stderr, "kpio-wasm: cannot set up WASI and kpio imports\n");
        wasm_linker_free(l);
        return 1;
    }
    wasm_instance *inst = wasm_instantiate(m, l, &o->limits, o->wasi, &err);
    wasm_result r = WASM_OK;
    if (!inst) {
        r = err.result;
        if (r != WASM_ERR_TRAP && r != WASM_ERR_EXIT) {
            fprintf(stderr, "kpio-wasm: %s: cannot instantiate: %s\n", o->module_path,
                    err.message);
            wasm_linker_free(l);
            return 1;
        }
    } else {
        kpio_process_set_instance(o->proc, inst);
        r = wasm_call(inst, "_start", NULL, 0, NULL, 0, &err);
        kpio_process_set_instance(o->proc, NULL);
    }
    int status = 0;
    switch (r) {
    case WASM_OK:
        break;
    case WASM_ERR_EXIT: {
        int sig = wasi_ctx_raised_signal(o->wasi);
        if (sig) {
            fprintf(stderr, "kpio-wasm: %s: terminated by SIG%s\n", o->module_path,
                    wasi_signal_name(sig));
            status = err.exit_code;
        } else if (err.exit_code < 0 || err.exit_code >= 126) {
            /* wasmtime: statuses 126 and up mean something else to shells */
            fprintf(stderr, "kpio-wasm: %s: exit with invalid exit status outside of [0..126)\n",
                    o->module_path);
            status = 1;
        } else {
            status = err.exit_code;
        }
        break;
    }
    case WASM_ERR_TRAP:
        fprintf(stderr, "kpio-wasm: %s: wasm trap: %s\n", o->module_path,
                wasm_trap_message(err.trap));
        status = EXIT_TRAP;
        break;
    case WASM_ERR_NOT_FOUND:
        fprintf(stderr, "kpio-wasm: %s: no _start function to run\n", o->module_path);
        status = 1;
        break;
    default:
        fprintf(stderr, "kpio-wasm: %s: %s\n", o->module_path, err.message);
        status = 1;
        break;
    }
    wasm_instance_free(inst);
    wasm_linker_free(l);
    return status;
}

static int cmd_run(int argc, char **argv)
{
    wasi_backend be;
    wasi_posix_backend(&be);
    run_options o = { .wasi = wasi_ctx_new(&be) };
    if (!o.wasi)
        return 1;
    for (int fd = 0; fd < 3; fd++)
        wasi_ctx_set_stdio(o.wasi, fd, fd, false);
    int status = 1;
    int mi = parse_run_options(argc, argv, &o);
    if (mi < 0) {
        wasi_ctx_free(o.wasi);
        return 2;
    }
    o.module_path = argv[mi];
    if (wasi_ctx_set_args(o.wasi, argc - mi, (const char *const *)argv + mi) < 0) {
        wasi_ctx_free(o.wasi);
        return 1;
    }
    /* The kpio process table, with this module as its first process. */
    kpio_backend kbe;
    kpio_linux_backend(&kbe, o.net && !strcmp(o.net, "all"));
    kpio_system *sys = kpio_system_new(&kbe, &be);
    kpio_permissions perms = { .network = !o.net || strcmp(o.net, "none") != 0, .system = true };
    o.proc = sys ? kpio_process_attach(sys, o.wasi, o.module_path, &perms) : NULL;
    size_t size;
    uint8_t *bytes = o.proc ? cli_read_file(o.module_path, &size) : NULL;
    if (bytes) {
        wasm_error err;
        wasm_module *m = wasm_module_load(bytes, size, &err);
        free(bytes);
        if (!m) {
            fprintf(stderr, "kpio-wasm: %s: %s\n", o.module_path, err.message);
        } else {
            status = run_module(&o, m);
            wasm_module_free(m);
        }
    }
    if (o.proc)
        kpio_process_detach(o.proc);
    kpio_system_free(sys);   /* stops what the module started and left running */
    wasi_ctx_free(o.wasi);
    return status;
}

int main(int argc, char **argv)
{
    /* A write to a closed pipe gives the module EPIPE instead of killing us. */
    signal(SIGPIPE, SIG_IGN);
    if (argc < 3) {
        usage();
        return 2;
    }
    if (!strcmp(argv[1], "run"))
        return cmd_run(argc, argv);
    if (!strcmp(argv[1], "validate") && argc == 3)
        return cmd_validate(argv[2]);
    if (!strcmp(argv[1], "inspect") && argc == 3)
        return cli_inspect(argv[2]);
    usage();
    return 2;
}
