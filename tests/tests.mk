# Unit tests (GLib g_test, TAP) and integration tests (scripts; exit 77 = skip).
UNIT_TESTS += tests/unit/test_source
tests_unit_test_source_SOURCES = tests/unit/test_source.c
tests_unit_test_source_LDADD = src/libflowlog.a $(FL_LIBS)

UNIT_TESTS += tests/unit/test_decode
tests_unit_test_decode_SOURCES = tests/unit/test_decode.c
tests_unit_test_decode_LDADD = src/libflowlog.a $(FL_LIBS)

UNIT_TESTS += tests/unit/test_mapper
tests_unit_test_mapper_SOURCES = tests/unit/test_mapper.c
tests_unit_test_mapper_LDADD = src/libflowlog.a $(FL_LIBS)

UNIT_TESTS += tests/unit/test_azure_flow
tests_unit_test_azure_flow_SOURCES = tests/unit/test_azure_flow.c
tests_unit_test_azure_flow_LDADD = src/libflowlog.a $(FL_LIBS)

UNIT_TESTS += tests/unit/test_idmap
tests_unit_test_idmap_SOURCES = tests/unit/test_idmap.c
tests_unit_test_idmap_LDADD = src/libflowlog.a $(FL_LIBS)

INTEGRATION_TESTS += tests/integration/bad_input.sh

INTEGRATION_TESTS += tests/integration/oracle_file.py \
	tests/integration/ipfixdump.sh tests/integration/nfdump_udp.sh \
	tests/integration/tcp_collector.py tests/integration/tshark_udp.sh \
	tests/integration/cli.sh tests/integration/refresh_timers.py

INTEGRATION_TESTS += tests/integration/azure_file.py
INTEGRATION_TESTS += tests/integration/azblob.py

INTEGRATION_TESTS += tests/integration/docs.sh tests/integration/id_map_pairs.sh \
	tests/integration/signals.sh

# Delivery: at least once over TCP and TLS, TLS certificates, UDP refusals.
INTEGRATION_TESTS += tests/integration/tcp_replay.py \
	tests/integration/tls_output.py tests/integration/udp_refused.py

# The libFuzzer target, replayed over its corpus without libFuzzer.
UNIT_TESTS += tests/fuzz/fuzz_replay
tests_fuzz_fuzz_replay_SOURCES = tests/fuzz/fuzz_decode.c tests/fuzz/replay.c
tests_fuzz_fuzz_replay_LDADD = src/libflowlog.a $(FL_LIBS)

UNIT_TESTS += tests/unit/test_sigv4
tests_unit_test_sigv4_SOURCES = tests/unit/test_sigv4.c
tests_unit_test_sigv4_LDADD = src/libflowlog.a $(FL_LIBS)

# Performs one request through src/aws/http.c with fixed test keys; driven
# by tests/integration/sigv4_botocore.py.
check_PROGRAMS += tests/aws_http_probe
tests_aws_http_probe_SOURCES = tests/aws_http_probe.c \
	tests/unit/creds_static.c tests/unit/creds_static.h
tests_aws_http_probe_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests
tests_aws_http_probe_LDADD = src/libflowlog.a $(FL_LIBS)

INTEGRATION_TESTS += tests/integration/sigv4_botocore.py

UNIT_TESTS += tests/unit/test_credentials
tests_unit_test_credentials_SOURCES = tests/unit/test_credentials.c
tests_unit_test_credentials_LDADD = src/libflowlog.a $(FL_LIBS)

# Resolves credentials through src/aws/credentials.c; driven by
# tests/integration/aws_credentials.py.
check_PROGRAMS += tests/aws_cred_probe
tests_aws_cred_probe_SOURCES = tests/aws_cred_probe.c
tests_aws_cred_probe_LDADD = src/libflowlog.a $(FL_LIBS)

INTEGRATION_TESTS += tests/integration/aws_credentials.py

INTEGRATION_TESTS += tests/integration/s3_backfill.py

UNIT_TESTS += tests/unit/test_timespec
tests_unit_test_timespec_SOURCES = tests/unit/test_timespec.c
tests_unit_test_timespec_LDADD = src/libflowlog.a $(FL_LIBS)

UNIT_TESTS += tests/unit/test_s3_walk
tests_unit_test_s3_walk_SOURCES = tests/unit/test_s3_walk.c
tests_unit_test_s3_walk_LDADD = src/libflowlog.a $(FL_LIBS)

UNIT_TESTS += tests/unit/test_s3_event
tests_unit_test_s3_event_SOURCES = tests/unit/test_s3_event.c
tests_unit_test_s3_event_LDADD = src/libflowlog.a $(FL_LIBS)

