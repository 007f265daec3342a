package io.countersign.gateway.endpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.http.ApiError;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConflictsTest {
  private static final Instant AT = Instant.parse("2026-11-26T10:02:14Z");

  @Test
  void aRotationThatLostToARotationIsARaceThatSaysWhoHoldsTheSecret() {
    Conflicts.Winner w = new Conflicts.Winner(2, "secret_rotated", "tok_E", AT);
    ApiError e = Conflicts.describe("rotate", 1, 2, w, true);
    assertEquals(409, e.status());
    assertEquals("rotation_race", e.code());
    JsonObject json = e.toJson();
    assertEquals(2L, json.getLong("currentVersion"));
    assertEquals("tok_E", json.getJsonObject("winner").getString("actor"));
    String detail = json.getString("detail");
    assertTrue(detail.contains("version 2 is a rotation by tok_E at 2026-11-26T10:02:14Z (UTC)"), detail);
    assertTrue(detail.contains("shown only to tok_E"), detail);
    assertTrue(detail.contains("roll back with If-Match \"2\""), detail);
    assertFalse(detail.toLowerCase().contains("reload"), detail);
  }

  @Test
  void onlyCompetingSecretChangesAreRotationRaces() {
    assertTrue(Conflicts.isRotationRace(true, "overlap_extended"));
    assertTrue(Conflicts.isRotationRace(true, null), "an unknown winner counts, to be safe");
    assertFalse(Conflicts.isRotationRace(true, "endpoint_updated"));
    assertFalse(Conflicts.isRotationRace(false, "secret_rotated"), "a settings change that lost is no rotation race");
    assertEquals("concurrent_change",
        Conflicts.describe("update", 1, 2, new Conflicts.Winner(2, "endpoint_disabled", "admin", AT), false).code());
  }

  @Test
  void aSecretActionReportsTheNewestSecretChangeAmongThoseItMissed() {
    List<Conflicts.Winner> since = List.of(new Conflicts.Winner(3, "endpoint_updated", "tok_A", AT.plusSeconds(5)),
        new Conflicts.Winner(2, "secret_rotated", "tok_E", AT));
    assertEquals(2, Conflicts.winner(since, 3, true).version());
    assertEquals(3, Conflicts.winner(since, 3, false).version());
    Conflicts.Winner unknown = Conflicts.winner(List.of(), 7, true);
    assertEquals(7, unknown.version());
    ApiError e = Conflicts.describe("rotate", 1, 3, Conflicts.winner(since, 3, true), true);
    assertEquals("rotation_race", e.code());
    assertTrue(e.getMessage().contains("the endpoint is at version 3 now"), e.getMessage());
  }
}
