/* jsonutf8.c - see jsonutf8.h. */
#include "jsonutf8.h"

#include <stdlib.h>
#include <string.h>

#include "fmt.h" /* runtime/src/fmt.h: hp_fmt_utf8_len */

/* s's bytes, each that is not UTF-8 as U+FFFD (3 bytes): NULL when s is
 * UTF-8 already (*err 0) or memory ran out (*err -1). */
static char *utf8_copy(const char *s, int *err)
{
	size_t n = 0, i, k;
	char *d, *p;

	*err = 0;
	for (i = 0; s[i]; i += k)
		if (!(k = hp_fmt_utf8_len((const unsigned char *)s + i))) {
			k = 1;
			n++; /* a bad byte */
		}
	if (!n)
		return NULL;
	d = malloc(strlen(s) + 2 * n + 1);
	if (!d) {
		*err = -1;
		return NULL;
	}
	for (i = 0, p = d; s[i]; i += k) {
		k = hp_fmt_utf8_len((const unsigned char *)s + i);
		if (k) {
			memcpy(p, s + i, k);
			p += k;
		} else {
			memcpy(p, "\xef\xbf\xbd", 3);
			p += 3;
			k = 1;
		}
	}
	*p = '\0';
	return d;
}

int hpcc_json_utf8(cJSON *item)
{
	cJSON *c;
	char *fixed;
	int err = 0, e;

	if (cJSON_IsString(item) && item->valuestring) {
		fixed = utf8_copy(item->valuestring, &e);
		if (fixed && !cJSON_SetValuestring(item, fixed))
			e = -1;
		free(fixed);
		err |= e;
	}
	cJSON_ArrayForEach(c, item)
		err |= hpcc_json_utf8(c);
	return err ? -1 : 0;
}
