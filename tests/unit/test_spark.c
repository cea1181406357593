/*
 * test_spark.c: sparklines and bar heights (src/spark.c): scaling to the
 * maximum, zeros, a huge outlier beside small counts, ASCII mode, widths
 * (stretching and squeezing a series) and the chart cells.
 */
#include "config.h"

#include "spark.h"
#include "../tap.h"

#include <limits.h>

#define B1 "\xe2\x96\x81"
#define B2 "\xe2\x96\x82"
#define B4 "\xe2\x96\x84"
#define B5 "\xe2\x96\x85"
#define B8 "\xe2\x96\x88"

/* Display cells of a UTF-8 string of ASCII and 3-byte blocks. */
static size_t
cells(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static int
all_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

int
main(void)
{
	static const long ramp[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const long zeros[] = { 0, 0, 0, 0 };
	static const long outlier[] = { 1, 0, 3, 100000, 2, 0 };
	static const long neg[] = { -5, 4 };
	long big[24];
	int lv[9], i;
	char *s;

	/* spark_level */
	is_int(spark_level(0, 100, 8), 0, "level: zero is blank");
	is_int(spark_level(-3, 100, 8), 0, "level: negative is blank");
	is_int(spark_level(100, 100, 8), 8, "level: the maximum is the top");
	is_int(spark_level(150, 100, 8), 8, "level: above the maximum clips");
	is_int(spark_level(50, 100, 8), 4, "level: half is half");
	is_int(spark_level(1, 100000, 8), 1,
	    "level: a tiny nonzero value shows one step");
	is_int(spark_level(5, 0, 8), 0, "level: no scale gives 0");
	is_int(spark_level(LONG_MAX - 1, LONG_MAX, 8), 8,
	    "level: no overflow near LONG_MAX");
	is_int(spark_level(LONG_MAX / 2, LONG_MAX, 160), 80,
	    "level: no overflow with many steps");

	/* spark_max, spark_nice */
	is_int(spark_max(outlier, 6), 100000, "max of a series");
	is_int(spark_max(zeros, 4), 0, "max of zeros is 0");
	is_int(spark_max(NULL, 0), 0, "max of nothing is 0");
	is_int(spark_nice(0), 1, "nice: 0 -> 1");
	is_int(spark_nice(7), 10, "nice: 7 -> 10");
	is_int(spark_nice(10), 10, "nice: 10 stays");
	is_int(spark_nice(11), 20, "nice: 11 -> 20");
	is_int(spark_nice(412), 500, "nice: 412 -> 500");
	is_int(spark_nice(2001), 5000, "nice: 2001 -> 5000");
	ok(spark_nice(LONG_MAX) == LONG_MAX, "nice: no overflow at LONG_MAX");

	/* UTF-8 sparkline: 8 steps, scaled to the max */
	s = spark_line(ramp, 9, 9, 0, 1);
	is_str(s, " " B1 B2 "\xe2\x96\x83" B4 B5 "\xe2\x96\x86\xe2\x96\x87" B8,
	    "utf8 line: 0..8 gives blank then every block in order");
	free(s);
	s = spark_line(zeros, 4, 4, 0, 1);
	is_str(s, "    ", "utf8 line: all zeros stay blank");
	free(s);
	s = spark_line(outlier, 6, 6, 0, 1);
	is_str(s, B1 " " B1 B8 B1 " ",
	    "utf8 line: small counts beside an outlier still show");
	free(s);
	s = spark_line(neg, 2, 2, 0, 1);
	is_str(s, " " B8, "utf8 line: negative counts are blank");
	free(s);
	s = spark_line(ramp, 9, 9, 16, 1);
	is_str(s, " " B1 B1 B2 B2 "\xe2\x96\x83" "\xe2\x96\x83" B4 B4,
	    "utf8 line: a given max scales below the top");
	free(s);

	/* ASCII */
	s = spark_line(ramp, 8, 8, 7, 0);
	is_str(s, SPARK_RAMP, "ascii line: the ramp in order");
	free(s);
	s = spark_line(outlier, 6, 6, 0, 0);
	is_str(s, ". .#. ", "ascii line: outlier and small counts");
	ok(all_ascii(s), "ascii line: no byte >= 0x80");
	free(s);
	s = spark_line(zeros, 4, 4, 0, 0);
	is_str(s, "    ", "ascii line: zeros blank");
	free(s);

	/* widths */
	for (i = 0; i < 24; i++)
		big[i] = i == 23 ? 412 : i % 5;
	s = spark_line(big, 24, 24, 0, 1);
	is_int(cells(s), 24, "utf8 line: 24 values -> 24 cells");
	ok(strncmp(s + strlen(s) - 3, B8, 3) == 0,
	    "utf8 line: newest (last) value is the rightmost cell");
	free(s);
	s = spark_line(big, 24, 6, 0, 1);
	is_int(cells(s), 6, "utf8 line: squeezed to 6 cells");
	ok(strncmp(s + strlen(s) - 3, B8, 3) == 0,
	    "utf8 line: a squeezed cell keeps the peak of its stretch");
	free(s);
	s = spark_line(outlier, 6, 12, 0, 0);
	is_str(s, "..  ..##..  ", "ascii line: stretched to 12 cells");
	free(s);
	s = spark_line(outlier, 6, 0, 0, 1);
	is_str(s, "", "zero cells give an empty string");
	free(s);
	s = spark_line(NULL, 0, 3, 0, 1);
	is_str(s, "   ", "an empty series gives blank cells");
	free(s);

	/* bars */
	is_int(spark_units(1), 8, "utf8 rows are eighths");
	is_int(spark_units(0), 1, "ascii rows are whole");
	spark_bars(ramp, 9, 8, 1, 1, lv);
	is_int(lv[0], 0, "bars: zero has no height");
	is_int(lv[3], 3, "bars: 3 of 8 in one row is 3 eighths");
	is_int(lv[8], 8, "bars: the max fills the row");
	spark_bars(outlier, 6, 0, 4, 1, lv);
	is_int(lv[3], 32, "bars: the outlier fills 4 rows (32 eighths)");
	is_int(lv[0], 1, "bars: 1 beside 100000 still shows an eighth");
	is_int(lv[1], 0, "bars: zero beside it is empty");
	spark_bars(outlier, 6, 0, 4, 0, lv);
	is_int(lv[3], 4, "ascii bars: the outlier is 4 rows");
	is_int(lv[2], 1, "ascii bars: a small count is one row");
	spark_bars(ramp, 9, 16, 2, 0, lv);
	is_int(lv[8], 1, "ascii bars: 8 of 16 in 2 rows is 1 row");

	/* cells of a bar */
	is_str(spark_cell(12, 0, 1, "#"), B8, "cell: full below the top");
	is_str(spark_cell(12, 1, 1, "#"), B4, "cell: 4 eighths on top");
	is_str(spark_cell(12, 2, 1, "#"), " ", "cell: blank above the bar");
	is_str(spark_cell(16, 1, 1, "#"), B8, "cell: exact rows end full");
	is_str(spark_cell(2, 0, 0, "#"), "#", "ascii cell: the given glyph");
	is_str(spark_cell(2, 1, 0, "x"), "x", "ascii cell: second row");
	is_str(spark_cell(2, 2, 0, "#"), " ", "ascii cell: blank above");
	is_str(spark_cell(0, 0, 1, "#"), " ", "cell: no bar is blank");
	return tap_done();
}
