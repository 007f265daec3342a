package io.countersign.gateway.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.TestGateway;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The embedded PostgreSQL accepts only the gateway: a data directory made by an earlier version (trust, a socket in
 * /tmp, world-writable binaries) is locked down on its next start with its data intact, and then no one without
 * the password gets in, over TCP or a socket, as this user or as another.
 */
class EmbeddedLockdownIT {
  @Test
  void anOldTrustingDataDirectoryIsLockedDownOnItsNextStartWithNothingLost() throws Exception {
    Path dir = Files.createTempDirectory("countersign-lockdown");
    Path data = dir.resolve("postgres");
    Path binaries = dir.resolve("postgres-bin");
    Files.createDirectories(binaries);
    // what an earlier version left: zonky's defaults (trust for everyone), with data in it
    try (EmbeddedPostgres old = EmbeddedPostgres.builder().setDataDirectory(data.toFile()).setCleanDataDirectory(false)
        .setOverrideWorkingDirectory(binaries.toFile()).setRegisterShutdownHook(false).start();
         Connection c = old.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA legacy");
      s.execute("CREATE TABLE legacy.kept (answer int)");
      s.execute("INSERT INTO legacy.kept VALUES (42)");
    }
    Files.setPosixFilePermissions(binaries, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertTrue(Files.readString(data.resolve("pg_hba.conf")).contains("trust"), "the old directory trusted everyone");

    Map<String, String> settings = Map.of("database.url", "", "database.embedded.dataDirectory", data.toString(),
        "secrets.masterKey", "", "secrets.keyFile", dir.resolve("master.key").toString());
    String token;
    int port;
    Path passwordFile = dir.resolve("postgres.password");
    try (TestGateway gateway = TestGateway.start(null, settings)) {
      token = gateway.createTenant("kept");
      port = Integer.parseInt(Files.readString(data.resolve("postmaster.pid")).lines().toList().get(3).trim());

      // the password: owner-only beside the data directory; SCRAM for everything; nothing writable by others
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile)));
      String password = Files.readString(passwordFile).trim();
      assertTrue(password.length() >= 40, "a strong random password");
      String hba = Files.readString(data.resolve("pg_hba.conf"));
      assertFalse(hba.lines().anyMatch(l -> !l.startsWith("#") && l.contains("trust")), hba);
      assertTrue(hba.contains("host  all all 127.0.0.1/32 scram-sha-256"), hba);
      assertEquals(List.of(), writableByOthers(dir));
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(binaries)));

      // no socket anywhere, loopback TCP only, and the password is required
      assertFalse(Files.exists(Path.of("/tmp/.s.PGSQL." + port)), "no Unix socket in /tmp");
      try (Stream<Path> files = Files.list(data)) {
        assertFalse(files.anyMatch(f -> f.getFileName().toString().startsWith(".s.PGSQL")), "nor in the data dir");
      }
      assertRefused(port, null);
      assertRefused(port, "wrong-password");
      if ("root".equals(System.getProperty("user.name"))) {
        Process other = new ProcessBuilder("runuser", "-u", "nobody", "--", "psql", "-w", "-h", "127.0.0.1", "-p",
            Integer.toString(port), "-U", "postgres", "-c", "SELECT 1").redirectErrorStream(true).start();
        assertTrue(other.waitFor(30, TimeUnit.SECONDS));
        String said = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertNotEquals(0, other.exitValue(), "another OS user without the password: " + said);
        assertTrue(said.contains("password"), said);
        Process socket = new ProcessBuilder("runuser", "-u", "nobody", "--", "psql", "-w", "-h", "/tmp", "-p",
            Integer.toString(port), "-U", "postgres", "-c", "SELECT 1").redirectErrorStream(true).start();
        assertTrue(socket.waitFor(30, TimeUnit.SECONDS));
        assertNotEquals(0, socket.exitValue(), "no socket to reach");
      }
      try (Connection c = connect(port, password); Statement s = c.createStatement();
           ResultSet r = s.executeQuery("SELECT answer FROM legacy.kept")) {
        assertTrue(r.next());
        assertEquals(42, r.getInt(1), "no data lost by the lockdown");
      }
      // an acknowledged event survives an OS crash, not just a process crash: zonky's -F (fsync off) is overridden
      try (Connection c = connect(port, password); Statement s = c.createStatement();
           ResultSet r = s.executeQuery("SELECT current_setting('fsync'), current_setting('synchronous_commit'),"
               + " current_setting('full_page_writes')")) {
        assertTrue(r.next());
        assertEquals(List.of("on", "on", "on"), List.of(r.getString(1), r.getString(2), r.getString(3)));
      }
      String logs = Files.readString(Path.of(System.getProperty("countersign.test.log", "target/test-logs/gateway.log")));
      assertFalse(logs.contains(password), "the log shows the database URL without its password");
    }
    // it restarts on the same data with the same password
    String password = Files.readString(passwordFile).trim();
    try (TestGateway again = TestGateway.start(null, settings)) {
      assertEquals(200, again.get("/v1/tenants/kept", token).statusCode());
    }
    assertEquals(password, Files.readString(passwordFile).trim());
  }

  private static Connection connect(int port, String password) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    if (password != null) {
      p.setProperty("password", password);
    }
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
  }

  private static void assertRefused(int port, String password) {
    try (Connection c = connect(port, password)) {
      throw new AssertionError("connected without the right password");
    } catch (SQLException expected) {
      assertTrue(expected.getMessage().contains("password"), expected.getMessage());
    }
  }

  private static List<Path> writableByOthers(Path root) throws IOException {
    List<Path> found = new ArrayList<>();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        if (!Files.isSymbolicLink(p) && !p.equals(root)) {
          var perms = Files.getPosixFilePermissions(p);
          if (perms.contains(PosixFilePermission.OTHERS_WRITE) || perms.contains(PosixFilePermission.GROUP_WRITE)) {
            found.add(p);
          }
        }
      }
    }
    return found;
  }
}
