/* sites.h - the process's registry of measured sites: one row identity per
 * (name, file, line, kind), whatever module the site lives in.
 *
 * DESIGN.  A struct hp_site is a static of the instrumented module, so it
 * goes away when that module is dlclose()d, with its name and file
 * strings.  The runtime therefore never keeps a pointer to one: the first
 * call of a site (per load of its module) registers it here, which copies
 * the name and the file into the runtime's own memory and gives the site
 * its slot (stored in the site's runtime-owned `slot` field).  From then
 * on everything downstream (ring records, the worker's statistics, call
 * edges, trace events, the report) speaks of slots only, so unloading a
 * module can never leave a dangling pointer behind.  A module loaded again
 * gets fresh sites with slot 0; they register again and find the same
 * slot, so its calls add to the same rows.  The same is true of copies of
 * one source site in several modules (a measured static function in a
 * header): one identity, one row.
 *
 * Threads: registration takes `lock` (a slow path, once per site and
 * load; it allocates with mmap, never malloc, so a first call inside a
 * signal handler that interrupted malloc cannot deadlock); the site's
 * slot is published with a release store after its entry is complete.
 * Entries live in fixed chunks that never move, and `count` is published
 * with release, so readers (the worker, the report) read any slot below
 * an acquired count without the lock.  fork(): the
 * session's handlers hold the lock across the fork.
 */
#ifndef HP_SITES_H
#define HP_SITES_H

#include <stddef.h>

struct hp_site;

/* Slots run from 1 to this at most (sites.c's chunks). */
#define HP_SITES_MAX (4096u * 1024u)

/* A registered site: the runtime's own copy of its identity. */
struct hp_site_info {
	const char *name;
	const char *file;
	int line;
	int kind;
};

/* The site's slot (>= 1), registering it if needed; 0 when out of memory
 * (the call is then counted as lost). */
unsigned int hp_sites_slot(struct hp_site *site);
/* Slots registered so far: 1 .. hp_sites_count(). */
size_t hp_sites_count(void);
/* Slot 1 .. hp_sites_count(), or NULL. */
const struct hp_site_info *hp_sites_get(unsigned int slot);

void hp_sites_lock(void);
void hp_sites_unlock(void);

#endif
