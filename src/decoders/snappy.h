/*
 * snappy.h - raw Snappy decompression, for Parquet's SNAPPY pages.
 *
 * Ours, not libsnappy: libsnappy is C++, and it brought libstdc++ and
 * libgcc_s into the process, whose Debian builds need glibc 2.35 and 2.36
 * (_dl_find_object, arc4random): too new for Amazon Linux 2023's 2.34,
 * so the Lambda zip could not carry them.  Decompression is a small loop
 * over literals and back-references (the format is Google's
 * format_description.txt), and every length and offset is checked here.
 */
#ifndef FL_SNAPPY_H
#define FL_SNAPPY_H

#include <glib.h>

/* The uncompressed length the stream's preamble announces (a varint of
 * at most 32 bits).  FALSE when the preamble is damaged. */
gboolean fl_snappy_length(const guint8 *in, gsize in_len, gsize *out_len);

/*
 * Decompresses in into out, which holds exactly out_len bytes, the
 * length the preamble announces.  FALSE with a static reason in *why
 * when the stream is damaged: a length or offset past the input or the
 * output, an offset of 0 or before the start, output short of out_len,
 * or a different announced length.  Never reads or writes out of bounds.
 */
gboolean fl_snappy_uncompress(const guint8 *in, gsize in_len, guint8 *out,
                              gsize out_len, const char **why);

#endif
