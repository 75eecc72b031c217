/* A small reader for the flattened device tree the firmware hands over. */
#ifndef KERNEL_FDT_H
#define KERNEL_FDT_H

#include <kernel/lib.h>

struct fdt_node {
	const void *fdt;
	int offset;          /* of the FDT_BEGIN_NODE token */
	int depth;
	const char *name;
	int addr_cells, size_cells;  /* of the parent: how to read this node's reg */
};

int fdt_check(const void *fdt);
uint32_t fdt_totalsize(const void *fdt);
bool fdt_find_path(const void *fdt, const char *path, struct fdt_node *out);
const void *fdt_getprop(const struct fdt_node *n, const char *name, int *len);
const char *fdt_getprop_str(const struct fdt_node *n, const char *name);
bool fdt_getprop_u32(const struct fdt_node *n, const char *name, uint32_t *out);
bool fdt_reg(const struct fdt_node *n, int index, uint64_t *base, uint64_t *size);
bool fdt_compatible(const struct fdt_node *n, const char *compat);
/* Visit every node; stop when fn returns false. */
void fdt_walk(const void *fdt, bool (*fn)(const struct fdt_node *n, void *arg), void *arg);
bool fdt_find_compatible(const void *fdt, const char *compat, struct fdt_node *out);
static inline uint32_t be32(const void *p)
{
	const uint8_t *b = p;
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

#endif
