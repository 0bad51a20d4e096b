package io.pushengine.engine.sequencer;

import io.aeron.cluster.service.ClientSession;
import io.pushengine.auth.AccessGrant;
import io.pushengine.auth.TokenRejectedException;
import io.pushengine.auth.TokenVerifier;
import org.agrona.collections.Long2ObjectHashMap;

import java.nio.charset.StandardCharsets;

/**
 * What each cluster session may publish, when the members require ingress tokens: the grant of the token the
 * session connected with (its principal, in the log), verified again here so every member decides the same from the
 * log alone; expiry is checked on the cluster's clock, never the wall. Service thread only.
 */
final class SessionGrants
{
    private static final String REFUSED = "ingress token refused: ";

    /**
     * Per session: its token not yet verified (String), its grant (AccessGrant), or why it has none (String
     * starting {@link #REFUSED}).
     */
    private final Long2ObjectHashMap<Object> grants = new Long2ObjectHashMap<>();
    private final TokenVerifier verifier;

    /**
     * @param secret the HS256 key; null: the ingress is open.
     */
    SessionGrants(final byte[] secret)
    {
        this.verifier = null == secret ? null : new TokenVerifier(secret);
    }

    boolean isOpen()
    {
        return null == verifier;
    }

    /**
     * Keep the session's token (its principal); it is verified at the session's first publish, on that publish's
     * log timestamp.
     */
    void onSessionOpen(final ClientSession session)
    {
        if (null == verifier)
        {
            return;
        }
        final byte[] principal = session.encodedPrincipal();
        grants.put(session.id(), null == principal ? "" : new String(principal, StandardCharsets.UTF_8));
    }

    void onSessionClose(final long clusterSessionId)
    {
        grants.remove(clusterSessionId);
    }

    /**
     * @return null when the session may publish on the topic now, else why not.
     */
    String refusal(final long clusterSessionId, final String topicName, final long nowMs)
    {
        if (null == verifier)
        {
            return null;
        }
        Object grant = grants.get(clusterSessionId);
        if (grant instanceof String token && !token.startsWith(REFUSED))
        {
            try
            {
                grant = verifier.verify(token, nowMs);
            }
            catch (final TokenRejectedException ex)
            {
                grant = REFUSED + ex.getMessage();
            }
            grants.put(clusterSessionId, grant);
        }
        if (grant instanceof AccessGrant access)
        {
            if (access.isExpired(nowMs))
            {
                return "ingress token expired";
            }
            return access.mayPublish(topicName) ? null : "topic '" + topicName + "' is not granted to " + access.subject();
        }
        return null != grant ? (String)grant :
            "not authenticated: the cluster's ingress requires a token (connect with credentials)";
    }
}
