/* merge.c - add up hotpath JSON reports (`hpcc --merge`).
 *
 * DESIGN.  A function is the same function in two reports when its name,
 * file and kind match (as in --diff); an edge when its caller's and
 * callee's names and files match.  Counts, totals, self and recursive
 * time, unfinished calls and the allocation sums add up; min and max are
 * the min of the mins and the max of the maxes, and so are the allocation
 * peaks (bytes_max, count_max).  The session figures (total_ns, lost,
 * omitted, nonlocal_exits) add up too, so percent_total is a share of the
 * processes' summed wall time.
 *
 * Percentiles come from the merged histograms: each report carries every
 * function's non-empty buckets as [value_ns, calls] pairs, the value being
 * what the runtime reports for that bucket.  Adding the pairs and taking
 * the nearest rank, clamped to the merged [min, max], gives exactly what
 * one process making all those calls would have printed.  The allocation
 * percentiles come the same way from each metric's alloc_histograms (with
 * its per-call min and max); a report from a runtime without them leaves
 * the merged function's allocation percentiles out (sums and peaks stay).
 *
 * Call paths (the report's "paths", the call-path tree of the folded
 * output) add up node by node: a node is the same node when its parent
 * is and its function's name and file match ("[truncated]" matches
 * "[truncated]").  The merged tree lists each node's children in the
 * order they first appear, parents first, so a report merged alone keeps
 * its own order.  A report without "paths" (older runtimes) still merges
 * into a table or JSON, which then has no "paths" either; HTML and folded
 * output need them and refuse with one error line.
 *
 * --format=table, html and folded render with the runtime's own code
 * (report.c, html.c, linked through render.c): one formatter, not two, so
 * a report merged alone renders to the byte as the runtime rendered it.
 *
 * Sampled reports (HOTPATH_SAMPLE, the report's "sample"): calls are exact
 * and add up as usual; every time figure is an estimate from the timed
 * calls, which are the histogram's counts.  The merged report keeps that:
 * its "sample" is the largest of the reports' (a report without one timed
 * every call: 1), each function's "timed_calls" is its merged histogram's
 * sum, as the runtime's is, and the table marks the estimates with "~".
 * Percentiles already rank the histogram's counts, not the calls.
 *
 * Numbers go through cJSON's doubles: exact up to 2^53 ns (104 days).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "diag.h"
#include "hotpath.h"
#include "jsonutf8.h"
#include "merge.h"
#include "readfile.h"
#include "report.h"

static const char *usage =
	"usage: hpcc --merge A.json B.json ... [-o MERGED.json] [--percentiles 50,95,99] "
	"[--format=json|table|html|folded]";

static const char *const alloc_keys[4] = {
	"alloc_bytes_total", "alloc_bytes_max", "alloc_count_total", "alloc_count_max"
};
static const int alloc_is_peak[4] = { 0, 1, 0, 1 };
/* the runtime's metric names in alloc_percentiles and alloc_histograms */
static const char *const alloc_metrics[4] = {
	"bytes_total", "bytes_max", "count_total", "count_max"
};

struct mfn {
	const char *name, *file, *kind; /* into the reports' trees */
	int line;
	uint64_t calls, unfinished, total, recursive, self, min, max;
	int has_alloc;
	uint64_t alloc[4], bytes_self, count_self;
	struct merge_pair *hist;
	size_t nhist, cap;
	/* per allocation metric (alloc_keys' order): the least and greatest
	 * per-call value and the histogram; alloc_nohist when a report with
	 * allocation figures had no histograms (an older runtime) */
	uint64_t amin[4], amax[4];
	struct merge_pair *ahist[4];
	size_t anhist[4], acap[4];
	int alloc_nohist;
};

struct medge {
	const char *caller, *caller_file, *callee, *callee_file;
	int caller_line, callee_line;
	uint64_t calls, total, self;
};

/* A call-path node; node 0 is the root.  Children are linked in the
 * order they first appear. */
struct mnode {
	const char *name, *file; /* name NULL: "[truncated]" */
	uint32_t parent, first_child, last_child, next_sibling; /* 0 = none */
	uint64_t calls, total, self;
};

struct merged {
	cJSON **roots;
	int nroots;
	struct mfn *fn;
	size_t nfn, capfn;
	struct medge *edge;
	size_t nedge, capedge;
	uint64_t total, lost, omitted, nonlocal;
	const char *program, *clock;
	unsigned int pcts[MERGE_MAX_PCTS];
	int npcts;
	struct mnode *node;
	size_t nnode, capnode;
	uint32_t *node_hash; /* open addressing: node index, 0 = empty */
	size_t hash_cap;     /* power of two */
	uint64_t truncated;  /* calls under "[truncated]" nodes */
	const char *no_paths; /* the first report without "paths" */
	unsigned int sample, sample_min; /* the reports' "sample" (1: none) */
};

void hpcc_merge_opts_free(struct merge_opts *opts)
{
	free(opts->inputs);
	memset(opts, 0, sizeof *opts);
}

/* "99.9" -> 99900 thousandths; -1 unless 0 to 100 with up to 3 decimals. */
static long parse_pct(const char *s, const char **end)
{
	long whole = 0, frac = 0;
	int digits = 0, fd = 0;

	for (; *s >= '0' && *s <= '9' && digits < 4; s++, digits++)
		whole = whole * 10 + (*s - '0');
	if (!digits)
		return -1;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9' && fd < 3; s++, fd++)
			frac = frac * 10 + (*s - '0');
		if (!fd)
			return -1;
		while (fd++ < 3)
			frac *= 10;
	}
	*end = s;
	if (whole > 100 || (whole == 100 && frac))
		return -1;
	return whole * 1000 + frac;
}

static int parse_pcts(const char *list, struct merge_opts *out)
{
	const char *p = list, *end;
	long v;

	out->npcts = 0;
	for (;;) {
		v = parse_pct(p, &end);
		if (v < 0 || (*end && *end != ',') || out->npcts == MERGE_MAX_PCTS) {
			hpcc_diag_error("--percentiles: '%s' is not a list of up to %d "
					"percentiles from 0 to 100", list, MERGE_MAX_PCTS);
			return -1;
		}
		out->pcts[out->npcts++] = (unsigned int)v;
		if (!*end)
			return 0;
		p = end + 1;
	}
}

