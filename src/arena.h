/*
 * arena.h: a bump allocator for short-lived trees.  Memory comes from a
 * few large chunks and is given back all at once by arena_reset, so
 * decoding a page of JSON costs a handful of malloc calls instead of one
 * per node.  Not thread-safe: one arena per thread.
 */
#ifndef GHL_ARENA_H
#define GHL_ARENA_H

#include <stddef.h>

struct arena;

/* A new, empty arena.  Aborts on OOM like the x* allocators. */
struct arena	*arena_new(void);
/* Free the arena and everything allocated from it (NULL is a no-op). */
void		 arena_free(struct arena *);
/* n bytes aligned for any type; never NULL (aborts on OOM). */
void		*arena_alloc(struct arena *, size_t n);
/* Whether p was returned by arena_alloc since the last reset. */
int		 arena_owns(const struct arena *, const void *p);
/* Forget every allocation; keeps one chunk as large as all of them. */
void		 arena_reset(struct arena *);
/* Bytes held in chunks (for tests and statistics). */
size_t		 arena_size(const struct arena *);

#endif
