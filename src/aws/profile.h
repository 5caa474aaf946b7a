/*
 * profile.h - one profile of the AWS shared config and credentials files.
 *
 * The files are INI as the AWS CLI reads them: "[default]" and
 * "[profile NAME]" sections in the config file, "[NAME]" in the
 * credentials file; "key = value" (keys are case-insensitive); whole-line
 * comments starting with '#' or ';', and the same characters after white
 * space in a value or after a section header; indented lines after a
 * property continue it (the "s3 =" sub-properties), so they never leak
 * into the profile as keys of their own.  GKeyFile is not used: it
 * refuses ';' comments and flattens sub-properties.
 *
 * Keys of the credentials file win over the same keys of the config file.
 */
#ifndef FL_AWS_PROFILE_H
#define FL_AWS_PROFILE_H

#include <glib.h>

/* The largest config or credentials file read. */
#define FL_AWS_PROFILE_FILE_MAX (1024 * 1024)

typedef struct {
    char *name;
    char *config_path;          /* the files looked at, for messages */
    char *credentials_path;
    gboolean found;             /* a section of the profile exists */
    GHashTable *values;         /* lower-case key -> value */
    GHashTable *origin;         /* key -> the path it came from */
} FlAwsProfile;

/* name, else AWS_PROFILE, else "default".  Caller frees. */
char *fl_aws_profile_name(const char *name);

/* AWS_CONFIG_FILE, else $HOME/.aws/config; AWS_SHARED_CREDENTIALS_FILE,
 * else $HOME/.aws/credentials ("~/" expanded).  Caller frees. */
char *fl_aws_profile_config_path(void);
char *fl_aws_profile_credentials_path(void);

/*
 * Parses one file's text and adds the keys of profile name to values
 * (existing keys are replaced), recording path as their origin.  is_config
 * selects the section naming.  Sets *found when a section of the profile
 * exists.  FALSE with FL_ERROR_CONFIG "PATH:LINE: reason" for a line that
 * is not INI; values may then hold part of the section.
 */
gboolean fl_aws_profile_parse(const char *text, gsize len, const char *path,
                              gboolean is_config, const char *name,
                              GHashTable *values, GHashTable *origin,
                              gboolean *found, GError **err);

/*
 * Loads profile name (see fl_aws_profile_name) from both files.  Missing
 * files are empty; unreadable, too large (FL_ERROR_LIMIT) or malformed
 * ones are errors naming the file.  A profile found in neither file is
 * not an error: see ->found.  Free with fl_aws_profile_free().
 */
FlAwsProfile *fl_aws_profile_load(const char *name, GError **err);

/* The same from the config file alone (for the region: its secrets are
 * not needed). */
FlAwsProfile *fl_aws_profile_load_config(const char *name, GError **err);

/* The value of key (lower-case), or NULL.  Cannot fail. */
const char *fl_aws_profile_get(const FlAwsProfile *p, const char *key);

/* The file key came from, or the config file when unset. */
const char *fl_aws_profile_origin(const FlAwsProfile *p, const char *key);

/*
 * FALSE with FL_ERROR_UNSUPPORTED when the profile asks for a credential
 * kind this program does not implement (SSO, assume role, a credential
 * source, web identity in a profile), naming the key and the way out.
 */
gboolean fl_aws_profile_check_supported(const FlAwsProfile *p, GError **err);

void fl_aws_profile_free(FlAwsProfile *p);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FlAwsProfile, fl_aws_profile_free)

#endif