int hpcc_merge_parse_args(int argc, char **argv, struct merge_opts *out)
{
	int i;

	memset(out, 0, sizeof *out);
	out->inputs = calloc((size_t)argc + 1, sizeof *out->inputs);
	if (!out->inputs) {
		hpcc_diag_error("out of memory");
		return -1;
	}
	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *val = NULL;

		if (!strcmp(a, "-o") || !strcmp(a, "--output") || !strcmp(a, "--percentiles")) {
			if (i + 1 >= argc) {
				hpcc_diag_error("%s needs a value (%s)", a, usage + 7);
				goto fail;
			}
			val = argv[++i];
		} else if (!strncmp(a, "--output=", 9)) {
			val = a + 9;
			a = "-o";
		} else if (!strncmp(a, "--percentiles=", 14)) {
			val = a + 14;
			a = "--percentiles";
		} else if (!strcmp(a, "--format=json") || !strcmp(a, "--format=table") ||
			   !strcmp(a, "--format=html") || !strcmp(a, "--format=folded")) {
			out->format = a[9] == 'j' ? MERGE_JSON : a[9] == 't' ? MERGE_TABLE :
				      a[9] == 'h' ? MERGE_HTML : MERGE_FOLDED;
			continue;
		} else if (a[0] == '-' && a[1] == 'o' && a[2]) {
			val = a + 2;
			a = "-o";
		} else if (a[0] == '-' && a[1]) {
			hpcc_diag_error("unknown merge option '%s' (%s)", a, usage + 7);
			goto fail;
		} else {
			out->inputs[out->ninputs++] = a;
			continue;
		}
		if (!strcmp(a, "--percentiles")) {
			if (parse_pcts(val, out))
				goto fail;
		} else if (!*val) {
			hpcc_diag_error("-o needs a file name (%s)", usage + 7);
			goto fail;
		} else {
			out->output = val;
		}
	}
	if (!out->ninputs) {
		hpcc_diag_error("--merge needs at least one report (%s)", usage + 7);
		goto fail;
	}
	return 0;
fail:
	hpcc_merge_opts_free(out);
	return -1;
}

uint64_t hpcc_merge_percentile(const struct merge_pair *v, size_t n, uint64_t calls,
			       uint64_t min, uint64_t max, unsigned int milli)
{
	uint64_t bucketed = 0, rank, seen = 0, x;
	size_t i;

	if (!calls)
		return 0;
	if (milli == 0)
		return min;
	if (milli >= 100000)
		return max;
	for (i = 0; i < n; i++)
		bucketed += v[i].count;
	if (!bucketed)
		return max;
	rank = (uint64_t)(((unsigned __int128)bucketed * milli + 99999) / 100000);
	if (!rank)
		rank = 1;
	for (i = 0; i < n; i++) {
		seen += v[i].count;
		if (seen >= rank) {
			x = v[i].value_ns;
			return x < min ? min : x > max ? max : x;
		}
	}
	return max;
}

/* A non-negative integer that fits in 64 bits; -1 when `it` is not one
 * (1e308 is a number, but no count). */
static int u64_item(const cJSON *it, uint64_t *out)
{
	if (!cJSON_IsNumber(it) || !(it->valuedouble >= 0) ||
	    it->valuedouble >= 18446744073709551616.0 ||
	    it->valuedouble != floor(it->valuedouble))
		return -1;
	*out = (uint64_t)it->valuedouble;
	return 0;
}

/* The same for a member; -1 when absent or not one. */
static int u64_of(const cJSON *obj, const char *key, uint64_t *out)
{
	return u64_item(cJSON_GetObjectItemCaseSensitive(obj, key), out);
}

static const char *str_of(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

static int int_of(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNumber(it) ? it->valueint : 0;
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	p = realloc(*v, c * size);
	if (!p)
		return -1;
	*v = p;
	*cap = c;
	return 0;
}

static struct mfn *find_fn(struct merged *m, const char *name, const char *file,
			   const char *kind)
{
	size_t i;

	for (i = 0; i < m->nfn; i++)
		if (!strcmp(m->fn[i].name, name) && !strcmp(m->fn[i].file, file) &&
		    !strcmp(m->fn[i].kind, kind))
			return &m->fn[i];
	if (grow((void **)&m->fn, &m->capfn, m->nfn, sizeof *m->fn))
		return NULL;
	memset(&m->fn[m->nfn], 0, sizeof *m->fn);
	m->fn[m->nfn].name = name;
	m->fn[m->nfn].file = file;
	m->fn[m->nfn].kind = kind;
	m->fn[m->nfn].min = UINT64_MAX;
	for (int k = 0; k < 4; k++)
		m->fn[m->nfn].amin[k] = UINT64_MAX;
	return &m->fn[m->nfn++];
}

static int add_hist(struct merge_pair **v, size_t *n, size_t *cap, const cJSON *hist)
{
	const cJSON *pair;

	cJSON_ArrayForEach(pair, hist) {
		struct merge_pair p;

		if (cJSON_GetArraySize(pair) != 2 ||
		    u64_item(cJSON_GetArrayItem(pair, 0), &p.value_ns) != 0 ||
		    u64_item(cJSON_GetArrayItem(pair, 1), &p.count) != 0)
			return -1;
		if (grow((void **)v, cap, *n, sizeof **v))
			return -2;
		(*v)[(*n)++] = p;
	}
	return 0;
}

/* One report's alloc_histograms of a function; absent: an older
 * runtime's, whose merged allocation percentiles are then left out. */
static int add_alloc_hists(struct mfn *f, const cJSON *ah)
{
	uint64_t lo, hi;
	int k, err;

	if (!ah) {
		f->alloc_nohist = 1;
		return 0;
	}
	for (k = 0; k < 4; k++) {
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(ah, alloc_metrics[k]);

		if (!cJSON_IsObject(o) || u64_of(o, "min", &lo) || u64_of(o, "max", &hi) ||
		    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(o, "histogram")))
			return -1;
		err = add_hist(&f->ahist[k], &f->anhist[k], &f->acap[k],
			       cJSON_GetObjectItemCaseSensitive(o, "histogram"));
		if (err)
			return err;
		if (lo < f->amin[k])
			f->amin[k] = lo;
		if (hi > f->amax[k])
			f->amax[k] = hi;
	}
	return 0;
}

