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
 * survives restarts.
 *
 * <pre>{@code
 * try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(Path.of("data/postgres"), 0)) {
 *   String url = pg.url();   // postgresql://postgres@localhost:PORT/postgres
 * }
 * }</pre>
 *
 * <p>PostgreSQL refuses to run as root; as root, zonky runs {@code initdb} and {@code pg_ctl} under
 * {@code unshare -U}, where the process is not uid 0 yet still owns the files it creates.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

  private final EmbeddedPostgres postgres;

  private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  public static EmbeddedPostgresServer start(Path dataDirectory, int port) throws IOException {
    Path data = dataDirectory.toAbsolutePath();
    Path binaries = data.resolveSibling(data.getFileName() + "-bin");
    Files.createDirectories(binaries);
    stopOrphanedPostmaster(data, binaries);
    EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
        .setDataDirectory(data.toFile())
        .setCleanDataDirectory(false)
        .setOverrideWorkingDirectory(binaries.toFile())
        .setPGStartupWait(java.time.Duration.ofSeconds(60))
        // zonky turns this off for speed; a 2xx from Countersign promises the event is durable
        .setServerConfig("synchronous_commit", "on")
        .setServerConfig("max_connections", "200")
        .setServerConfig("listen_addresses", "localhost")
        // Gateway.close stops it after the pool and Vert.x; a hook of its own would stop it under their feet (a WARN
        // on every SIGTERM)
        .setRegisterShutdownHook(false);
    if (port > 0) {
      builder.setPort(port);
    }
    LOG.info("starting embedded PostgreSQL with data directory {}", data);
    return new EmbeddedPostgresServer(builder.start());
  }

  public int port() {
    return postgres.getPort();
  }

  public String url() {
    return "postgresql://postgres@localhost:" + port() + "/postgres";
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }

  private static boolean isRoot() {
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
