/*
 * spark.c: sparklines and bar-chart heights from a series of counts
 * (spark.h).  Scaling rounds to the nearest step but keeps every nonzero
 * count at least one step high, so a lone request beside a spike of
 * thousands still shows.
 */
#include "config.h"
#include "spark.h"

#include <limits.h>
#include <string.h>

#include "xmalloc.h"

/* U+2581..U+2588, lower one eighth block .. full block. */
static const char *const blocks[9] = {
	" ",
	"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
	"\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88",
};

int
spark_units(int utf8)
{
	return utf8 ? 8 : 1;
}

int
spark_level(long v, long max, int steps)
{
	double l;

	if (v <= 0 || max <= 0 || steps <= 0)
		return 0;
	if (v >= max)
		return steps;
	/* in double: v * steps may not fit in any integer type */
	l = (double)v * steps / (double)max + 0.5;
	if (l < 1)
		return 1;
	if (l > steps)
		return steps;
	return (int)l;
}

long
spark_max(const long *v, size_t n)
{
	long m = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

long
spark_nice(long max)
{
	static const long mult[] = { 1, 2, 5 };
	long p = 1;
	size_t i;

	if (max <= 1)
		return 1;
	for (;;) {
		for (i = 0; i < 3; i++)
			if (mult[i] * p >= max)
				return mult[i] * p;
		if (p > LONG_MAX / 50)
			return max;	/* no round value left in a long */
		p *= 10;
	}
}

/* The largest value of the stretch of v[0..n) that cell i of cells covers. */
static long
cell_value(const long *v, size_t n, size_t i, size_t cells)
{
	size_t from = i * n / cells, to = (i + 1) * n / cells, k;
	long m;

	if (to <= from)
		to = from + 1;	/* more cells than values: repeat */
	m = v[from];
	for (k = from + 1; k < to && k < n; k++)
		if (v[k] > m)
			m = v[k];
	return m;
}

char *
spark_line(const long *v, size_t n, size_t cells, long max, int utf8)
{
	char *out, *p;
	size_t i;
	int l;

	out = xmalloc(cells * 3 + 1);
	p = out;
	if (max <= 0)
		max = spark_max(v, n);
	for (i = 0; i < cells; i++) {
		l = n > 0 ? spark_level(cell_value(v, n, i, cells), max,
		    utf8 ? 8 : 7) : 0;
		if (utf8) {
			memcpy(p, blocks[l], strlen(blocks[l]));
			p += strlen(blocks[l]);
		} else {
			*p++ = SPARK_RAMP[l];
		}
	}
	*p = '\0';
	return out;
}

void
spark_bars(const long *v, size_t n, long max, int rows, int utf8,
    int *level)
{
	size_t i;

	if (max <= 0)
		max = spark_max(v, n);
	for (i = 0; i < n; i++)
		level[i] = spark_level(v[i], max, rows * spark_units(utf8));
}

const char *
spark_cell(int level, int row, int utf8, const char *full)
{
	int u = spark_units(utf8), fill = level - row * u;

	if (fill <= 0)
		return " ";
	if (fill > u)
		fill = u;
	if (!utf8)
		return full;
	return blocks[fill];
}
