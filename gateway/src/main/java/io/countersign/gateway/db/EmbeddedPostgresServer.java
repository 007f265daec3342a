package io.countersign.gateway.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The zero-setup default: a PostgreSQL 17 from zonky's bundled binaries, keeping its data in a directory that
 * survives restarts, and locked down so that only the gateway can use it ({@link EmbeddedLockdown}): a random
 * password kept owner-only beside the data directory, SCRAM for every connection, loopback TCP only, no Unix
 * socket, and nothing under the data directory writable by other users.
 *
 * <pre>{@code
 * try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(Path.of("data/postgres"), 0)) {
 *   DatabaseTarget target = pg.target();   // postgresql://postgres:<password>@127.0.0.1:PORT/postgres
 * }
 * }</pre>
 *
 * <p>PostgreSQL refuses to run as root; as root, zonky runs {@code initdb} and {@code pg_ctl} under
 * {@code unshare -U}, where the process is not uid 0 yet still owns the files it creates.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
  /** A first start may run initdb on a slow machine. */
  private static final java.time.Duration FIRST_START_WAIT = java.time.Duration.ofSeconds(60);
  /** A restart runs crash recovery; a server that is not up by then counts as a failed attempt. */
  private static final java.time.Duration RESTART_WAIT = java.time.Duration.ofSeconds(30);

  private final Path data;
  private final Path binaries;
  private final EmbeddedLockdown lockdown;
  private volatile EmbeddedPostgres postgres;

  private EmbeddedPostgresServer(Path data, Path binaries, EmbeddedLockdown lockdown) {
    this.data = data;
    this.binaries = binaries;
    this.lockdown = lockdown;
  }

  public static EmbeddedPostgresServer start(Path dataDirectory, int port) throws IOException {
    Path data = dataDirectory.toAbsolutePath();
    Path binaries = data.resolveSibling(data.getFileName() + "-bin");
    EmbeddedLockdown.createPrivateDirectory(binaries);
    stopOrphanedPostmaster(data, binaries);
    EmbeddedPostgresServer server = new EmbeddedPostgresServer(data, binaries, new EmbeddedLockdown(data, binaries));
    LOG.info("starting embedded PostgreSQL with data directory {}", data);
    server.launch(port, FIRST_START_WAIT);
    // zonky unpacks the binaries with permissive modes; nothing under the data directory stays writable by others
    EmbeddedLockdown.removeOthersWrite(binaries);
    return server;
  }

  private void launch(int port, java.time.Duration startupWait) throws IOException {
    EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
        .setDataDirectory(data.toFile())
        .setCleanDataDirectory(false)
        .setOverrideWorkingDirectory(binaries.toFile())
        .setPGStartupWait(startupWait)
        // zonky turns both off for speed (it starts the postmaster with -F); a 2xx from Countersign promises the
        // event is durable, through an OS crash or power loss too. These -c settings come after -F and win.
        .setServerConfig("fsync", "on")
        .setServerConfig("synchronous_commit", "on")
        .setServerConfig("max_connections", "200")
        // loopback TCP only, and no Unix socket at all (zonky's default puts a world-writable one in /tmp)
        .setServerConfig("listen_addresses", "127.0.0.1")
        .setServerConfig("unix_socket_directories", "''")
        .setServerConfig("password_encryption", "scram-sha-256")
        // after initdb (a new directory) and before the postmaster starts: set the password and require it
        .setDataDirectoryCustomizer(dir -> lockdown.apply())
        // zonky's own readiness check connects too, and needs the password like everyone else
        .setConnectConfig("password", lockdown.password())
        // Gateway.close stops it after the pool and Vert.x; a hook of its own would stop it under their feet (a WARN
        // on every SIGTERM)
        .setRegisterShutdownHook(false);
    if (lockdown.newCluster()) {
      // zonky runs initdb with "-A trust"; these come after it and win (only a new directory runs initdb)
      builder.setLocaleConfig("pwfile", lockdown.passwordFile().toString())
          .setLocaleConfig("auth", "scram-sha-256");
    }
    if (port > 0) {
      builder.setPort(port);
    }
    postgres = builder.start();
  }

  /**
   * Starts PostgreSQL again on the same data directory and port after its postmaster died (its own crash recovery
   * replays the WAL), so the gateway's pool finds it where it was. Blocking; throws if it does not come up.
   */
  public void restart() throws IOException {
    int port = port();
    try {
      // releases zonky's lock on the directory; stopping a postmaster that is already gone fails, which is fine
      postgres.close();
    } catch (IOException | RuntimeException alreadyGone) {
      LOG.debug("closing the dead embedded PostgreSQL: {}", alreadyGone.toString());
    }
    launch(port, RESTART_WAIT);
  }

  /** The postmaster's pid from {@code postmaster.pid}, or -1 when there is none. */
  public long postmasterPid() {
    try {
      String first = java.nio.file.Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim();
      return Long.parseLong(first);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** True while the postmaster process is alive. */
  public boolean running() {
    long pid = postmasterPid();
    return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  public Path dataDirectory() {
    return data;
  }

  public int port() {
    return postgres.getPort();
  }

  /** Where to connect, with the password (its {@code toString} leaves the password out). */
  public DatabaseTarget target() {
    return new DatabaseTarget("127.0.0.1", port(), "postgres", "postgres", lockdown.password());
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /**
   * A gateway killed with -9 leaves its PostgreSQL running on the data directory. If no live gateway holds the
   * directory's lock, that postmaster is an orphan: stop it so this start can take over.
   */
  private static void stopOrphanedPostmaster(Path data, Path workDir) throws IOException {
    Path pid = data.resolve("postmaster.pid");
    Path lockFile = data.resolve("epg-lock");
    if (!Files.exists(pid) || !Files.exists(lockFile)) {
      return;
    }
    try (FileOutputStream out = new FileOutputStream(lockFile.toFile(), true);
         FileLock lock = out.getChannel().tryLock()) {
      if (lock == null) {
        throw new IOException("data directory " + data + " is in use by another running gateway");
      }
    } catch (java.nio.channels.OverlappingFileLockException e) {
      throw new IOException("data directory " + data + " is already in use in this process", e);
    }
    try (var dirs = Files.list(workDir)) {
      Path pgCtl = dirs.filter(d -> d.getFileName().toString().startsWith("PG-"))
          .map(d -> d.resolve("bin/pg_ctl")).filter(Files::isExecutable).findFirst().orElse(null);
      if (pgCtl == null) {
        return;
      }
      LOG.warn("stopping an orphaned PostgreSQL left running on {} by a previous gateway", data);
      java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(
          pgCtl.toString(), "-D", data.toString(), "stop", "-m", "fast", "-w", "-t", "30"));
      if (isRoot()) {
        command.addAll(0, java.util.List.of("unshare", "-U"));
      }
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(40, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
