package io.pushengine.edge.http;

import io.pushengine.auth.AccessGrant;
import io.pushengine.edge.admission.Admission;
import io.pushengine.edge.fanout.TopicSubscribers;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code GET /topics}: the topics this edge knows, with the last topic sequence it has seen, so a client can
 * discover the feed: {@code [{"topic":"prices.EURUSD","number":1,"topicSequence":42}, ...]}. With authentication
 * on, only the topics the caller's token may subscribe to ({@code sub_topics}): the others' names are not its to
 * know.
 */
public final class TopicsHandler implements HttpHandler
{
    private final Supplier<Collection<TopicSubscribers>> topics;

    public TopicsHandler(final Supplier<Collection<TopicSubscribers>> topics)
    {
        this.topics = topics;
    }

    public void handleRequest(final HttpServerExchange exchange)
    {
        final AccessGrant grant = exchange.getAttachment(Admission.GRANT);
        final List<TopicSubscribers> sorted = new ArrayList<>();
        for (final TopicSubscribers topic : topics.get())
        {
            if (null == grant || grant.maySubscribe(topic.name()))
            {
                sorted.add(topic);
            }
        }
        sorted.sort(Comparator.comparing(TopicSubscribers::name));
        final StringBuilder out = new StringBuilder(64 + sorted.size() * 64).append('[');
        for (int i = 0; i < sorted.size(); i++)
        {
            final TopicSubscribers topic = sorted.get(i);
            out.append(i == 0 ? "" : ",")
                .append("{\"topic\":\"").append(topic.name())
                .append("\",\"number\":").append(topic.number())
                .append(",\"topicSequence\":").append(topic.lastTopicSequence())
                .append('}');
        }
        HttpResponses.json(exchange, 200, out.append("]\n").toString());
    }
}
