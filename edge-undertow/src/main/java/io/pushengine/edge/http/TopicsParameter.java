package io.pushengine.edge.http;

import io.pushengine.codec.TopicNames;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;

/**
 * The {@code topics=a,b,c} query parameter shared by the streaming endpoints.
 */
public final class TopicsParameter
{
    public static final int MAX_TOPICS_PER_REQUEST = 1000;
    private static final AttachmentKey<List<String>> PARSED = AttachmentKey.create(List.class);

    private TopicsParameter()
    {
    }

    /**
     * @return null if valid, else the reason for a 400.
     */
    public static String validate(final HttpServerExchange exchange, final boolean required)
    {
        final Deque<String> values = exchange.getQueryParameters().get("topics");
        if (null == values || values.isEmpty() || values.getFirst().isEmpty())
        {
            return required ? "query parameter 'topics' is required, e.g. ?topics=prices.EURUSD,prices.GBPUSD" : null;
        }
        if (values.size() > 1)
        {
            return "give 'topics' once, comma separated";
        }
        final List<String> topics = parse(exchange);
        if (topics.size() > MAX_TOPICS_PER_REQUEST)
        {
            return "at most " + MAX_TOPICS_PER_REQUEST + " topics per request";
        }
        for (int i = 0, size = topics.size(); i < size; i++)
        {
            final String invalid = TopicNames.validateSubscription(topics.get(i));
            if (null != invalid)
            {
                return invalid;
            }
        }
        return null;
    }

    public static List<String> parse(final String value)
    {
        if (null == value || value.isEmpty())
        {
            return List.of();
        }
        if (value.indexOf(',') < 0)
        {
            return List.of(value); // one topic, as most requests ask: no list to grow, no split
        }
        final List<String> topics = new ArrayList<>();
        for (final String topic : value.split(",", -1))
        {
            if (!topics.contains(topic))
            {
                topics.add(topic);
            }
        }
        return Collections.unmodifiableList(topics);
    }

    public static List<String> parse(final HttpServerExchange exchange)
    {
        List<String> topics = exchange.getAttachment(PARSED);
        if (null == topics)
        {
            final Deque<String> values = exchange.getQueryParameters().get("topics");
            topics = parse(null == values ? null : values.getFirst()); // unmodifiable
            exchange.putAttachment(PARSED, topics);
        }
        return topics;
    }
}
