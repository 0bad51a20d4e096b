package io.pushengine.edge;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Date;
import java.util.List;

/**
 * Mints test tokens with the test's own throwaway key (the only secret in the repository, and only a test's).
 */
final class Tokens
{
    static final byte[] SECRET = "test-only-throwaway-hs256-key-not-a-secret-0123456789"
        .getBytes(StandardCharsets.US_ASCII);

    private Tokens()
    {
    }

    /**
     * @param expiresInMs from now; negative for a token that has already expired by that much.
     */
    static String token(final String subject, final long expiresInMs, final List<String> subscribe,
        final List<String> publish)
    {
        return sign(SECRET, subject, expiresInMs, subscribe, publish);
    }

    static String sign(final byte[] key, final String subject, final long expiresInMs, final List<String> subscribe,
        final List<String> publish)
    {
        return sign(key, subject, expiresInMs, subscribe, publish, null);
    }

    /**
     * A token that may subscribe to everything, with a {@code scope} claim.
     */
    static String withScope(final String subject, final String scope)
    {
        return sign(SECRET, subject, 3_600_000, List.of("*"), List.of(), scope);
    }

    static String sign(final byte[] key, final String subject, final long expiresInMs, final List<String> subscribe,
        final List<String> publish, final String scope)
    {
        try
        {
            final JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .subject(subject)
                .expirationTime(new Date(System.currentTimeMillis() + expiresInMs))
                .claim("sub_topics", subscribe)
                .claim("pub_topics", publish);
            if (null != scope)
            {
                claims.claim("scope", scope);
            }
            final SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
            jwt.sign(new MACSigner(key));
            return jwt.serialize();
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * The classic forgery: {@code alg: none} and no signature.
     */
    static String unsigned(final String subject)
    {
        final Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "." +
            b64.encodeToString(("{\"sub\":\"" + subject + "\",\"exp\":" +
            (System.currentTimeMillis() / 1000 + 3600) + ",\"sub_topics\":[\"*\"]}").getBytes(StandardCharsets.UTF_8)) +
            ".";
    }
}
