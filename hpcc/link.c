/* link.c - how a link gets the hotpath runtime (see link.h). */
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "objscan.h"

struct vec {
	char **v;
	int n, cap, oom;
};

static void push(struct vec *a, const char *s)
{
	if (a->oom)
		return;
	if (a->n + 2 > a->cap) {
		int cap = a->cap ? a->cap * 2 : 64;
		char **v = realloc(a->v, (size_t)cap * sizeof *v);

		if (!v) {
			a->oom = 1;
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
}

/* The runtime goes last, after the user's objects and libraries. */
static void append_runtime(struct vec *a, const struct runtime_link *rt, int used)
{
	if (rt->x_none) { /* else: libhotpath.* read as `-x c` input */
		push(a, "-x");
		push(a, "none");
	}
	if (rt->is_static) {
		if (rt->alloc_lib) {
			push(a, "-Wl,--whole-archive");
			push(a, rt->alloc_lib);
			push(a, "-Wl,--no-whole-archive");
		}
		push(a, rt->lib);
		push(a, "-pthread");
		return;
	}
	push(a, used ? "-Wl,--push-state,--no-as-needed" : "-Wl,--push-state,--as-needed");
	push(a, rt->lib);
	push(a, "-Wl,--pop-state");
	if (used) {
		/* -Xlinker: a comma in the path must not split it (-Wl, would) */
		push(a, "-Xlinker");
		push(a, "-rpath");
		push(a, "-Xlinker");
		push(a, rt->libdir);
		push(a, "-pthread");
	}
}

char **hpcc_link_command(char *const *argv, int argc, int lead, const struct runtime_link *rt,
			 int used, int links)
{
	struct vec a = { 0 };
	int i;

	for (i = 0; i < argc; i++) {
		if (i == lead && links && rt->lib && rt->alloc_lib && !rt->is_static && used) {
			push(&a, "-Wl,--push-state,--no-as-needed");
			push(&a, rt->alloc_lib);
			push(&a, "-Wl,--pop-state");
		}
		push(&a, argv[i]);
	}
	if (links && rt->lib)
		append_runtime(&a, rt, used);
	if (!a.v)
		push(&a, NULL); /* argc 0: an empty vector */
	if (a.oom) {
		free(a.v);
		return NULL;
	}
	return a.v;
}

int hpcc_link_uses_runtime(const struct invocation *inv, int nw)
{
	int i;

	if (nw > 0)
		return 1;
	for (i = 0; i < inv->ninputs; i++)
		if (hpcc_objscan_uses_runtime(inv->argv[inv->input_argi[i]]))
			return 1;
	return 0;
}

int hpcc_link_has_x(const struct invocation *inv)
{
	int i;

	for (i = 1; i < inv->argc; i++)
		if (!strncmp(inv->argv[i], "-x", 2))
			return 1;
	return 0;
}
