/*
 * kernel/dev/pci.c — PCI enumeration, configuration space, BARs, MSI-X/MSI,
 * the driver registry and lspci.
 *
 * Configuration space: ECAM (PCI Express Base 5.0 §7.2.2: function F of
 * device D on bus B at base + (B << 20 | D << 15 | F << 12)), one 1 MiB window
 * per bus mapped on first use; without an MCFG, configuration mechanism #1
 * (PCI Local Bus 3.0 §3.2.2.3.2: address at 0xCF8, data at 0xCFC), which
 * reaches the first 256 bytes only.
 */
#include "dev/pci.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "core/log.h"
#include "core/monitor.h"
#include "dev/acpi.h"
#include "lib/lib.h"
#include "mm/mm.h"
#include "mm/vm.h"
#include "sched/sched.h"

#define PCI_VENDOR      0x00
#define PCI_DEVICE      0x02
#define PCI_COMMAND     0x04
#define PCI_STATUS      0x06
#define PCI_REVISION    0x08
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0        0x10
#define PCI_SECONDARY   0x19
#define PCI_SUBSYS_VENDOR 0x2c
#define PCI_SUBSYS_ID   0x2e
#define PCI_CAP_PTR     0x34
#define PCI_INT_PIN     0x3d
#define CMD_IO          0x0001
#define CMD_MEMORY      0x0002
#define CMD_MASTER      0x0004
#define CMD_INTX_OFF    0x0400
#define STATUS_CAPS     0x0010

static struct list_node devices = LIST_INIT(devices);
static struct list_node drivers = LIST_INIT(drivers);
static spinlock_t cf8_lock = SPINLOCK_INIT("pci-cf8");
static struct mutex registry_lock;
static bool registry_ready;
static void *ecam_bus[ACPI_MAX_MCFG][256];      /* mapped 1 MiB windows */

/* ---- configuration space ---- */

/* The ECAM address of (dev, off), or NULL to use the legacy ports. */
static volatile void *ecam(const struct pci_dev *dev, uint16_t off)
{
    for (unsigned i = 0; i < acpi.mcfg_count; i++) {
        const struct acpi_mcfg *m = &acpi.mcfg[i];
        if (m->segment != dev->segment || dev->bus < m->bus_start || dev->bus > m->bus_end)
            continue;
        if (!ecam_bus[i][dev->bus]) {
            ecam_bus[i][dev->bus] = mmio_map(m->base + ((uint64_t)dev->bus << 20), 1u << 20);
            if (!ecam_bus[i][dev->bus])
                return NULL;
        }
        return (uint8_t *)ecam_bus[i][dev->bus] + ((uint32_t)dev->slot << 15 | (uint32_t)dev->func << 12 | off);
    }
    return NULL;
}

static uint32_t cf8_address(const struct pci_dev *dev, uint16_t off)
{
    return 0x80000000u | (uint32_t)dev->bus << 16 | (uint32_t)dev->slot << 11 |
           (uint32_t)dev->func << 8 | (off & 0xfc);
}

uint32_t pci_read32(struct pci_dev *dev, uint16_t off)
{
    volatile void *p = ecam(dev, off);
    if (p)
        return *(volatile uint32_t *)p;
    if (off >= 256 || dev->segment)
        return 0xffffffffu;
    uint64_t flags = spin_lock_irqsave(&cf8_lock);
    outl(0xcf8, cf8_address(dev, off));
    uint32_t v = inl(0xcfc);
    spin_unlock_irqrestore(&cf8_lock, flags);
    return v;
}

uint16_t pci_read16(struct pci_dev *dev, uint16_t off)
{
    volatile void *p = ecam(dev, off);
    if (p)
        return *(volatile uint16_t *)p;
    return (uint16_t)(pci_read32(dev, off & ~3) >> (8 * (off & 2)));
}

uint8_t pci_read8(struct pci_dev *dev, uint16_t off)
{
    volatile void *p = ecam(dev, off);
    if (p)
        return *(volatile uint8_t *)p;
    return (uint8_t)(pci_read32(dev, off & ~3) >> (8 * (off & 3)));
}