static int add_fn(struct merged *m, const char *path, const cJSON *j)
{
	const char *name = str_of(j, "name"), *file = str_of(j, "file"), *kind = str_of(j, "kind");
	const cJSON *hist = cJSON_GetObjectItemCaseSensitive(j, "histogram");
	uint64_t calls, unfinished, total, recursive, self, min, max, v;
	struct mfn *f;
	int k, err;

	if (!name || !file || !kind) {
		hpcc_diag_error("%s: a function without a name, file or kind", path);
		return -1;
	}
	if (!cJSON_IsArray(hist)) {
		hpcc_diag_error("%s: function '%s' has no histogram (a report from a runtime "
				"before hpcc --merge?)", path, name);
		return -1;
	}
	if (u64_of(j, "calls", &calls) || u64_of(j, "unfinished", &unfinished) ||
	    u64_of(j, "total_ns", &total) || u64_of(j, "recursive_ns", &recursive) ||
	    u64_of(j, "self_ns", &self) || u64_of(j, "min_ns", &min) ||
	    u64_of(j, "max_ns", &max)) {
		hpcc_diag_error("%s: function '%s' lacks calls, unfinished, total_ns, "
				"recursive_ns, self_ns, min_ns or max_ns", path, name);
		return -1;
	}
	if (!(f = find_fn(m, name, file, kind)))
		goto oom;
	if (!f->calls && !f->nhist)
		f->line = int_of(j, "line");
	f->calls += calls;
	f->unfinished += unfinished;
	f->total += total;
	f->recursive += recursive;
	f->self += self;
	if (calls && min < f->min)
		f->min = min;
	if (calls && max > f->max)
		f->max = max;
	for (k = 0; k < 4; k++) {
		if (u64_of(j, alloc_keys[k], &v))
			continue;
		f->has_alloc = 1;
		if (alloc_is_peak[k])
			f->alloc[k] = v > f->alloc[k] ? v : f->alloc[k];
		else
			f->alloc[k] += v;
	}
	if (!u64_of(j, "alloc_bytes_self", &v))
		f->bytes_self += v;
	if (!u64_of(j, "alloc_count_self", &v))
		f->count_self += v;
	err = add_hist(&f->hist, &f->nhist, &f->cap, hist);
	if (!err && f->has_alloc && !u64_of(j, "alloc_bytes_total", &v))
		err = add_alloc_hists(f, cJSON_GetObjectItemCaseSensitive(j, "alloc_histograms"));
	if (err == -2)
		goto oom;
	if (err) {
		hpcc_diag_error("%s: function '%s' has a malformed histogram "
				"(expected [[value_ns, calls], ...], and for allocations "
				"{\"min\", \"max\", \"histogram\"} per metric)", path, name);
		return -1;
	}
	return 0;
oom:
	hpcc_diag_error("out of memory");
	return -1;
}

static int add_edge(struct merged *m, const char *path, const cJSON *j)
{
	const char *caller = str_of(j, "caller"), *callee = str_of(j, "callee");
	const char *cf = str_of(j, "caller_file"), *ef = str_of(j, "callee_file");
	uint64_t calls, total, self;
	struct medge *e = NULL;
	size_t i;

	if (!caller || !callee || !cf || !ef || u64_of(j, "calls", &calls) ||
	    u64_of(j, "total_ns", &total) || u64_of(j, "self_ns", &self)) {
		hpcc_diag_error("%s: a malformed edge (caller, callee, their files, calls, "
				"total_ns, self_ns)", path);
		return -1;
	}
	for (i = 0; i < m->nedge && !e; i++)
		if (!strcmp(m->edge[i].caller, caller) && !strcmp(m->edge[i].callee, callee) &&
		    !strcmp(m->edge[i].caller_file, cf) && !strcmp(m->edge[i].callee_file, ef))
			e = &m->edge[i];
	if (!e) {
		if (grow((void **)&m->edge, &m->capedge, m->nedge, sizeof *m->edge)) {
			hpcc_diag_error("out of memory");
			return -1;
		}
		e = &m->edge[m->nedge++];
		memset(e, 0, sizeof *e);
		e->caller = caller;
		e->callee = callee;
		e->caller_file = cf;
		e->callee_file = ef;
		e->caller_line = int_of(j, "caller_line");
		e->callee_line = int_of(j, "callee_line");
	}
	e->calls += calls;
	e->total += total;
	e->self += self;
	return 0;
}

