/*
 * runtime/kpio/kpio_link.c — the "kpio" import module: each function's
 * name and type (sdk/include/kpio.h, sdk/wit/kpio.wit), bound to its
 * implementation, plus the guest-memory helpers every implementation uses.
 */
#include "kpio_internal.h"

typedef kpio_errno (*kpio_impl)(kpio_process *self, wasm_instance *inst, const uint64_t *a);

static const struct {
    const char *name;
    const char *signature;
    kpio_impl impl;
} functions[] = {
    { "proc_spawn", "(ii)i", kpio_h_proc_spawn },
    { "proc_wait", "(iii)i", kpio_h_proc_wait },
    { "proc_kill", "(i)i", kpio_h_proc_kill },
    { "proc_self", "(i)i", kpio_h_proc_self },
    { "proc_list", "(iii)i", kpio_h_proc_list },
    { "pipe", "(i)i", kpio_h_pipe },
    { "sock_open", "(iii)i", kpio_h_sock_open },
    { "sock_connect", "(ii)i", kpio_h_sock_connect },
    { "sock_bind", "(ii)i", kpio_h_sock_bind },
    { "sock_listen", "(ii)i", kpio_h_sock_listen },
    { "sock_accept", "(iiii)i", kpio_h_sock_accept },
    { "sock_send_to", "(iiiiii)i", kpio_h_sock_send_to },
    { "sock_recv_from", "(iiiiii)i", kpio_h_sock_recv_from },
    { "sock_local_addr", "(ii)i", kpio_h_sock_local_addr },
    { "sock_peer_addr", "(ii)i", kpio_h_sock_peer_addr },
    { "sock_set_option", "(iiI)i", kpio_h_sock_set_option },
    { "sock_get_option", "(iii)i", kpio_h_sock_get_option },
    { "resolve", "(iiiii)i", kpio_h_resolve },
    { "sys_uname", "(i)i", kpio_h_sys_uname },
    { "sys_info", "(i)i", kpio_h_sys_info },
    { "fs_list", "(iii)i", kpio_h_fs_list },
    { "term_set_mode", "(ii)i", kpio_h_term_set_mode },
    { "term_get_size", "(ii)i", kpio_h_term_get_size },
    { "sys_power", "(i)i", kpio_h_sys_power },
    { "module_validate", "(iiii)i", kpio_h_module_validate },
};

#define NFUNCTIONS (sizeof functions / sizeof functions[0])

/* What each import is bound to: the process and the implementation. One
 * array per process, freed with it (see kpio_system.c). */
struct kpio_binding {
    kpio_process *process;
    kpio_impl impl;
};

static wasm_trap call(wasm_instance *inst, void *env, const uint64_t *args, uint64_t *results)
{
    struct kpio_binding *b = env;
    results[0] = b->impl(b->process, inst, args);
    return WASM_TRAP_NONE;
}

wasm_result kpio_link(wasm_linker *l, kpio_process *p)
{
    /* The bindings live as long as the process record (freed with it). */
    struct kpio_binding *b = p->bindings;
    if (!b) {
        b = kpio_calloc(NFUNCTIONS, sizeof *b);
        if (!b)
            return WASM_ERR_NOMEM;
        p->bindings = b;
    }
    for (size_t i = 0; i < NFUNCTIONS; i++) {
        b[i].process = p;
        b[i].impl = functions[i].impl;
        wasm_result r = wasm_linker_define_func(l, "kpio", functions[i].name,
                                                functions[i].signature, call, &b[i]);
        if (r != WASM_OK)
            return r;
    }
    return WASM_OK;
}

uint8_t *kpio_mem(wasm_instance *inst, uint32_t ptr, uint32_t len)
{
    if (!wasm_memory_check(inst, ptr, len))
        return NULL;
    return wasm_memory_base(inst) + ptr;
}

void kpio_st16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void kpio_st32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void kpio_st64(uint8_t *p, uint64_t v)
{
    kpio_st32(p, (uint32_t)v);
    kpio_st32(p + 4, (uint32_t)(v >> 32));
}

uint16_t kpio_ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t kpio_ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* kpio_sockaddr: u16 family, u16 port, u8 addr[16] (kpio.h). */
kpio_errno kpio_put_sockaddr(wasm_instance *inst, uint32_t ptr, const kpio_sockaddr *a)
{
    uint8_t *p = kpio_mem(inst, ptr, sizeof(kpio_sockaddr));
    if (!p)
        return KPIO_EFAULT;
    kpio_st16(p, a->family);
    kpio_st16(p + 2, a->port);
    memcpy(p + 4, a->addr, 16);
    return KPIO_OK;
}

kpio_errno kpio_get_sockaddr(wasm_instance *inst, uint32_t ptr, kpio_sockaddr *a)
{
    const uint8_t *p = kpio_mem(inst, ptr, sizeof(kpio_sockaddr));
    if (!p)
        return KPIO_EFAULT;
    a->family = kpio_ld16(p);
    a->port = kpio_ld16(p + 2);
    memcpy(a->addr, p + 4, 16);
    if (a->family == KPIO_AF_INET6)
        return KPIO_EAFNOSUPPORT;
    if (a->family != KPIO_AF_INET)
        return KPIO_EINVAL;
    return KPIO_OK;
}
