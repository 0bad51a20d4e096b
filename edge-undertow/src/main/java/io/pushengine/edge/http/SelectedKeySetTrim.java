package io.pushengine.edge.http;

import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Gives each XNIO IO thread's selector a new, empty selected-key set every {@value #INTERVAL_MS_PROP_NAME} ms, so
 * what each of its polls costs follows the sockets ready lately, not the most that were ever ready at once.
 * <p>
 * Why: a JDK selector keeps the keys a select found ready in a {@code HashSet}, and after every select XNIO copies
 * it ({@code toArray}) and clears it. Both walk the set's whole table, and a {@code HashMap}'s table never shrinks.
 * An IO thread that once had a thousand sockets ready together (a ping round's pongs, a reconnect storm, the closes
 * at the end of a load run) pays for a table that size on every poll after, and it polls several times per event.
 * Profiled at 10,000 single POSTs/s after a warm-up with 1,000 subscribers: {@code HashMap.keysToArray},
 * {@code HashMap.clear} and the fill under it were 4.8 % of the process's samples (bench/README, sixteenth
 * session).
 * <p>
 * It reaches into the JDK ({@code sun.nio.ch.SelectorImpl}'s {@code selectedKeys} and {@code publicSelectedKeys},
 * which needs {@code --add-opens java.base/sun.nio.ch}: the runnable jar's manifest and the tests already give it,
 * for Agrona) and into XNIO ({@code WorkerThread}'s selector). Where either is not there it logs once and does
 * nothing. The swap runs on the IO thread, between its polls, where nothing else touches the set.
 */
public final class SelectedKeySetTrim
{
    /**
     * Milliseconds between swaps; 0 turns it off.
     */
    public static final String INTERVAL_MS_PROP_NAME = "push.edge.io.selected.keys.trim.ms";
    public static final long INTERVAL_MS_DEFAULT = 1000;

    private static final System.Logger LOGGER = System.getLogger(SelectedKeySetTrim.class.getName());
    private static final Field WORKER_THREAD_SELECTOR;
    private static final Field SELECTED_KEYS;
    private static final Field PUBLIC_SELECTED_KEYS;
    private static final Method UNGROWABLE_SET;
    private static final String UNAVAILABLE;

    static
    {
        Field selector = null;
        Field selectedKeys = null;
        Field publicSelectedKeys = null;
        Method ungrowableSet = null;
        String unavailable = null;
        try
        {
            selector = Class.forName("org.xnio.nio.WorkerThread").getDeclaredField("selector");
            selector.setAccessible(true);
            final Class<?> selectorImpl = Class.forName("sun.nio.ch.SelectorImpl");
            selectedKeys = selectorImpl.getDeclaredField("selectedKeys");
            selectedKeys.setAccessible(true);
            publicSelectedKeys = selectorImpl.getDeclaredField("publicSelectedKeys");
            publicSelectedKeys.setAccessible(true);
            ungrowableSet = Class.forName("sun.nio.ch.Util").getDeclaredMethod("ungrowableSet", Set.class);
            ungrowableSet.setAccessible(true);
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            unavailable = ex.toString();
        }
        WORKER_THREAD_SELECTOR = selector;
        SELECTED_KEYS = selectedKeys;
        PUBLIC_SELECTED_KEYS = publicSelectedKeys;
        UNGROWABLE_SET = ungrowableSet;
        UNAVAILABLE = unavailable;
    }

    private SelectedKeySetTrim()
    {
    }

    /**
     * Swap every IO thread's set every {@link #INTERVAL_MS_PROP_NAME} ms (default {@value #INTERVAL_MS_DEFAULT}),
     * until the worker stops. Any thread.
     */
    public static void everyInterval(final XnioWorker worker)
    {
        final long intervalMs = Long.getLong(INTERVAL_MS_PROP_NAME, INTERVAL_MS_DEFAULT);
        if (intervalMs <= 0)
        {
            return;
        }
        if (null != UNAVAILABLE)
        {
            LOGGER.log(System.Logger.Level.WARNING, "IO threads' selected-key sets are not trimmed (each poll walks " +
                "a table the size of the largest burst of ready sockets): " + UNAVAILABLE);
            return;
        }
        for (int i = 0, count = worker.getIoThreadCount(); i < count; i++)
        {
            final XnioIoThread ioThread = worker.getIoThread(i);
            ioThread.executeAtInterval(() -> trim(ioThread), intervalMs, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Give {@code ioThread}'s selector a new selected-key set if its set is empty (between polls it is: XNIO clears
     * it after each). IO thread.
     *
     * @return whether it did.
     */
    public static boolean trim(final XnioIoThread ioThread)
    {
        if (null != UNAVAILABLE || Thread.currentThread() != ioThread)
        {
            return false;
        }
        try
        {
            final Selector selector = (Selector)WORKER_THREAD_SELECTOR.get(ioThread);
            if (!selector.isOpen() || !selector.selectedKeys().isEmpty())
            {
                return false;
            }
            final Set<SelectionKey> fresh = new HashSet<>();
            SELECTED_KEYS.set(selector, fresh);
            PUBLIC_SELECTED_KEYS.set(selector, UNGROWABLE_SET.invoke(null, fresh));
            return true;
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            LOGGER.log(System.Logger.Level.WARNING, "cannot trim the selected-key set of " + ioThread.getName(), ex);
            return false;
        }
    }

    /**
     * The set {@code ioThread}'s selector gives XNIO after a poll, for tests; null if it cannot be reached.
     */
    static Set<SelectionKey> selectedKeySet(final XnioIoThread ioThread)
    {
        try
        {
            return null == UNAVAILABLE ? ((Selector)WORKER_THREAD_SELECTOR.get(ioThread)).selectedKeys() : null;
        }
        catch (final ReflectiveOperationException ex)
        {
            return null;
        }
    }
}
