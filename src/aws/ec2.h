/*
 * ec2.h - EC2 DescribeFlowLogs, in the EC2 Query protocol (POST / with a
 * form body Action=DescribeFlowLogs&Version=2016-11-15&FlowLogId.1=...,
 * an XML answer; SigV4 service "ec2").
 *
 * The endpoint comes from fl_aws_service_endpoint(aws, "EC2", "ec2"):
 * AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL, else
 * https://ec2.REGION.amazonaws.com.
 */
#ifndef FL_AWS_EC2_H
#define FL_AWS_EC2_H

#include <glib.h>
#include "aws/aws.h"

typedef struct {
    char *id;                   /* flowLogId */
    char *log_format;           /* logFormat; NULL when the answer has
                                   none (the default format) */
    char *destination_type;     /* logDestinationType: cloud-watch-logs,
                                   s3, kinesis-data-firehose */
    char *log_group;            /* logGroupName, or NULL */
    char *deliver_error;        /* deliverLogsErrorMessage, or NULL */
} FlEc2FlowLog;

void fl_ec2_flow_log_free(FlEc2FlowLog *fl);

/* Largest answer accepted. */
#define FL_EC2_MAX_BODY (1024 * 1024)

/*
 * Describes one flow log.  NULL with *err: FL_ERROR_REMOTE "flow log
 * fl-... does not exist" when the answer has no such flow log (or EC2
 * says InvalidFlowLogId.*), FL_ERROR_REMOTE/FL_ERROR_AUTH with EC2's
 * error code and message, FL_ERROR_CORRUPT for an answer that is not the
 * expected XML, FL_ERROR_NETWORK, FL_ERROR_CONFIG for a bad endpoint
 * variable.  Caller frees with fl_ec2_flow_log_free().
 */
FlEc2FlowLog *fl_ec2_describe_flow_log(FlAws *aws, const char *flow_log_id,
                                       GError **err);

/* Parses a DescribeFlowLogs answer (for tests): the item whose flowLogId
 * is id, or NULL (no error) when there is none.  NULL with
 * FL_ERROR_CORRUPT when xml is not XML. */
FlEc2FlowLog *fl_ec2_parse_flow_logs(const char *xml, gsize len,
                                     const char *id, GError **err);

#endif
