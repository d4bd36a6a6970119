/*
 * kernel/fs/fat/fat_dir.c — directories (FATSPEC §6, §7): 32-byte entries in
 * the fixed root (FAT12/16) or in a cluster chain; long names as runs of
 * LFN entries (last part first, ordinals counting down to 1, each with the
 * short entry's checksum) just before their short entry; 0xE5 marks a free
 * entry, 0x00 the end of the used part.
 *
 * A scan walks the entries holding one cache block at a time, assembles
 * long names, and on request tracks free slots and the numeric tails of
 * generated short names.
 */
#include "fs/fat/fat_internal.h"
#include "fs/le.h"
#include "fs/unicode.h"
#include "lib/lib.h"
#include "mm/mm.h"

/* Offsets of the 13 UTF-16 units in an LFN entry. */
static const uint8_t lfn_offsets[FAT_LFN_CHARS] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };

static bool fixed_root(const struct fat_fs *fs, const struct fat_node *dir)
{
    return dir->is_root && fs->bits != 32;
}

/* Byte offset of entry index, and how many entries from it on lie
 * contiguously on the disk (*contig, may be NULL). */
static int entry_offset(struct fat_fs *fs, struct fat_node *dir, uint32_t index, uint64_t *off,
                        uint32_t *contig)
{
    if (fixed_root(fs, dir)) {
        if (index >= fs->root_entries)
            return -ENOENT;
        *off = fs->root_offset + (uint64_t)index * FAT_ENTRY_SIZE;
        if (contig)
            *contig = fs->root_entries - index;
        return 0;
    }
    if (index >= FAT_DIR_MAX_ENTRIES)
        return -ENOENT;
    uint64_t byte = (uint64_t)index * FAT_ENTRY_SIZE;
    uint32_t cluster, run;
    int rc = fat_map(fs, dir, (uint32_t)(byte >> fs->cluster_shift), &cluster, &run);
    if (rc < 0)
        return rc;
    uint64_t in = byte & (fs->cluster_size - 1);
    *off = fat_cluster_offset(fs, cluster) + in;
    if (contig)
        *contig = (uint32_t)((((uint64_t)run << fs->cluster_shift) - in) / FAT_ENTRY_SIZE);
    return 0;
}

int fat_dir_entry_offset(struct fat_fs *fs, struct fat_node *dir, uint32_t index, uint64_t *off)
{
    return entry_offset(fs, dir, index, off, NULL);
}

/* Entries the directory has room for without growing. */
static int dir_capacity(struct fat_fs *fs, struct fat_node *dir, uint32_t *cap)
{
    if (fixed_root(fs, dir)) {
        *cap = fs->root_entries;
        return 0;
    }
    uint32_t clusters;
    int rc = fat_chain_length(fs, dir, &clusters);
    if (rc < 0)
        return rc;
    uint64_t entries = ((uint64_t)clusters << fs->cluster_shift) / FAT_ENTRY_SIZE;
    *cap = (uint32_t)MIN(entries, (uint64_t)FAT_DIR_MAX_ENTRIES);
    return 0;
}

/* ---- scanning ---- */

struct scan {
    struct fat_fs *fs;
    struct fat_node *dir;
    uint32_t index;             /* next entry */
    struct bbuf *b;
    uint32_t capacity;
    /* long name being assembled */
    int lfn_expect;             /* ordinal of the next LFN entry, 0 if none */
    int lfn_total;
    uint8_t lfn_sum;
    uint32_t lfn_first;
    /* result of scan_next */
    uint32_t sfn_index, lfn_count;
    uint8_t *entry;
    int lfn_len;                /* valid long name length, 0 if none */
    /* free-slot search (need > 0) */
    uint32_t need, run_start, run_len, found_start;
    bool at_end;
    /* Entries [fast_first, fast_end) are in the block held, from fast_base. */
    uint32_t fast_first, fast_end;
    uint8_t *fast_base;
    uint16_t lfn[20 * FAT_LFN_CHARS];  /* last: scan_init clears what comes before */
};

