package io.pushengine.bench;

import java.util.List;

/**
 * JVM flags every forked benchmark JVM needs (JMH forks do not read a jar manifest).
 */
public final class BenchFlags
{
    public static final String ADD_EXPORTS_MISC = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";
    public static final String ADD_EXPORTS_NIO = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";
    public static final String ADD_OPENS_REFLECT = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";
    public static final String NO_ANALYTICS = "-Dchronicle.analytics.disable=true";
    public static final String ADD_EXPORTS_REF = "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED";
    public static final String ADD_OPENS_NIO = "--add-opens=java.base/java.nio=ALL-UNNAMED";
    public static final String ADD_OPENS_NIO_CH = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED";
    public static final String ADD_OPENS_LANG = "--add-opens=java.base/java.lang=ALL-UNNAMED";

    /** All of them: what the engine and edge need on JDK 17 (the parent pom's push.jvm.flags). */
    public static final List<String> ALL = List.of(ADD_EXPORTS_MISC, ADD_EXPORTS_NIO,
        ADD_EXPORTS_REF, ADD_OPENS_REFLECT, ADD_OPENS_NIO, ADD_OPENS_NIO_CH, ADD_OPENS_LANG, NO_ANALYTICS);

    private BenchFlags()
    {
    }
}
