package io.countersign.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
  private static final Map<String, String> ADMIN = Map.of("COUNTERSIGN_ADMIN_TOKEN", "an-admin-token");

  @Test
  void defaultsComeFromTheDocumentedFile() {
    GatewayConfig c = ConfigLoader.load(Optional.empty(), ADMIN, Map.of());
    assertEquals(8080, c.http().port());
    assertEquals(1_048_576, c.ingest().maxBodyBytes());
    assertTrue(c.database().isEmbedded());
    assertEquals(Path.of("data/postgres"), c.database().embedded().dataDirectory());
    assertFalse(c.delivery().allowPrivateNetworks());
    assertEquals(List.of(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofHours(2),
        Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(10)), c.delivery().retrySchedule());
  }

  @Test
  void environmentOverridesUseUpperSnakePaths() {
    assertEquals("COUNTERSIGN_DELIVERY_RETRY_SCHEDULE", ConfigLoader.envName("delivery.retrySchedule"));
    GatewayConfig c = ConfigLoader.load(Optional.empty(), Map.of(
        "COUNTERSIGN_ADMIN_TOKEN", "an-admin-token",
        "COUNTERSIGN_HTTP_PORT", "9999",
        "COUNTERSIGN_DELIVERY_RETRY_SCHEDULE", "1s,2s",
        "COUNTERSIGN_DELIVERY_ALLOW_PRIVATE_NETWORKS", "true",
        "COUNTERSIGN_DB_URL", "postgresql://postgres@127.0.0.1:5432/test"), Map.of());
    assertEquals(9999, c.http().port());
    assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2)), c.delivery().retrySchedule());
    assertTrue(c.delivery().allowPrivateNetworks());
    assertFalse(c.database().isEmbedded());
  }

  @Test
  void aFileOverridesDefaultsAndUnknownKeysAreRefused() throws Exception {
    Path file = Files.createTempFile("gateway", ".yaml");
    Files.writeString(file, "http:\n  port: 7070\ndelivery:\n  timeout: 3s\n");
    GatewayConfig c = ConfigLoader.load(Optional.of(file), ADMIN, Map.of());
    assertEquals(7070, c.http().port());
    assertEquals(Duration.ofSeconds(3), c.delivery().timeout());
    Files.writeString(file, "http:\n  prot: 7070\n");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Optional.of(file), ADMIN, Map.of()));
    assertTrue(e.getMessage().contains("prot"), e.getMessage());
  }

  @Test
  void refusesToStartWithoutAnAdminToken() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Optional.empty(), Map.of(), Map.of()));
    assertTrue(e.getMessage().contains("COUNTERSIGN_ADMIN_TOKEN"), e.getMessage());
  }

  @Test
  void refusesATimeoutLongerThanTheLease() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Optional.empty(), ADMIN,
        Map.of("delivery.timeout", "2m", "delivery.leaseDuration", "1m")));
    assertTrue(e.getMessage().contains("leaseDuration"), e.getMessage());
  }

  @Test
  void durationsAcceptShortAndIsoForms() {
    assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
    assertEquals(Duration.ofDays(7), Durations.parse("P7D"));
    assertEquals(Duration.ofDays(7), Durations.parse("7d"));
    assertEquals(List.of(Duration.ZERO, Duration.ofSeconds(5)), Durations.parseList("immediately, 5s"));
    assertThrows(IllegalArgumentException.class, () -> Durations.parse("5 fortnights"));
  }
}
