/*
 * sdk/lib/netdb.c — getaddrinfo (POSIX.1-2017) for KPIO apps: numeric
 * IPv4 addresses directly, names through kpio_resolve; numeric ports and
 * a few well-known service names.
 */
#include <kpio.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ADDRESSES 16

/* One allocation per result: the addrinfo, then its address. */
struct result_node {
    struct addrinfo ai;
    struct sockaddr_in addr;
};

static const struct {
    const char *name;
    int port;
} services[] = {
    { "ftp", 21 }, { "ssh", 22 }, { "telnet", 23 }, { "smtp", 25 }, { "domain", 53 },
    { "http", 80 }, { "pop3", 110 }, { "ntp", 123 }, { "imap", 143 }, { "https", 443 },
    { "http-alt", 8080 },
};

/* The port of a service name or number; -1 if unknown. */
static int parse_service(const char *service, int numeric_only)
{
    if (!service)
        return 0;
    char *end;
    errno = 0;
    long port = strtol(service, &end, 10);
    if (*service && *end == 0 && errno == 0)
        return port >= 0 && port <= 65535 ? (int)port : -1;
    if (numeric_only)
        return -1;
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
        if (strcmp(services[i].name, service) == 0)
            return services[i].port;
    return -1;
}

/* Turn a kpio_resolve failure into an EAI_* code. */
static int resolve_error(kpio_errno e)
{
    switch (e) {
    case KPIO_ENOENT:
        return EAI_NONAME;
    case KPIO_ETIMEDOUT:
    case KPIO_EAGAIN:
        return EAI_AGAIN;
    case KPIO_ENOMEM:
        return EAI_MEMORY;
    default:
        errno = (int)e;
        return EAI_SYSTEM;
    }
}

int getaddrinfo(const char *__restrict node, const char *__restrict service,
                const struct addrinfo *__restrict hints, struct addrinfo **__restrict res)
{
    int flags = hints ? hints->ai_flags : 0;
    int family = hints ? hints->ai_family : AF_UNSPEC;
    int socktype = hints ? hints->ai_socktype : 0;
    int protocol = hints ? hints->ai_protocol : 0;

    *res = NULL;
    if (flags & ~(AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_V4MAPPED | AI_ALL |
                  AI_ADDRCONFIG | AI_NUMERICSERV))
        return EAI_BADFLAGS;
    if (!node && !service)
        return EAI_NONAME;
    if (family != AF_UNSPEC && family != AF_INET)
        return EAI_FAMILY;
    if (socktype != 0 && socktype != SOCK_STREAM && socktype != SOCK_DGRAM)
        return EAI_SOCKTYPE;
    int port = parse_service(service, flags & AI_NUMERICSERV);
    if (port < 0)
        return EAI_SERVICE;

    /* The addresses. */
    kpio_sockaddr found[MAX_ADDRESSES];
    uint32_t count = 0;
    struct in_addr numeric;
    if (!node) {
        memset(&found[0], 0, sizeof found[0]);
        uint32_t a = htonl((flags & AI_PASSIVE) ? INADDR_ANY : INADDR_LOOPBACK);
        memcpy(found[0].addr, &a, 4);
        count = 1;
    } else if (inet_pton(AF_INET, node, &numeric) == 1) {
        memset(&found[0], 0, sizeof found[0]);
        memcpy(found[0].addr, &numeric.s_addr, 4);
        count = 1;
    } else if (flags & AI_NUMERICHOST) {
        return EAI_NONAME;
    } else {
        kpio_errno e = kpio_resolve(node, (uint32_t)strlen(node), found, MAX_ADDRESSES, &count);
        if (e != KPIO_OK)
            return resolve_error(e);
        if (count == 0)
            return EAI_NONAME;
        if (count > MAX_ADDRESSES)
            count = MAX_ADDRESSES;
    }

    /* One result per address and socket type (stream, then datagram). */
    static const int types[2] = { SOCK_STREAM, SOCK_DGRAM };
    struct addrinfo *head = NULL, **tail = &head;
    for (uint32_t i = 0; i < count; i++) {
        for (int t = 0; t < 2; t++) {
            if (socktype && socktype != types[t])
                continue;
            struct result_node *n = calloc(1, sizeof *n);
            if (!n) {
                freeaddrinfo(head);
                return EAI_MEMORY;
            }
            n->addr.sin_family = AF_INET;
            n->addr.sin_port = htons((uint16_t)port);
            memcpy(&n->addr.sin_addr.s_addr, found[i].addr, 4);
            n->ai.ai_family = AF_INET;
            n->ai.ai_socktype = types[t];
            n->ai.ai_protocol = protocol ? protocol : (types[t] == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP);
            n->ai.ai_addrlen = sizeof n->addr;
            n->ai.ai_addr = (struct sockaddr *)&n->addr;
            *tail = &n->ai;
            tail = &n->ai.ai_next;
        }
    }
    if (head && (flags & AI_CANONNAME) && node) {
        head->ai_canonname = strdup(node);
        if (!head->ai_canonname) {
            freeaddrinfo(head);
            return EAI_MEMORY;
        }
    }
    *res = head;
    return 0;
}

void freeaddrinfo(struct addrinfo *ai)
{
    while (ai) {
        struct addrinfo *next = ai->ai_next;
        free(ai->ai_canonname);
        free(ai);   /* the addrinfo is the first member of its result_node */
        ai = next;
    }
}

const char *gai_strerror(int code)
{
    switch (code) {
    case 0:            return "Success";
    case EAI_BADFLAGS: return "Invalid flags";
    case EAI_NONAME:   return "Name does not resolve";
    case EAI_AGAIN:    return "Temporary failure in name resolution";
    case EAI_FAIL:     return "Non-recoverable failure in name resolution";
    case EAI_FAMILY:   return "Address family not supported";
    case EAI_SOCKTYPE: return "Socket type not supported";
    case EAI_SERVICE:  return "Unknown service";
    case EAI_MEMORY:   return "Out of memory";
    case EAI_SYSTEM:   return "System error";
    case EAI_OVERFLOW: return "Buffer overflow";
    }
    return "Unknown error";
}
