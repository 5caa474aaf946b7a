/*
 * lambda_invoke.h - one Lambda invocation through the pipeline (the
 * answers are listed in lambda.h).  Internal to src/lambda/.
 */
#ifndef FL_LAMBDA_INVOKE_H
#define FL_LAMBDA_INVOKE_H

#include <glib.h>
#include "lambda/deadline.h"
#include "lambda/lambda.h"
#include "lambda/runtime_api.h"
#include "stats.h"

/* What lives from one invocation to the next. */
typedef struct {
    const FlLambdaConfig *cfg;
    FlDeadline *alarm;          /* sets cfg->stop */
} FlLambda;

/* Frees what l holds (waits for a decode still running). */
void fl_lambda_clear(FlLambda *l);

typedef struct {
    const char *kind;           /* event kind for the log, or NULL */
    gboolean ok;
    GString *body;              /* the answer when ok */
    const char *error_type;     /* when not ok */
    char *error_message;
} FlOutcome;

/* Runs inv, filling stats and *out (cleared with fl_outcome_clear).
 * Cannot fail: failures are outcomes. */
void fl_lambda_invoke(FlLambda *l, const FlInvocation *inv, FlStats *stats,
                      FlOutcome *out);

void fl_outcome_clear(FlOutcome *out);

#endif
