package io.pushengine.app;

/**
 * Values of the support commands' options ({@code stat}, {@code journal}): each refusal names the option, for the
 * command to print with its usage.
 */
final class CommandOptions
{
    private CommandOptions()
    {
    }

    /**
     * @throws IllegalArgumentException if the option has no value.
     */
    static String required(final String option, final String value)
    {
        if (null == value)
        {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return value;
    }

    /**
     * @throws IllegalArgumentException if the value is missing or not a whole number of at least 1.
     */
    static long positive(final String option, final String value)
    {
        try
        {
            final long parsed = Long.parseLong(required(option, value));
            if (parsed < 1)
            {
                throw new NumberFormatException();
            }
            return parsed;
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(option + " must be a whole number >= 1: '" + value + "'");
        }
    }
}
