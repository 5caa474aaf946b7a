// make_parquet.mjs - flow log text (with its header line) as Parquet, by
// one of two independent writers, with the schema AWS writes: INT32 for
// version, ports, protocol, tcp_flags and traffic_path, INT64 for the
// counters and times, strings for the rest; "-" becomes a null.
//
//   node make_parquet.mjs duckdb|hyparquet IN.txt OUT.parquet [opt=value...]
//
// Options (a writer ignores those it cannot honour, and says so):
//   codec=UNCOMPRESSED|SNAPPY|GZIP|ZSTD   (hyparquet: no ZSTD)
//   rows=N            rows per row group
//   version=v1|v2     DuckDB's PARQUET_VERSION (v2: data page v2 and the
//                     DELTA encodings); hyparquet always writes v2 pages
//   encoding=dict|plain|delta    hyparquet: per-column encodings (delta:
//                     DELTA_BINARY_PACKED integers, DELTA_BYTE_ARRAY
//                     strings but DELTA_LENGTH_BYTE_ARRAY for addresses);
//                     DuckDB: plain turns the dictionary off
//   required=1        hyparquet: columns without a "-" are REQUIRED
import fs from 'node:fs';
import zlib from 'node:zlib';

const INT32 = new Set(['version', 'srcport', 'dstport', 'protocol',
    'tcp_flags', 'traffic_path']);
const INT64 = new Set(['packets', 'bytes', 'start', 'end',
    'packets_lost_no_route', 'packets_lost_blackhole',
    'packets_lost_mtu_exceeded', 'packets_lost_ttl_expired']);

const [writer, input, output, ...rest] = process.argv.slice(2);
const opt = Object.fromEntries(rest.map((a) => a.split('=')));
if (!writer || !input || !output) {
    console.error('usage: make_parquet.mjs duckdb|hyparquet IN OUT [opt=v]');
    process.exit(2);
}
const codec = (opt.codec || 'SNAPPY').toUpperCase();

function typeOf(col) {
    return INT32.has(col) ? 'INT32' : INT64.has(col) ? 'INT64' : 'STRING';
}

async function viaDuckdb() {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const inst = await DuckDBInstance.create(':memory:', { threads: '2' });
    const con = await inst.connect();
    // The header line only: the input may be gigabytes.
    const fd = fs.openSync(input, 'r');
    const head = Buffer.alloc(65536);
    const got = fs.readSync(fd, head, 0, head.length, 0);
    fs.closeSync(fd);
    const header = head.subarray(0, got).toString('utf8').split('\n', 1)[0];
    const names = header.trim().split(/ +/);
    const sel = names.map((n) => {
        const col = n.replace(/-/g, '_');
        const v = `NULLIF("${n}", '-')`;
        const t = typeOf(col);
        return t === 'STRING' ? `${v} AS "${col}"`
            : `CAST(${v} AS ${t === 'INT32' ? 'INTEGER' : 'BIGINT'}) AS "${col}"`;
    }).join(', ');
    const copts = [`FORMAT PARQUET`, `COMPRESSION ${codec}`];
    if (opt.rows) copts.push(`ROW_GROUP_SIZE ${Number(opt.rows)}`);
    if (opt.version === 'v2') copts.push('PARQUET_VERSION v2');
    if (opt.encoding === 'plain') copts.push('DICTIONARY_SIZE_LIMIT 1');
    const esc = (s) => s.replace(/'/g, "''");
    await con.run(`COPY (SELECT ${sel} FROM read_csv('${esc(input)}', ` +
        `delim=' ', header=true, all_varchar=true, quote='', escape='', ` +
        `columns={${names.map((n) => `'${n}': 'VARCHAR'`).join(', ')}})) ` +
        `TO '${esc(output)}' (${copts.join(', ')})`);
}

function viaHyparquet() {
    return import('hyparquet-writer').then(({ parquetWriteFile }) => {
        const lines = fs.readFileSync(input, 'utf8').split('\n')
            .filter((l) => l.length > 0);
        const names = lines.shift().trim().split(/ +/);
        const cols = names.map(() => []);
        for (const l of lines) {
            const w = l.trim().split(/ +/);
            for (let i = 0; i < names.length; i++) cols[i].push(w[i]);
        }
        const enc = opt.encoding || 'dict';
        const columnData = names.map((n, i) => {
            const col = n.replace(/-/g, '_');
            const t = typeOf(col);
            const nulls = cols[i].some((v) => v === '-');
            const data = cols[i].map((v) => v === '-' ? null
                : t === 'INT64' ? BigInt(v) : t === 'INT32' ? Number(v) : v);
            const c = { name: col, data, type: t };
            if (opt.required === '1' && !nulls) c.nullable = false;
            if (enc === 'plain') c.encoding = 'PLAIN';
            if (enc === 'delta') {
                c.encoding = t !== 'STRING' ? 'DELTA_BINARY_PACKED'
                    : /addr$/.test(col) ? 'DELTA_LENGTH_BYTE_ARRAY'
                    : 'DELTA_BYTE_ARRAY';
            }
            return c;
        });
        if (codec === 'ZSTD') {
            console.error('hyparquet: no ZSTD compressor in this Node.js');
            process.exit(3);
        }
        parquetWriteFile({
            filename: output,
            columnData,
            codec,
            compressors: { GZIP: (b) => new Uint8Array(zlib.gzipSync(b)) },
            rowGroupSize: opt.rows ? Number(opt.rows) : undefined,
            pageSize: opt.page ? Number(opt.page) : undefined,
        });
    });
}

if (writer === 'duckdb') await viaDuckdb();
else if (writer === 'hyparquet') await viaHyparquet();
else {
    console.error(`unknown writer ${writer}`);
    process.exit(2);
}