static uint64_t node_key(uint32_t parent, const char *name, const char *file)
{
	uint64_t h = 1469598103934665603ull ^ parent;
	const char *s;

	for (s = name ? name : ""; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	h = (h ^ (name ? 1 : 2)) * 1099511628211ull; /* "[truncated]": NULL */
	for (s = file ? file : ""; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h ^ (h >> 29);
}

static int same_node(const struct mnode *n, uint32_t parent, const char *name,
		     const char *file)
{
	if (n->parent != parent || !n->name != !name)
		return 0;
	return !name || (!strcmp(n->name, name) && !strcmp(n->file, file));
}

/* Keeps the hash at most half full; 0 or -1. */
static int hash_fit(struct merged *m)
{
	size_t cap, i, j;
	uint32_t *t;

	if ((m->nnode + 1) * 2 <= m->hash_cap)
		return 0;
	cap = m->hash_cap ? m->hash_cap * 2 : 1024;
	t = calloc(cap, sizeof *t);
	if (!t)
		return -1;
	for (i = 1; i < m->nnode; i++) {
		const struct mnode *n = &m->node[i];

		j = node_key(n->parent, n->name, n->file) & (cap - 1);
		while (t[j])
			j = (j + 1) & (cap - 1);
		t[j] = (uint32_t)i;
	}
	free(m->node_hash);
	m->node_hash = t;
	m->hash_cap = cap;
	return 0;
}

/* The merged node for a call to name (file) under parent, made the
 * parent's last child if new; 0 without memory. */
static uint32_t child_node(struct merged *m, uint32_t parent, const char *name,
			   const char *file)
{
	struct mnode *n;
	size_t j;

	if (hash_fit(m) || m->nnode >= UINT32_MAX)
		return 0;
	j = node_key(parent, name, file) & (m->hash_cap - 1);
	for (; m->node_hash[j]; j = (j + 1) & (m->hash_cap - 1))
		if (same_node(&m->node[m->node_hash[j]], parent, name, file))
			return m->node_hash[j];
	if (grow((void **)&m->node, &m->capnode, m->nnode, sizeof *m->node))
		return 0;
	n = &m->node[m->nnode];
	memset(n, 0, sizeof *n);
	n->name = name;
	n->file = file;
	n->parent = parent;
	if (m->node[parent].last_child)
		m->node[m->node[parent].last_child].next_sibling = (uint32_t)m->nnode;
	else
		m->node[parent].first_child = (uint32_t)m->nnode;
	m->node[parent].last_child = (uint32_t)m->nnode;
	m->node_hash[j] = (uint32_t)m->nnode;
	return (uint32_t)m->nnode++;
}

/* One report's "paths" (see report.c's paths_json for the form); fns is
 * its "functions" as an array, to name nodes by index. */
static int add_paths(struct merged *m, const char *path, const cJSON *paths,
		     const cJSON *const *fns, size_t nfns)
{
	size_t n = (size_t)cJSON_GetArraySize(paths), k = 0;
	uint32_t *map = calloc(n + 1, sizeof *map);
	const cJSON *it;

	if (!map) {
		hpcc_diag_error("out of memory");
		return -1;
	}
	if (!m->nnode) { /* the root */
		if (grow((void **)&m->node, &m->capnode, 0, sizeof *m->node))
			goto oom;
		memset(&m->node[0], 0, sizeof *m->node);
		m->node[0].name = "";
		m->node[0].file = "";
		m->nnode = 1;
	}
	cJSON_ArrayForEach(it, paths) {
		const cJSON *fn = cJSON_GetArrayItem(it, 1);
		const char *name = NULL, *file = NULL;
		uint64_t parent, v[3];
		uint32_t at;
		int q;

		k++;
		if (cJSON_GetArraySize(it) != 5 || !cJSON_IsArray(it))
			goto bad;
		for (q = 0; q < 3; q++) {
			const cJSON *x = cJSON_GetArrayItem(it, q + 2);

			if (!cJSON_IsNumber(x) || !(x->valuedouble >= 0) ||
			    x->valuedouble >= 18446744073709551616.0)
				goto bad;
			v[q] = (uint64_t)x->valuedouble;
		}
		if (!cJSON_IsNumber(cJSON_GetArrayItem(it, 0)) ||
		    !(cJSON_GetArrayItem(it, 0)->valuedouble >= 0) ||
		    (parent = (uint64_t)cJSON_GetArrayItem(it, 0)->valuedouble) >= k)
			goto bad; /* parents come first */
		if (cJSON_IsNumber(fn)) {
			if (!(fn->valuedouble >= 0) || fn->valuedouble >= (double)nfns)
				goto bad;
			name = str_of(fns[(size_t)fn->valuedouble], "name");
			file = str_of(fns[(size_t)fn->valuedouble], "file");
		} else if (cJSON_IsArray(fn)) {
			name = cJSON_GetStringValue(cJSON_GetArrayItem(fn, 0));
			file = cJSON_GetStringValue(cJSON_GetArrayItem(fn, 1));
		} else if (!cJSON_IsNull(fn)) {
			goto bad;
		}
		if (!cJSON_IsNull(fn) && (!name || !file))
			goto bad;
		if (!(at = child_node(m, map[parent], name, file)))
			goto oom;
		map[k] = at;
		m->node[at].calls += v[0];
		m->node[at].total += v[1];
		m->node[at].self += v[2];
	}
	free(map);
	return 0;
bad:
	hpcc_diag_error("%s: call path %zu is malformed (expected [parent, function, "
			"calls, total_ns, self_ns], parents first)", path, k);
	free(map);
	return -1;
oom:
	hpcc_diag_error("out of memory");
	free(map);
	return -1;
}

/* The first report's percentile list, when --percentiles gave none. */
static int report_pcts(struct merged *m, const char *path, const cJSON *list)
{
	const cJSON *it;

	m->npcts = 0;
	cJSON_ArrayForEach(it, list) {
		if (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble > 100 ||
		    m->npcts == MERGE_MAX_PCTS) {
			hpcc_diag_error("%s: a malformed percentiles list", path);
			return -1;
		}
		m->pcts[m->npcts++] = (unsigned int)(it->valuedouble * 1000 + 0.5);
	}
	return 0;
}

static int add_report(struct merged *m, const char *path, int first)
{
	char *text = hpcc_read_file(path, 0, NULL);
	const cJSON *fns, *edges, *it, *paths;
	const cJSON **fnv = NULL;
	uint64_t total, lost, omitted, nonlocal, sample, truncated = 0;
	size_t nfns = 0;
	cJSON *root;
	int err;

	if (!text) {
		hpcc_diag_error("cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	root = cJSON_Parse(text);
	free(text);
	if (!root) {
		hpcc_diag_error("%s is not JSON (a hotpath report: HOTPATH_FORMAT=json)", path);
		return -1;
	}
	m->roots[m->nroots++] = root;
	fns = cJSON_GetObjectItemCaseSensitive(root, "functions");
	edges = cJSON_GetObjectItemCaseSensitive(root, "edges");
	if (!cJSON_IsArray(fns) || !cJSON_IsArray(edges) ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "percentiles")) ||
	    u64_of(root, "total_ns", &total) || u64_of(root, "lost", &lost) ||
	    u64_of(root, "omitted", &omitted) || u64_of(root, "nonlocal_exits", &nonlocal)) {
		hpcc_diag_error("%s is not a hotpath JSON report (HOTPATH_FORMAT=json)", path);
		return -1;
	}
	if (!cJSON_GetObjectItemCaseSensitive(root, "sample")) {
		sample = 1;
	} else if (u64_of(root, "sample", &sample) || sample < 1 || sample > UINT_MAX) {
		hpcc_diag_error("%s: \"sample\" is not a whole number from 1 to %u", path,
				UINT_MAX);
		return -1;
	}
	if (first || sample > m->sample)
		m->sample = (unsigned int)sample;
	if (first || sample < m->sample_min)
		m->sample_min = (unsigned int)sample;
	if (first) {
		m->program = str_of(root, "program");
		m->clock = str_of(root, "clock");
		if (!m->npcts &&
		    report_pcts(m, path, cJSON_GetObjectItemCaseSensitive(root, "percentiles")))
			return -1;
	} else if (m->clock && (!str_of(root, "clock") || strcmp(m->clock, str_of(root, "clock")))) {
		m->clock = "mixed";
	}
	m->total += total;
	m->lost += lost;
	m->omitted += omitted;
	m->nonlocal += nonlocal;
	cJSON_ArrayForEach(it, fns)
		if (add_fn(m, path, it))
			return -1;
	cJSON_ArrayForEach(it, edges)
		if (add_edge(m, path, it))
			return -1;
	paths = cJSON_GetObjectItemCaseSensitive(root, "paths");
	if (!paths) {
		if (!m->no_paths)
			m->no_paths = path;
		return 0;
	}
	if (!cJSON_IsArray(paths) || u64_of(root, "paths_truncated", &truncated)) {
		hpcc_diag_error("%s: \"paths\" is not an array, or \"paths_truncated\" is "
				"missing", path);
		return -1;
	}
	m->truncated += truncated;
	fnv = calloc((size_t)cJSON_GetArraySize(fns) + 1, sizeof *fnv);
	if (!fnv) {
		hpcc_diag_error("out of memory");
		return -1;
	}
	cJSON_ArrayForEach(it, fns)
		fnv[nfns++] = it;
	err = add_paths(m, path, paths, fnv, nfns);
	free(fnv);
	return err;
}

static int by_value(const void *pa, const void *pb)
{
	const struct merge_pair *a = pa, *b = pb;

	return a->value_ns < b->value_ns ? -1 : a->value_ns > b->value_ns;
}

/* Sorts the pairs and adds those of one value together. */
static void settle_pairs(struct merge_pair *v, size_t *len)
{
	size_t i, n = 0;

	if (!*len)
		return;
	qsort(v, *len, sizeof *v, by_value);
	for (i = 1; i < *len; i++) {
		if (v[i].value_ns == v[n].value_ns)
			v[n].count += v[i].count;
		else
			v[++n] = v[i];
	}
	*len = n + 1;
}

static void settle_hist(struct mfn *f)
{
	int k;

	settle_pairs(f->hist, &f->nhist);
	for (k = 0; k < 4; k++)
		settle_pairs(f->ahist[k], &f->anhist[k]);
}

/* As the runtime sorts by total: main first, then the largest total. */
static int by_total(const void *pa, const void *pb)
{
	const struct mfn *a = pa, *b = pb;
	int am = !strcmp(a->kind, "main"), bm = !strcmp(b->kind, "main"), c;

	if (am != bm)
		return bm - am;
	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	if ((c = strcmp(a->name, b->name)) || (c = strcmp(a->file, b->file)))
		return c;
	return a->line - b->line;
}

static int by_edge_total(const void *pa, const void *pb)
{
	const struct medge *a = pa, *b = pb;
	int c;

	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	if ((c = strcmp(a->caller, b->caller)))
		return c;
	return strcmp(a->callee, b->callee);
}

static void pct_key(char *buf, size_t len, unsigned int milli)
{
	if (milli % 1000 == 0)
		snprintf(buf, len, "p%u", milli / 1000);
	else if (milli % 100 == 0)
		snprintf(buf, len, "p%u.%u", milli / 1000, milli % 1000 / 100);
	else if (milli % 10 == 0)
		snprintf(buf, len, "p%u.%02u", milli / 1000, milli % 1000 / 10);
	else
		snprintf(buf, len, "p%u.%03u", milli / 1000, milli % 1000);
}

static int num(cJSON *obj, const char *key, double v)
{
	return cJSON_AddNumberToObject(obj, key, v) ? 0 : -1;
}

static cJSON *pairs_array(const struct merge_pair *v, size_t n)
{
	cJSON *h = cJSON_CreateArray(), *pair;
	size_t i;

	for (i = 0; h && i < n; i++) {
		pair = cJSON_CreateArray();
		if (!pair || !cJSON_AddItemToArray(h, pair) ||
		    !cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)v[i].value_ns)) ||
		    !cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)v[i].count))) {
			cJSON_Delete(h);
			return NULL;
		}
	}
	return h;
}

