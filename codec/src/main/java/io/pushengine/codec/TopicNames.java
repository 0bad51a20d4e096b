package io.pushengine.codec;

/**
 * Rules for topic names, checked at every ingress: 1 to {@link #MAX_LENGTH} characters of
 * {@code [A-Za-z0-9._:-]}. Dots separate levels by convention ({@code prices.EURUSD}).
 */
public final class TopicNames
{
    public static final int MAX_LENGTH = 128;

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

    public static boolean isValidChar(final char c)
    {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '_' || c == ':' || c == '-';
    }
}
