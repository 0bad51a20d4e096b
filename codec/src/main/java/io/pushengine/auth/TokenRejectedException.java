package io.pushengine.auth;

/**
 * A token that does not admit its bearer, with a reason a person can act on (never the token itself).
 */
public final class TokenRejectedException extends Exception
{
    private static final long serialVersionUID = 1L;

    public TokenRejectedException(final String reason)
    {
        super(reason, null, false, false);
    }
}
