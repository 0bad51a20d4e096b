package io.pushengine.edge.fanout;

import io.pushengine.edge.session.ClientSession;
import org.agrona.collections.Int2ObjectHashMap;

import java.util.Collection;
import java.util.HashMap;
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

    /**
     * @return the topic, or null if the session already had it.
     */
    public TopicSubscribers subscribe(final ClientSession session, final String name)
    {
        TopicSubscribers topic = byName.get(name);
        if (null == topic)
        {
            topic = new TopicSubscribers(name);
            byName.put(name, topic);
        }
        if (session.subscriptions().contains(topic))
        {
            return null;
        }
        topic.add(session);
        session.subscriptions().add(topic);
        return topic;
    }

    public boolean unsubscribe(final ClientSession session, final String name)
    {
        final TopicSubscribers topic = byName.get(name);
        if (null == topic || !session.subscriptions().remove(topic))
        {
            return false;
        }
        topic.remove(session);
        forgetIfUnused(topic);
        return true;
    }

    public void removeSession(final ClientSession session)
    {
        for (final TopicSubscribers topic : session.subscriptions())
        {
            topic.remove(session);
            forgetIfUnused(topic);
        }
        session.subscriptions().clear();
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
