/*
 * auth.h: where the bearer token comes from and how it is renewed.  A
 * token is either given directly (GHL_TOKEN: used as is, never refreshed)
 * or read from a token file that must be private to its owner: one bare
 * token (a private integration token) or INI lines access_token,
 * refresh_token, client_id, client_secret, expires_at for OAuth.  OAuth
 * tokens are refreshed through POST {base}/oauth/token and the new pair is
 * written back atomically (mode 0600) before it is used.  The token never
 * leaves this module except inside the Authorization header it builds.
 * Thread-safe: one mutex guards the token.
 */
#ifndef GHL_AUTH_H
#define GHL_AUTH_H

#include <time.h>

#include "err.h"

struct auth;
struct http;

/*
 * A fixed token (GHL_TOKEN or a test token): no refresh; a 401 is final.
 * Leading/trailing blanks are ignored; ERR_AUTH when it is empty or holds
 * whitespace.  Caller frees with auth_free.
 */
int	 auth_new_token(struct auth **, const char *token, struct err *);
/*
 * Read a token file.  ERR_AUTH "token file FILE is readable by others
 * (mode 0644); run: chmod 600 FILE" when group or others have any access;
 * ERR_IO when it cannot be read; ERR_AUTH when it holds no token.  An INI
 * file with refresh_token, client_id and client_secret can be refreshed;
 * one without is used like a bare token.
 */
int	 auth_load_file(struct auth **, const char *path, struct err *);
void	 auth_free(struct auth *);

/* Non-zero when the token can be refreshed (OAuth with a refresh token). */
int	 auth_can_refresh(const struct auth *);
/* The token's unix expiry, or 0 when unknown. */
time_t	 auth_expires_at(const struct auth *);
/*
 * "Authorization: Bearer <token>" as a new string (caller frees, and
 * should not keep it), and the token's generation (bumped by each refresh)
 * into *gen (may be NULL).
 */
char	*auth_header(struct auth *, unsigned *gen);
/* Non-zero when an OAuth token expires within 30 s of now. */
int	 auth_expiring(struct auth *, time_t now);

/*
 * Refresh the OAuth token through h (POST base_url/oauth/token, form
 * fields of CONTRACT §1.3), unless the generation already moved past gen
 * (another request refreshed it meanwhile: returns 0 at once), or the
 * token file already holds a different access token (another process
 * refreshed it: that pair is taken, no request).  The new pair is
 * written to the token file (temp file in the same directory,
 * fsync, rename, mode 0600) before this returns.  now is the unix time
 * used for expires_at.  Returns 0; ERR_AUTH when there is nothing to
 * refresh with or the server refused ("POST /oauth/token: 401 ...: msg");
 * ERR_NET/ERR_HTTP/ERR_PARSE for transport trouble; ERR_IO when the file
 * cannot be written (the new token is still used in memory).
 */
int	 auth_refresh(struct auth *, struct http *h, const char *base_url,
	    unsigned gen, time_t now, struct err *);

#endif
