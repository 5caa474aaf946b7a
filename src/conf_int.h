/*
 * conf_int.h - what conf.c (the option tables, the environment, the config
 * file) and conf_check.c (defaults and checks) share.
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

#endif
