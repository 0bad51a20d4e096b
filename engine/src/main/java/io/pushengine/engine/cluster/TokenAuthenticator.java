package io.pushengine.engine.cluster;

import io.aeron.security.Authenticator;
import io.aeron.security.SessionProxy;
import io.pushengine.auth.TokenRejectedException;
import io.pushengine.auth.TokenVerifier;
import org.agrona.collections.Long2ObjectHashMap;

import java.nio.charset.StandardCharsets;

/**
 * The cluster's ingress requires a token ({@code push.ingress.jwt.secret} on the members, as on a single engine):
 * a publisher's or an edge's session presents its JWT as the Aeron Cluster connect request's credentials; a session
 * with a token that does not verify (signature, expiry) is rejected at connect, and an accepted one carries the
 * token as its principal into the log, where the sequencer checks each publish against the token's
 * {@code pub_topics} and expiry on the cluster's clock ({@link SessionGrants}). Consensus module thread only.
 */
final class TokenAuthenticator implements Authenticator
{
    private static final byte[] NO_CREDENTIALS = new byte[0];

    private final TokenVerifier verifier;
    private final Long2ObjectHashMap<byte[]> accepted = new Long2ObjectHashMap<>();

    TokenAuthenticator(final byte[] secret)
    {
        this.verifier = new TokenVerifier(secret);
    }

    public void onConnectRequest(final long sessionId, final byte[] encodedCredentials, final long nowMs)
    {
        final byte[] credentials = null == encodedCredentials ? NO_CREDENTIALS : encodedCredentials;
        try
        {
            verifier.verify(new String(credentials, StandardCharsets.UTF_8), nowMs);
            accepted.put(sessionId, credentials);
        }
        catch (final TokenRejectedException ex)
        {
            accepted.remove(sessionId);
        }
    }

    public void onChallengeResponse(final long sessionId, final byte[] encodedCredentials, final long nowMs)
    {
    }

    public void onConnectedSession(final SessionProxy sessionProxy, final long nowMs)
    {
        final byte[] token = accepted.remove(sessionProxy.sessionId());
        if (null == token)
        {
            sessionProxy.reject();
        }
        else
        {
            sessionProxy.authenticate(token);
        }
    }

    public void onChallengedSession(final SessionProxy sessionProxy, final long nowMs)
    {
        sessionProxy.reject();
    }
}
