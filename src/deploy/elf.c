#include <stdlib.h>
#include <string.h>

#include "deploy.h"
#include "util/util.h"
#include "util/banned.h"

/*
 * A small reader of exactly what the check needs, rather than libelf: the
 * input comes from a package built elsewhere, so every field is read
 * through bounds-checked accessors and no structure is cast onto the bytes.
 */

#define SHT_STRTAB_ 3
#define SHT_DYNAMIC_ 6
#define SHT_GNU_VERNEED_ 0x6ffffffe
#define DT_NULL_ 0
#define DT_NEEDED_ 1
#define MAX_ENTRIES 65536

struct elf_in {
	const unsigned char *d;
	size_t len;
	bool is64, be;
	const char *name;
};

static bool in_range(const struct elf_in *e, uint64_t off, uint64_t n)
{
	return off <= e->len && n <= e->len - off;
}

static uint64_t rd(const struct elf_in *e, uint64_t off, unsigned n)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		unsigned shift = e->be ? 8 * (n - 1 - i) : 8 * i;

		v |= (uint64_t)e->d[off + i] << shift;
	}
	return v;
}

static int damaged(const struct elf_in *e, const char *what)
{
	return error_set(ERR_INPUT, "'%s': damaged ELF file (%s)", e->name, what);
}

struct section {
	uint32_t type, link, info;
	uint64_t offset, size, entsize;
};

static int read_section(struct section *s, const struct elf_in *e, uint64_t shoff,
			unsigned shentsize, unsigned i)
{
	uint64_t o = shoff + (uint64_t)shentsize * i;

	if (!in_range(e, o, e->is64 ? 64 : 40))
		return damaged(e, "section header out of the file");
	s->type = (uint32_t)rd(e, o + 4, 4);
	if (e->is64) {
		s->offset = rd(e, o + 24, 8);
		s->size = rd(e, o + 32, 8);
		s->link = (uint32_t)rd(e, o + 40, 4);
		s->info = (uint32_t)rd(e, o + 44, 4);
		s->entsize = rd(e, o + 56, 8);
	} else {
		s->offset = rd(e, o + 16, 4);
		s->size = rd(e, o + 20, 4);
		s->link = (uint32_t)rd(e, o + 24, 4);
		s->info = (uint32_t)rd(e, o + 28, 4);
		s->entsize = rd(e, o + 36, 4);
	}
	return 0;
}

/* A NUL-terminated string at `off` of string table `strtab`, or NULL. */
static const char *str_at(const struct elf_in *e, const struct section *strtab, uint64_t off)
{
	const unsigned char *p, *nul;

	if (strtab->type != SHT_STRTAB_ || !in_range(e, strtab->offset, strtab->size) ||
	    off >= strtab->size)
		return NULL;
	p = e->d + strtab->offset + off;
	nul = memchr(p, '\0', strtab->size - off);
	return nul ? (const char *)p : NULL;
}

static int read_dynamic(struct deploy_elf *out, const struct elf_in *e, const struct section *dyn,
			const struct section *strtab)
{
	unsigned esz = e->is64 ? 16 : 8, w = e->is64 ? 8 : 4;
	uint64_t i, n;

	if (!in_range(e, dyn->offset, dyn->size))
		return damaged(e, "dynamic section out of the file");
	n = dyn->size / esz;
	if (n > MAX_ENTRIES)
		return damaged(e, "dynamic section too large");
	for (i = 0; i < n; i++) {
		uint64_t o = dyn->offset + i * esz, tag = rd(e, o, w), val = rd(e, o + w, w);
		const char *s;

		if (tag == DT_NULL_)
			break;
		if (tag != DT_NEEDED_)
			continue;
		if (!(s = str_at(e, strtab, val)))
			return damaged(e, "DT_NEEDED outside its string table");
		out->needed = xrealloc(out->needed, (out->nneeded + 1) * sizeof(*out->needed));
		out->needed[out->nneeded++] = xstrdup(s);
	}
	return 0;
}

