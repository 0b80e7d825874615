/* alloc_count.c - the allocation counters' storage (see alloc_count.h).
 * Here, in the core runtime, because frame code refers to them in every
 * program; only the interposer (libhotpath_alloc.a) ever changes them. */
#include "alloc_count.h"

__thread struct hp_alloc_thread hp_alloc_tls;

int hp_alloc_linked;
