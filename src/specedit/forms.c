/* forms: the one table of the ways a %prep line names a patch (model.h). */
#include <stdlib.h>
#include <string.h>

#include "specedit/spec.h"
#include "specedit/model.h"
#include "util/banned.h"

/*
 * How each rpm reads a %patch line (build/parsePrep.c, 4.11 to 4.19, and
 * build/parsePrep.cc's %patch macro from 4.20): the options go through
 * popt, which takes a short option's value as the next argument or glued
 * to it (-P 3, -P3) and options and arguments in any order; -P, -p, -b, -z,
 * -F and -d take a value from 4.11, -o from 4.14, and -E, -R, and -Z (4.15)
 * take none. The rows below say what changed, and where.
 */
static const struct sm_form_row forms[] = {
	/*
	 * %patch3 -p1. Up to 4.19 rpm rewrites "%patchN rest" as
	 * "%patch -P N rest", so the options follow the number; 4.18.1 warns
	 * that %patchN is deprecated, 4.20 refuses it ("%patchN is obsolete",
	 * rpm commit afd352481, in parseSpec). A %patch with no number at all
	 * is that era's patch 0 (warned from 4.18, refused from 4.20): a line
	 * copied from it is written in this form.
	 */
	{ SPEC_FORM_PATCHN, DIR_PATCH, AT(AT_NAME) | AT(AT_NONE), 0, false,
	  "%patch", "%0*d", STRIP_AFTER, 0, 41999, "rpm %d.%d rejects %%patchN" },
	/*
	 * %patch 3 -p1. Before 4.18 a line without " -P" got "-P 0" put in
	 * front of it (INT_MAX, the unnumbered patch, before 4.15), so this
	 * applied patch 0 as well; 4.18 reads the arguments alone (rpm commit
	 * 02b8d8dcc).
	 */
	{ SPEC_FORM_PATCH_N, DIR_PATCH, AT(AT_ARG), 0, false,
	  "%patch", " %0*d", STRIP_AS_SPEC, 41800, 0, "rpm %d.%d does not know '%%patch N'" },
	/*
	 * %patch -P 3 -p1: the same patch on every rpm. Before 4.18 rpm looks
	 * for " -P" (a space, not a tab) to tell a numbered line from one
	 * meaning patch 0, so the new line has a space there.
	 */
	{ SPEC_FORM_PATCH_P, DIR_PATCH, AT(AT_OPT), 'P', false,
	  "%patch", " -P %0*d", STRIP_AS_SPEC, 0, 0, NULL },
	/* %patch -P3 -p1: popt's glued value, on every rpm (" -P" is there too). */
	{ SPEC_FORM_PATCH_PN, DIR_PATCH, AT(AT_OPT_GLUED), 'P', false,
	  "%patch", " -P%0*d", STRIP_AS_SPEC, 0, 0, NULL },
	/* git am %{PATCH3}: a shell line of the spec's own; the new one is a copy of it (patches.c). */
	{ SPEC_FORM_MACRO, DIR_MACROLINE, AT(AT_MACRO), 0, false,
	  NULL, NULL, STRIP_AS_SPEC, 0, 0, NULL },
	/*
	 * %autopatch -p1 3: -p first, where options of a parametric macro are
	 * safe with any getopt (a non-GNU one stops at the first argument).
	 * macros.in's %autopatch reads numbers as
	 * arguments from 4.18; before, it ignores them and applies every patch,
	 * and -m/-M (the range's bounds, never a new line's form) came in 4.15.
	 * A spec relying on either does not build as meant on an older rpm
	 * whatever line is added, and rpm's check of the new spec says so: the
	 * rows carry no bound, so the line is copied as the spec has it.
	 */
	{ SPEC_FORM_AUTOPATCH, DIR_AUTOPATCH, AT(AT_ARG), 0, false,
	  "%autopatch", " %0*d", STRIP_BEFORE, 0, 0, NULL },
	{ SPEC_FORM_AUTOPATCH_MIN, DIR_AUTOPATCH, AT(AT_OPT) | AT(AT_OPT_GLUED), 'm', true,
	  NULL, NULL, STRIP_AS_SPEC, 0, 0, NULL },
	{ SPEC_FORM_AUTOPATCH_MAX, DIR_AUTOPATCH, AT(AT_OPT) | AT(AT_OPT_GLUED), 'M', true,
	  NULL, NULL, STRIP_AS_SPEC, 0, 0, NULL },
};

#define NFORMS (sizeof(forms) / sizeof(forms[0]))

const struct sm_form_row *sm_forms(size_t *n)
{
	*n = NFORMS;
	return forms;
}

const struct sm_form_row *sm_form(enum spec_patch_form form)
{
	size_t i;

	for (i = 0; i < NFORMS; i++)
		if (forms[i].form == form)
			return &forms[i];
	return NULL;
}

const struct sm_form_row *sm_form_find(enum sm_dir_kind dir, enum sm_num_at at, char opt)
{
	size_t i;

	for (i = 0; i < NFORMS; i++)
		if (forms[i].dir == dir && (forms[i].at & AT(at)) && forms[i].opt == opt)
			return &forms[i];
	return NULL;
}

bool sm_form_accepted(const struct sm_form_row *row, int rpmver)
{
	return (!row->rpm_min || rpmver >= row->rpm_min) && (!row->rpm_max || rpmver <= row->rpm_max);
}

void sm_form_write(struct buf *out, const struct sm_form_row *row, int num, int width, int strip,
		   bool strip_first)
{
	bool before = strip >= 0 && (row->strip_at == STRIP_BEFORE ||
				     (row->strip_at == STRIP_AS_SPEC && strip_first));

	buf_puts(out, row->name);
	if (before)
		buf_printf(out, " -p%d", strip);
	buf_printf(out, row->number, width, num);
	if (strip >= 0 && !before)
		buf_printf(out, " -p%d", strip);
}