void pci_write32(struct pci_dev *dev, uint16_t off, uint32_t v)
{
    volatile void *p = ecam(dev, off);
    if (p) {
        *(volatile uint32_t *)p = v;
        return;
    }
    if (off >= 256 || dev->segment)
        return;
    uint64_t flags = spin_lock_irqsave(&cf8_lock);
    outl(0xcf8, cf8_address(dev, off));
    outl(0xcfc, v);
    spin_unlock_irqrestore(&cf8_lock, flags);
}

void pci_write16(struct pci_dev *dev, uint16_t off, uint16_t v)
{
    volatile void *p = ecam(dev, off);
    if (p) {
        *(volatile uint16_t *)p = v;
        return;
    }
    uint32_t old = pci_read32(dev, off & ~3);
    unsigned shift = 8 * (off & 2);
    pci_write32(dev, off & ~3, (old & ~(0xffffu << shift)) | (uint32_t)v << shift);
}

/* ---- enumeration ---- */

/* Size the BARs (PCI Local Bus 3.0 §6.2.5.1): write all ones, read back the
 * writable bits, restore; decoding is off meanwhile. */
static void size_bars(struct pci_dev *dev)
{
    unsigned count = dev->header_type == 0 ? 6 : dev->header_type == 1 ? 2 : 0;
    uint16_t cmd = pci_read16(dev, PCI_COMMAND);
    pci_write16(dev, PCI_COMMAND, cmd & ~(CMD_IO | CMD_MEMORY));
    for (unsigned i = 0; i < count; i++) {
        uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);
        uint32_t orig = pci_read32(dev, off);
        pci_write32(dev, off, 0xffffffffu);
        uint32_t mask = pci_read32(dev, off);
        pci_write32(dev, off, orig);
        struct pci_bar *b = &dev->bar[i];
        if (mask == 0 || mask == 0xffffffffu)
            continue;
        if (orig & 1) {
            b->io = true;
            b->phys = orig & ~3u;
            b->size = (~(mask & ~3u) + 1) & 0xffff;
            continue;
        }
        uint64_t base = orig & ~0xfu, size_mask = mask & ~0xfu;
        b->prefetchable = orig & 8;
        if (((orig >> 1) & 3) == 2 && i + 1 < count) {
            uint32_t orig_hi = pci_read32(dev, off + 4);
            pci_write32(dev, off + 4, 0xffffffffu);
            uint32_t mask_hi = pci_read32(dev, off + 4);
            pci_write32(dev, off + 4, orig_hi);
            base |= (uint64_t)orig_hi << 32;
            size_mask |= (uint64_t)mask_hi << 32;
            b->is64 = true;
            i++;                        /* the upper half is not a BAR of its own */
        } else {
            size_mask |= 0xffffffff00000000ull;
        }
        b->phys = base;
        b->size = ~size_mask + 1;
    }
    pci_write16(dev, PCI_COMMAND, cmd);
}

static void scan_bus(uint16_t segment, uint8_t bus, uint64_t *seen, int *count);

static void add_function(uint16_t segment, uint8_t bus, uint8_t slot, uint8_t func,
                         uint64_t *seen, int *count)
{
    struct pci_dev probe = { .segment = segment, .bus = bus, .slot = slot, .func = func };
    uint16_t vendor = pci_read16(&probe, PCI_VENDOR);
    if (vendor == 0xffff)
        return;
    struct pci_dev *dev = kzalloc(sizeof *dev);
    if (!dev)
        return;
    *dev = probe;
    dev->vendor = vendor;
    dev->device = pci_read16(dev, PCI_DEVICE);
    uint32_t class_rev = pci_read32(dev, PCI_REVISION);
    dev->revision = (uint8_t)class_rev;
    dev->prog_if = (uint8_t)(class_rev >> 8);
    dev->subclass = (uint8_t)(class_rev >> 16);
    dev->class_code = (uint8_t)(class_rev >> 24);
    dev->header_type = pci_read8(dev, PCI_HEADER_TYPE) & 0x7f;
    dev->irq_pin = pci_read8(dev, PCI_INT_PIN);
    if (dev->header_type == 0) {
        dev->subsys_vendor = pci_read16(dev, PCI_SUBSYS_VENDOR);
        dev->subsys_id = pci_read16(dev, PCI_SUBSYS_ID);
    }
    size_bars(dev);
    list_push_back(&devices, &dev->node);
    (*count)++;
    /* Bridges lead to more buses (numbered by the firmware). */
    if (dev->header_type == 1) {
        uint8_t secondary = pci_read8(dev, PCI_SECONDARY);
        if (secondary > bus)
            scan_bus(segment, secondary, seen, count);
    }
}

