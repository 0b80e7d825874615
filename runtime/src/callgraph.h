/* callgraph.h - caller->callee edges and the call-path tree, built by the
 * worker from the events of every thread (consumer only, no locking).
 *
 * DESIGN.  Sites are named by their statistics slot (worker.h: index + 1).
 * An edge is a (caller slot, callee slot) pair with the calls, total and
 * self ticks of the callee's calls made from that caller.  The tree has
 * one node per distinct call path, keyed by (parent node, slot); node 0
 * is the root (no site), the parent of every thread's outermost calls, so
 * the threads' trees are merged.  Both are open-addressing hash tables of
 * uint32 indexes over growable arrays (hp_realloc, worker side only).
 *
 * Bounds: at most `limit` nodes (HOTPATH_TREE_LIMIT, settings.h: default
 * 100,000, from 16 to 100,000,000) and paths at most HP_CG_MAX_DEPTH
 * deep.  A call that would need a node past
 * either bound goes to its parent's "[truncated]" child (slot 0), which
 * gathers everything below; those may exceed the limit by at most one per
 * node, and past twice the limit (or without memory) everything goes to
 * the root's own "[truncated]" child, created first.  So no time is lost,
 * the tree's memory is bounded (~56 bytes a node plus the hash), and the
 * report says how many calls were folded that way.
 */
#ifndef HP_CALLGRAPH_H
#define HP_CALLGRAPH_H

#include <stddef.h>
#include <stdint.h>

#define HP_CG_MAX_DEPTH 256

struct hp_edge {
	uint32_t caller, callee; /* slots */
	uint64_t calls, total, self;
};

struct hp_node {
	uint32_t parent;
	uint32_t slot;  /* 0: "[truncated]" (or the root) */
	uint32_t depth; /* root 0 */
	uint32_t first_child, next_sibling; /* 0 = none */
	uint64_t calls, total, self;
};

void hp_cg_set_limit(size_t nodes);
void hp_cg_edge_add(uint32_t caller, uint32_t callee, uint64_t total,
		    uint64_t self);
/* The node of a call to `slot` made under `parent`. */
uint32_t hp_cg_child(uint32_t parent, uint32_t slot);
void hp_cg_node_add(uint32_t node, uint64_t total, uint64_t self);

size_t hp_cg_edge_count(void);
const struct hp_edge *hp_cg_edges(void);
size_t hp_cg_node_count(void); /* root included, once anything exists */
const struct hp_node *hp_cg_nodes(void);
/* Calls that went to a "[truncated]" node. */
uint64_t hp_cg_truncated(void);
/* Fork child: zero every aggregate; edges and nodes stay (open calls keep
 * pointing at their nodes). */
void hp_cg_reset(void);

#endif