static int scan_init(struct scan *s, struct fat_fs *fs, struct fat_node *dir, uint32_t start)
{
    memset(s, 0, offsetof(struct scan, lfn));
    s->fs = fs;
    s->dir = dir;
    s->index = start;
    s->found_start = UINT32_MAX;
    return dir_capacity(fs, dir, &s->capacity);
}

static void scan_done(struct scan *s)
{
    if (s->b)
        bcache_put(s->b);
    s->b = NULL;
}

/* Pointer to entry `index` (valid until the next call). Entries of the
 * block held are reached directly; a new block costs a chain lookup. */
static int entry_at(struct scan *s, uint32_t index, uint8_t **p)
{
    if (s->b && index >= s->fast_first && index < s->fast_end) {
        *p = s->fast_base + (size_t)(index - s->fast_first) * FAT_ENTRY_SIZE;
        return 0;
    }
    uint64_t off;
    uint32_t contig;
    int rc = entry_offset(s->fs, s->dir, index, &off, &contig);
    if (rc < 0)
        return rc;
    uint64_t block = off >> BCACHE_BLOCK_SHIFT;
    if (!s->b || s->b->block != block) {
        if (s->b)
            bcache_put(s->b);
        s->b = NULL;
        /* Starting on a new block of a large directory: fetch ahead. */
        uint64_t left = (uint64_t)(s->capacity - MIN(index, s->capacity)) * FAT_ENTRY_SIZE;
        if (left > BCACHE_BLOCK_SIZE)
            bcache_readahead(s->fs->bd, off, MIN(left, (uint64_t)s->fs->cluster_size));
        rc = bcache_get(s->fs->bd, block, 0, &s->b);
        if (rc < 0)
            return rc;
    }
    uint32_t in = (uint32_t)(off & (BCACHE_BLOCK_SIZE - 1));
    s->fast_first = index;
    s->fast_end = index + MIN(contig, (s->b->len - in) / FAT_ENTRY_SIZE);
    s->fast_base = s->b->data + in;
    *p = s->fast_base;
    return 0;
}

static void note_free(struct scan *s, uint32_t index)
{
    if (s->run_len == 0)
        s->run_start = index;
    s->run_len++;
    if (s->need && s->found_start == UINT32_MAX && s->run_len >= s->need)
        s->found_start = s->run_start;
}

/* Advance to the next live short entry ("." and ".." and the volume label
 * skipped). Returns 1, 0 at the end, or an error. */
static int scan_next(struct scan *s)
{
    for (;;) {
        uint8_t *e;
        if (s->index >= s->capacity)
            return 0;
        int rc = entry_at(s, s->index, &e);
        if (rc == -ENOENT)
            return 0;
        if (rc < 0)
            return rc;
        uint32_t index = s->index++;
        if (e[0] == 0x00) {
            /* End marker: everything from here on is free. */
            s->at_end = true;
            if (s->run_len == 0)
                s->run_start = index;
            s->run_len += s->capacity - index;
            if (s->need && s->found_start == UINT32_MAX && s->run_len >= s->need)
                s->found_start = s->run_start;
            s->index = s->capacity;
            return 0;
        }
        if (e[0] == FAT_DELETED) {
            s->lfn_expect = 0;
            note_free(s, index);
            continue;
        }
        s->run_len = 0;
        if ((e[11] & 0x3F) == FAT_ATTR_LFN) {
            int ord = e[0] & 0x1F;
            if (e[0] & FAT_LFN_LAST) {
                s->lfn_expect = ord >= 1 && ord <= 20 ? ord : 0;
                s->lfn_total = ord;
                s->lfn_sum = e[13];
                s->lfn_first = index;
            } else if (s->lfn_expect == 0 || ord != s->lfn_expect - 1 || e[13] != s->lfn_sum) {
                s->lfn_expect = 0;
                continue;
            } else {
                s->lfn_expect = ord;
            }
            if (s->lfn_expect) {
                for (int k = 0; k < FAT_LFN_CHARS; k++)
                    s->lfn[(ord - 1) * FAT_LFN_CHARS + k] = le16(e + lfn_offsets[k]);
            }
            continue;
        }
        bool have_lfn = s->lfn_expect == 1 && s->lfn_sum == fat_lfn_checksum(e) &&
                        s->lfn_first + (uint32_t)s->lfn_total == index;
        s->lfn_expect = 0;
        if ((e[11] & FAT_ATTR_VOLUME_ID) && !(e[11] & FAT_ATTR_DIRECTORY))
            continue;
        if (e[0] == '.' && (e[1] == ' ' || (e[1] == '.' && e[2] == ' ')))
            continue;
        s->sfn_index = index;
        s->entry = e;
        s->lfn_len = 0;
        s->lfn_count = 0;
        if (have_lfn) {
            int n = 0, max = s->lfn_total * FAT_LFN_CHARS;
            while (n < max && s->lfn[n] != 0x0000)
                n++;
            if (n > 0 && n <= FAT_LFN_MAX) {
                s->lfn_len = n;
                s->lfn_count = (uint32_t)s->lfn_total;
            }
        }
        return 1;
    }
}

