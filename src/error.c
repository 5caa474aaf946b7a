/* error.c - the FL_ERROR quark. */
#include "config.h"

#include "error.h"

G_DEFINE_QUARK(fl-error-quark, fl_error)