/* alloc_percentiles from the merged allocation histograms (the rule of
 * the time percentiles), and the histograms, for a further merge. */
static int put_alloc_hists(cJSON *o, const struct merged *m, const struct mfn *f)
{
	cJSON *ap = cJSON_AddObjectToObject(o, "alloc_percentiles");
	cJSON *ah = cJSON_AddObjectToObject(o, "alloc_histograms"), *x, *h;
	char key[32];
	int k, q, err = !ap || !ah;

	for (k = 0; !err && k < 4; k++) {
		uint64_t n = 0, lo = f->amin[k] == UINT64_MAX ? 0 : f->amin[k];
		size_t i;

		for (i = 0; i < f->anhist[k]; i++)
			n += f->ahist[k][i].count;
		x = cJSON_AddObjectToObject(ap, alloc_metrics[k]);
		for (q = 0; x && q < m->npcts; q++) {
			pct_key(key, sizeof key, m->pcts[q]);
			if (!cJSON_GetObjectItemCaseSensitive(x, key))
				err |= num(x, key, (double)hpcc_merge_percentile(
					f->ahist[k], f->anhist[k], n, lo, f->amax[k], m->pcts[q]));
		}
		err |= !x;
		x = cJSON_AddObjectToObject(ah, alloc_metrics[k]);
		err |= !x || num(x, "min", (double)lo) || num(x, "max", (double)f->amax[k]);
		h = pairs_array(f->ahist[k], f->anhist[k]);
		err |= !h || !x || !cJSON_AddItemToObject(x, "histogram", h);
	}
	return err ? -1 : 0;
}

