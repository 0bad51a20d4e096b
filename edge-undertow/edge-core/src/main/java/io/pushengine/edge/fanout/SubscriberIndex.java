package io.pushengine.edge.fanout;

import io.pushengine.edge.backpressure.DeliveryPolicy;
import io.pushengine.edge.session.ClientSession;
import io.pushengine.edge.session.SubscriptionOptions;
import org.agrona.collections.Int2ObjectHashMap;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Topic to subscribers, by name (how clients ask) and by number (how events arrive). Fan-out thread only, except
 * {@link #declaredTopics()} which is a concurrent view for HTTP threads.
 */
public final class SubscriberIndex
{
    private final Map<String, TopicSubscribers> byName = new HashMap<>();
    private final Int2ObjectHashMap<TopicSubscribers> byNumber = new Int2ObjectHashMap<>();
    private final Map<String, TopicSubscribers> declared = new ConcurrentHashMap<>();
    private final List<WildcardSubscription> wildcards = new ArrayList<>();

    /**
     * @return the subscribers of a topic number, or null if nobody is subscribed and the topic is unknown.
     */
    public TopicSubscribers byNumber(final int number)
    {
        return byNumber.get(number);
    }

    public TopicSubscribers byName(final String name)
    {
        return byName.get(name);
    }

    /**
     * Record a declaration from the engine.
     *
     * @return the topic's subscribers, for the caller to tell them the number.
     */
    public TopicSubscribers declare(final int number, final String name)
    {
        TopicSubscribers topic = byName.get(name);
        if (null == topic)
        {
            topic = new TopicSubscribers(name);
            byName.put(name, topic);
        }
        if (topic.number() != number)
        {
            topic.number(number);
            byNumber.put(number, topic);
            declared.put(name, topic);
        }
        return topic;
    }

    public TopicSubscription subscribe(final ClientSession session, final String name, final DeliveryPolicy policy)
    {
        return subscribe(session, name, policy, 0);
    }

    /**
     * @return the new subscription, or null if the session already had the topic.
     */
    public TopicSubscription subscribe(
        final ClientSession session, final String name, final DeliveryPolicy policy, final int batchWindowMs)
    {
        TopicSubscribers topic = byName.get(name);
        if (null == topic)
        {
            topic = new TopicSubscribers(name);
            byName.put(name, topic);
        }
        if (null != find(session, topic))
        {
            return null;
        }
        final TopicSubscription subscription = new TopicSubscription(session, topic, policy, batchWindowMs);
        topic.add(subscription);
        session.subscriptions().add(subscription);
        return subscription;
    }

    public boolean unsubscribe(final ClientSession session, final String name)
    {
        final TopicSubscribers topic = byName.get(name);
        final TopicSubscription subscription = null == topic ? null : find(session, topic);
        if (null == subscription)
        {
            return false;
        }
        session.subscriptions().remove(subscription);
        subscription.deactivate();
        topic.remove(subscription);
        forgetIfUnused(topic);
        return true;
    }

    public void removeSession(final ClientSession session)
    {
        final List<TopicSubscription> subscriptions = session.subscriptions();
        for (int i = 0, size = subscriptions.size(); i < size; i++)
        {
            final TopicSubscription subscription = subscriptions.get(i);
            subscription.deactivate();
            subscription.topic().remove(subscription);
            forgetIfUnused(subscription.topic());
        }
        subscriptions.clear();
        if (!wildcards.isEmpty())
        {
            wildcards.removeIf(wildcard -> wildcard.session() == session);
        }
    }

    /**
     * @return the new wildcard subscription, or null if the session already had it.
     */
    WildcardSubscription addWildcard(
        final ClientSession session, final String pattern, final SubscriptionOptions options)
    {
        if (null != wildcard(session, pattern))
        {
            return null;
        }
        final WildcardSubscription wildcard = new WildcardSubscription(session, pattern, options);
        wildcards.add(wildcard);
        return wildcard;
    }

    WildcardSubscription wildcard(final ClientSession session, final String pattern)
    {
        for (int i = 0, size = wildcards.size(); i < size; i++)
        {
            final WildcardSubscription wildcard = wildcards.get(i);
            if (wildcard.session() == session && wildcard.pattern().equals(pattern))
            {
                return wildcard;
            }
        }
        return null;
    }

    /**
     * Forget a wildcard (its topics stay subscribed until the caller unsubscribes them).
     */
    WildcardSubscription removeWildcard(final ClientSession session, final String pattern)
    {
        final WildcardSubscription wildcard = wildcard(session, pattern);
        if (null != wildcard)
        {
            wildcards.remove(wildcard);
        }
        return wildcard;
    }

    /**
     * Every connection's wildcards, to expand to a newly declared topic.
     */
    List<WildcardSubscription> wildcards()
    {
        return wildcards;
    }

    /**
     * The connection's subscription to a topic, or null.
     */
    public TopicSubscription find(final ClientSession session, final String name)
    {
        final TopicSubscribers topic = byName.get(name);
        return null == topic ? null : find(session, topic);
    }

    private static TopicSubscription find(final ClientSession session, final TopicSubscribers topic)
    {
        final List<TopicSubscription> subscriptions = session.subscriptions();
        for (int i = 0, size = subscriptions.size(); i < size; i++)
        {
            if (subscriptions.get(i).topic() == topic)
            {
                return subscriptions.get(i);
            }
        }
        return null;
    }

    /**
     * Topics the engine has declared, for {@code GET /topics}. Safe from any thread.
     */
    public Collection<TopicSubscribers> declaredTopics()
    {
        return declared.values();
    }

    /**
     * Names asked for by clients but never declared are dropped with their last subscriber, so clients cannot grow
     * the index without bound.
     */
    private void forgetIfUnused(final TopicSubscribers topic)
    {
        if (topic.size() == 0 && topic.number() == 0)
        {
            byName.remove(topic.name());
        }
    }
}