static void scan_bus(uint16_t segment, uint8_t bus, uint64_t *seen, int *count)
{
    if (seen[bus / 64] & (1ull << (bus % 64)))
        return;                         /* a bridge loop: never twice */
    seen[bus / 64] |= 1ull << (bus % 64);
    for (uint8_t slot = 0; slot < 32; slot++) {
        struct pci_dev f0 = { .segment = segment, .bus = bus, .slot = slot };
        if (pci_read16(&f0, PCI_VENDOR) == 0xffff)
            continue;
        bool multi = pci_read8(&f0, PCI_HEADER_TYPE) & 0x80;
        for (uint8_t func = 0; func < (multi ? 8 : 1); func++)
            add_function(segment, bus, slot, func, seen, count);
    }
}

static bool matches(const struct pci_driver *drv, const struct pci_dev *dev)
{
    return (drv->vendor == PCI_ANY_ID || drv->vendor == dev->vendor) &&
           (drv->device == PCI_ANY_ID || drv->device == dev->device) &&
           (drv->class_code == PCI_ANY_CLASS || drv->class_code == dev->class_code) &&
           (drv->subclass == PCI_ANY_CLASS || drv->subclass == dev->subclass);
}

/* Probe drv against every free device it matches. Each device is claimed
 * under the registry lock, then probed without it: a probe may wait for its
 * device (disk I/O) while other drivers register. */
static void probe_all(struct pci_driver *drv)
{
    /* The candidates first (the device list only grows), then one by one. */
    mutex_lock(&registry_lock);
    unsigned n = 0;
    struct list_node *pos;
    list_for_each(pos, &devices)
        n++;
    struct pci_dev **cand = n ? kmalloc(n * sizeof *cand) : NULL;
    unsigned count = 0;
    list_for_each(pos, &devices) {
        struct pci_dev *d = list_entry(pos, struct pci_dev, node);
        if (cand && !d->driver && matches(drv, d))
            cand[count++] = d;
    }
    mutex_unlock(&registry_lock);
    for (unsigned i = 0; i < count; i++) {
        struct pci_dev *dev = cand[i];
        mutex_lock(&registry_lock);
        bool mine = !dev->driver;
        if (mine)
            dev->driver = drv;
        mutex_unlock(&registry_lock);
        if (!mine)
            continue;
        int rc = drv->probe(dev);
        if (rc < 0) {
            mutex_lock(&registry_lock);
            dev->driver = NULL;
            mutex_unlock(&registry_lock);
            if (rc != -ENODEV)
                log_warn("pci: %02x:%02x.%x: %s did not take it (%d)", dev->bus, dev->slot,
                         dev->func, drv->name, rc);
        }
    }
    kfree(cand);
}

static void registry_init(void)
{
    if (!registry_ready) {
        mutex_init(&registry_lock, "pci");
        registry_ready = true;
    }
}

int pci_init(void)
{
    registry_init();
    mutex_lock(&registry_lock);
    int count = 0;
    uint64_t seen[4] = { 0 };
    if (acpi.mcfg_count == 0) {
        log_info("pci: no MCFG table, using configuration ports");
        scan_bus(0, 0, seen, &count);
    }
    for (unsigned i = 0; i < acpi.mcfg_count; i++) {
        memset(seen, 0, sizeof seen);
        scan_bus(acpi.mcfg[i].segment, acpi.mcfg[i].bus_start, seen, &count);
    }
    unsigned ndrivers = 0;
    struct list_node *pos;
    list_for_each(pos, &drivers)
        ndrivers++;
    mutex_unlock(&registry_lock);
    /* Drivers registered before the scan get their devices now (the list
     * of drivers only grows; the first ndrivers stay where they are). */
    pos = drivers.next;
    for (unsigned i = 0; i < ndrivers; i++) {
        probe_all(list_entry(pos, struct pci_driver, node));
        if (i + 1 < ndrivers)
            pos = pos->next;
    }
    log_debug("pci: %d functions", count);
    return count;
}