static int put_fn(cJSON *arr, const struct merged *m, const struct mfn *f)
{
	cJSON *o = cJSON_CreateObject(), *p, *h, *pair;
	char key[32];
	size_t i;
	int k, err = 0;

	if (!o || !cJSON_AddItemToArray(arr, o))
		return -1;
	err |= !cJSON_AddStringToObject(o, "name", f->name);
	err |= !cJSON_AddStringToObject(o, "file", f->file);
	err |= num(o, "line", f->line);
	err |= !cJSON_AddStringToObject(o, "kind", f->kind);
	err |= num(o, "calls", (double)f->calls);
	if (m->sample > 1) {
		uint64_t timed = 0;

		for (i = 0; i < f->nhist; i++)
			timed += f->hist[i].count;
		err |= num(o, "timed_calls", (double)timed);
	}
	err |= num(o, "unfinished", (double)f->unfinished);
	err |= num(o, "total_ns", (double)f->total);
	err |= num(o, "recursive_ns", (double)f->recursive);
	err |= num(o, "self_ns", (double)f->self);
	err |= num(o, "avg_ns", f->calls ? (double)((f->total + f->recursive) / f->calls) : 0);
	err |= num(o, "min_ns", f->calls ? (double)f->min : 0);
	err |= num(o, "max_ns", (double)f->max);
	err |= num(o, "percent_total", m->total ? 100.0 * (double)f->total / (double)m->total : 0);
	p = cJSON_AddObjectToObject(o, "percentiles");
	for (k = 0; p && k < m->npcts; k++) {
		pct_key(key, sizeof key, m->pcts[k]);
		if (!cJSON_GetObjectItemCaseSensitive(p, key))
			err |= num(p, key, (double)hpcc_merge_percentile(
				f->hist, f->nhist, f->calls, f->calls ? f->min : 0, f->max,
				m->pcts[k]));
	}
	h = cJSON_AddArrayToObject(o, "histogram");
	for (i = 0; h && i < f->nhist; i++) {
		pair = cJSON_CreateArray();
		if (!pair || !cJSON_AddItemToArray(h, pair) ||
		    !cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)f->hist[i].value_ns)) ||
		    !cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)f->hist[i].count)))
			return -1;
	}
	if (f->has_alloc) {
		for (k = 0; k < 4; k++)
			err |= num(o, alloc_keys[k], (double)f->alloc[k]);
		err |= num(o, "alloc_bytes_self", (double)f->bytes_self);
		err |= num(o, "alloc_count_self", (double)f->count_self);
	}
	if (f->has_alloc && !f->alloc_nohist)
		err |= put_alloc_hists(o, m, f);
	return err || !p || !h ? -1 : 0;
}

static int put_edge(cJSON *arr, const struct medge *e)
{
	cJSON *o = cJSON_CreateObject();
	int err = 0;

	if (!o || !cJSON_AddItemToArray(arr, o))
		return -1;
	err |= !cJSON_AddStringToObject(o, "caller", e->caller);
	err |= !cJSON_AddStringToObject(o, "caller_file", e->caller_file);
	err |= num(o, "caller_line", e->caller_line);
	err |= !cJSON_AddStringToObject(o, "callee", e->callee);
	err |= !cJSON_AddStringToObject(o, "callee_file", e->callee_file);
	err |= num(o, "callee_line", e->callee_line);
	err |= num(o, "calls", (double)e->calls);
	err |= num(o, "total_ns", (double)e->total);
	err |= num(o, "self_ns", (double)e->self);
	return err ? -1 : 0;
}

/* The merged tree in preorder (children in the order they first
 * appeared), as the runtime's path nodes; NULL without memory. */
static struct hp_path_node *tree_nodes(const struct merged *m)
{
	struct hp_path_node *out = calloc(m->nnode + 1, sizeof *out);
	uint32_t *pos = calloc(m->nnode + 1, sizeof *pos);
	uint32_t cur, k = 1;

	if (!out || !pos) {
		free(out);
		free(pos);
		return NULL;
	}
	out[0].name = "";
	for (cur = m->nnode ? m->node[0].first_child : 0; cur;) {
		const struct mnode *n = &m->node[cur];
		struct hp_path_node *w = &out[k];

		pos[cur] = k++;
		w->name = n->name;
		w->file = n->file;
		w->parent = pos[n->parent];
		w->depth = out[w->parent].depth + 1;
		w->calls = n->calls;
		w->total_ns = n->total;
		w->self_ns = n->self;
		if (n->first_child) {
			cur = n->first_child;
			continue;
		}
		while (cur && !m->node[cur].next_sibling)
			cur = m->node[cur].parent;
		cur = cur ? m->node[cur].next_sibling : 0;
	}
	free(pos);
	return out;
}

static int by_name_file(const void *pa, const void *pb, void *arg)
{
	const struct mfn *fn = arg;
	const struct mfn *a = &fn[*(const size_t *)pa], *b = &fn[*(const size_t *)pb];
	int c = strcmp(a->name, b->name);

	if (!c)
		c = strcmp(a->file, b->file);
	if (!c) /* the first listed of one name and file */
		c = *(const size_t *)pa < *(const size_t *)pb ? -1 :
		    *(const size_t *)pa > *(const size_t *)pb;
	return c;
}

/* The merged functions' index of name (file), or -1: bsearch over idx,
 * the indexes sorted by name and file. */
