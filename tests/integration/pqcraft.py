"""pqcraft: a tiny Parquet writer for hostile test files.

Written from apache/parquet-format (parquet.thrift, Encodings.md) and the
Thrift compact protocol spec, independently of the reader under test: it
writes flat tables with PLAIN or dictionary pages (data page v1), and
every number that describes the file can be overridden, so that a test
can make the file lie (page sizes, counts, codecs, chunk sizes, a footer
nested 10,000 deep).
"""

import gzip
import struct

# compact protocol types
TRUE, FALSE, I8, I16, I32, I64, DBL, BIN, LIST, SET, MAP, STRUCT = range(1, 13)
INT32, INT64, BYTE_ARRAY = 1, 2, 6
PLAIN, RLE, RLE_DICTIONARY = 0, 3, 8
UNCOMPRESSED, GZIP = 0, 2


def uvar(n):
    out = bytearray()
    while True:
        b = n & 0x7f
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def zz(n):
    return uvar((n << 1) if n >= 0 else ((-n) << 1) - 1)


def struct_(fields):
    """fields: [(id, type, payload bytes)] in id order."""
    out, last = bytearray(), 0
    for fid, t, payload in fields:
        d = fid - last
        if 0 < d <= 15:
            out.append(d << 4 | t)
        else:
            out.append(t)
            out += zz(fid)
        last = fid
        out += payload
    out.append(0)
    return bytes(out)


def i32(fid, v):
    return (fid, I32, zz(v))


def i64(fid, v):
    return (fid, I64, zz(v))


def binary(fid, b):
    if isinstance(b, str):
        b = b.encode()
    return (fid, BIN, uvar(len(b)) + b)


def list_(fid, elem, items):
    n = len(items)
    head = bytes([n << 4 | elem]) if n < 15 else bytes([0xf0 | elem]) + uvar(n)
    return (fid, LIST, head + b"".join(items))


def sub(fid, fields):
    return (fid, STRUCT, struct_(fields))


def deep(fid, depth):
    """A struct field nested depth levels deep."""
    inner = b"\x00"
    for _ in range(depth - 1):
        inner = bytes([0x10 | STRUCT]) + inner + b"\x00"
    return (fid, STRUCT, inner)


def rle_runs(values, width):
    """The hybrid encoding as one repeated run per value (legal, simple)."""
    nb = (width + 7) // 8
    return b"".join(uvar(2) + v.to_bytes(nb, "little") for v in values)


def plain(ptype, values):
    if ptype == INT32:
        return b"".join(struct.pack("<i", v) for v in values)
    if ptype == INT64:
        return b"".join(struct.pack("<q", v) for v in values)
    return b"".join(struct.pack("<I", len(v)) + v for v in values)


class Column:
    def __init__(self, name, ptype, values, optional=True, dictionary=False):
        self.name, self.ptype = name, ptype
        self.values = [v.encode() if isinstance(v, str) else v
                       for v in values]
        self.optional, self.dictionary = optional, dictionary


def page(ptype_page, body, header_fields, codec, lie=None):
    data = gzip.compress(body) if codec == GZIP else body
    lie = lie or {}
    fields = [i32(1, ptype_page),
              i32(2, lie.get("uncompressed", len(body))),
              i32(3, lie.get("compressed", len(data)))]
    fields += header_fields
    return struct_(fields) + data


def column_chunk(col, codec, offset, o):
    """Returns (bytes, ColumnChunk fields) of one chunk at offset."""
    vals = [v for v in col.values if v is not None]
    n = len(col.values)
    levels = b""
    if col.optional:
        d = rle_runs([0 if v is None else 1 for v in col.values], 1)
        levels = struct.pack("<I", len(d)) + d
    out = b""
    dict_off = None
    if col.dictionary:
        uniq = sorted(set(vals))
        dict_off = offset
        out += page(2, plain(col.ptype, uniq),
                    [sub(7, [i32(1, len(uniq)), i32(2, PLAIN)])], codec,
                    o.get("dict_page_lie"))
        width = max(1, (len(uniq) - 1).bit_length())
        idx = [uniq.index(v) for v in vals]
        if "dict_index" in o:
            idx[0] = o["dict_index"]
        body = levels + bytes([width]) + rle_runs(idx, width)
        enc = RLE_DICTIONARY
    else:
        body = levels + plain(col.ptype, vals)
        enc = PLAIN
    data_off = offset + len(out)
    out += page(0, body, [sub(5, [i32(1, o.get("page_values", n)),
                                  i32(2, enc), i32(3, RLE), i32(4, RLE)])],
                codec, o.get("page_lie"))
    meta = [i32(1, col.ptype),
            list_(2, I32, [zz(PLAIN), zz(RLE)]),
            list_(3, BIN, [uvar(len(col.name)) + col.name.encode()]),
            i32(4, o.get("codec", codec)),
            i64(5, o.get("num_values", n)),
            i64(6, len(out)),
            i64(7, o.get("chunk_size", len(out))),
            i64(9, data_off)]
    if dict_off is not None:
        meta.append(i64(11, dict_off))
    return out, [i64(2, offset), sub(3, meta)]


def make(columns, codec=UNCOMPRESSED, pad=0, **o):
    """A file of one row group.  o: overrides (see column_chunk), for the
    first column only, plus num_rows, deep, footer_len, pad (bytes of
    zeros after the magic, to make a big file)."""
    body = b"PAR1" + b"\x00" * pad
    chunks = []
    for i, col in enumerate(columns):
        data, cc = column_chunk(col, codec, len(body), o if i == 0 else {})
        body += data
        chunks.append(struct_(cc))
    n = len(columns[0].values)
    schema = [struct_([binary(4, "schema"), i32(5, len(columns))])]
    for col in columns:
        f = [i32(1, col.ptype), i32(3, 1 if col.optional else 0),
             binary(4, col.name)]
        if col.ptype == BYTE_ARRAY:
            f.append(i32(6, 0))         # UTF8
        schema.append(struct_(f))
    rg = struct_([list_(1, STRUCT, chunks), i64(2, len(body)),
                  i64(3, o.get("num_rows", n))])
    fm = [i32(1, 1)]
    if "deep" in o:
        fm.append(deep(99, o["deep"]))     # an unknown field: skipped
    fm += [list_(2, STRUCT, schema), i64(3, o.get("num_rows", n)),
           list_(4, STRUCT, [rg]), binary(6, "pqcraft")]
    fm.sort(key=lambda f: f[0])
    footer = struct_(fm)
    flen = o.get("footer_len", len(footer))
    return body + footer + struct.pack("<I", flen) + b"PAR1"
