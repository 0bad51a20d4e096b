package io.pushengine.engine.sequencer;

import io.pushengine.auth.AccessGrant;
import io.pushengine.auth.TokenRejectedException;
import io.pushengine.auth.TokenVerifier;
import org.agrona.collections.Int2ObjectHashMap;

/**
 * Who may publish over the Aeron ingress, when the engine requires tokens there ({@code push.ingress.jwt.secret}):
 * each Aeron session (an edge's or a publisher's ingress publication) presents a token with
 * {@code IngressAuthenticate}, and its publishes must fall within the token's {@code pub_topics} until it expires.
 * Sequencer thread only.
 * <p>
 * Grants are kept per session for the engine's lifetime (sessions are few: one per edge or publisher process and
 * restart); a restarted engine knows none, and the senders present their tokens again when their publication
 * reconnects.
 */
public final class IngressAuthenticator
{
    private final Int2ObjectHashMap<AccessGrant> grants = new Int2ObjectHashMap<>();
    private final Int2ObjectHashMap<String> refusals = new Int2ObjectHashMap<>();
    private final TokenVerifier verifier;

    /**
     * @param secret the HS256 key; null: the ingress is open (every session may publish on every topic).
     */
    public IngressAuthenticator(final byte[] secret)
    {
        this.verifier = null == secret ? null : new TokenVerifier(secret);
    }

    public boolean isOpen()
    {
        return null == verifier;
    }

    public void onAuthenticate(final int sessionId, final String token, final long nowMs)
    {
        if (null == verifier)
        {
            return;
        }
        try
        {
            grants.put(sessionId, verifier.verify(token, nowMs));
            refusals.remove(sessionId);
        }
        catch (final TokenRejectedException ex)
        {
            grants.remove(sessionId);
            refusals.put(sessionId, ex.getMessage());
        }
    }

    /**
     * @return null when the session may publish on the topic now, else why not.
     */
    public String refusal(final int sessionId, final String topicName, final long nowMs)
    {
        if (null == verifier)
        {
            return null;
        }
        final AccessGrant grant = grants.get(sessionId);
        if (null == grant)
        {
            final String refused = refusals.get(sessionId);
            return null != refused ? "ingress token refused: " + refused :
                "not authenticated: the engine's ingress requires a token (IngressAuthenticate)";
        }
        if (grant.isExpired(nowMs))
        {
            return "ingress token expired";
        }
        return grant.mayPublish(topicName) ? null : "topic '" + topicName + "' is not granted to " + grant.subject();
    }
}