UNIT_TESTS += tests/unit/test_checkpoint
tests_unit_test_checkpoint_SOURCES = tests/unit/test_checkpoint.c
tests_unit_test_checkpoint_LDADD = src/libflowlog.a $(FL_LIBS)

# The same tests' eviction case, with checkpoint.c built for 3 entries.
UNIT_TESTS += tests/unit/test_checkpoint_small
tests_unit_test_checkpoint_small_SOURCES = tests/unit/test_checkpoint.c \
	src/sources/checkpoint.c
tests_unit_test_checkpoint_small_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFL_CHECKPOINT_MAX_ENTRIES=3
tests_unit_test_checkpoint_small_LDADD = src/libflowlog.a $(FL_LIBS)

# The s3_event fuzz target, replayed over its own corpus.
UNIT_TESTS += tests/fuzz/fuzz_s3_event_replay
tests_fuzz_fuzz_s3_event_replay_SOURCES = tests/fuzz/fuzz_s3_event.c \
	tests/fuzz/replay.c
tests_fuzz_fuzz_s3_event_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	'-DFUZZ_DIRS="s3_event", "s3_event/crashes"'
tests_fuzz_fuzz_s3_event_replay_LDADD = src/libflowlog.a $(FL_LIBS)

UNIT_TESTS += tests/unit/test_azblob
tests_unit_test_azblob_SOURCES = tests/unit/test_azblob.c
tests_unit_test_azblob_LDADD = src/libflowlog.a $(FL_LIBS)

UNIT_TESTS += tests/unit/test_s3_xml
tests_unit_test_s3_xml_SOURCES = tests/unit/test_s3_xml.c
tests_unit_test_s3_xml_LDADD = src/libflowlog.a $(FL_LIBS)

# The targets for S3's XML answers, the AWS shared files and the
# credential answers, each replayed over its own corpus.
UNIT_TESTS += tests/fuzz/fuzz_s3_xml_replay
tests_fuzz_fuzz_s3_xml_replay_SOURCES = tests/fuzz/fuzz_s3_xml.c \
	tests/fuzz/replay.c
tests_fuzz_fuzz_s3_xml_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	'-DFUZZ_DIRS="s3_xml", "s3_xml/crashes"'
tests_fuzz_fuzz_s3_xml_replay_LDADD = src/libflowlog.a $(FL_LIBS)

UNIT_TESTS += tests/fuzz/fuzz_azblob_xml_replay
tests_fuzz_fuzz_azblob_xml_replay_SOURCES = tests/fuzz/fuzz_azblob_xml.c \
	tests/fuzz/replay.c
tests_fuzz_fuzz_azblob_xml_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	'-DFUZZ_DIRS="azblob_xml", "azblob_xml/crashes"'
tests_fuzz_fuzz_azblob_xml_replay_LDADD = src/libflowlog.a $(FL_LIBS)

UNIT_TESTS += tests/fuzz/fuzz_aws_profile_replay
tests_fuzz_fuzz_aws_profile_replay_SOURCES = tests/fuzz/fuzz_aws_profile.c \
	tests/fuzz/replay.c
tests_fuzz_fuzz_aws_profile_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	'-DFUZZ_DIRS="aws_profile", "aws_profile/crashes"'
tests_fuzz_fuzz_aws_profile_replay_LDADD = src/libflowlog.a $(FL_LIBS)

UNIT_TESTS += tests/fuzz/fuzz_aws_json_replay
tests_fuzz_fuzz_aws_json_replay_SOURCES = tests/fuzz/fuzz_aws_json.c \
	tests/fuzz/replay.c
tests_fuzz_fuzz_aws_json_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	'-DFUZZ_DIRS="aws_json", "aws_json/crashes"'
tests_fuzz_fuzz_aws_json_replay_LDADD = src/libflowlog.a $(FL_LIBS)

# S3 and SQS through the real binary against aws_fake.py (botocore-checked
# SigV4, programmable faults, SQS JSON protocol) on loopback.
INTEGRATION_TESTS += tests/integration/s3_faults.py tests/integration/s3_sqs.py

# TLS of the AWS requests (--ca-bundle, host name check, credentials over
# https) against aws_fake.py on https, with a CA made by the openssl CLI.
INTEGRATION_TESTS += tests/integration/aws_tls.py

INTEGRATION_TESTS += tests/integration/cwl_envelope.py
UNIT_TESTS += tests/unit/test_cwl_envelope
tests_unit_test_cwl_envelope_SOURCES = tests/unit/test_cwl_envelope.c
tests_unit_test_cwl_envelope_LDADD = src/libflowlog.a $(FL_LIBS)

# The same tests with cwl_envelope.c, cwl_fast.c and cwl_gzip.c built for
# small bounds (64 KiB input, 4 KiB payloads): base64 and payloads past them
# without 100s of MiB.
UNIT_TESTS += tests/unit/test_cwl_envelope_small
tests_unit_test_cwl_envelope_small_SOURCES = tests/unit/test_cwl_envelope.c \
	src/decoders/cwl_envelope.c src/decoders/cwl_fast.c \
	src/decoders/cwl_scan.c src/decoders/cwl_gzip.c
