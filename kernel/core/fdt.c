/* Flattened device tree reader (the structure block, read-only). */
#include <kernel/fdt.h>

#define FDT_MAGIC      0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9
#define MAX_DEPTH      16

struct hdr {
	uint32_t magic, totalsize, off_struct, off_strings, off_rsvmap, version,
		 last_comp, boot_cpu, size_strings, size_struct;
};

static uint32_t hdr_field(const void *fdt, int i)
{
	return be32((const uint8_t *)fdt + 4 * i);
}

int fdt_check(const void *fdt)
{
	if (!fdt || ((uintptr_t)fdt & 3))
		return -1;
	if (hdr_field(fdt, 0) != FDT_MAGIC)
		return -1;
	if (hdr_field(fdt, 5) < 16)
		return -1;
	return 0;
}

uint32_t fdt_totalsize(const void *fdt)
{
	return hdr_field(fdt, 1);
}

static const uint8_t *structs(const void *fdt)
{
	return (const uint8_t *)fdt + hdr_field(fdt, 2);
}

static const char *strings(const void *fdt)
{
	return (const char *)fdt + hdr_field(fdt, 3);
}

static int align4(int x)
{
	return (x + 3) & ~3;
}

/* Offset of the token after the BEGIN_NODE at off (past its name). */
static int after_name(const void *fdt, int off)
{
	const char *name = (const char *)structs(fdt) + off + 4;
	return off + 4 + align4((int)strlen(name) + 1);
}

const void *fdt_getprop(const struct fdt_node *n, const char *name, int *len)
{
	const uint8_t *s = structs(n->fdt);
	int off = after_name(n->fdt, n->offset);
	for (;;) {
		uint32_t tok = be32(s + off);
		if (tok == FDT_NOP) {
			off += 4;
			continue;
		}
		if (tok != FDT_PROP)
			return NULL;
		uint32_t plen = be32(s + off + 4), nameoff = be32(s + off + 8);
		if (strcmp(strings(n->fdt) + nameoff, name) == 0) {
			if (len)
				*len = (int)plen;
			return s + off + 12;
		}
		off += 12 + align4((int)plen);
	}
}

const char *fdt_getprop_str(const struct fdt_node *n, const char *name)
{
	int len;
	const char *p = fdt_getprop(n, name, &len);
	if (!p || len < 1 || p[len - 1] != 0)
		return NULL;
	return p;
}

bool fdt_getprop_u32(const struct fdt_node *n, const char *name, uint32_t *out)
{
	int len;
	const void *p = fdt_getprop(n, name, &len);
	if (!p || len < 4)
		return false;
	*out = be32(p);
	return true;
}

static uint64_t read_cells(const uint8_t *p, int cells)
{
	uint64_t v = 0;
	for (int i = 0; i < cells; i++)
		v = (v << 32) | be32(p + 4 * i);
	return v;
}

bool fdt_reg(const struct fdt_node *n, int index, uint64_t *base, uint64_t *size)
{
	int len;
	const uint8_t *p = fdt_getprop(n, "reg", &len);
	int stride = 4 * (n->addr_cells + n->size_cells);
	if (!p || stride == 0 || (index + 1) * stride > len)
		return false;
	p += index * stride;
	*base = read_cells(p, n->addr_cells);
	if (size)
		*size = read_cells(p + 4 * n->addr_cells, n->size_cells);
	return true;
}

bool fdt_compatible(const struct fdt_node *n, const char *compat)
{
	int len;
	const char *p = fdt_getprop(n, "compatible", &len);
	return p && str_has_word(p, (size_t)len, compat);
}

void fdt_walk(const void *fdt, bool (*fn)(const struct fdt_node *n, void *arg), void *arg)
{
	const uint8_t *s = structs(fdt);
	int addr[MAX_DEPTH + 1], size[MAX_DEPTH + 1];
	int depth = 0, off = 0;
	addr[0] = 2;
	size[0] = 1;
	for (;;) {
		uint32_t tok = be32(s + off);
		switch (tok) {
		case FDT_BEGIN_NODE: {
			struct fdt_node n = { fdt, off, depth, (const char *)s + off + 4, 2, 1 };
			if (depth > 0) {
				n.addr_cells = addr[depth - 1];
				n.size_cells = size[depth - 1];
			}
			if (depth < MAX_DEPTH) {
				/* This node's own #cells describe its children. */
				uint32_t v;
				addr[depth] = fdt_getprop_u32(&n, "#address-cells", &v) ? (int)v : 2;
				size[depth] = fdt_getprop_u32(&n, "#size-cells", &v) ? (int)v : 1;
			}
			if (!fn(&n, arg))
				return;
			depth++;
			off = after_name(fdt, off);
			break;
		}
		case FDT_END_NODE:
			depth--;
			off += 4;
			break;
		case FDT_PROP:
			off += 12 + align4((int)be32(s + off + 4));
			break;
		case FDT_NOP:
			off += 4;
			break;
		default:
			return;
		}
	}
}

struct path_search {
	char comp[MAX_DEPTH][48];
	int ncomp;
	int match_depth;   /* deepest node on the current branch that matched its component */
	struct fdt_node found;
	bool ok;
};

/* "memory" matches "memory@80000000"; "serial@10000000" only itself. */
static bool name_matches(const char *node, const char *want)
{
	size_t wlen = strlen(want);
	if (strncmp(node, want, wlen) != 0)
		return false;
	return node[wlen] == 0 || (node[wlen] == '@' && !strchr(want, '@'));
}

static bool path_visit(const struct fdt_node *n, void *arg)
{
	struct path_search *ps = arg;
	int d = n->depth;
	if (d == 0) {
		ps->match_depth = 0;
		if (ps->ncomp == 0) {
			ps->found = *n;
			ps->ok = true;
			return false;
		}
		return true;
	}
	if (ps->match_depth >= d)
		ps->match_depth = d - 1;
	if (ps->match_depth == d - 1 && d <= ps->ncomp && name_matches(n->name, ps->comp[d - 1])) {
		ps->match_depth = d;
		if (d == ps->ncomp) {
			ps->found = *n;
			ps->ok = true;
			return false;
		}
	}
	return true;
}

bool fdt_find_path(const void *fdt, const char *path, struct fdt_node *out)
{
	struct path_search ps;
	memset(&ps, 0, sizeof ps);
	if (*path != '/')
		return false;
	while (*path) {
		while (*path == '/')
			path++;
		if (!*path)
			break;
		if (ps.ncomp == MAX_DEPTH)
			return false;
		size_t i = 0;
		while (*path && *path != '/' && i + 1 < sizeof ps.comp[0])
			ps.comp[ps.ncomp][i++] = *path++;
		ps.comp[ps.ncomp][i] = 0;
		ps.ncomp++;
	}
	fdt_walk(fdt, path_visit, &ps);
	if (ps.ok)
		*out = ps.found;
	return ps.ok;
}

struct compat_search {
	const char *compat;
	struct fdt_node found;
	bool ok;
};

static bool compat_visit(const struct fdt_node *n, void *arg)
{
	struct compat_search *cs = arg;
	if (fdt_compatible(n, cs->compat)) {
		cs->found = *n;
		cs->ok = true;
		return false;
	}
	return true;
}

bool fdt_find_compatible(const void *fdt, const char *compat, struct fdt_node *out)
{
	struct compat_search cs = { compat, { 0 }, false };
	fdt_walk(fdt, compat_visit, &cs);
	if (cs.ok)
		*out = cs.found;
	return cs.ok;
}
