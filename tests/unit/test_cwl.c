/*
 * test_cwl.c - unit tests for the CloudWatch Logs pieces that need no
 * network: the --follow window and event-ID dedup (cwl_follow.c), its
 * state round trip through the --state journal (positions in
 * checkpoint.c), and the DescribeFlowLogs answer parser (ec2.c).
 */
#include "config.h"

#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "aws/ec2.h"
#include "error.h"
#include "sources/checkpoint.h"
#include "sources/cwl_follow.h"

#define MIN_MS (60 * 1000)

static void
test_window(void)
{
    FlCwlFollow *f = fl_cwl_follow_new(5 * MIN_MS, 100 * MIN_MS, 0);
    gint64 s, e;

    /* overlap before done, up to now */
    fl_cwl_follow_window(f, 101 * MIN_MS, 15 * MIN_MS, &s, &e);
    g_assert_cmpint(s, ==, 95 * MIN_MS);
    g_assert_cmpint(e, ==, 101 * MIN_MS);
    /* far behind: steps of max_span */
    fl_cwl_follow_window(f, 200 * MIN_MS, 15 * MIN_MS, &s, &e);
    g_assert_cmpint(e, ==, 115 * MIN_MS);
    /* a clock that went back: the window never ends before done */
    fl_cwl_follow_window(f, 50 * MIN_MS, 15 * MIN_MS, &s, &e);
    g_assert_cmpint(e, ==, 100 * MIN_MS);
    fl_cwl_follow_free(f);

    /* the floor (--since) */
    f = fl_cwl_follow_new(5 * MIN_MS, 100 * MIN_MS, 98 * MIN_MS);
    fl_cwl_follow_window(f, 101 * MIN_MS, 0, &s, &e);
    g_assert_cmpint(s, ==, 98 * MIN_MS);
    fl_cwl_follow_free(f);
}

/* Events of three polls, some seen again through the overlap, some late:
 * each is new exactly once; IDs older than the overlap are forgotten. */
static void
test_dedup(void)
{
    FlCwlFollow *f = fl_cwl_follow_new(5 * MIN_MS, 100 * MIN_MS, 0);

    g_assert_true(fl_cwl_follow_add(f, "a", 99 * MIN_MS));
    g_assert_true(fl_cwl_follow_add(f, "b", 100 * MIN_MS + 1));
    g_assert_false(fl_cwl_follow_add(f, "a", 99 * MIN_MS));
    fl_cwl_follow_advance(f, 101 * MIN_MS);
    g_assert_cmpint(fl_cwl_follow_done(f), ==, 101 * MIN_MS);
    /* next poll re-reads [96, now): a and b again, c late (97) */
    g_assert_false(fl_cwl_follow_add(f, "a", 99 * MIN_MS));
    g_assert_false(fl_cwl_follow_add(f, "b", 100 * MIN_MS + 1));
    g_assert_true(fl_cwl_follow_add(f, "c", 97 * MIN_MS));
    g_assert_cmpuint(fl_cwl_follow_n_ids(f), ==, 3);
    /* done moves to 103: keep IDs from 98 on; c (97) goes */
    fl_cwl_follow_advance(f, 103 * MIN_MS);
    g_assert_cmpuint(fl_cwl_follow_n_ids(f), ==, 2);
    /* done never goes back */
    fl_cwl_follow_advance(f, 90 * MIN_MS);
    g_assert_cmpint(fl_cwl_follow_done(f), ==, 103 * MIN_MS);
    fl_cwl_follow_free(f);
}

static void
test_save_load(void)
{
    FlCwlFollow *f = fl_cwl_follow_new(5 * MIN_MS, 100 * MIN_MS, 0);
    FlCwlFollow *g = fl_cwl_follow_new(5 * MIN_MS, 0, 0);
    g_autofree char *text = NULL, *again = NULL, *cut = NULL;
    GError *err = NULL;
    guint dropped = 9;
    static const char *const bad[] = {
        "", "2 100", "1 ", "1 x", "1 100 5", "1 100 5:", "1 100 :a",
        "1 100 5:a  6:b", "1 100 5:a ", "1 99999999999999999999",
    };

    fl_cwl_follow_add(f, "37901234567890123456789012345678901234567890123456789012",
                      99 * MIN_MS);
    fl_cwl_follow_add(f, "b", 100 * MIN_MS);
    fl_cwl_follow_add(f, "a", 100 * MIN_MS);
    text = fl_cwl_follow_save(f, 0, &dropped);
    g_assert_cmpuint(dropped, ==, 0);
    g_assert_cmpstr(text, ==, "1 6000000 6000000:a 6000000:b 5940000:"
                    "37901234567890123456789012345678901234567890123456789012");
    g_assert_true(fl_cwl_follow_load(g, text, &err));
    g_assert_no_error(err);
    g_assert_cmpint(fl_cwl_follow_done(g), ==, 100 * MIN_MS);
    g_assert_false(fl_cwl_follow_add(g, "a", 100 * MIN_MS));
    again = fl_cwl_follow_save(g, 0, NULL);
    g_assert_cmpstr(again, ==, text);
    /* too long: the oldest IDs are left out, and counted */
    cut = fl_cwl_follow_save(f, strlen("1 6000000 6000000:a 6000000:b"),
                             &dropped);
    g_assert_cmpstr(cut, ==, "1 6000000 6000000:a 6000000:b");
    g_assert_cmpuint(dropped, ==, 1);
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        FlCwlFollow *h = fl_cwl_follow_new(0, 7, 0);

        g_assert_false(fl_cwl_follow_load(h, bad[i], &err));
        g_assert_error(err, FL_ERROR, FL_ERROR_CORRUPT);
        g_clear_error(&err);
        g_assert_cmpint(fl_cwl_follow_done(h), ==, 7);
        g_assert_cmpuint(fl_cwl_follow_n_ids(h), ==, 0);
        fl_cwl_follow_free(h);
    }
    fl_cwl_follow_free(f);
    fl_cwl_follow_free(g);
}

