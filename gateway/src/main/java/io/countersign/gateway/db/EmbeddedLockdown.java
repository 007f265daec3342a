package io.countersign.gateway.db;

import io.countersign.gateway.support.PrivateFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the embedded PostgreSQL accept only the gateway. The superuser gets a random password, kept owner-only in
 * {@code <data>.password}, and {@code pg_hba.conf} is rewritten before every start to require SCRAM for every
 * connection. A new cluster is born with the password ({@code initdb --pwfile --auth=scram-sha-256}); a data
 * directory made by an earlier version (which trusted everyone) gets it in single-user mode before its postmaster
 * starts, so no server ever listens without it.
 *
 * <pre>{@code
 * EmbeddedLockdown lockdown = new EmbeddedLockdown(Path.of("data/postgres"), Path.of("data/postgres-bin"));
 * if (lockdown.newCluster()) builder.setLocaleConfig("pwfile", lockdown.passwordFile().toString());
 * builder.setDataDirectoryCustomizer(dir -> lockdown.apply());   // after initdb, before the postmaster starts
 * }</pre>
 */
final class EmbeddedLockdown {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedLockdown.class);
  static final String HBA = """
      # Written by Countersign on every start of its embedded PostgreSQL: a password (SCRAM) for every connection,
      # over loopback TCP only (there is no Unix socket). Edits here are overwritten.
      local all all scram-sha-256
      host  all all 127.0.0.1/32 scram-sha-256
      host  all all ::1/128 scram-sha-256
      """;

  private final Path data;
  private final Path binaries;
  private final Path passwordFile;
  private final String password;
  private final boolean newCluster;
  /** An existing cluster from before the lockdown: its password is set in single-user mode by {@link #apply()}. */
  private boolean unprotected;

  EmbeddedLockdown(Path data, Path binaries) throws IOException {
    this.data = data;
    this.binaries = binaries;
    this.passwordFile = data.resolveSibling(data.getFileName() + ".password");
    this.newCluster = !Files.exists(data.resolve("postgresql.conf"));
    boolean known = Files.exists(passwordFile);
    if (known) {
      this.password = Files.readString(passwordFile, StandardCharsets.UTF_8).trim();
    } else {
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      this.password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }
    this.unprotected = !known && !newCluster;
    if (!known && newCluster) {
      // initdb reads it (--pwfile); the cluster is never without its password
      PrivateFiles.write(passwordFile, password + "\n");
    }
  }

  String password() {
    return password;
  }

  Path passwordFile() {
    return passwordFile;
  }

  /** True when initdb is about to run: it must be given {@link #passwordFile()} and SCRAM. */
  boolean newCluster() {
    return newCluster;
  }

  /** Before the postmaster starts: the password of an old cluster, and pg_hba.conf. Unchecked, for zonky. */
  void apply() {
    try {
      if (unprotected) {
        setPassword();
        PrivateFiles.write(passwordFile, password + "\n");
        unprotected = false;
        LOG.info("locked down an embedded PostgreSQL data directory made by an earlier version: it now requires"
            + " a password, kept owner-only in {}", passwordFile);
      }
      Files.writeString(data.resolve("pg_hba.conf"), HBA, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot lock down the embedded PostgreSQL in " + data, e);
    }
  }

  /** ALTER ROLE in single-user mode: no server listens while the password is being set. */
  private void setPassword() throws IOException {
    Path postgres = postgresBinary();
    List<String> command = new ArrayList<>(List.of(postgres.toString(), "--single", "-D", data.toString(),
        "-c", "password_encryption=scram-sha-256", "-c", "log_statement=none", "postgres"));
    if (EmbeddedPostgresServer.isRoot()) {
      command.addAll(0, List.of("unshare", "-U"));
    }
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try (OutputStream in = p.getOutputStream()) {
      // the password is URL-safe base64: no quote can end the literal
      in.write(("ALTER ROLE postgres WITH PASSWORD '" + password + "';\n").getBytes(StandardCharsets.UTF_8));
    }
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("setting the embedded PostgreSQL's password timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    if (p.exitValue() != 0) {
      throw new IOException("setting the embedded PostgreSQL's password failed (single-user mode exit " + p.exitValue() + ")");
    }
  }

  /** The postgres binary this cluster last ran with (postmaster.opts names it), else the one under our binaries. */
  private Path postgresBinary() throws IOException {
    Path opts = data.resolve("postmaster.opts");
    if (Files.exists(opts)) {
      String line = Files.readString(opts, StandardCharsets.UTF_8).trim();
      int end = line.indexOf(' ');
      Path binary = Path.of(end < 0 ? line : line.substring(0, end));
      if (Files.isExecutable(binary)) {
        return binary;
      }
    }
    try (Stream<Path> dirs = Files.list(binaries)) {
      return dirs.filter(d -> d.getFileName().toString().startsWith("PG-")).map(d -> d.resolve("bin/postgres"))
          .filter(Files::isExecutable).findFirst()
          .orElseThrow(() -> new IOException("no PostgreSQL binaries for " + data));
    }
  }

  /** A directory only its owner can enter (an existing one is narrowed to that). */
  static void createPrivateDirectory(Path dir) throws IOException {
    try {
      Files.createDirectories(dir.getParent());
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (FileAlreadyExistsException e) {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }
  }

  /** Takes write permission away from group and others on everything under {@code root}. */
  static void removeOthersWrite(Path root) throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        if (Files.isSymbolicLink(p)) {
          continue;
        }
        PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
        Set<PosixFilePermission> perms = new java.util.HashSet<>(view.readAttributes().permissions());
        if (perms.remove(PosixFilePermission.GROUP_WRITE) | perms.remove(PosixFilePermission.OTHERS_WRITE)) {
          view.setPermissions(perms);
        }
      }
    }
  }
}
