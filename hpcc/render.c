/* render.c - the runtime's allocation door (runtime/src/alloc.h), opened
 * onto malloc for hpcc, which links the runtime's report formatter
 * (report.c, format.c, json.c, html.c: libc and this door only) so that
 * `hpcc --merge --format=table` prints the table the runtime prints. */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

void *hp_malloc(size_t size)
{
	return malloc(size);
}

void *hp_calloc(size_t n, size_t size)
{
	return calloc(n, size);
}

void *hp_realloc(void *p, size_t size)
{
	return realloc(p, size);
}

void hp_free(void *p)
{
	free(p);
}

char *hp_strdup(const char *s)
{
	return strdup(s);
}