/* A position through the journal: put, reopen, get; a long one (past
 * the 16 KiB of ordinary lines); compaction while running. */
static void
test_position_journal(void)
{
    g_autofree char *dir = g_dir_make_tmp("test_cwl.XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "state", NULL);
    g_autofree char *got = NULL;
    GString *big = g_string_new("1 100");
    GError *err = NULL;
    FlCheckpoint *cp;
    struct stat st;
    guint i;

    cp = fl_checkpoint_open(path, &err);
    g_assert_no_error(err);
    g_assert_null(fl_checkpoint_position_get(cp, "cwl g "));
    g_assert_true(fl_checkpoint_record(cp, "s3", "b/k", "e 1", &err));
    g_assert_true(fl_checkpoint_position_put(cp, "cwl g ", "1 5", &err));
    g_assert_true(fl_checkpoint_position_put(cp, "cwl g\tp", "1 6 1:x",
                                             &err));
    for (i = 0; i < 3000; i++)
        g_string_append_printf(big, " %u:%056u", i, i);
    g_assert_cmpuint(big->len, >, 16384);
    g_assert_true(fl_checkpoint_position_put(cp, "cwl g ", big->str, &err));
    g_assert_no_error(err);
    fl_checkpoint_unref(cp);

    cp = fl_checkpoint_open(path, &err);
    g_assert_no_error(err);
    got = fl_checkpoint_position_get(cp, "cwl g ");
    g_assert_cmpstr(got, ==, big->str);
    g_clear_pointer(&got, g_free);
    got = fl_checkpoint_position_get(cp, "cwl g\tp");
    g_assert_cmpstr(got, ==, "1 6 1:x");
    g_clear_pointer(&got, g_free);
    g_assert_true(fl_checkpoint_done(cp, "s3", "b/k", "e 1"));
    /* positions are not records */
    g_assert_false(fl_checkpoint_done(cp, "position", "cwl g ", "1 5"));

    /* 400 puts of ~200 KiB: without compaction 80 MB; with it the file
     * stays within 4x the live bytes plus 1 MiB. */
    for (i = 0; i < 400; i++) {
        g_autofree char *v = g_strdup_printf("%s %u:z", big->str, i);

        g_assert_true(fl_checkpoint_position_put(cp, "cwl g ", v, &err));
        g_assert_no_error(err);
    }
    g_assert_cmpint(g_stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_size, <, 4 * 2 * (gint64)big->len + 1024 * 1024
                                    + 200000);
    got = fl_checkpoint_position_get(cp, "cwl g ");
    g_assert_true(g_str_has_suffix(got, " 399:z"));
    g_clear_pointer(&got, g_free);
    fl_checkpoint_unref(cp);
    cp = fl_checkpoint_open(path, &err);
    g_assert_no_error(err);
    got = fl_checkpoint_position_get(cp, "cwl g ");
    g_assert_true(g_str_has_suffix(got, " 399:z"));
    g_assert_true(fl_checkpoint_done(cp, "s3", "b/k", "e 1"));
    fl_checkpoint_unref(cp);

    g_string_free(big, TRUE);
    g_unlink(path);
    g_rmdir(dir);
}

static const char answer[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<DescribeFlowLogsResponse xmlns=\"http://ec2.amazonaws.com/doc/"
    "2016-11-15/\"><requestId>r</requestId><flowLogSet>"
    "<item><flowLogId>fl-1</flowLogId><logFormat>wrong one</logFormat>"
    "</item>"
    "<item><deliverLogsErrorMessage>Rate limited</deliverLogsErrorMessage>"
    "<flowLogId>fl-2</flowLogId><logDestinationType>cloud-watch-logs"
    "</logDestinationType><logGroupName>/vpc/x</logGroupName>"
    "<tagSet><item><key>logFormat</key><value>tag</value></item></tagSet>"
    "<logFormat>${version} ${srcaddr} &amp; x</logFormat></item>"
    "</flowLogSet></DescribeFlowLogsResponse>";

static void
test_ec2_parse(void)
{
    GError *err = NULL;
    FlEc2FlowLog *fl = fl_ec2_parse_flow_logs(answer, sizeof answer - 1,
                                              "fl-2", &err);

    g_assert_no_error(err);
    g_assert_nonnull(fl);
    g_assert_cmpstr(fl->id, ==, "fl-2");
    g_assert_cmpstr(fl->log_format, ==, "${version} ${srcaddr} & x");
    g_assert_cmpstr(fl->destination_type, ==, "cloud-watch-logs");
    g_assert_cmpstr(fl->log_group, ==, "/vpc/x");
    g_assert_cmpstr(fl->deliver_error, ==, "Rate limited");
    fl_ec2_flow_log_free(fl);
    g_assert_null(fl_ec2_parse_flow_logs(answer, sizeof answer - 1, "fl-3",
                                         &err));
    g_assert_no_error(err);
    g_assert_null(fl_ec2_parse_flow_logs("<a><b></a>", 10, "fl-2", &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_CORRUPT);
    g_clear_error(&err);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cwl/follow/window", test_window);
    g_test_add_func("/cwl/follow/dedup", test_dedup);
    g_test_add_func("/cwl/follow/save-load", test_save_load);
    g_test_add_func("/cwl/follow/position-journal", test_position_journal);
    g_test_add_func("/cwl/ec2/parse", test_ec2_parse);
    return g_test_run();
}
