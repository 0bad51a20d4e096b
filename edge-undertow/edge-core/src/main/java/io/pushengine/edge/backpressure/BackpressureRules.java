package io.pushengine.edge.backpressure;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The server's policy per topic pattern, e.g. {@code px.*=conflate,orders.*=drop,news.*=throttle:5}: the first
 * pattern that matches a topic name gives its policy, else the default. In a pattern {@code *} matches any run of
 * characters; {@code throttle:N} caps each subscription at N events per second. Immutable, so any thread may read.
 */
public final class BackpressureRules
{
    private record Rule(String pattern, Pattern regex, DeliveryPolicy policy)
    {
    }

    private final List<Rule> rules;
    private final DeliveryPolicy defaultPolicy;

    private BackpressureRules(final List<Rule> rules, final DeliveryPolicy defaultPolicy)
    {
        this.rules = rules;
        this.defaultPolicy = defaultPolicy;
    }

    /**
     * @param spec          comma-separated {@code pattern=policy[:rate]}; null or empty for none.
     * @param defaultPolicy for topics no pattern matches.
     * @throws IllegalArgumentException naming the bad rule.
     */
    public static BackpressureRules parse(final String spec, final DeliveryPolicy defaultPolicy)
    {
        final List<Rule> rules = new ArrayList<>();
        if (null != spec && !spec.isBlank())
        {
            for (final String entry : spec.split(","))
            {
                final String rule = entry.trim();
                final int equals = rule.indexOf('=');
                if (equals <= 0)
                {
                    throw new IllegalArgumentException("backpressure rule must be pattern=policy: '" + rule + "'");
                }
                final String pattern = rule.substring(0, equals).trim();
                rules.add(new Rule(pattern, glob(pattern), parsePolicy(rule.substring(equals + 1).trim(), rule)));
            }
        }
        return new BackpressureRules(List.copyOf(rules), defaultPolicy);
    }

    /**
     * @param value {@code disconnect}, {@code conflate}, {@code drop} or {@code throttle:N}.
     * @throws IllegalArgumentException when invalid.
     */
    public static DeliveryPolicy parsePolicy(final String value, final String context)
    {
        final int colon = value.indexOf(':');
        final BackpressurePolicy policy = BackpressurePolicy.parse(colon < 0 ? value : value.substring(0, colon));
        if (null == policy)
        {
            throw new IllegalArgumentException("policy must be one of " + BackpressurePolicy.names() + ": '" +
                context + "'");
        }
        if (policy != BackpressurePolicy.THROTTLE)
        {
            if (colon >= 0)
            {
                throw new IllegalArgumentException("only throttle takes a rate: '" + context + "'");
            }
            return DeliveryPolicy.of(policy, 0);
        }
        try
        {
            final int rate = colon < 0 ? 0 : Integer.parseInt(value.substring(colon + 1));
            if (rate < 1)
            {
                throw new NumberFormatException();
            }
            return DeliveryPolicy.of(policy, rate);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("throttle needs a rate of at least 1 event/s, e.g. throttle:10: '" +
                context + "'");
        }
    }

    public DeliveryPolicy defaultPolicy()
    {
        return defaultPolicy;
    }

    /**
     * @return the server's policy for a topic.
     */
    public DeliveryPolicy policyFor(final String topicName)
    {
        for (int i = 0, size = rules.size(); i < size; i++)
        {
            final Rule rule = rules.get(i);
            if (rule.regex.matcher(topicName).matches())
            {
                return rule.policy;
            }
        }
        return defaultPolicy;
    }

    public String toString()
    {
        final StringBuilder builder = new StringBuilder();
        for (final Rule rule : rules)
        {
            builder.append(rule.pattern).append('=').append(rule.policy).append(',');
        }
        return builder.append("*=").append(defaultPolicy).toString();
    }

    private static Pattern glob(final String pattern)
    {
        final StringBuilder regex = new StringBuilder();
        for (final String part : pattern.split("\\*", -1))
        {
            regex.append(regex.length() == 0 ? "" : ".*").append(Pattern.quote(part));
        }
        return Pattern.compile(regex.toString());
    }
}