void pci_register_driver(struct pci_driver *drv)
{
    registry_init();
    mutex_lock(&registry_lock);
    list_push_back(&drivers, &drv->node);
    mutex_unlock(&registry_lock);
    probe_all(drv);
}

struct pci_dev *pci_next(struct pci_dev *prev)
{
    struct list_node *n = prev ? prev->node.next : devices.next;
    return n == &devices ? NULL : list_entry(n, struct pci_dev, node);
}

/* ---- device set-up ---- */

void pci_enable(struct pci_dev *dev)
{
    uint16_t cmd = pci_read16(dev, PCI_COMMAND);
    pci_write16(dev, PCI_COMMAND, cmd | CMD_IO | CMD_MEMORY | CMD_MASTER);
}

void *pci_map_bar(struct pci_dev *dev, unsigned n)
{
    if (n >= 6 || dev->bar[n].io || !dev->bar[n].phys || !dev->bar[n].size)
        return NULL;
    if (!dev->bar[n].virt)
        dev->bar[n].virt = mmio_map(dev->bar[n].phys, ALIGN_UP(dev->bar[n].size, PAGE_SIZE));
    return dev->bar[n].virt;
}

uint8_t pci_find_cap(struct pci_dev *dev, uint8_t id, uint8_t after)
{
    if (!(pci_read16(dev, PCI_STATUS) & STATUS_CAPS))
        return 0;
    uint8_t off = after ? pci_read8(dev, after + 1) : pci_read8(dev, PCI_CAP_PTR);
    /* At most 48 capabilities fit in 256 bytes: a longer list is a loop. */
    for (int n = 0; n < 48 && off >= 0x40; n++) {
        off &= 0xfc;
        if (pci_read8(dev, off) == id)
            return off;
        off = pci_read8(dev, off + 1);
    }
    return 0;
}

unsigned pci_msix_table_size(struct pci_dev *dev)
{
    uint8_t cap = pci_find_cap(dev, PCI_CAP_MSIX, 0);
    return cap ? (pci_read16(dev, cap + 2) & 0x7ff) + 1 : 0;
}

/* The MSI-X table (mapped), or NULL. */
static volatile uint32_t *msix_table(struct pci_dev *dev, uint8_t cap)
{
    uint32_t where = pci_read32(dev, cap + 4);
    uint8_t *bar = pci_map_bar(dev, where & 7);
    return bar ? (volatile uint32_t *)(bar + (where & ~7u)) : NULL;
}

/* x86 MSI message (Intel SDM vol. 3A §10.11): to this CPU's APIC, fixed, edge. */
static uint32_t msi_address(void) { return 0xfee00000u | (lapic_id() & 0xff) << 12; }

