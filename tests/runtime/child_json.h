/* child_json.h - reads a scenario child's JSON report (child.h): a
 * function's row by name and a number in a row. */
#ifndef HPTEST_CHILD_JSON_H
#define HPTEST_CHILD_JSON_H

#include <cjson/cJSON.h>
#include <string.h>

static cJSON *fn_named(cJSON *root, const char *name)
{
	cJSON *fn;

	cJSON_ArrayForEach(fn, cJSON_GetObjectItem(root, "functions"))
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(fn, "name")), name) == 0)
			return fn;
	return NULL;
}

/* The number under key; -1 if there is none. */
static double num(cJSON *o, const char *key)
{
	cJSON *v = cJSON_GetObjectItem(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

#endif
