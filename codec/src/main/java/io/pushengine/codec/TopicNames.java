package io.pushengine.codec;

/**
 * Rules for topic names, checked at every ingress: 1 to {@link #MAX_LENGTH} characters of
 * {@code [A-Za-z0-9._:-]}. Dots separate levels by convention ({@code prices.EURUSD}).
 */
public final class TopicNames
{
    public static final int MAX_LENGTH = 128;
    public static final char WILDCARD = '*';

    private TopicNames()
    {
    }

    /**
     * @return null when the name is valid, else why it is not.
     */
    public static String validate(final CharSequence name)
    {
        if (null == name || name.length() == 0)
        {
            return "topic name is empty";
        }
        if (name.length() > MAX_LENGTH)
        {
            return "topic name is longer than " + MAX_LENGTH + " characters";
        }
        for (int i = 0, n = name.length(); i < n; i++)
        {
            if (!isValidChar(name.charAt(i)))
            {
                return "topic name may only contain A-Z a-z 0-9 . _ : - (found '" + name.charAt(i) + "' at " + i + ")";
            }
        }
        return null;
    }

    /**
     * Whether a name a client subscribes to is a wildcard: a prefix followed by {@code *} ({@code prices.*}: every
     * present and future topic starting with {@code prices.}; {@code *}: every topic).
     */
    public static boolean isWildcard(final CharSequence name)
    {
        return null != name && name.length() > 0 && name.charAt(name.length() - 1) == WILDCARD;
    }

    /**
     * What a client may subscribe to: a topic name, or a wildcard ({@link #isWildcard}). Publishing takes names
     * only ({@link #validate}).
     *
     * @return null when it is valid, else why it is not.
     */
    public static String validateSubscription(final CharSequence name)
    {
        if (!isWildcard(name))
        {
            return validate(name);
        }
        final CharSequence prefix = name.subSequence(0, name.length() - 1);
        if (prefix.length() == 0)
        {
            return null; // '*': every topic
        }
        final String invalid = validate(prefix);
        return null == invalid ? null : "wildcard " + name + ": " + invalid + " (a wildcard is a prefix then one *)";
    }

    /**
     * Whether a topic falls under a wildcard.
     */
    public static boolean matchesWildcard(final String wildcard, final String topic)
    {
        return topic.regionMatches(0, wildcard, 0, wildcard.length() - 1);
    }

    public static boolean isValidChar(final char c)
    {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '_' || c == ':' || c == '-';
    }
}