/* Fill f from the scan's current entry; with_name: the UTF-8 name too. */
static int fill_found(struct scan *s, struct fat_found *f, bool with_name)
{
    f->index = s->sfn_index;
    f->lfn_count = s->lfn_count;
    memcpy(f->entry, s->entry, FAT_ENTRY_SIZE);
    if (!with_name)
        return 0;
    int rc = -1;
    if (s->lfn_len)
        rc = utf16_to_utf8(s->lfn, (size_t)s->lfn_len, f->name, sizeof f->name);
    if (rc < 0)
        rc = fat_sfn_to_utf8(s->entry, f->name, sizeof f->name);
    return rc < 0 ? rc : 0;
}

int fat_dir_next(struct fat_fs *fs, struct fat_node *dir, uint32_t *index, struct fat_found *f)
{
    struct scan *s = kmalloc(sizeof *s);
    if (!s)
        return -ENOMEM;
    int rc = scan_init(s, fs, dir, *index);
    if (rc == 0) {
        rc = scan_next(s);
        if (rc == 1) {
            int frc = fill_found(s, f, true);
            if (frc < 0)
                rc = frc;
        }
        *index = s->index;
    }
    scan_done(s);
    kfree(s);
    return rc;
}

/* A name prepared for comparisons. */
struct name_key {
    uint16_t u16[FAT_LFN_MAX];
    int len;
    bool has_83;
    uint8_t sfn83[11];
};

static int make_key(const char *name, size_t len, struct name_key *k)
{
    k->len = fat_name_to_utf16(name, len, k->u16);
    if (k->len < 0)
        return k->len;
    k->has_83 = fat_name_83_key(k->u16, k->len, k->sfn83);
    return 0;
}

/* Does the scan's current entry carry this name (long or short)? */
static bool entry_matches(struct scan *s, const struct name_key *k)
{
    if (k->has_83) {
        uint8_t first = s->entry[0] == 0x05 ? FAT_DELETED : s->entry[0];
        if (first == k->sfn83[0] && memcmp(s->entry + 1, k->sfn83 + 1, 10) == 0)
            return true;
    }
    if (s->lfn_len == k->len && fat_name_equal(s->lfn, s->lfn_len, k->u16, k->len))
        return true;
    if (!k->has_83 && !s->lfn_len) {
        /* A short name with code-page characters: compare its display form. */
        bool high = false;
        for (int i = 0; i < 11; i++)
            high |= s->entry[i] >= 0x80;
        if (high) {
            char utf8[40];
            uint16_t u16[24];
            int n = fat_sfn_to_utf8(s->entry, utf8, sizeof utf8);
            int m = n < 0 ? -1 : utf8_to_utf16(utf8, (size_t)n, u16, 24);
            return m > 0 && fat_name_equal(u16, m, k->u16, k->len);
        }
    }
    return false;
}

/* FNV-1a of a name as given (for the directory's last-lookup hint). */
static uint32_t name_hash(const char *name, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 16777619u;
    return h;
}