tests_unit_test_cwl_envelope_small_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFL_CWL_MAX_INPUT=65536 -DFL_CWL_MAX_PAYLOAD=4096
tests_unit_test_cwl_envelope_small_LDADD = src/libflowlog.a $(FL_LIBS)

# The cwl_envelope fuzz target, replayed over its own corpus.
UNIT_TESTS += tests/fuzz/fuzz_cwl_envelope_replay
tests_fuzz_fuzz_cwl_envelope_replay_SOURCES = tests/fuzz/fuzz_cwl_envelope.c \
	tests/fuzz/cwl_envelope_slow.c tests/fuzz/replay.c
tests_fuzz_fuzz_cwl_envelope_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	'-DFUZZ_DIRS="cwl_envelope", "cwl_envelope/found", \
	"cwl_envelope/crashes"'
tests_fuzz_fuzz_cwl_envelope_replay_LDADD = src/libflowlog.a $(FL_LIBS)

# CloudWatch Logs (FilterLogEvents) and EC2 (DescribeFlowLogs) against the
# loopback fake of aws_fake.py.
INTEGRATION_TESTS += tests/integration/cwl_api.py

UNIT_TESTS += tests/unit/test_cwl
tests_unit_test_cwl_SOURCES = tests/unit/test_cwl.c
tests_unit_test_cwl_LDADD = src/libflowlog.a $(FL_LIBS)
INTEGRATION_TESTS += tests/integration/cwl_envelope_s3.py

# The Azure flow log fuzz target, replayed over its own corpus.
UNIT_TESTS += tests/fuzz/fuzz_azure_flow_replay
tests_fuzz_fuzz_azure_flow_replay_SOURCES = tests/fuzz/fuzz_azure_flow.c \
	tests/fuzz/replay.c
tests_fuzz_fuzz_azure_flow_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	'-DFUZZ_DIRS="azure_flow", "azure_flow/crashes"'
tests_fuzz_fuzz_azure_flow_replay_LDADD = src/libflowlog.a $(FL_LIBS)

UNIT_TESTS += tests/unit/test_base64
tests_unit_test_base64_SOURCES = tests/unit/test_base64.c
tests_unit_test_base64_LDADD = src/libflowlog.a $(FL_LIBS)

UNIT_TESTS += tests/unit/test_cloud_flow
tests_unit_test_cloud_flow_SOURCES = tests/unit/test_cloud_flow.c
tests_unit_test_cloud_flow_LDADD = src/libflowlog.a $(FL_LIBS)

# The Google and OCI flow-log targets, each replayed over its own corpus.
UNIT_TESTS += tests/fuzz/fuzz_gcp_flow_replay
tests_fuzz_fuzz_gcp_flow_replay_SOURCES = tests/fuzz/fuzz_gcp_flow.c \
	tests/fuzz/replay.c
tests_fuzz_fuzz_gcp_flow_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	'-DFUZZ_DIRS="gcp_flow", "gcp_flow/crashes"'
tests_fuzz_fuzz_gcp_flow_replay_LDADD = src/libflowlog.a $(FL_LIBS)

# The fast scanner against yajl over generated entries (the target above
# decodes each both ways).
UNIT_TESTS += tests/unit/test_gcp_scan
tests_unit_test_gcp_scan_SOURCES = tests/unit/test_gcp_scan.c \
	tests/fuzz/fuzz_gcp_flow.c
tests_unit_test_gcp_scan_LDADD = src/libflowlog.a $(FL_LIBS)

UNIT_TESTS += tests/fuzz/fuzz_oci_flow_replay
tests_fuzz_fuzz_oci_flow_replay_SOURCES = tests/fuzz/fuzz_oci_flow.c \
	tests/fuzz/replay.c
tests_fuzz_fuzz_oci_flow_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	'-DFUZZ_DIRS="oci_flow", "oci_flow/crashes"'
tests_fuzz_fuzz_oci_flow_replay_LDADD = src/libflowlog.a $(FL_LIBS)

# The AWS Lambda zip, unpacked: ldd, glibc versions, a conversion.
INTEGRATION_TESTS += tests/integration/lambda_zip.sh
# The same checks on the arm64 zip: cross-built (make lambda-zip-arm64,
# in build-arm64/), run under qemu-aarch64-static.
INTEGRATION_TESTS += tests/integration/lambda_zip_arm64.sh
# The AWS SAM templates of etc/aws/ (no CloudFormation linter is available).
INTEGRATION_TESTS += tests/integration/sam_templates.py

