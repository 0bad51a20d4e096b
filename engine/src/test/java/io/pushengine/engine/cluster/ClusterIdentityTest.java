package io.pushengine.engine.cluster;

import io.pushengine.journal.EventJournal;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A member refuses a journal that is not its own before it opens anything: no media driver, no Aeron, no journal
 * append, so the refused directory is byte for byte what it was.
 */
class ClusterIdentityTest
{
    private static final List<String> HOSTS = List.of("127.0.0.1", "127.0.0.1", "127.0.0.1");

    @TempDir
    File dir;

    @Test
    void aSnapshotIntervalUnderASecondIsRefusedNamingTheProperty()
    {
        assertEquals("push.cluster.snapshot.interval.ms=10 must be 0 (off) or at least 1000", assertThrows(
            IllegalArgumentException.class, () -> new ClusterNode.Context().memberId(0).snapshotIntervalMs(10)
            .conclude()).getMessage());
        assertEquals(0, new ClusterNode.Context().memberId(0).snapshotIntervalMs(0).conclude().memberId(),
            "0 turns the schedule off");
    }

    @Test
    void recordsTheIdentityOnAnEmptyDirectoryAndAcceptsItAgain()
    {
        final File journalDir = new File(dir, "journal");
        final ClusterIdentity identity = new ClusterIdentity("push", "0,a:1|1,b:2", 0);
        identity.checkOrRecord(journalDir);
        assertTrue(new File(journalDir, ClusterIdentity.FILE_NAME).isFile());
        identity.checkOrRecord(journalDir); // the same member again: accepted
    }

    @Test
    void refusesAnotherMemberListMemberIdOrClusterName()
    {
        final File journalDir = new File(dir, "journal");
        new ClusterIdentity("push", "0,a:1|1,b:2", 0).checkOrRecord(journalDir);

        final IllegalStateException members = assertThrows(IllegalStateException.class,
            () -> new ClusterIdentity("push", "0,a:1|1,c:2", 0).checkOrRecord(journalDir));
        assertTrue(members.getMessage().contains("member list 0,a:1|1,b:2") &&
            members.getMessage().contains("0,a:1|1,c:2"), members.getMessage());

        final IllegalStateException member = assertThrows(IllegalStateException.class,
            () -> new ClusterIdentity("push", "0,a:1|1,b:2", 1).checkOrRecord(journalDir));
        assertTrue(member.getMessage().contains("member 0's journal"), member.getMessage());

        final IllegalStateException name = assertThrows(IllegalStateException.class,
            () -> new ClusterIdentity("prices-b", "0,a:1|1,b:2", 0).checkOrRecord(journalDir));
        assertTrue(name.getMessage().contains("belongs to cluster 'push'"), name.getMessage());
    }

    @Test
    void aMemberStartedWithAWrongMemberListRefusesAndLeavesItsFilesAlone() throws IOException
    {
        final ClusterNode.Context first = new ClusterNode.Context()
            .memberId(1).hosts(HOSTS).portBase(31000).baseDir(dir).conclude();
        new ClusterIdentity(first.clusterName(), first.clusterMembers(), 1).checkOrRecord(first.journalDir());
        appendOneEvent(first.journalDir());
        final Map<String, Long> before = sizes(dir.toPath());

        final IllegalStateException refused = assertThrows(IllegalStateException.class, () -> ClusterNode.launch(
            new ClusterNode.Context().memberId(1).hosts(List.of("127.0.0.1", "127.0.0.1", "127.0.0.2"))
                .portBase(31000).baseDir(dir)));
        assertTrue(refused.getMessage().contains("push.cluster.hosts"), refused.getMessage());
        assertEquals(before, sizes(dir.toPath()), "a refused start must not touch the member's files");
    }

    @Test
    void aMemberStartedOnASingleNodeEnginesJournalRefuses() throws IOException
    {
        final ClusterNode.Context ctx = new ClusterNode.Context()
            .memberId(0).hosts(HOSTS).portBase(31000).baseDir(dir).conclude();
        appendOneEvent(ctx.journalDir()); // as the single-node engine writes it: no identity
        final Map<String, Long> before = sizes(dir.toPath());

        final IllegalStateException refused = assertThrows(IllegalStateException.class,
            () -> ClusterNode.launch(new ClusterNode.Context().memberId(0).hosts(HOSTS).portBase(31000).baseDir(dir)));
        assertTrue(refused.getMessage().contains("single-node engine"), refused.getMessage());
        assertEquals(before, sizes(dir.toPath()));
    }

    private static void appendOneEvent(final File journalDir)
    {
        try (EventJournal journal = new EventJournal(new EventJournal.Context().dir(journalDir)))
        {
            journal.append(new UnsafeBuffer(new byte[64]), 0, 64);
        }
    }

    private static Map<String, Long> sizes(final Path root) throws IOException
    {
        final Map<String, Long> sizes = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root))
        {
            files.filter(Files::isRegularFile).forEach(path ->
                sizes.put(root.relativize(path).toString(), path.toFile().length()));
        }
        return sizes;
    }
}
