/* callgraph.c - see callgraph.h. */
#include "callgraph.h"

#include <string.h>

#include "alloc.h"
#include "settings.h"

/* An open-addressing table of uint32 indexes + 1 (0 = empty). */
struct index {
	uint32_t *slot;
	size_t cap; /* power of two */
};

/* The graph: all of this file's state (the worker's alone). */
static struct callgraph {
	struct hp_edge *edges;
	size_t nedges, edges_cap;
	struct index edge_index;
	/* Per callee slot: the edge of its last caller (most callees have
	 * one caller, so this skips the hash nearly always).  Index + 1,
	 * 0 = none. */
	uint32_t *last_edge;
	size_t last_cap;
	struct hp_node *nodes;
	size_t nnodes, nodes_cap;
	struct index node_index;
	size_t limit;
	uint64_t truncated;
} cg = { .limit = HP_TREE_LIMIT_DEFAULT };

#define OVERFLOW_NODE 1u /* the root's "[truncated]" child */

static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t h = (a * 0x9e3779b97f4a7c15ull) ^ (b + 0x632be59bd9b4e019ull);

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

static uint64_t edge_key(size_t i)
{
	return mix(cg.edges[i].caller, cg.edges[i].callee);
}

static uint64_t node_key(size_t i)
{
	return mix(cg.nodes[i].parent, cg.nodes[i].slot);
}

/* Grows x when it is half full; 0 or -1. */
static int index_fit(struct index *x, size_t n, uint64_t (*key)(size_t))
{
	size_t cap, i, j;
	uint32_t *t;

	if ((n + 1) * 2 <= x->cap)
		return 0;
	cap = x->cap ? x->cap * 2 : 256;
	t = hp_calloc(cap, sizeof *t);
	if (!t)
		return -1;
	for (i = 0; i < n; i++) {
		j = key(i) & (cap - 1);
		while (t[j])
			j = (j + 1) & (cap - 1);
		t[j] = (uint32_t)(i + 1);
	}
	hp_free(x->slot);
	x->slot = t;
	x->cap = cap;
	return 0;
}

static int array_fit(void **a, size_t *cap, size_t n, size_t size)
{
	size_t c;
	void *p;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 256;
	p = hp_realloc(*a, c * size);
	if (!p)
		return -1;
	*a = p;
	*cap = c;
	return 0;
}

void hp_cg_set_limit(size_t n)
{
	/* settings.c keeps it in bounds; 2 * limit must fit node indexes */
	cg.limit = n < HP_TREE_LIMIT_MIN ? HP_TREE_LIMIT_MIN :
		n > HP_TREE_LIMIT_MAX ? HP_TREE_LIMIT_MAX : n;
}

void hp_cg_edge_add(uint32_t caller, uint32_t callee, uint64_t total,
		    uint64_t self)
{
	uint64_t h;
	size_t j;
	struct hp_edge *e;

	if (callee < cg.last_cap && cg.last_edge[callee]) {
		e = &cg.edges[cg.last_edge[callee] - 1];
		if (e->caller == caller)
			goto found;
	}
	h = mix(caller, callee);
	if (index_fit(&cg.edge_index, cg.nedges, edge_key))
		return;
	for (j = h & (cg.edge_index.cap - 1); cg.edge_index.slot[j];
	     j = (j + 1) & (cg.edge_index.cap - 1)) {
		e = &cg.edges[cg.edge_index.slot[j] - 1];
		if (e->caller == caller && e->callee == callee)
			goto cache;
	}
	if (array_fit((void **)&cg.edges, &cg.edges_cap, cg.nedges, sizeof *cg.edges))
		return;
	e = &cg.edges[cg.nedges];
	*e = (struct hp_edge){ caller, callee, 0, 0, 0 };
	cg.edge_index.slot[j] = (uint32_t)++cg.nedges;
cache:
	if (callee >= cg.last_cap) {
		size_t cap = cg.last_cap ? cg.last_cap : 256;
		uint32_t *t;

		while (cap <= callee)
			cap *= 2;
		t = hp_realloc(cg.last_edge, cap * sizeof *t);
		if (t) {
			memset(t + cg.last_cap, 0, (cap - cg.last_cap) * sizeof *t);
			cg.last_edge = t;
			cg.last_cap = cap;
		}
	}
	if (callee < cg.last_cap)
		cg.last_edge[callee] = (uint32_t)(e - cg.edges + 1);
found:
	e->calls++;
	e->total += total;
	e->self += self;
}

