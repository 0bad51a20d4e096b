package io.pushengine.edge.fanout;

import io.pushengine.edge.session.ClientSession;
import io.pushengine.edge.session.SubscriptionOptions;

import java.util.ArrayList;
import java.util.List;

/**
 * A connection's wildcard subscription ({@code prices.*}): every present and future topic under its prefix is
 * subscribed for it, as if asked one by one, with the wildcard's options (maximum frequency, batching window). Remembers the topics it
 * subscribed, so unsubscribing the wildcard ends exactly those. Fan-out thread only.
 */
final class WildcardSubscription
{
    private final ClientSession session;
    private final String pattern;
    private final List<String> expanded = new ArrayList<>();
    private SubscriptionOptions options;

    WildcardSubscription(final ClientSession session, final String pattern, final SubscriptionOptions options)
    {
        this.session = session;
        this.pattern = pattern;
        this.options = options;
    }

    ClientSession session()
    {
        return session;
    }

    String pattern()
    {
        return pattern;
    }

    /**
     * Topics subscribed for this wildcard (not those the connection also asked for by name before).
     */
    List<String> expanded()
    {
        return expanded;
    }

    SubscriptionOptions options()
    {
        return options;
    }

    void options(final SubscriptionOptions options)
    {
        this.options = options;
    }
}
