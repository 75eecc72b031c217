/* A compute-bound integer workload in the spirit of CoreMark: list
 * processing, a small matrix product, a state machine over a byte string,
 * CRC, and sorting, with bench_iters outer iterations. It prints a checksum so a
 * wrong result is noticed, then writes the virt test finisher. */
#include <stdint.h>

/* The outer iteration count lives in memory, not in the code, so that one
 * build serves every run length: cosim bench patches the symbol in the ELF. */
volatile uint32_t bench_iters = 200;

#define UART ((volatile uint8_t *)0x10000000)
#define FINISHER ((volatile uint32_t *)0x100000)

static void putc_(char c) { *UART = c; }

static void puthex(uint64_t v)
{
	for (int i = 60; i >= 0; i -= 4)
		putc_("0123456789abcdef"[(v >> i) & 15]);
	putc_('\n');
}

struct node {
	struct node *next;
	int32_t key;
	int32_t val;
};

#define NNODES 256
static struct node nodes[NNODES];

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static struct node *build_list(uint32_t seed)
{
	struct node *head = 0;
	for (int i = 0; i < NNODES; i++) {
		nodes[i].key = lcg(&seed) & 0xffff;
		nodes[i].val = i;
		nodes[i].next = head;
		head = &nodes[i];
	}
	return head;
}

/* Insertion sort of the list by key. */
static struct node *sort_list(struct node *head)
{
	struct node *sorted = 0;
	while (head) {
		struct node *n = head;
		head = head->next;
		struct node **pp = &sorted;
		while (*pp && (*pp)->key < n->key)
			pp = &(*pp)->next;
		n->next = *pp;
		*pp = n;
	}
	return sorted;
}

#define M 12
static int32_t A[M][M], B[M][M], C[M][M];

static int64_t matmul(int32_t k)
{
	int64_t sum = 0;
	for (int i = 0; i < M; i++)
		for (int j = 0; j < M; j++) {
			int32_t acc = 0;
			for (int l = 0; l < M; l++)
				acc += A[i][l] * B[l][j];
			C[i][j] = acc + k;
			sum += acc;
		}
	return sum;
}

static uint32_t crc32(const uint8_t *p, int n, uint32_t crc)
{
	crc = ~crc;
	for (int i = 0; i < n; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

enum { S_START, S_INT, S_FRAC, S_EXP, S_ERR };

/* Classify comma-separated tokens as integers, decimals, floats. */
static int scan(const char *s, int counts[5])
{
	int st = S_START, tokens = 0;
	for (;; s++) {
		char c = *s;
		if (c == ',' || c == 0) {
			counts[st]++;
			tokens++;
			st = S_START;
			if (c == 0)
				break;
			continue;
		}
		switch (st) {
		case S_START:
			st = (c >= '0' && c <= '9') || c == '-' ? S_INT : S_ERR;
			break;
		case S_INT:
			if (c == '.')
				st = S_FRAC;
			else if (c == 'e')
				st = S_EXP;
			else if (c < '0' || c > '9')
				st = S_ERR;
			break;
		case S_FRAC:
			if (c == 'e')
				st = S_EXP;
			else if (c < '0' || c > '9')
				st = S_ERR;
			break;
		case S_EXP:
			if ((c < '0' || c > '9') && c != '-')
				st = S_ERR;
			break;
		}
	}
	return tokens;
}

static const char text[] = "12,-7,3.25,1e9,abc,4.5e-3,99,x1,0.001,-12.5,77e7,5,,8,3.14159,2e,42";

int main(void)
{
	uint32_t seed = 12345;
	uint64_t check = 0;
	for (int i = 0; i < M; i++)
		for (int j = 0; j < M; j++) {
			A[i][j] = lcg(&seed) & 0xff;
			B[i][j] = lcg(&seed) & 0xff;
		}
	uint32_t iters = bench_iters;
	for (uint32_t it = 0; it < iters; it++) {
		struct node *l = sort_list(build_list(seed + it));
		int32_t prev = -1;
		for (struct node *n = l; n; n = n->next) {
			if (n->key < prev)
				check += 1000000;
			prev = n->key;
			check += n->val;
		}
		check += matmul(it);
		check ^= crc32((const uint8_t *)C, sizeof C, it);
		int counts[5] = {0};
		check += scan(text, counts) * counts[S_INT] + counts[S_FRAC] * 3 + counts[S_EXP] * 5;
	}
	puthex(check);
	*FINISHER = 0x5555;
	for (;;)
		;
}
