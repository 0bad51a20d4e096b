package io.pushengine.app;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The command line of every role: {@code [role] [--config file.properties]}. A config file holds the same
 * {@code push.*} properties as {@code -D} flags; a {@code -D} flag wins over the file, the file over the defaults.
 */
final class RoleConfiguration
{
    static final String CONFIG_OPTION = "--config";

    private RoleConfiguration()
    {
    }

    /**
     * Load the config file named by {@code --config} into the system properties (those not already set) and
     * return the remaining arguments.
     *
     * @throws IllegalArgumentException with a reason for a missing file or a dangling option.
     */
    static List<String> apply(final String[] args)
    {
        final List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            if (CONFIG_OPTION.equals(arg) || "-c".equals(arg))
            {
                if (i + 1 >= args.length)
                {
                    throw new IllegalArgumentException(arg + " needs a file: " + CONFIG_OPTION + " edge.properties");
                }
                load(Path.of(args[++i]));
            }
            else if (arg.startsWith(CONFIG_OPTION + "="))
            {
                load(Path.of(arg.substring(CONFIG_OPTION.length() + 1)));
            }
            else
            {
                rest.add(arg);
            }
        }
        return rest;
    }

    static void load(final Path file)
    {
        final Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8))
        {
            properties.load(reader);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot read config file " + file.toAbsolutePath() + ": " + ex, ex);
        }
        for (final String name : properties.stringPropertyNames())
        {
            if (null == System.getProperty(name))
            {
                System.setProperty(name, properties.getProperty(name).trim());
            }
        }
    }
}
