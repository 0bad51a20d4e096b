package io.pushengine.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;

import java.text.ParseException;
import java.util.Date;
import java.util.List;
import java.util.Set;

/**
 * Verifies HMAC-SHA256 signed JWTs (nimbus-jose-jwt) and turns their claims into an {@link AccessGrant}:
 * <pre>
 *   { "sub": "alice", "exp": 1767225600,
 *     "sub_topics": ["prices.*", "news.fx"],      topics she may subscribe to (patterns)
 *     "pub_topics": ["orders.alice.*"],           topics she may publish on (HTTP ingress)
 *     "scope": "push:ops" }                       optional, space-separated: push:ops opens the ops page
 * </pre>
 * Required: {@code alg} HS256 (nothing else is accepted, {@code none} least of all), a valid signature,
 * {@code sub}, {@code exp} in the future; {@code nbf}, when present, in the past (both with a small clock skew).
 * Thread-safe.
 */
public final class TokenVerifier
{
    public static final String SUBSCRIBE_CLAIM = "sub_topics";
    public static final String PUBLISH_CLAIM = "pub_topics";
    public static final String SCOPE_CLAIM = "scope";
    private static final long CLOCK_SKEW_MS = 30_000;

    private final MACVerifier verifier;

    /**
     * @param secret the shared HMAC key, at least 256 bits (32 bytes) as HS256 requires.
     */
    public TokenVerifier(final byte[] secret)
    {
        try
        {
            this.verifier = new MACVerifier(secret);
        }
        catch (final JOSEException ex)
        {
            throw new IllegalArgumentException("JWT secret rejected: " + ex.getMessage() +
                " (HS256 needs at least 32 bytes)", ex);
        }
    }

    public AccessGrant verify(final String token, final long nowMs) throws TokenRejectedException
    {
        if (null == token || token.isEmpty())
        {
            throw new TokenRejectedException("no token");
        }
        final SignedJWT jwt;
        final JWTClaimsSet claims;
        try
        {
            jwt = SignedJWT.parse(token);
            claims = jwt.getJWTClaimsSet();
        }
        catch (final ParseException ex)
        {
            if (isUnsigned(token))
            {
                throw new TokenRejectedException("unsigned token (algorithm none) not accepted: HS256");
            }
            throw new TokenRejectedException("malformed token: not a signed JWT");
        }
        if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm()))
        {
            throw new TokenRejectedException("token algorithm " + jwt.getHeader().getAlgorithm() + " not accepted: HS256");
        }
        try
        {
            if (!jwt.verify(verifier))
            {
                throw new TokenRejectedException("token signature invalid");
            }
        }
        catch (final JOSEException ex)
        {
            throw new TokenRejectedException("token signature could not be checked: " + ex.getMessage());
        }

        final String subject = claims.getSubject();
        if (null == subject || subject.isBlank())
        {
            throw new TokenRejectedException("token has no subject (sub)");
        }
        final Date expiry = claims.getExpirationTime();
        if (null == expiry)
        {
            throw new TokenRejectedException("token has no expiry (exp)");
        }
        if (expiry.getTime() + CLOCK_SKEW_MS <= nowMs)
        {
            throw new TokenRejectedException("token expired");
        }
        final Date notBefore = claims.getNotBeforeTime();
        if (null != notBefore && notBefore.getTime() - CLOCK_SKEW_MS > nowMs)
        {
            throw new TokenRejectedException("token not valid yet (nbf)");
        }
        return new AccessGrant(subject, expiry.getTime() + CLOCK_SKEW_MS,
            patterns(claims, SUBSCRIBE_CLAIM), patterns(claims, PUBLISH_CLAIM), scopes(claims));
    }

    private static Set<String> scopes(final JWTClaimsSet claims) throws TokenRejectedException
    {
        try
        {
            final String scope = claims.getStringClaim(SCOPE_CLAIM);
            return null == scope || scope.isBlank() ? Set.of() : Set.copyOf(List.of(scope.trim().split("\\s+")));
        }
        catch (final ParseException ex)
        {
            throw new TokenRejectedException("claim " + SCOPE_CLAIM + " must be a string of scopes separated by spaces");
        }
    }

    private static boolean isUnsigned(final String token)
    {
        try
        {
            return JWTParser.parse(token) instanceof PlainJWT;
        }
        catch (final ParseException ex)
        {
            return false;
        }
    }

    private static List<String> patterns(final JWTClaimsSet claims, final String name) throws TokenRejectedException
    {
        try
        {
            final List<String> list = claims.getStringListClaim(name);
            return null == list ? List.of() : List.copyOf(list);
        }
        catch (final ParseException ex)
        {
            throw new TokenRejectedException("claim " + name + " must be a list of topic patterns");
        }
    }
}
