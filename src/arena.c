/*
 * arena.c: the bump allocator of arena.h.  Chunks are a singly linked
 * list, newest first; a request larger than the default chunk gets a chunk
 * of its own.  arena_owns walks the list: a page of JSON uses a few chunks.
 */
#include "config.h"
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

#define ARENA_CHUNK	(256 * 1024)
#define ARENA_ALIGN	16

struct chunk {
	struct chunk	*next;
	size_t		 size;		/* bytes of data[] */
	size_t		 used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena {
	struct chunk	*head;
};

static struct chunk *
chunk_new(size_t size)
{
	struct chunk *c;

	if (size > SIZE_MAX - sizeof *c)
		fatalx("arena: allocation of %zu bytes", size);
	c = xmalloc(sizeof *c + size);
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

struct arena *
arena_new(void)
{
	return xcalloc(1, sizeof(struct arena));
}

void
arena_free(struct arena *a)
{
	struct chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct chunk *c = a->head;
	size_t need;
	void *p;

	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - ARENA_ALIGN)
		fatalx("arena: allocation of %zu bytes", n);
	need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (c == NULL || c->size - c->used < need) {
		c = chunk_new(need > ARENA_CHUNK ? need : ARENA_CHUNK);
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += need;
	return p;
}

int
arena_owns(const struct arena *a, const void *p)
{
	const unsigned char *u = p;

	for (const struct chunk *c = a->head; c != NULL; c = c->next)
		if (u >= c->data && u < c->data + c->used)
			return 1;
	return 0;
}

void
arena_reset(struct arena *a)
{
	struct chunk *c, *next;
	size_t total = 0;

	if (a->head == NULL)
		return;
	if (a->head->next == NULL) {
		a->head->used = 0;
		return;
	}
	/* Several chunks: next time one chunk of their total will do. */
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		total += c->size;
		free(c);
	}
	a->head = chunk_new(total);
}

size_t
arena_size(const struct arena *a)
{
	size_t n = 0;

	for (const struct chunk *c = a->head; c != NULL; c = c->next)
		n += c->size;
	return n;
}