/* Is the entry the hint points at still this name? Then fill f. */
static int find_at_hint(struct scan *s, struct fat_fs *fs, struct fat_node *dir,
                        const struct name_key *k, struct fat_found *f)
{
    if (dir->hint_lfn > dir->hint_index || scan_init(s, fs, dir, dir->hint_index - dir->hint_lfn) < 0)
        return -ENOENT;
    int rc = scan_next(s);
    /* The same short entry, with the same number of long-name parts in
     * front (all of them: the first carries the "last part" flag). */
    if (rc == 1 && s->sfn_index == dir->hint_index && s->lfn_count == dir->hint_lfn &&
        entry_matches(s, k)) {
        rc = fill_found(s, f, false);
        uint8_t *prev;
        /* Without long parts, none may sit just before it either. */
        if (rc == 0 && dir->hint_lfn == 0 && dir->hint_index > 0 &&
            entry_at(s, dir->hint_index - 1, &prev) == 0 && (prev[11] & 0x3F) == FAT_ATTR_LFN &&
            prev[0] != FAT_DELETED && prev[13] == fat_lfn_checksum(f->entry))
            rc = -ENOENT;
    } else {
        rc = -ENOENT;
    }
    scan_done(s);
    return rc;
}

int fat_dir_find(struct fat_fs *fs, struct fat_node *dir, const char *name, size_t len,
                 struct fat_found *f)
{
    struct scan *s = kmalloc(sizeof *s);
    struct name_key *k = kmalloc(sizeof *k);
    int rc = -ENOMEM;
    if (!s || !k)
        goto out;
    if (make_key(name, len, k) < 0) {
        rc = -ENOENT;           /* a name FAT cannot hold is not there */
        goto out;
    }
    /* A lookup followed by unlink or rename of the same name: one scan, not two. */
    uint32_t hash = name_hash(name, len);
    if (dir->hint_valid && dir->hint_hash == hash && find_at_hint(s, fs, dir, k, f) == 0) {
        rc = 0;
        goto out;
    }
    rc = scan_init(s, fs, dir, 0);
    while (rc == 0) {
        rc = scan_next(s);
        if (rc <= 0) {
            rc = rc ? rc : -ENOENT;
            break;
        }
        if (entry_matches(s, k)) {
            rc = fill_found(s, f, false);
            dir->hint_valid = true;
            dir->hint_hash = hash;
            dir->hint_index = f->index;
            dir->hint_lfn = f->lfn_count;
            break;
        }
        rc = 0;
    }
    scan_done(s);
out:
    kfree(s);
    kfree(k);
    return rc;
}

/* If sfn is stem~N.ext for our stem (cut as a tail of N's length would cut
 * it), return N; else 0. */
static uint32_t tail_number(const uint8_t *sfn, const uint8_t base[8], int base_len, const uint8_t ext[3])
{
    if (memcmp(sfn + 8, ext, 3) != 0)
        return 0;
    int tilde = -1;
    for (int i = 1; i < 8; i++)
        if (sfn[i] == '~')
            tilde = i;
    if (tilde < 0)
        return 0;
    uint32_t n = 0;
    int i = tilde + 1, digits = 0;
    while (i < 8 && sfn[i] >= '0' && sfn[i] <= '9') {
        n = n * 10 + (uint32_t)(sfn[i++] - '0');
        digits++;
    }
    while (i < 8 && sfn[i] == ' ')
        i++;
    if (digits == 0 || i != 8 || n == 0)
        return 0;
    int keep = MIN(base_len, 8 - 1 - digits);
    if (tilde != keep || memcmp(sfn, base, (size_t)keep) != 0)
        return 0;
    return n;
}