static long fn_index(const struct merged *m, const size_t *idx, const char *name,
		     const char *file)
{
	size_t lo = 0, hi = m->nfn;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct mfn *f = &m->fn[idx[mid]];
		int c = strcmp(f->name, name);

		if (!c)
			c = strcmp(f->file, file);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < m->nfn && !strcmp(m->fn[idx[lo]].name, name) &&
	    !strcmp(m->fn[idx[lo]].file, file))
		return (long)idx[lo];
	return -1;
}

/* "paths_truncated" and "paths" in the runtime's form (report.c). */
static int put_paths(cJSON *root, const struct merged *m)
{
	struct hp_path_node *nodes = tree_nodes(m);
	size_t *idx = calloc(m->nfn + 1, sizeof *idx);
	cJSON *paths;
	size_t i;
	int err = !nodes || !idx;

	for (i = 0; !err && i < m->nfn; i++)
		idx[i] = i;
	if (!err && m->nfn)
		qsort_r(idx, m->nfn, sizeof *idx, by_name_file, m->fn);
	err |= num(root, "paths_truncated", (double)m->truncated);
	paths = cJSON_AddArrayToObject(root, "paths");
	err |= !paths;
	for (i = 1; !err && i < m->nnode; i++) {
		const struct hp_path_node *n = &nodes[i];
		cJSON *a = cJSON_CreateArray(), *fn;
		long at = n->name ? fn_index(m, idx, n->name, n->file) : -1;

		if (!n->name)
			fn = cJSON_CreateNull();
		else if (at >= 0)
			fn = cJSON_CreateNumber((double)at);
		else if ((fn = cJSON_CreateArray()))
			err |= !cJSON_AddItemToArray(fn, cJSON_CreateString(n->name)) ||
			       !cJSON_AddItemToArray(fn, cJSON_CreateString(n->file));
		err |= !a || !cJSON_AddItemToArray(paths, a) || !fn ||
		       !cJSON_AddItemToArray(a, cJSON_CreateNumber(n->parent)) ||
		       !cJSON_AddItemToArray(a, fn) ||
		       !cJSON_AddItemToArray(a, cJSON_CreateNumber((double)n->calls)) ||
		       !cJSON_AddItemToArray(a, cJSON_CreateNumber((double)n->total_ns)) ||
		       !cJSON_AddItemToArray(a, cJSON_CreateNumber((double)n->self_ns));
	}
	free(nodes);
	free(idx);
	return err ? -1 : 0;
}

static char *render(struct merged *m, int nreports)
{
	cJSON *root = cJSON_CreateObject(), *a, *fns, *edges;
	char *text = NULL, *withnl;
	size_t i, len;
	int k, err = 0;

	if (!root)
		return NULL;
	err |= !cJSON_AddStringToObject(root, "program", m->program ? m->program : "");
	err |= !cJSON_AddStringToObject(root, "clock", m->clock ? m->clock : "");
	err |= num(root, "total_ns", (double)m->total);
	err |= num(root, "lost", (double)m->lost);
	err |= num(root, "omitted", (double)m->omitted);
	err |= num(root, "nonlocal_exits", (double)m->nonlocal);
	if (m->sample > 1)
		err |= num(root, "sample", m->sample);
	err |= num(root, "merged_reports", nreports);
	a = cJSON_AddArrayToObject(root, "percentiles");
	for (k = 0; a && k < m->npcts; k++)
		err |= !cJSON_AddItemToArray(a, cJSON_CreateNumber(m->pcts[k] / 1000.0));
	fns = cJSON_AddArrayToObject(root, "functions");
	for (i = 0; fns && i < m->nfn; i++)
		err |= put_fn(fns, m, &m->fn[i]);
	edges = cJSON_AddArrayToObject(root, "edges");
	for (i = 0; edges && i < m->nedge; i++)
		err |= put_edge(edges, &m->edge[i]);
	if (!m->no_paths) /* an old report's lack carries on */
		err |= put_paths(root, m);
	if (!err && a && fns && edges && hpcc_json_utf8(root) == 0)
		text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text)
		return NULL;
	len = strlen(text);
	withnl = realloc(text, len + 2); /* ends with a newline, as the runtime's */
	if (!withnl) {
		free(text);
		return NULL;
	}
	memcpy(withnl + len, "\n", 2);
	return withnl;
}

static int kind_of(const char *kind)
{
	return !strcmp(kind, "main") ? HP_KIND_MAIN :
	       !strcmp(kind, "block") ? HP_KIND_BLOCK : HP_KIND_FUNCTION;
}

/* The runtime's table, HTML page or folded stacks of the merged figures
 * (runtime/src/report.c, html.c), sorted as the runtime sorts by default
 * (HOTPATH_SORT=self): whole percentiles are its P columns, others its
 * extra pN columns. */
