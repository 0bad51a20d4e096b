package io.pushengine.engine.cluster;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Which cluster and which member a journal directory belongs to: {@value #FILE_NAME} beside the journal, written the
 * first time a member starts on an empty directory and checked before every later start, before anything is opened.
 * A member started with another member list, another member id or another cluster name than its journal's, or on a
 * journal that a single-node engine wrote, refuses to start with what to fix; its files stay as they were.
 * <p>
 * What it cannot tell apart: two clusters with the same name, member list and ports (give them distinct
 * {@code push.cluster.name}s).
 */
public final class ClusterIdentity
{
    public static final String FILE_NAME = "cluster-identity.properties";
    static final String NAME_KEY = "cluster.name";
    static final String MEMBERS_KEY = "cluster.members";
    static final String MEMBER_ID_KEY = "member.id";

    private final String clusterName;
    private final String members;
    private final int memberId;

    public ClusterIdentity(final String clusterName, final String members, final int memberId)
    {
        this.clusterName = clusterName;
        this.members = members;
        this.memberId = memberId;
    }

    /**
     * Check the journal directory against this identity, and record it if the directory holds no journal yet.
     *
     * @throws IllegalStateException naming what differs and what to do, without touching the directory.
     */
    public void checkOrRecord(final File journalDir)
    {
        final File file = new File(journalDir, FILE_NAME);
        if (!file.exists())
        {
            if (hasJournalFiles(journalDir))
            {
                throw new IllegalStateException("refusing to start cluster member " + memberId + ": the journal in " +
                    journalDir.getAbsolutePath() + " has events but no " + FILE_NAME + ", so it was written by a " +
                    "single-node engine (or a build before cluster identities): a member's journal must be one its " +
                    "cluster wrote. Move it aside (the member then catches up from the cluster's log and snapshots)");
            }
            record(file);
            return;
        }

        final Properties recorded = read(file);
        final String recordedName = recorded.getProperty(NAME_KEY);
        final String recordedMembers = recorded.getProperty(MEMBERS_KEY);
        final String recordedId = recorded.getProperty(MEMBER_ID_KEY);
        final String prefix = "refusing to start cluster member " + memberId + " on the journal in " +
            journalDir.getAbsolutePath() + ": ";
        if (!clusterName.equals(recordedName))
        {
            throw new IllegalStateException(prefix + "it belongs to cluster '" + recordedName + "', this member is " +
                "configured for cluster '" + clusterName + "' (" + ClusterNode.NAME_PROP_NAME + "): wrong directory or wrong name");
        }
        if (!members.equals(recordedMembers))
        {
            throw new IllegalStateException(prefix + "it was written with the member list " + recordedMembers +
                " but this member is configured with " + members + " (" + ClusterNode.HOSTS_PROP_NAME + ", " + ClusterNode.PORT_BASE_PROP_NAME + "): " +
                "every member must be given the same hosts in the same order and the same base port");
        }
        if (!String.valueOf(memberId).equals(recordedId))
        {
            throw new IllegalStateException(prefix + "it is member " + recordedId + "'s journal " +
                "(" + ClusterNode.MEMBER_ID_PROP_NAME + " or " + ClusterNode.DIR_PROP_NAME + " is wrong)");
        }
    }

    private void record(final File file)
    {
        final Properties identity = new Properties();
        identity.setProperty(NAME_KEY, clusterName);
        identity.setProperty(MEMBERS_KEY, members);
        identity.setProperty(MEMBER_ID_KEY, String.valueOf(memberId));
        try
        {
            Files.createDirectories(file.getParentFile().toPath());
            final File temp = new File(file.getParentFile(), FILE_NAME + ".tmp");
            try (OutputStream out = Files.newOutputStream(temp.toPath()))
            {
                identity.store(out, "which cluster and member this journal belongs to: checked at every start");
            }
            Files.move(temp.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot record the cluster identity in " + file, ex);
        }
    }

    private static Properties read(final File file)
    {
        final Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file.toPath()))
        {
            properties.load(in);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read the cluster identity " + file, ex);
        }
        return properties;
    }

    private static boolean hasJournalFiles(final File journalDir)
    {
        if (!journalDir.isDirectory())
        {
            return false;
        }
        try (Stream<java.nio.file.Path> files = Files.walk(journalDir.toPath()))
        {
            return files.anyMatch(path -> path.getFileName().toString().endsWith(".cq4"));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list the journal directory " + journalDir, ex);
        }
    }
}
