/*
 * spark.h: counts drawn as text, for `ghlterm usage` and the TUI's usage
 * view: a one-line sparkline (U+2581..U+2588 blocks, or an ASCII ramp) and
 * the bar heights of a chart some rows high (eighths of a row with the
 * UTF-8 blocks, whole rows in ASCII).  Pure functions: no curses, no I/O,
 * thread-safe.
 */
#ifndef GHL_SPARK_H
#define GHL_SPARK_H

#include <stddef.h>

/* The ASCII ramp of spark_line: ' ' for zero, then seven rising steps. */
#define SPARK_RAMP	" .:-=+*#"

/* Steps of one chart row: 8 (eighth blocks) with utf8, else 1. */
int	 spark_units(int utf8);

/*
 * v on a scale of 0..steps with max at the top: 0 when v <= 0, steps when
 * v >= max, rounded to the nearest step in between, and never below 1
 * when v > 0 (a nonzero count always shows).  max <= 0 or steps <= 0
 * give 0.
 */
int	 spark_level(long v, long max, int steps);

/* The largest of v[0..n) (0 when n == 0 or all are <= 0). */
long	 spark_max(const long *v, size_t n);

/*
 * A round top for a chart's y scale: the smallest 1, 2 or 5 times a power
 * of ten that is >= max (1 when max <= 1).
 */
long	 spark_nice(long max);

/*
 * The sparkline of v[0..n) in exactly cells cells (one display column
 * each), oldest (v[0]) at the left, scaled to max (max <= 0: the series'
 * own maximum).  When cells differs from n each cell shows the largest
 * value of the stretch of v it covers.  With utf8 the cells are ' ' for
 * zero and U+2581..U+2588 (8 steps), else the ASCII ramp SPARK_RAMP (7
 * steps).  Returns a new NUL-terminated string (caller frees); cells == 0
 * gives "".
 */
char	*spark_line(const long *v, size_t n, size_t cells, long max,
	    int utf8);

/*
 * Bar heights for a chart rows rows high: level[i] for v[i], i < n, in
 * 0..rows * spark_units(utf8), scaled to max (max <= 0: the series' own
 * maximum) with spark_level's rules.  level has room for n ints.
 */
void	 spark_bars(const long *v, size_t n, long max, int rows, int utf8,
	    int *level);

/*
 * The glyph at row row (0 = bottom) of a bar of height level (from
 * spark_bars with the same utf8): " " above the bar, a full cell inside
 * it ("\u2588", or ASCII full), and with utf8 the eighth block of the top
 * partial cell.  full is the ASCII glyph of a full cell (e.g. "#"); it is
 * ignored with utf8.  Returns a static string.
 */
const char *spark_cell(int level, int row, int utf8, const char *full);

#endif
