/*
 * conf_int.h - what conf.c (the command line, the environment, the config
 * file), conf_options.c (the option tables, --help) and conf_check.c
 * (defaults and checks) share.
 */
#ifndef FL_CONF_INT_H
#define FL_CONF_INT_H

#include "conf.h"

/* An integer option nobody set (the tables start every one at this). */
#define UNSET -1

/*
 * Applies the defaults of what no source set, then checks every setting
 * and combination.  FALSE with FL_ERROR_CONFIG naming the option.
 */
gboolean fl_conf_finish(FlConf *c, GError **err);

/*
 * Every option, each entry's data pointing into c, in --help order; the
 * G_OPTION_REMAINING entry (the inputs) last, then the zeroed end.
 * g_free() the array.
 */
GOptionEntry *fl_conf_options_new(FlConf *c);

/* The --help text around the option list: summary and description. */
void fl_conf_options_describe(GOptionContext *ctx);

#endif
