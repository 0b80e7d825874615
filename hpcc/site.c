/* site.c - ownership of the finder's output. */
#include <stdlib.h>

#include "site.h"

void hpcc_sites_free(struct site_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++) {
		free(list->v[i].name);
		free(list->v[i].percentiles);
	}
	free(list->v);
	list->v = NULL;
	list->n = 0;
	free(list->blanks);
	list->blanks = NULL;
	list->nblanks = 0;
}