static char *render_runtime(const struct merged *m, int nreports, enum merge_format format)
{
	struct hp_report r;
	struct hp_str out = { 0 };
	char notes[240];
	size_t i;
	int k, err;

	memset(&r, 0, sizeof r);
	snprintf(notes, sizeof notes, "[hotpath] %d report%s merged: times are summed over "
		 "the processes\n", nreports, nreports == 1 ? "" : "s");
	if (m->sample != m->sample_min)
		snprintf(notes + strlen(notes), sizeof notes - strlen(notes),
			 "[hotpath] the reports were sampled at different rates, 1 in %u "
			 "to 1 in %u\n", m->sample_min, m->sample);
	r.notes = notes;
	r.program = m->program ? m->program : "";
	r.clock = m->clock ? m->clock : "";
	r.total_ns = m->total;
	r.sample = m->sample;
	r.lost = m->lost;
	r.nonlocal_exits = m->nonlocal;
	r.limit = -1;
	r.sort = HP_SORT_SELF;
	r.truncated = m->truncated;
	for (k = 0; k < m->npcts; k++) {
		if (m->pcts[k] % 1000 == 0 && r.npcts < HP_MAX_PERCENTILES)
			r.pcts[r.npcts++] = m->pcts[k] / 1000;
		else if (m->pcts[k] % 1000 && r.columns.npcts < HP_MAX_COLUMN_PCTS)
			r.columns.pcts[r.columns.npcts++] = m->pcts[k];
	}
	r.rows = calloc(m->nfn + 1, sizeof *r.rows);
	if (!r.rows)
		return NULL;
	for (i = 0; i < m->nfn; i++) {
		const struct mfn *f = &m->fn[i];
		struct hp_row *w = &r.rows[r.nrows++];
		uint64_t lo = f->calls ? f->min : 0;
		int n = 0;

		w->name = f->name;
		w->file = f->file;
		w->line = f->line;
		w->kind = kind_of(f->kind);
		w->calls = f->calls;
		w->total_ns = f->total;
		w->recursive_ns = f->recursive;
		w->self_ns = f->self;
		w->min_ns = lo;
		w->max_ns = f->max;
		w->unfinished = f->unfinished;
		for (k = 0; k < m->npcts; k++) {
			uint64_t v = hpcc_merge_percentile(f->hist, f->nhist, f->calls, lo,
							   f->max, m->pcts[k]);

			if (m->pcts[k] % 1000 == 0 && n < r.npcts)
				w->pct_ns[n++] = v;
		}
		for (k = 0; k < r.columns.npcts; k++)
			w->pct_ns[HP_COL_PCT(k)] = hpcc_merge_percentile(
				f->hist, f->nhist, f->calls, lo, f->max, r.columns.pcts[k]);
	}
	hp_report_sort(&r);
	if (format != MERGE_TABLE) {
		r.nodes = tree_nodes(m);
		r.nnodes = m->nnode;
	}
	if (format != MERGE_TABLE && !r.nodes)
		err = ENOMEM;
	else
		err = format == MERGE_TABLE ? hp_report_table(&out, &r) :
		      format == MERGE_HTML ? hp_report_html(&out, &r) :
		      hp_report_folded(&out, &r);
	free(r.rows);
	free(r.nodes);
	if (err) {
		hp_str_free(&out);
		return NULL;
	}
	return out.s;
}

char *hpcc_merge_text(const struct merge_opts *opts)
{
	struct merged m;
	char *text = NULL;
	size_t i;
	int r;

	memset(&m, 0, sizeof m);
	memcpy(m.pcts, opts->pcts, sizeof m.pcts);
	m.npcts = opts->npcts;
	m.roots = calloc((size_t)opts->ninputs + 1, sizeof *m.roots);
	if (!m.roots) {
		hpcc_diag_error("out of memory");
		return NULL;
	}
	for (r = 0; r < opts->ninputs; r++)
		if (add_report(&m, opts->inputs[r], r == 0))
			goto done;
	if ((opts->format == MERGE_HTML || opts->format == MERGE_FOLDED) && m.no_paths) {
		hpcc_diag_error("%s has no call paths (a report from a runtime before they "
				"were in the JSON): --format=%s needs them; table and json "
				"still merge", m.no_paths,
				opts->format == MERGE_HTML ? "html" : "folded");
		goto done;
	}
	for (i = 0; i < m.nfn; i++)
		settle_hist(&m.fn[i]);
	if (m.nfn) /* (qsort's array may not be NULL, even for none) */
		qsort(m.fn, m.nfn, sizeof *m.fn, by_total);
	if (m.nedge)
		qsort(m.edge, m.nedge, sizeof *m.edge, by_edge_total);
	text = opts->format == MERGE_JSON ? render(&m, opts->ninputs) :
	       render_runtime(&m, opts->ninputs, opts->format);
	if (!text)
		hpcc_diag_error("out of memory");
done:
	for (i = 0; i < m.nfn; i++) {
		free(m.fn[i].hist);
		for (r = 0; r < 4; r++)
			free(m.fn[i].ahist[r]);
	}
	free(m.fn);
	free(m.edge);
	free(m.node);
	free(m.node_hash);
	for (r = 0; r < m.nroots; r++)
		cJSON_Delete(m.roots[r]);
	free(m.roots);
	return text;
}

/* Writes text to path through a temporary file in the same directory and
 * a rename, so that a failure leaves no partial file. */
static int write_atomic(const char *path, const char *text)
{
	size_t len = strlen(path) + 16;
	char *tmp = malloc(len);
	FILE *f;
	mode_t um;
	int fd, err = 0;

	if (!tmp) {
		hpcc_diag_error("out of memory");
		return -1;
	}
	snprintf(tmp, len, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		hpcc_diag_error("cannot write %s: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	um = umask(0); /* mkstemp's 0600 would hide the report from others */
	umask(um);
	if (fchmod(fd, 0666 & ~um) != 0)
		err = errno;
	f = err ? NULL : fdopen(fd, "w");
	if (!f) {
		err = err ? err : errno;
		err = errno;
		close(fd);
	} else {
		if (fputs(text, f) == EOF)
			err = errno ? errno : EIO;
		if (fclose(f) == EOF && !err)
			err = errno ? errno : EIO;
	}
	if (!err && rename(tmp, path) != 0)
		err = errno;
	if (err) {
		hpcc_diag_error("cannot write %s: %s", path, strerror(err));
		unlink(tmp);
	}
	free(tmp);
	return err ? -1 : 0;
}

int hpcc_merge_main(int argc, char **argv)
{
	struct merge_opts opts;
	char *text;
	int status = MERGE_EXIT_OK;

	if (hpcc_merge_parse_args(argc, argv, &opts) != 0)
		return MERGE_EXIT_USAGE;
	text = hpcc_merge_text(&opts);
	if (!text)
		status = MERGE_EXIT_USAGE;
	else if (opts.output)
		status = write_atomic(opts.output, text) ? MERGE_EXIT_USAGE : MERGE_EXIT_OK;
	else if (fputs(text, stdout) == EOF || fflush(stdout) == EOF)
		status = MERGE_EXIT_USAGE;
	free(text);
	hpcc_merge_opts_free(&opts);
	return status;
}