/* Appends a node (no checks of the limit); 0 on failure. */
static uint32_t new_node(uint32_t parent, uint32_t slot, size_t j)
{
	struct hp_node *n, *p;

	if (array_fit((void **)&cg.nodes, &cg.nodes_cap, cg.nnodes, sizeof *cg.nodes))
		return 0;
	n = &cg.nodes[cg.nnodes];
	p = &cg.nodes[parent];
	*n = (struct hp_node){ parent, slot, p->depth + 1, 0, p->first_child,
			       0, 0, 0 };
	p->first_child = (uint32_t)cg.nnodes;
	cg.node_index.slot[j] = (uint32_t)(cg.nnodes + 1);
	return (uint32_t)cg.nnodes++;
}

static uint32_t lookup(uint32_t parent, uint32_t slot, size_t *free_j)
{
	size_t j;

	for (j = mix(parent, slot) & (cg.node_index.cap - 1); cg.node_index.slot[j];
	     j = (j + 1) & (cg.node_index.cap - 1)) {
		const struct hp_node *n = &cg.nodes[cg.node_index.slot[j] - 1];

		if (n->parent == parent && n->slot == slot)
			return cg.node_index.slot[j] - 1;
	}
	*free_j = j;
	return 0;
}

static int init_tree(void)
{
	size_t j = 0;

	if (cg.nnodes)
		return 0;
	if (array_fit((void **)&cg.nodes, &cg.nodes_cap, 0, sizeof *cg.nodes) ||
	    index_fit(&cg.node_index, 0, node_key))
		return -1;
	cg.nodes[0] = (struct hp_node){ 0, 0, 0, 0, 0, 0, 0, 0 };
	cg.nnodes = 1;
	lookup(0, 0, &j);
	return new_node(0, 0, j) == OVERFLOW_NODE ? 0 : -1;
}

uint32_t hp_cg_child(uint32_t parent, uint32_t slot)
{
	size_t j = 0;
	uint32_t n;

	if (init_tree() || index_fit(&cg.node_index, cg.nnodes, node_key))
		return OVERFLOW_NODE;
	if (parent == OVERFLOW_NODE || cg.nodes[parent].slot == 0) {
		if (parent)
			return parent; /* below a "[truncated]" node */
	}
	if (cg.nodes[parent].depth < HP_CG_MAX_DEPTH && cg.nnodes < cg.limit) {
		n = lookup(parent, slot, &j);
		if (n)
			return n;
		n = new_node(parent, slot, j);
		if (n)
			return n;
	} else {
		n = lookup(parent, slot, &j);
		if (n)
			return n;
	}
	/* Past a bound: the parent's "[truncated]" child. */
	n = lookup(parent, 0, &j);
	if (!n && cg.nnodes < 2 * cg.limit)
		n = new_node(parent, 0, j);
	return n ? n : OVERFLOW_NODE;
}

void hp_cg_node_add(uint32_t node, uint64_t total, uint64_t self)
{
	struct hp_node *n;

	if (node >= cg.nnodes)
		return;
	n = &cg.nodes[node];
	n->calls++;
	n->total += total;
	n->self += self;
	if (n->slot == 0)
		cg.truncated++;
}

size_t hp_cg_edge_count(void)
{
	return cg.nedges;
}

const struct hp_edge *hp_cg_edges(void)
{
	return cg.edges;
}

size_t hp_cg_node_count(void)
{
	return cg.nnodes;
}

const struct hp_node *hp_cg_nodes(void)
{
	return cg.nodes;
}

uint64_t hp_cg_truncated(void)
{
	return cg.truncated;
}

void hp_cg_reset(void)
{
	size_t i;

	for (i = 0; i < cg.nedges; i++)
		cg.edges[i].calls = cg.edges[i].total = cg.edges[i].self = 0;
	for (i = 0; i < cg.nnodes; i++)
		cg.nodes[i].calls = cg.nodes[i].total = cg.nodes[i].self = 0;
	cg.truncated = 0;
}