/* Verneed and Vernaux records are 16 bytes in both classes. */
static int read_verneed(struct deploy_elf *out, const struct elf_in *e, const struct section *vn,
			const struct section *strtab)
{
	uint64_t o = vn->offset, end;
	unsigned i, count = vn->info ? vn->info : MAX_ENTRIES, total = 0;

	if (!in_range(e, vn->offset, vn->size))
		return damaged(e, "version section out of the file");
	end = vn->offset + vn->size;
	for (i = 0; i < count; i++) {
		uint64_t next, aux;
		unsigned cnt, j;
		const char *file;

		if (o + 16 > end)
			return damaged(e, "version need record out of its section");
		cnt = (unsigned)rd(e, o + 2, 2);
		if (!(file = str_at(e, strtab, rd(e, o + 4, 4))))
			return damaged(e, "version need file name outside its string table");
		aux = o + rd(e, o + 8, 4);
		next = rd(e, o + 12, 4);
		for (j = 0; j < cnt; j++) {
			const char *ver;
			uint64_t anext;

			if (aux + 16 > end || aux < vn->offset)
				return damaged(e, "version record out of its section");
			if (!(ver = str_at(e, strtab, rd(e, aux + 8, 4))))
				return damaged(e, "version name outside its string table");
			if (++total > MAX_ENTRIES)
				return damaged(e, "too many version records");
			out->verneed = xrealloc(out->verneed, (out->nverneed + 1) * sizeof(*out->verneed));
			out->verneed[out->nverneed].file = xstrdup(file);
			out->verneed[out->nverneed].version = xstrdup(ver);
			out->nverneed++;
			anext = rd(e, aux + 12, 4);
			if (!anext)
				break;
			aux += anext;
		}
		if (!next)
			break;
		o += next;
	}
	return 0;
}

void deploy_elf_release(struct deploy_elf *e)
{
	size_t i;

	for (i = 0; i < e->nneeded; i++)
		free(e->needed[i]);
	free(e->needed);
	for (i = 0; i < e->nverneed; i++) {
		free(e->verneed[i].file);
		free(e->verneed[i].version);
	}
	free(e->verneed);
	memset(e, 0, sizeof(*e));
}

int deploy_elf_read(struct deploy_elf *out, const unsigned char *data, size_t len, const char *name)
{
	struct elf_in e = { data, len, false, false, name };
	uint64_t shoff;
	unsigned shentsize, shnum, i;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (len < 4 || memcmp(data, "\177ELF", 4))
		return 0;
	if (len < 52)
		return damaged(&e, "truncated header");
	if (data[4] != 1 && data[4] != 2)
		return damaged(&e, "unknown class");
	if (data[5] != 1 && data[5] != 2)
		return damaged(&e, "unknown byte order");
	e.is64 = data[4] == 2;
	e.be = data[5] == 2;
	if (e.is64 && len < 64)
		return damaged(&e, "truncated header");
	out->is64 = e.is64;
	out->big_endian = e.be;
	out->machine = (uint16_t)rd(&e, 18, 2);
	if (e.is64) {
		shoff = rd(&e, 40, 8);
		shentsize = (unsigned)rd(&e, 58, 2);
		shnum = (unsigned)rd(&e, 60, 2);
	} else {
		shoff = rd(&e, 32, 4);
		shentsize = (unsigned)rd(&e, 46, 2);
		shnum = (unsigned)rd(&e, 48, 2);
	}
	if (!shoff || !shnum)
		return 1;  /* no section headers: nothing this reader can tell */
	if (shentsize < (e.is64 ? 64u : 40u))
		return damaged(&e, "section header size");
	if (!in_range(&e, shoff, (uint64_t)shentsize * shnum))
		return damaged(&e, "section headers out of the file");
	for (i = 0; i < shnum; i++) {
		struct section s, strtab;

		if ((ret = read_section(&s, &e, shoff, shentsize, i)) < 0)
			goto fail;
		if (s.type != SHT_DYNAMIC_ && s.type != SHT_GNU_VERNEED_)
			continue;
		if (s.link >= shnum) {
			ret = damaged(&e, "section link out of range");
			goto fail;
		}
		if ((ret = read_section(&strtab, &e, shoff, shentsize, s.link)) < 0)
			goto fail;
		ret = s.type == SHT_DYNAMIC_ ? read_dynamic(out, &e, &s, &strtab)
					     : read_verneed(out, &e, &s, &strtab);
		if (ret < 0)
			goto fail;
	}
	return 1;
fail:
	deploy_elf_release(out);
	return ret;
}
