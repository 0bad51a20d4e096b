package io.pushengine.auth;

import java.util.List;
import java.util.Set;

/**
 * What a connection or request may do: who it is, until when, which topics it may subscribe to and publish on.
 * Patterns: {@code *} (every topic), {@code prefix.*} or {@code prefix*} (every topic starting with the prefix), or
 * an exact topic name. Immutable; safe to share between threads.
 *
 * @param subject           the token's {@code sub}, or {@code "anonymous"} when authentication is off.
 * @param expiresAtMs       epoch milliseconds after which the grant is void ({@link Long#MAX_VALUE}: never).
 * @param subscribePatterns topics it may read.
 * @param publishPatterns   topics it may publish on.
 * @param scopes            what else it may do (the token's {@code scope}, OAuth style): {@value #OPS_SCOPE} opens
 *                          the ops page.
 */
public record AccessGrant(
    String subject, long expiresAtMs, List<String> subscribePatterns, List<String> publishPatterns, Set<String> scopes)
{
    /**
     * The scope that lets a token open {@code /ops} and read its data.
     */
    public static final String OPS_SCOPE = "push:ops";

    /** Authentication off: everything, for ever. */
    public static final AccessGrant OPEN = new AccessGrant(
        "anonymous", Long.MAX_VALUE, List.of("*"), List.of("*"), Set.of(OPS_SCOPE));

    public boolean hasScope(final String scope)
    {
        return scopes.contains(scope);
    }

    public boolean maySubscribe(final String topic)
    {
        return matchesAny(subscribePatterns, topic);
    }

    public boolean mayPublish(final String topic)
    {
        return matchesAny(publishPatterns, topic);
    }

    /**
     * @return the first of {@code topics} this grant does not let it subscribe to, or null if it may have them all.
     */
    public String firstNotSubscribable(final List<String> topics)
    {
        for (int i = 0, size = topics.size(); i < size; i++)
        {
            if (!maySubscribe(topics.get(i)))
            {
                return topics.get(i);
            }
        }
        return null;
    }

    public boolean isExpired(final long nowMs)
    {
        return nowMs >= expiresAtMs;
    }

    public static boolean matchesAny(final List<String> patterns, final String topic)
    {
        for (int i = 0, size = patterns.size(); i < size; i++)
        {
            if (matches(patterns.get(i), topic))
            {
                return true;
            }
        }
        return false;
    }

    public static boolean matches(final String pattern, final String topic)
    {
        if (pattern.endsWith("*"))
        {
            return topic.startsWith(pattern.substring(0, pattern.length() - 1));
        }
        return pattern.equals(topic);
    }
}