# Parquet: the reader's unit tests, and its fuzz target replayed over its
# corpus (small files from both writers, and the corruption cases).
UNIT_TESTS += tests/unit/test_parquet
tests_unit_test_parquet_SOURCES = tests/unit/test_parquet.c
tests_unit_test_parquet_LDADD = src/libflowlog.a $(FL_LIBS)

UNIT_TESTS += tests/fuzz/fuzz_parquet_replay
tests_fuzz_fuzz_parquet_replay_SOURCES = tests/fuzz/fuzz_parquet.c \
	tests/fuzz/replay.c
tests_fuzz_fuzz_parquet_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	'-DFUZZ_DIRS="parquet", "parquet/crashes"'
tests_fuzz_fuzz_parquet_replay_LDADD = src/libflowlog.a $(FL_LIBS)

INTEGRATION_TESTS += tests/integration/parquet_equiv.py
INTEGRATION_TESTS += tests/integration/parquet_corrupt.py
INTEGRATION_TESTS += tests/integration/parquet_s3.py

# Running as a service: rotating dir:// output (python3-ipfix, ipfixDump),
# signals, --pidfile, logging, --id-map reload, the systemd units.
INTEGRATION_TESTS += tests/integration/rotate_output.py \
	tests/integration/rotate_recover.py \
	tests/integration/daemon_life.py tests/integration/systemd_unit.sh

# The Lambda runtime mode against the suite's Runtime API emulator
# (lambda_emulator.py), s3rver and python3-ipfix collectors.  With
# FL_LAMBDA_DIR set it runs the bootstrap of an unpacked Lambda zip.
INTEGRATION_TESTS += tests/integration/lambda_runtime.py
# The deadline inside one big event, and _X_AMZN_TRACE_ID.
INTEGRATION_TESTS += tests/integration/lambda_deadline.py
# S3 events in Lambda: a deadline inside one big object; libcurl missing
# from the zip (run on the unpacked zip by lambda_zip.sh).
INTEGRATION_TESTS += tests/integration/lambda_s3_faults.py
UNIT_TESTS += tests/unit/test_lambda_event
tests_unit_test_lambda_event_SOURCES = tests/unit/test_lambda_event.c
tests_unit_test_lambda_event_LDADD = src/libflowlog.a $(FL_LIBS)

# The lambda_event fuzz target, replayed over its own corpus.
UNIT_TESTS += tests/fuzz/fuzz_lambda_event_replay
tests_fuzz_fuzz_lambda_event_replay_SOURCES = tests/fuzz/fuzz_lambda_event.c \
	tests/fuzz/replay.c
tests_fuzz_fuzz_lambda_event_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	'-DFUZZ_DIRS="lambda_event", "lambda_event/crashes"'
tests_fuzz_fuzz_lambda_event_replay_LDADD = src/libflowlog.a $(FL_LIBS)

# The Runtime API answer parser's fuzz target, replayed over its corpus.
UNIT_TESTS += tests/fuzz/fuzz_api_http_replay
tests_fuzz_fuzz_api_http_replay_SOURCES = tests/fuzz/fuzz_api_http.c \
	tests/fuzz/replay.c
tests_fuzz_fuzz_api_http_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	'-DFUZZ_DIRS="api_http", "api_http/found", "api_http/crashes"'
tests_fuzz_fuzz_api_http_replay_LDADD = src/libflowlog.a $(FL_LIBS)

UNIT_TESTS += tests/unit/test_api_reply
tests_unit_test_api_reply_SOURCES = tests/unit/test_api_reply.c
tests_unit_test_api_reply_LDADD = src/libflowlog.a $(FL_LIBS)

# OCI VCN flow-log events through the program, decoded by python3-ipfix.
INTEGRATION_TESTS += tests/integration/oci_flow.py

UNIT_TESTS += tests/unit/test_snappy
tests_unit_test_snappy_SOURCES = tests/unit/test_snappy.c
tests_unit_test_snappy_LDADD = src/libflowlog.a $(FL_LIBS)

UNIT_TESTS += tests/unit/test_recover
tests_unit_test_recover_SOURCES = tests/unit/test_recover.c
tests_unit_test_recover_LDADD = src/libflowlog.a $(FL_LIBS)

# Google Cloud VPC flow-log entries and Pub/Sub push bodies through the
# program, decoded by python3-ipfix.
INTEGRATION_TESTS += tests/integration/gcp_flow.py
INTEGRATION_TESTS += tests/integration/cloud_rejects.py
INTEGRATION_TESTS += tests/integration/pubsub_push.py

# Running as a service: --watch (inotify, --state, --after-processing),
# the progress line under a pty, Prometheus metrics scraped during a run.
INTEGRATION_TESTS += tests/integration/watch.py tests/integration/progress.py \
	tests/integration/metrics.py