int pci_msix_enable(struct pci_dev *dev, unsigned n, const int *vectors)
{
    uint8_t cap = pci_find_cap(dev, PCI_CAP_MSIX, 0);
    if (cap) {
        unsigned size = (pci_read16(dev, cap + 2) & 0x7ff) + 1;
        volatile uint32_t *table = msix_table(dev, cap);
        if (!table)
            return -ENOMEM;
        n = MIN(n, size);
        uint16_t ctrl = pci_read16(dev, cap + 2);
        pci_write16(dev, cap + 2, ctrl | 0xc000);            /* enable, all masked */
        for (unsigned i = 0; i < size; i++) {
            volatile uint32_t *e = table + 4 * i;
            e[3] = 1;                                       /* masked */
            if (i < n) {
                e[0] = msi_address();
                e[1] = 0;
                e[2] = (uint32_t)vectors[i] & 0xff;
                e[3] = 0;                                   /* unmasked */
            }
        }
        pci_write16(dev, cap + 2, (ctrl | 0x8000) & ~0x4000);
        pci_write16(dev, PCI_COMMAND, pci_read16(dev, PCI_COMMAND) | CMD_INTX_OFF);
        dev->msix_count = n;
        return (int)n;
    }
    cap = pci_find_cap(dev, PCI_CAP_MSI, 0);
    if (!cap || n < 1)
        return -EOPNOTSUPP;
    uint16_t ctrl = pci_read16(dev, cap + 2);
    pci_write32(dev, cap + 4, msi_address());
    if (ctrl & 0x80) {                                      /* 64-bit address */
        pci_write32(dev, cap + 8, 0);
        pci_write16(dev, cap + 12, (uint16_t)(vectors[0] & 0xff));
    } else {
        pci_write16(dev, cap + 8, (uint16_t)(vectors[0] & 0xff));
    }
    pci_write16(dev, cap + 2, (ctrl & ~0x70) | 1);          /* one message, enabled */
    pci_write16(dev, PCI_COMMAND, pci_read16(dev, PCI_COMMAND) | CMD_INTX_OFF);
    dev->msix_count = 1;
    return 1;
}

void pci_msix_mask(struct pci_dev *dev, unsigned entry, bool masked)
{
    uint8_t cap = pci_find_cap(dev, PCI_CAP_MSIX, 0);
    volatile uint32_t *table = cap ? msix_table(dev, cap) : NULL;
    if (table && entry < dev->msix_count)
        table[4 * entry + 3] = masked ? 1 : 0;
}

/* ---- names and lspci ---- */

const char *pci_class_name(uint8_t c, uint8_t s)
{
    switch (c) {
    case 0x01:
        return s == 0x00 ? "SCSI storage controller" : s == 0x01 ? "IDE controller" :
               s == 0x06 ? "SATA controller" : s == 0x08 ? "NVMe controller" : "Mass storage controller";
    case 0x02: return s == 0x00 ? "Ethernet controller" : "Network controller";
    case 0x03: return "Display controller";
    case 0x04: return "Multimedia controller";
    case 0x05: return "Memory controller";
    case 0x06:
        return s == 0x00 ? "Host bridge" : s == 0x01 ? "ISA bridge" : s == 0x04 ? "PCI bridge" : "Bridge";
    case 0x07: return "Communication controller";
    case 0x08: return "System peripheral";
    case 0x09: return "Input device controller";
    case 0x0c: return s == 0x03 ? "USB controller" : s == 0x05 ? "SMBus" : "Serial bus controller";
    case 0xff: return "Unassigned class";
    default: return "Device";
    }
}

static int cmd_lspci(int argc, char **argv)
{
    bool verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
    (void)argv;
    for (struct pci_dev *d = pci_next(NULL); d; d = pci_next(d)) {
        monitor_printf("%02x:%02x.%x %04x:%04x [%02x%02x] %s%s%s\n", d->bus, d->slot, d->func,
                       d->vendor, d->device, d->class_code, d->subclass,
                       pci_class_name(d->class_code, d->subclass), d->driver ? ", driver " : "",
                       d->driver ? d->driver->name : "");
        for (unsigned i = 0; verbose && i < 6; i++) {
            const struct pci_bar *b = &d->bar[i];
            if (b->size)
                monitor_printf("    BAR%u: %s at 0x%llx, %llu bytes%s\n", i, b->io ? "I/O" : "memory",
                               (unsigned long long)b->phys, (unsigned long long)b->size,
                               b->is64 ? ", 64-bit" : "");
        }
        if (verbose && d->msix_count)
            monitor_printf("    MSI-X: %u vectors\n", d->msix_count);
    }
    return 0;
}

static const struct monitor_cmd lspci_cmd = {
    "lspci", "[-v]", "list PCI devices (vendor:device [class]); -v adds BARs", cmd_lspci };

void pci_register_commands(void)
{
    monitor_register(&lspci_cmd);
}