/* Write the LFN entries for name16 and then the short entry. */
static int write_entries(struct fat_fs *fs, struct fat_node *dir, uint32_t first,
                         const uint16_t *name16, int len16, uint32_t lfn_count,
                         const uint8_t entry[FAT_ENTRY_SIZE])
{
    uint8_t sum = fat_lfn_checksum(entry);
    for (uint32_t i = 0; i <= lfn_count; i++) {
        uint8_t e[FAT_ENTRY_SIZE];
        if (i < lfn_count) {
            uint32_t ord = lfn_count - i;       /* physical order: last part first */
            memset(e, 0, sizeof e);
            e[0] = (uint8_t)(ord | (i == 0 ? FAT_LFN_LAST : 0));
            e[11] = FAT_ATTR_LFN;
            e[13] = sum;
            for (int k = 0; k < FAT_LFN_CHARS; k++) {
                int pos = (int)(ord - 1) * FAT_LFN_CHARS + k;
                uint16_t c = pos < len16 ? name16[pos] : pos == len16 ? 0x0000 : 0xFFFF;
                put_le16(e + lfn_offsets[k], c);
            }
        } else {
            memcpy(e, entry, FAT_ENTRY_SIZE);
        }
        uint64_t off;
        int rc = fat_dir_entry_offset(fs, dir, first + i, &off);
        if (rc == 0)
            rc = bcache_write(fs->bd, off, e, FAT_ENTRY_SIZE, BC_META);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int fat_dir_add(struct fat_fs *fs, struct fat_node *dir, const char *name, size_t len,
                uint8_t entry[FAT_ENTRY_SIZE], uint32_t *index, uint32_t *lfn_count)
{
    struct scan *s = kmalloc(sizeof *s);
    struct name_key *k = kmalloc(sizeof *k);
    uint64_t *used = NULL;
    int rc = -ENOMEM;
    if (!s || !k)
        goto out;
    rc = make_key(name, len, k);
    if (rc < 0)
        goto out;
    uint8_t sfn[11], nt = 0, base[8], ext[3];
    int base_len = 0;
    bool fits = fat_name_fits_83(k->u16, k->len, sfn, &nt);
    uint32_t lfns = fits ? 0 : (uint32_t)(k->len + FAT_LFN_CHARS - 1) / FAT_LFN_CHARS;
    if (!fits) {
        fat_short_stem(k->u16, k->len, base, &base_len, ext);
        used = kzalloc(FAT_DIR_MAX_ENTRIES / 8 + 8);
        if (!used)
            goto out;
    }
    rc = scan_init(s, fs, dir, 0);
    s->need = lfns + 1;
    while (rc == 0) {
        rc = scan_next(s);
        if (rc <= 0)
            break;
        if (entry_matches(s, k)) {
            rc = -EEXIST;
            break;
        }
        if (!fits) {
            uint32_t n = tail_number(s->entry, base, base_len, ext);
            if (n && n < FAT_DIR_MAX_ENTRIES)
                used[n / 64] |= 1ull << (n % 64);
        }
        rc = 0;
    }
    bool at_end = s->at_end;
    uint32_t run_start = s->run_start, run_len = s->run_len, found = s->found_start;
    scan_done(s);
    if (rc < 0)
        goto out;
    if (!fits) {
        uint32_t n = 1;
        while (n < FAT_DIR_MAX_ENTRIES && (used[n / 64] >> (n % 64)) & 1)
            n++;
        fat_short_with_tail(base, base_len, ext, n, sfn);
    }
    if (found == UINT32_MAX) {
        /* No room: grow the directory (never the fixed FAT12/16 root). */
        if (fixed_root(fs, dir)) {
            rc = -ENOSPC;
            goto out;
        }
        uint32_t cap = s->capacity;
        uint32_t start = (at_end || run_len) ? run_start : cap;
        uint32_t have = (at_end || run_len) ? cap - run_start : 0;
        uint64_t missing = (uint64_t)(s->need - have) * FAT_ENTRY_SIZE;
        uint32_t clusters = (uint32_t)((missing + fs->cluster_size - 1) >> fs->cluster_shift);
        if ((uint64_t)start + s->need > FAT_DIR_MAX_ENTRIES) {
            rc = -ENOSPC;
            goto out;
        }
        rc = fat_extend_dir(fs, dir, clusters);
        if (rc < 0)
            goto out;
        found = start;
    }
    memcpy(entry, sfn, 11);
    entry[12] = nt;
    rc = write_entries(fs, dir, found, k->u16, k->len, lfns, entry);
    if (rc == 0) {
        *index = found + lfns;
        *lfn_count = lfns;
    }
out:
    kfree(used);
    kfree(s);
    kfree(k);
    return rc;
}

int fat_dir_remove(struct fat_fs *fs, struct fat_node *dir, uint32_t index, uint32_t lfn_count)
{
    /* The short entry first: a cut after it leaves only orphan long-name
     * parts, which fsck drops. */
    for (uint32_t i = 0; i <= lfn_count; i++) {
        uint64_t off;
        int rc = fat_dir_entry_offset(fs, dir, index - i, &off);
        if (rc < 0)
            return rc;
        uint8_t mark = FAT_DELETED;
        rc = bcache_write(fs->bd, off, &mark, 1, BC_META);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int fat_dir_is_empty(struct fat_fs *fs, struct fat_node *dir)
{
    struct scan *s = kmalloc(sizeof *s);
    if (!s)
        return -ENOMEM;
    int rc = scan_init(s, fs, dir, 0);
    if (rc == 0)
        rc = scan_next(s);
    scan_done(s);
    kfree(s);
    return rc < 0 ? rc : rc == 0;
}

int fat_node_write_entry(struct fat_fs *fs, struct fat_node *n)
{
    if (n->is_root || n->unlinked)
        return 0;
    uint64_t off;
    int rc = fat_dir_entry_offset(fs, n->parent, n->entry_index, &off);
    if (rc < 0)
        return rc;
    uint8_t e[FAT_ENTRY_SIZE];
    rc = bcache_read(fs->bd, off, e, sizeof e);
    if (rc < 0)
        return rc;
    e[11] = n->attr;
    e[12] = n->nt_flags;
    e[13] = n->ctime_tenth;
    put_le16(e + 14, n->ctime);
    put_le16(e + 16, n->cdate);
    put_le16(e + 18, n->adate);
    put_le16(e + 20, (uint16_t)(fs->bits == 32 ? n->first_cluster >> 16 : 0));
    put_le16(e + 22, n->mtime);
    put_le16(e + 24, n->mdate);
    put_le16(e + 26, (uint16_t)n->first_cluster);
    put_le32(e + 28, n->vnode.type == VFS_DIR ? 0 : n->size);
    return bcache_write(fs->bd, off, e, sizeof e, BC_META);
}

int fat_dir_init_cluster(struct fat_fs *fs, uint32_t cluster, uint32_t parent_cluster,
                         const uint8_t *template_entry)
{
    uint8_t head[2 * FAT_ENTRY_SIZE];
    for (int i = 0; i < 2; i++) {
        uint8_t *e = head + i * FAT_ENTRY_SIZE;
        memcpy(e, template_entry, FAT_ENTRY_SIZE);
        memset(e, ' ', 11);
        e[0] = '.';
        if (i == 1)
            e[1] = '.';
        e[11] = FAT_ATTR_DIRECTORY;
        e[12] = 0;
        uint32_t c = i == 0 ? cluster : parent_cluster;
        put_le16(e + 20, (uint16_t)(fs->bits == 32 ? c >> 16 : 0));
        put_le16(e + 26, (uint16_t)c);
        put_le32(e + 28, 0);
    }
    return fat_zero_clusters_now(fs, cluster, 1, head, sizeof head);
}

int fat_dir_set_dotdot(struct fat_fs *fs, struct fat_node *dir, uint32_t parent_cluster)
{
    uint64_t off;
    int rc = fat_dir_entry_offset(fs, dir, 1, &off);
    if (rc < 0)
        return rc;
    uint8_t e[FAT_ENTRY_SIZE];
    rc = bcache_read(fs->bd, off, e, sizeof e);
    if (rc < 0)
        return rc;
    if (e[0] != '.' || e[1] != '.')
        return 0;                   /* no ".." entry to fix (damaged, but harmless) */
    put_le16(e + 20, (uint16_t)(fs->bits == 32 ? parent_cluster >> 16 : 0));
    put_le16(e + 26, (uint16_t)parent_cluster);
    return bcache_write(fs->bd, off, e, sizeof e, BC_META);
}
